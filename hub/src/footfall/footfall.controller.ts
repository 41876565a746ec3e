import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { apiError } from '../auth/api-error.js';
import { SiteParam } from '../auth/auth.guard.js';
import { FootfallService } from './footfall.service.js';

/** An optional epoch-ms query value. */
function epochMs(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[0-9]{1,16}$/.test(value))
    throw apiError(400, 'VALIDATION_FAILED', `?${name} is epoch ms`);
  return Number(value);
}

/** The Store view's foot-traffic chart: entries per door per UTC hour, and the doors' forecasts. */
@ApiTags('footfall')
@Controller('api/sites/:site/footfall')
@SiteParam('site')
export class FootfallController {
  constructor(@Inject(FootfallService) private readonly footfall: FootfallService) {}

  /**
   * `from`/`to` (epoch ms, rounded out to whole hours; default the last `footfall.defaultRangeHours`);
   * longer than `footfall.maxRangeHours`: 400 `FOOTFALL_RANGE_TOO_LONG`; a site not in the registry: 404 `SITE_UNKNOWN`.
   */
  @Get()
  @ApiQuery({ name: 'from', required: false, description: 'epoch ms' })
  @ApiQuery({ name: 'to', required: false, description: 'epoch ms' })
  history(@Param('site') site: string, @Query('from') from: unknown, @Query('to') to: unknown) {
    const range = { from: epochMs('from', from), to: epochMs('to', to) };
    return this.footfall.history(site, {
      ...(range.from === undefined ? {} : { from: range.from }),
      ...(range.to === undefined ? {} : { to: range.to }),
    });
  }
}
