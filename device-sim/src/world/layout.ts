import type { Rng } from '../rng.js';
import type { Scenario } from '../scenario.js';
import type { Catalog } from './catalog.js';

/** A store's physical layout: aisles, shelves, lanes on shelf scales, doors and registers. */

export interface LaneSpec {
  readonly index: number;
  readonly lane: string;
  readonly scale: string;
  readonly sku: number;
  readonly capacity: number;
  readonly facings: number;
  readonly unitGrams: number;
  readonly aisle: string;
  readonly shelf: number;
  readonly position: number;
  readonly zone: string;
  /**
   * Order along the walking path: aisle by aisle, position by position along the aisle, shelf by
   * shelf (0 at the bottom) at a position — aisle number × 100,000 + position × 10 + shelf.
   */
  readonly walk: number;
}

export interface ScaleSpec {
  readonly device: string;
  /** Lane indices weighed by this scale. */
  readonly lanes: readonly number[];
  readonly serial: boolean;
}

export interface StoreLayout {
  readonly site: string;
  readonly lanes: readonly LaneSpec[];
  readonly scales: readonly ScaleSpec[];
  readonly doors: readonly string[];
  readonly registers: readonly string[];
  /** SKU index → lanes holding it. */
  readonly lanesBySku: ReadonlyMap<number, readonly number[]>;
  /** SKU indices this store stocks, with cumulative popularity for weighted draws. */
  readonly stocked: readonly number[];
  readonly stockedCumulative: readonly number[];
}

type StoreScenario = Scenario['stores'][number];

const SHELVES_PER_AISLE = 5;

/**
 * A store's lane ids in lane order, `a01-s0-p00` (aisle, shelf from the bottom, position along the
 * aisle): a function of the lane and aisle counts alone, so a scenario can name lanes before the
 * world is built.
 */
export function laneIds(store: Pick<StoreScenario, 'lanes' | 'aisles'>): string[] {
  const lanesPerAisle = Math.ceil(store.lanes / store.aisles);
  return Array.from({ length: store.lanes }, (_, i) => {
    const inAisle = i % lanesPerAisle;
    const aisle = String(Math.floor(i / lanesPerAisle) + 1).padStart(2, '0');
    return `a${aisle}-s${inAisle % SHELVES_PER_AISLE}-p${String(Math.floor(inAisle / SHELVES_PER_AISLE)).padStart(2, '0')}`;
  });
}

/**
 * `unitsPerDay`: the store's expected units wanted a day, which a `planogram` shares out by
 * popularity among the SKUs the store stocks.
 */
export function buildLayout(store: StoreScenario, catalog: Catalog, rng: Rng, unitsPerDay = 0): StoreLayout {
  const bySkuPopularity = [...catalog.skus].sort((a, b) => b.popularity - a.popularity || a.index - b.index);
  const stockedPopularity = Array.from(
    { length: Math.min(store.lanes, bySkuPopularity.length) },
    (_, i) => bySkuPopularity[i]?.popularity ?? 0,
  ).reduce((a, b) => a + b, 0);
  const shelvesPerAisle = SHELVES_PER_AISLE;
  const ids = laneIds(store);
  const lanesPerAisle = Math.ceil(store.lanes / store.aisles);
  const lanes: LaneSpec[] = [];
  for (let i = 0; i < store.lanes; i++) {
    // Every SKU once in popularity order, then the most popular ones again (double facings).
    const sku = bySkuPopularity[i % bySkuPopularity.length] as (typeof bySkuPopularity)[number];
    const aisleNo = Math.floor(i / lanesPerAisle);
    const inAisle = i % lanesPerAisle;
    const shelf = inAisle % shelvesPerAisle;
    const position = Math.floor(inAisle / shelvesPerAisle);
    // Drawn under either layout, so the draws after it stay the same.
    let facings = rng.int(1, 4);
    // About 12 kg of stock per lane, 4–24 units deep behind each facing.
    let depth = Math.max(4, Math.min(24, Math.round(12_000 / Math.max(sku.unitGrams, 50) / facings)));
    if (store.planogram !== undefined) {
      const n = bySkuPopularity.length;
      const lanesOfSku = Math.floor(store.lanes / n) + (i % n < store.lanes % n ? 1 : 0);
      const perDay = stockedPopularity === 0 ? 0 : (unitsPerDay * sku.popularity) / stockedPopularity / lanesOfSku;
      depth = Math.max(4, Math.min(24, Math.round(6_000 / Math.max(sku.unitGrams, 50))));
      const need = Math.max(store.planogram.shelfDays * perDay, sku.casePack);
      facings = Math.max(1, Math.min(store.planogram.maxFacings, Math.ceil(need / depth)));
    }
    const aisle = `a${String(aisleNo + 1).padStart(2, '0')}`;
    lanes.push({
      index: i,
      lane: ids[i] as string,
      scale: '',
      sku: sku.index,
      capacity: facings * depth,
      facings,
      unitGrams: sku.unitGrams,
      aisle,
      shelf,
      position,
      zone: `z${Math.floor(aisleNo / 3) + 1}`,
      walk: (aisleNo + 1) * 100_000 + position * 10 + shelf,
    });
  }
  const scales: ScaleSpec[] = [];
  for (let s = 0; s * store.lanesPerScale < lanes.length; s++) {
    const device = `scale-${String(s + 1).padStart(3, '0')}`;
    const members: number[] = [];
    for (let i = s * store.lanesPerScale; i < Math.min(lanes.length, (s + 1) * store.lanesPerScale); i++) {
      lanes[i] = { ...(lanes[i] as LaneSpec), scale: device };
      members.push(i);
    }
    scales.push({ device, lanes: members, serial: s < store.serialScales });
  }
  const lanesBySku = new Map<number, number[]>();
  for (const lane of lanes) {
    const list = lanesBySku.get(lane.sku) ?? [];
    list.push(lane.index);
    lanesBySku.set(lane.sku, list);
  }
  const stocked = [...lanesBySku.keys()].sort((a, b) => a - b);
  const stockedCumulative: number[] = [];
  let total = 0;
  for (const sku of stocked) {
    total += catalog.skus[sku]?.popularity ?? 0;
    stockedCumulative.push(total);
  }
  return {
    site: store.id,
    lanes,
    scales,
    doors: Array.from({ length: store.doors }, (_, i) => `door-${i + 1}`),
    registers: Array.from({ length: store.registers }, (_, i) => `pos-${i + 1}`),
    lanesBySku,
    stocked,
    stockedCumulative,
  };
}
