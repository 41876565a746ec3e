import { JOB_KINDS, LatLon, TimeWindow } from '@aisle/protocols';
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Type } from '@sinclair/typebox';
import { apiError } from '../auth/api-error.js';
import { type AuthedRequest, Roles } from '../auth/auth.guard.js';
import { ApiBodyOf, bodyParser } from '../auth/body.js';
import { RoutingDepot, RoutingVan } from '../config.js';
import { RoutingService } from './routing.service.js';
import { TrackingService } from './tracking/tracking.service.js';

/** A parcel (or pickup) for routing; the hub gives it its id and creation time. */
const JobBody = bodyParser(
  Type.Object({
    kind: Type.Union(
      JOB_KINDS.filter((k) => k !== 'store-order').map((k) => Type.Literal(k)),
      { default: 'parcel' },
    ),
    location: LatLon,
    /** Per capacity dimension, in the order of `routing.fleet[].capacity`. */
    demand: Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1, maxItems: 8 }),
    /** Arrival windows (epoch ms); none: any time in a shift. */
    timeWindows: Type.Array(TimeWindow, { maxItems: 16, default: [] }),
    serviceMs: Type.Integer({ minimum: 0, maximum: 86_400_000, default: 300_000 }),
    /** 0: must be delivered; above 0: may be left out at `dropPenalty` (default priority × routing.dropPenaltyPerPriority). */
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    dropPenalty: Type.Optional(Type.Number({ minimum: 0, maximum: 1e12 })),
    site: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,64}$' })),
    parcels: Type.Optional(Type.Array(Type.String({ pattern: '^[\\x21-\\x7E]{1,128}$' }), { maxItems: 10_000 })),
  }),
);

const ReplanBody = bodyParser(
  Type.Object({
    /** Why (a delay, a closed road…): stored with the plan and audited. */
    reason: Type.String({ minLength: 1, maxLength: 500, default: 'planner' }),
  }),
);

/** A van of the fleet registry; its `vehicle` is the path's. */
const VanBody = bodyParser(Type.Omit(RoutingVan, ['vehicle']));
const DepotBody = bodyParser(RoutingDepot);

/** A fleet id in a path: a topic level (`[a-z0-9-]`), as the van's site id is. */
function fleetId(value: string, name: string): string {
  if (!/^[a-z0-9-]{1,64}$/.test(value)) throw apiError(400, 'VALIDATION_FAILED', `/${name}: not [a-z0-9-]{1,64}`);
  return value;
}

/**
 * Route plans for planners and admins: plan now (proposed), look at a plan, activate one (its
 * store orders dispatched, each van's route sent to its gateway), add or cancel a parcel job
 * (the active plan is re-planned, debounced), re-plan now; the tracked vans (last position,
 * ETAs); and the fleet registry (depots and vans, seeded from `routing.*`): later plans use what
 * is there. Refusals carry the routing codes
 * (`ROUTING_API_ERRORS`: NO_ACTIVE_PLAN, PLAN_SUPERSEDED, JOB_NOT_CANCELLABLE, SOLVER_BUSY,
 * SOLVER_FAILED).
 */
@ApiTags('routing')
@Controller('api/routing')
@Roles('admin', 'planner')
export class RoutingController {
  constructor(
    @Inject(RoutingService) private readonly routing: RoutingService,
    @Inject(TrackingService) private readonly tracking: TrackingService,
  ) {}

  @Get('plans/active')
  active() {
    return this.routing.active();
  }

  @Get('plans/:id')
  get(@Param('id') id: string) {
    return this.routing.get(id);
  }

  /** Plans every pending job now; the plan is proposed until activated. */
  @Post('plans')
  plan(@Req() request: AuthedRequest) {
    return this.routing.plan(request.principal.username);
  }

  @Post('plans/:id/activate')
  @HttpCode(200)
  activate(@Param('id') id: string, @Req() request: AuthedRequest) {
    return this.routing.activate(request.principal.username, id);
  }

  @Post('jobs')
  @ApiBodyOf(JobBody)
  addJob(@Body() body: unknown, @Req() request: AuthedRequest) {
    const { priority, dropPenalty, site, parcels, ...job } = JobBody(body);
    return this.routing.addJob(request.principal.username, {
      ...job,
      ...(priority === undefined ? {} : { priority }),
      ...(dropPenalty === undefined ? {} : { dropPenalty }),
      ...(site === undefined ? {} : { site }),
      ...(parcels === undefined ? {} : { parcels }),
    });
  }

  /**
   * Jobs waiting for dispatch: the pending store-order and parcel jobs on no route of the active
   * plan (all of them when none is active), oldest first: what the next plan or re-plan would add.
   */
  @Get('jobs')
  waiting() {
    return this.routing.waitingJobs();
  }

  @Delete('jobs/:id')
  @HttpCode(204)
  async cancelJob(@Param('id') id: string, @Req() request: AuthedRequest): Promise<void> {
    await this.routing.cancelJob(request.principal.username, id);
  }

  /** Re-plans the active plan now; only the routes that change are sent. */
  @Post('replan')
  @HttpCode(200)
  @ApiBodyOf(ReplanBody)
  replan(@Body() body: unknown, @Req() request: AuthedRequest) {
    return this.routing.replan(ReplanBody(body).reason, request.principal.username);
  }

  /**
   * The active plan's vans as tracking knows them now: each one's route with stop status and ETAs,
   * last position and its time, next job, return time, late risk — what channel `routes` pushes
   * per van, so a screen that opens (or reloads) places every van where it was last seen.
   */
  @Get('vans')
  vans() {
    return this.tracking.vans();
  }

  @Get('fleet')
  fleet() {
    return this.routing.fleet();
  }

  /** Adds or replaces a van (409 FLEET_UNKNOWN_DEPOT, FLEET_DIMENSION_MISMATCH). */
  @Put('fleet/vans/:vehicle')
  @ApiBodyOf(VanBody)
  putVan(@Param('vehicle') vehicle: string, @Body() body: unknown, @Req() request: AuthedRequest) {
    return this.routing.putVan(request.principal.username, { ...VanBody(body), vehicle: fleetId(vehicle, 'vehicle') });
  }

  @Delete('fleet/vans/:vehicle')
  @HttpCode(204)
  async deleteVan(@Param('vehicle') vehicle: string, @Req() request: AuthedRequest): Promise<void> {
    await this.routing.deleteVan(request.principal.username, fleetId(vehicle, 'vehicle'));
  }

  @Put('fleet/depots/:id')
  @ApiBodyOf(DepotBody)
  putDepot(@Param('id') id: string, @Body() body: unknown, @Req() request: AuthedRequest) {
    return this.routing.putDepot(request.principal.username, fleetId(id, 'id'), DepotBody(body));
  }
}
