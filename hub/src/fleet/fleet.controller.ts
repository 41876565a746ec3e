import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { apiError } from '../auth/api-error.js';
import { Roles, SiteParam } from '../auth/auth.guard.js';
import { FleetService } from './fleet.service.js';

/** The Fleet dashboard's aggregates (admins). */
@ApiTags('fleet')
@Controller('api/fleet')
export class FleetController {
  constructor(@Inject(FleetService) private readonly fleet: FleetService) {}

  /** Items stored per interval, oldest first; `since` (epoch ms) gives only the intervals ending after it. */
  @Roles('admin')
  @Get('ingest-rate')
  @ApiQuery({ name: 'since', required: false, description: 'epoch ms' })
  ingestRate(@Query('since') since: unknown) {
    if (since === undefined) return this.fleet.ingestRate();
    if (typeof since !== 'string' || !/^[0-9]{1,16}$/.test(since))
      throw apiError(400, 'VALIDATION_FAILED', '?since is epoch ms');
    return this.fleet.ingestRate(Number(since));
  }

  /** The site's devices (registered or seen) with when each last reported. */
  @Roles('admin')
  @SiteParam('site')
  @Get('sites/:site/devices')
  devices(@Param('site') site: string) {
    return this.fleet.devices(site);
  }
}
