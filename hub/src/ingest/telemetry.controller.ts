import { Controller, Get, Inject, Param, Query, Req } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
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
  @ApiQuery({ name: 'type', required: false, description: 'only items of this type, e.g. shelf.level' })
  @ApiQuery({ name: 'lanes', required: false, description: 'comma-separated lane ids: only the rows about them' })
  async latest(@Param('site') site: string, @Query('type') type?: string, @Query('lanes') lanes?: string) {
    // `lanes` (comma-separated): only the rows about these lanes, what a store map needs when an
    // aisle scrolls into view (its live subscription is scoped to the lanes on screen).
    const only = lanes === undefined ? undefined : new Set(lanes.split(',').filter((l) => l !== ''));
    const rows = await this.ingest.latest(site, type);
    const out = [];
    for (const r of rows) {
      const item = JSON.parse(r.item) as { data?: { lane?: unknown } };
      if (only !== undefined && !(typeof item.data?.lane === 'string' && only.has(item.data.lane))) continue;
      out.push({ device: r.device, key: r.key, type: r.type, ts: r.ts, item: item as unknown });
    }
    return out;
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
