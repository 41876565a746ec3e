import { TASK_STATES } from '@aisle/protocols';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { Type } from '@sinclair/typebox';
import { type AuthedRequest, SiteParam } from '../auth/auth.guard.js';
import { ApiBodyOf, bodyParser } from '../auth/body.js';
import { stateFilter } from './state-filter.js';
import { TasksService } from './tasks.service.js';

const CompleteBody = bodyParser(
  Type.Object({
    /** Units actually moved to the shelf (may differ from the task's units). */
    unitsMoved: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
  }),
);
const SkipBody = bodyParser(
  Type.Object({
    /** Why the task was not done (e.g. `backroom empty`, `lane blocked`). */
    reason: Type.String({ minLength: 1, maxLength: 500 }),
  }),
);

/**
 * Staff tasks of a site (open → claimed → done | skipped; a claimed task can be released). Staff
 * see and move only their sites' tasks; a refused transition is 409 with its reason code
 * (TASK_NOT_OPEN, TASK_NOT_CLAIMED, TASK_CLAIMED_BY_OTHER).
 */
@ApiTags('replenishment')
@Controller('api/sites/:site/tasks')
@SiteParam('site')
export class TasksController {
  constructor(@Inject(TasksService) private readonly tasks: TasksService) {}

  /** Most urgent first; `?state=open,claimed` filters. */
  @Get()
  @ApiQuery({ name: 'state', required: false, description: `comma-separated: ${TASK_STATES.join(', ')}` })
  list(@Param('site') site: string, @Query('state') state: unknown) {
    return this.tasks.list(site, stateFilter(state, TASK_STATES));
  }

  @Post(':id/claim')
  @HttpCode(200)
  claim(@Param('site') site: string, @Param('id') id: string, @Req() request: AuthedRequest) {
    return this.tasks.act(request.principal, site, id, { kind: 'claim' });
  }

  /** Gives a claimed task back (its claimer; admins and planners for anyone). */
  @Post(':id/release')
  @HttpCode(200)
  release(@Param('site') site: string, @Param('id') id: string, @Req() request: AuthedRequest) {
    return this.tasks.act(request.principal, site, id, { kind: 'release' });
  }

  @Post(':id/complete')
  @HttpCode(200)
  @ApiBodyOf(CompleteBody)
  complete(@Param('site') site: string, @Param('id') id: string, @Body() body: unknown, @Req() request: AuthedRequest) {
    const { unitsMoved } = CompleteBody(body);
    return this.tasks.act(request.principal, site, id, { kind: 'complete', unitsMoved });
  }

  @Post(':id/skip')
  @HttpCode(200)
  @ApiBodyOf(SkipBody)
  skip(@Param('site') site: string, @Param('id') id: string, @Body() body: unknown, @Req() request: AuthedRequest) {
    const { reason } = SkipBody(body);
    return this.tasks.act(request.principal, site, id, { kind: 'skip', reason });
  }
}
