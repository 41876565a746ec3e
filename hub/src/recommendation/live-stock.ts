import type { Item, ShelfLevel } from '@aisle/protocols';
import type { LatestRow } from '../ingest/ingest.repository.js';

interface LaneState {
  readonly sku: string;
  readonly units: number;
  readonly ts: number;
}

/**
 * What is on the shelves right now, per site, from the shelf scales' `shelf.level` readings: seeded
 * from the latest-value table at start, then moved by every stored live batch. A SKU is out of
 * stock at a site when every lane of it there reports 0 units; a lane never heard from says
 * nothing (unknown is not empty). An older reading than the lane's latest is ignored, so a
 * replayed backlog cannot resurrect an emptied lane.
 *
 * `version(site)` changes whenever the site's set of empty SKUs does, so callers can cache
 * anything derived from it.
 */
export class LiveStock {
  readonly #lanes = new Map<string, Map<string, LaneState>>();
  /** Per site and SKU: lanes known, and lanes with units. */
  readonly #counts = new Map<string, Map<string, { lanes: number; stocked: number }>>();
  readonly #empty = new Map<string, Set<string>>();
  readonly #versions = new Map<string, number>();

  /** Rows of the latest-value table of type `shelf.level` (`IngestRepository.latest`). */
  seed(rows: readonly LatestRow[]): void {
    for (const row of rows) {
      if (row.type !== 'shelf.level') continue;
      const level = (JSON.parse(row.item) as { data: ShelfLevel }).data;
      this.#apply(row.site, level, row.ts);
    }
  }

  /** A stored live batch (`IngestService.onStored`). */
  onItems(site: string, items: readonly Item[]): void {
    for (const item of items) if (item.type === 'shelf.level') this.#apply(site, item.data, item.ts);
  }

  /** SKUs with every known lane at 0 units at `site`. */
  outOfStock(site: string): ReadonlySet<string> {
    return this.#empty.get(site) ?? new Set();
  }

  version(site: string): number {
    return this.#versions.get(site) ?? 0;
  }

  /** Lanes known per site (for the metric). */
  lanes(): number {
    let n = 0;
    for (const lanes of this.#lanes.values()) n += lanes.size;
    return n;
  }

  #apply(site: string, level: ShelfLevel, ts: number): void {
    let lanes = this.#lanes.get(site);
    let counts = this.#counts.get(site);
    if (lanes === undefined || counts === undefined) {
      lanes = new Map();
      counts = new Map();
      this.#lanes.set(site, lanes);
      this.#counts.set(site, counts);
    }
    const previous = lanes.get(level.lane);
    if (previous !== undefined && previous.ts > ts) return;
    const next = { sku: level.sku, units: level.units, ts };
    lanes.set(level.lane, next);
    if (previous !== undefined) this.#count(counts, previous, -1);
    this.#count(counts, next, 1);
    if (previous !== undefined && previous.sku !== next.sku) this.#refresh(site, previous.sku, counts);
    this.#refresh(site, next.sku, counts);
  }

  #count(counts: Map<string, { lanes: number; stocked: number }>, lane: LaneState, sign: 1 | -1): void {
    const c = counts.get(lane.sku) ?? { lanes: 0, stocked: 0 };
    c.lanes += sign;
    if (lane.units > 0) c.stocked += sign;
    if (c.lanes === 0) counts.delete(lane.sku);
    else counts.set(lane.sku, c);
  }

  #refresh(site: string, sku: string, counts: ReadonlyMap<string, { lanes: number; stocked: number }>): void {
    const c = counts.get(sku);
    const isEmpty = c !== undefined && c.stocked === 0;
    let empty = this.#empty.get(site);
    if (empty === undefined) {
      empty = new Set();
      this.#empty.set(site, empty);
    }
    if (isEmpty === empty.has(sku)) return;
    if (isEmpty) empty.add(sku);
    else empty.delete(sku);
    this.#versions.set(site, this.version(site) + 1);
  }
}
