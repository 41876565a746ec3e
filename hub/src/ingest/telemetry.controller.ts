import { Controller, Get, Inject, Param, Query, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { type AuthedRequest, SiteParam } from '../auth/auth.guard.js';
import { canAccessSite } from '../auth/roles.js';
import { INGEST_REPOSITORY } from '../tokens.js';
import type { IngestRepository } from './ingest.repository.js';

/** Read side of ingest: latest values per site, gateway states. */
@ApiTags('telemetry')
@Controller('api')
export class TelemetryController {
  constructor(@Inject(INGEST_REPOSITORY) private readonly ingest: IngestRepository) {}

  @SiteParam('site')
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

  /** The gateways of the sites the caller may see. */
  @Get('gateways')
  async gateways(@Req() request: AuthedRequest) {
    const rows = (await this.ingest.gatewayStates()).filter((r) => canAccessSite(request.principal, r.site));
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
