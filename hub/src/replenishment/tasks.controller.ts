import { TASK_KINDS, TASK_STATES } from '@aisle/protocols';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { Type } from '@sinclair/typebox';
import { type AuthedRequest, Roles, SiteParam } from '../auth/auth.guard.js';
import { ApiBodyOf, bodyParser } from '../auth/body.js';
import { stateFilter } from './state-filter.js';
import { TasksService } from './tasks.service.js';

const CreateBody = bodyParser(
  Type.Object({
    kind: Type.Optional(Type.Union(TASK_KINDS.map((k) => Type.Literal(k)))),
    sku: Type.String({ minLength: 1, maxLength: 64 }),
    /** A refill names its lane. */
    lane: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    units: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    priority: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
    /** Why, as staff will read it. */
    text: Type.String({ minLength: 1, maxLength: 1024 }),
  }),
);
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

  /**
   * A task a planner or admin asks for by hand (issue #10: the demo's simulated clock keeps the
   * planner's lanes stale): made like the engine's suggestions (one open refill per lane: an open
   * one is refreshed), explained with rule `manual`.
   */
  @Post()
  @HttpCode(200)
  @Roles('admin', 'planner')
  @ApiBodyOf(CreateBody)
  async create(@Param('site') site: string, @Body() body: unknown, @Req() request: AuthedRequest) {
    const { kind, sku, lane, units, priority, text } = CreateBody(body);
    const outcome = await this.tasks.suggest([
      {
        site,
        sku,
        units,
        priority: priority ?? 500,
        explanation: { rule: 'manual', text: `${text} (asked by ${request.principal.username})`, values: {} },
        ...(kind === undefined ? {} : { kind }),
        ...(lane === undefined ? {} : { lane }),
      },
    ]);
    return [...outcome.created, ...outcome.refreshed, ...outcome.kept][0];
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
