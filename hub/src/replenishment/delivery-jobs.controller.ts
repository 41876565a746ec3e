import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { apiError } from '../auth/api-error.js';
import { Roles } from '../auth/auth.guard.js';
import { DeliveryJobs } from './delivery-jobs.service.js';

/** The pending delivery jobs routing plans, as planners see them. */
@ApiTags('replenishment')
@Controller('api/delivery-jobs')
export class DeliveryJobsController {
  constructor(@Inject(DeliveryJobs) private readonly jobs: DeliveryJobs) {}

  /** Pending jobs whose window overlaps [from, to) (epoch ms), and those without a window. */
  @Roles('admin', 'planner')
  @Get()
  @ApiQuery({ name: 'from', required: true, description: 'epoch ms' })
  @ApiQuery({ name: 'to', required: true, description: 'epoch ms' })
  pending(@Query('from') from: unknown, @Query('to') to: unknown) {
    const range = [from, to].map((v) => (typeof v === 'string' && /^[0-9]{1,16}$/.test(v) ? Number(v) : Number.NaN));
    const [start = Number.NaN, end = Number.NaN] = range;
    if (Number.isNaN(start) || Number.isNaN(end) || end <= start)
      throw apiError(400, 'VALIDATION_FAILED', '?from and ?to are epoch ms with from < to');
    return this.jobs.pendingJobs(start, end);
  }
}
