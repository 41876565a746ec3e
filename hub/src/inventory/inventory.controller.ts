import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { SiteParam } from '../auth/auth.guard.js';
import type { IngestRepository } from '../ingest/ingest.repository.js';
import { INGEST_REPOSITORY } from '../tokens.js';

interface LaneLevel {
  readonly lane: string;
  readonly device: string;
  readonly sku: string;
  readonly units: number;
  readonly capacity: number;
  readonly ts: number;
}

/** Inventory from what the shelves report: units per lane now, and per SKU across the site's lanes. */
@ApiTags('inventory')
@Controller('api')
export class InventoryController {
  constructor(@Inject(INGEST_REPOSITORY) private readonly ingest: IngestRepository) {}

  @SiteParam('site')
  @Get('sites/:site/inventory')
  async inventory(@Param('site') site: string) {
    const lanes: LaneLevel[] = (await this.ingest.latest(site, 'shelf.level')).map((row) => {
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
}
