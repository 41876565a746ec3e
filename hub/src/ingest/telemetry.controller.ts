import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { INGEST_REPOSITORY } from '../tokens.js';
import type { IngestRepository } from './ingest.repository.js';

/** Read side of ingest: latest values per site, gateway states. */
@Controller('api')
export class TelemetryController {
  constructor(@Inject(INGEST_REPOSITORY) private readonly ingest: IngestRepository) {}

  @Get('sites/:site/latest')
  async latest(@Param('site') site: string, @Query('type') type?: string) {
    const rows = await this.ingest.latest(site, type);
    return rows.map((r) => ({
      device: r.device,
      key: r.key,
      type: r.type,
      ts: r.ts,
      item: JSON.parse(r.item) as unknown,
    }));
  }

  @Get('gateways')
  async gateways() {
    const rows = await this.ingest.gatewayStates();
    return rows.map((r) => ({
      gateway: r.gateway,
      site: r.site,
      status: r.status,
      boot: r.boot,
      updatedAt: r.updatedAt,
      state: JSON.parse(r.state) as unknown,
    }));
  }
}
