import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { SiteParam } from '../auth/auth.guard.js';
import type { IngestRepository } from '../ingest/ingest.repository.js';
import type { RegistryRepository } from '../registry/registry.repository.js';
import { INGEST_REPOSITORY, REGISTRY_REPOSITORY } from '../tokens.js';

interface LaneLevel {
  readonly lane: string;
  readonly device: string;
  readonly sku: string;
  readonly units: number;
  readonly capacity: number;
  readonly ts: number;
}

/** Shelves of one aisle now: lanes, how many reported a level, how many are empty or below a quarter. */
interface AisleSummary {
  readonly aisle: string;
  lanes: number;
  reporting: number;
  empty: number;
  /** Below a quarter of capacity, empty ones included. */
  belowQuarter: number;
}

/** A lane id that says where it is (`a01-s2-p03`), for lanes the planogram does not place. */
const LANE_ID = /^(.+?)-s\d+-p\d+$/;

/** Inventory from what the shelves report: units per lane now, and per SKU across the site's lanes. */
@ApiTags('inventory')
@Controller('api')
export class InventoryController {
  constructor(
    @Inject(INGEST_REPOSITORY) private readonly ingest: IngestRepository,
    @Inject(REGISTRY_REPOSITORY) private readonly registry: RegistryRepository,
  ) {}

  @SiteParam('site')
  @Get('sites/:site/inventory')
  async inventory(@Param('site') site: string) {
    const lanes = await this.#lanes(site);
    const bySku = new Map<string, { sku: string; units: number; capacity: number; lanes: number }>();
    for (const lane of lanes) {
      const total = bySku.get(lane.sku) ?? { sku: lane.sku, units: 0, capacity: 0, lanes: 0 };
      total.units += lane.units;
      total.capacity += lane.capacity;
      total.lanes += 1;
      bySku.set(lane.sku, total);
    }
    return { site, lanes, skus: [...bySku.values()].sort((a, b) => a.sku.localeCompare(b.sku)) };
  }

  /**
   * Server-side aggregation for the store map: per aisle, its lanes (the planogram's and any other
   * that reported), how many reported, are empty, are below a quarter. A screen that follows only
   * the aisles in view (its live subscription scoped to their lanes) still shows the whole store's
   * counts from this, read every few seconds, instead of holding every lane's level.
   */
  @SiteParam('site')
  @Get('sites/:site/inventory/aisles')
  async aisles(@Param('site') site: string) {
    const [lanes, planogram] = await Promise.all([this.#lanes(site), this.registry.planogram(site)]);
    const aisleOf = new Map((planogram?.lanes ?? []).map((l) => [l.lane, l.aisle]));
    const aisles = new Map<string, AisleSummary>();
    const summary = (lane: string): AisleSummary => {
      const aisle = aisleOf.get(lane) ?? LANE_ID.exec(lane)?.[1] ?? 'other';
      const held = aisles.get(aisle) ?? { aisle, lanes: 0, reporting: 0, empty: 0, belowQuarter: 0 };
      aisles.set(aisle, held);
      return held;
    };
    const reported = new Set<string>();
    for (const lane of lanes) {
      reported.add(lane.lane);
      const s = summary(lane.lane);
      s.lanes += 1;
      s.reporting += 1;
      if (lane.units <= 0) s.empty += 1;
      if (lane.capacity > 0 ? lane.units / lane.capacity < 0.25 : lane.units <= 0) s.belowQuarter += 1;
    }
    for (const lane of aisleOf.keys()) if (!reported.has(lane)) summary(lane).lanes += 1;
    const list = [...aisles.values()].sort((a, b) => a.aisle.localeCompare(b.aisle, 'en', { numeric: true }));
    return { site, aisles: list };
  }

  async #lanes(site: string): Promise<LaneLevel[]> {
    return (await this.ingest.latest(site, 'shelf.level')).map((row) => {
      const data = (JSON.parse(row.item) as { data: { lane: string; sku: string; units: number; capacity: number } })
        .data;
      return {
        lane: data.lane,
        device: row.device,
        sku: data.sku,
        units: data.units,
        capacity: data.capacity,
        ts: row.ts,
      };
    });
  }
}
