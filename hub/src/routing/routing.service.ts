import {
  type DeliveryJob,
  type LatLon,
  newId,
  ROUTING_API_ERRORS,
  type Route,
  type RoutePlan,
  type RoutingApiError,
  routePlanCodec,
  topics,
} from '@aisle/protocols';
import {
  type HttpException,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AuditRepository } from '../audit/audit.repository.js';
import { apiError } from '../auth/api-error.js';
import type { HubBus } from '../broker/hub-bus.js';
import { type HubConfig, isTimeZone } from '../config.js';
import { RealtimeService } from '../realtime/realtime.service.js';
import { DeliveryJobs } from '../replenishment/delivery-jobs.service.js';
import { OrdersService } from '../replenishment/orders.service.js';
import { AUDIT_REPOSITORY, HUB_BUS, HUB_CONFIG, LOGGER, METRICS } from '../tokens.js';
import type { Solution } from './engine/solution.js';
import { type GeoPoint, HaversineMatrixProvider, type MatrixProvider } from './engine/travel.js';
import {
  type BuiltProblem,
  buildProblem,
  currentShift,
  type DepotPoint,
  type DoneStop,
  type FleetVan,
  toRoutePlan,
  type VanProgress,
} from './problem-builder.js';
import { FallbackMatrixProvider, RoadMatrixProvider } from './road-matrix.js';
import type { Fleet, RoutingRepository, StoredPlan } from './routing.repository.js';
import { ROUTING_REPOSITORY, SOLVER_THREAD } from './routing.tokens.js';
import { type SolvedProblem, SolverBusyError, type SolverThread } from './solver-thread.js';

/** The realtime site key planners subscribe to for every van's route and the plan summaries. */
export const LOGISTICS_SITE = 'logistics';

/** What tracking reports about a van (`setVanProgress`). */
export interface VanProgressReport {
  /** Last known position; absent: at its depot. */
  readonly position?: LatLon;
  /** Jobs of its active route finished, in order. */
  readonly doneJobs: readonly string[];
  /** The job it is driving to or serving now. */
  readonly inProgressJob?: string;
}

/** A plan as the API answers it: the wire plan, the jobs refused before solving, why it was made. */
export interface PlanView {
  readonly plan: RoutePlan;
  readonly refused: StoredPlan['refused'];
  readonly reason: string;
}

export interface ReplanOutcome extends PlanView {
  /** Vehicles whose route changed (and were published). */
  readonly changed: readonly string[];
}

type Trigger = 'plan' | 'replan';

/**
 * Route planning on the hub's live work (issue #8). `plan()` takes the pending delivery jobs of
 * approved store orders (`DeliveryJobs`) and the pending parcel jobs (`POST /api/routing/jobs`),
 * builds the problem (`problem-builder.ts`), solves it on the solver thread (`solver-thread.ts`),
 * and stores a new version, proposed. `activate(id)` makes it the active plan (the previous one
 * superseded), dispatches its store orders (`OrdersService.act`), and publishes each van's route
 * to its gateway, retained, QoS 1, on `down/{van}/{gateway}/replan` as a RoutePlan holding that
 * route alone — and on realtime channel `routes` (site: the van's, and `logistics`).
 *
 * Re-planning, while a plan is active: a new job (a store order approved here, a parcel posted),
 * a cancelled parcel (both debounced by `routing.replan.debounceMs`), or `replan(reason)` (a
 * delay, a planner). The problem is built from now, each van starting where tracking last saw it
 * with its job under way pinned and its finished stops kept; the result is stored as the next
 * version, made active at once, and only the routes whose stops changed are published.
 *
 * For tracking (`tracking/`):
 * - `activePlan(): RoutePlan | undefined` — the active plan as this process knows it;
 * - `onPlanActivated(listener: (plan: RoutePlan) => void): () => void` — called with each newly
 *   active plan (activation or re-plan), until the returned function is called;
 * - `setVanProgress(vehicle: string, progress: VanProgressReport): void` — where a van is (position,
 *   finished jobs in order, the job under way); used by the next re-plan;
 * - `replan(reason: string, actor?: string): Promise<ReplanOutcome>` — re-plan now (e.g. a delay).
 *
 * One plan or re-plan runs at a time in this process. With several replicas, each keeps its own
 * view of the active plan; plans are versioned in the database, so two replicas never store the
 * same version.
 */
@Injectable()
export class RoutingService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly #matrices: MatrixProvider<GeoPoint>;
  readonly #listeners = new Set<(plan: RoutePlan) => void>();
  readonly #progress = new Map<string, VanProgressReport>();
  #active: StoredPlan | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #debounce: { timer: NodeJS.Timeout; reasons: Set<string> } | undefined;
  #unsubscribe: (() => void) | undefined;
  readonly #metrics: {
    plans: Counter<'trigger'>;
    refusals: Counter<'code'>;
    published: Counter;
    dispatchFailures: Counter;
    replanFailures: Counter;
    jobs: Gauge;
  };

  constructor(
    @Inject(ROUTING_REPOSITORY) private readonly repository: RoutingRepository,
    @Inject(SOLVER_THREAD) private readonly solver: SolverThread,
    @Inject(DeliveryJobs) private readonly deliveryJobs: DeliveryJobs,
    @Inject(OrdersService) private readonly orders: OrdersService,
    @Inject(HUB_BUS) private readonly bus: HubBus,
    @Inject(RealtimeService) private readonly realtime: RealtimeService,
    @Inject(AUDIT_REPOSITORY) private readonly audit: AuditRepository,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) metrics: Registry,
  ) {
    const registers = [metrics];
    this.#matrices = matrixProvider(config.routing, logger, registers);
    this.#metrics = {
      plans: new Counter({
        name: 'aisle_hub_routing_plans_total',
        help: 'Route plans stored, by trigger (plan: proposed; replan: made active at once)',
        labelNames: ['trigger'],
        registers,
      }),
      refusals: new Counter({
        name: 'aisle_hub_routing_job_refusals_total',
        help: 'Delivery jobs left out of a plan before solving, by reason code (TOO_MANY_JOBS: routing.maxJobs)',
        labelNames: ['code'],
        registers,
      }),
      published: new Counter({
        name: 'aisle_hub_routing_routes_published_total',
        help: "Routes published to vans' gateways",
        registers,
      }),
      dispatchFailures: new Counter({
        name: 'aisle_hub_routing_dispatch_failures_total',
        help: 'Store orders of an activated plan that could not be dispatched (changed or cancelled meanwhile)',
        registers,
      }),
      replanFailures: new Counter({
        name: 'aisle_hub_routing_replan_failures_total',
        help: 'Automatic re-plans (new or cancelled jobs) that failed; the active plan stays',
        registers,
      }),
      jobs: new Gauge({
        name: 'aisle_hub_routing_plan_jobs',
        help: 'Jobs in the newest plan (bound: routing.maxJobs)',
        registers,
      }),
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    // The config seeds the fleet registry; what the fleet API changed since is kept.
    const { depots, fleet } = this.config.routing;
    await this.repository.seedFleet({ depots, vans: fleet }, Date.now());
    this.#active = await this.repository.activePlan();
    // An embedded broker keeps retained messages in memory only: after a restart, vans get their routes again.
    if (this.#active !== undefined) await this.#sendToGateways(this.#active.plan, this.#active.plan.routes);
    this.#unsubscribe = this.deliveryJobs.onJobCreated((job) => this.#jobsChanged(`job ${job.id}`));
  }

  async onApplicationShutdown(): Promise<void> {
    this.#unsubscribe?.();
    if (this.#debounce !== undefined) clearTimeout(this.#debounce.timer);
    this.#debounce = undefined;
    await this.solver.close();
  }

  /** The fleet registry: depots and vans (seeded from `routing.*`, kept by the fleet API). */
  fleet(): Promise<Fleet> {
    return this.repository.fleet();
  }

  /**
   * Adds or replaces a van; the next plan or re-plan uses it (a route it drives now is not
   * touched). Refused: an unknown depot (`FLEET_UNKNOWN_DEPOT`), a time zone the runtime does not
   * know, a capacity with other dimensions than the fleet's (`FLEET_DIMENSION_MISMATCH`).
   */
  async putVan(actor: string, van: FleetVan, now = Date.now()): Promise<FleetVan> {
    const fleet = await this.repository.fleet();
    if (fleet.depots[van.depot] === undefined)
      throw routingError('FLEET_UNKNOWN_DEPOT', `depot "${van.depot}" is not in the fleet registry`);
    if (!isTimeZone(van.timeZone))
      throw apiError(400, 'VALIDATION_FAILED', `/timeZone: unknown time zone "${van.timeZone}"`);
    const other = fleet.vans.find((v) => v.vehicle !== van.vehicle);
    if (other !== undefined && other.capacity.length !== van.capacity.length)
      throw routingError(
        'FLEET_DIMENSION_MISMATCH',
        `capacity has ${van.capacity.length} dimensions, the fleet's (${other.vehicle}) ${other.capacity.length}`,
      );
    await this.repository.putVan(van, now);
    await this.audit.append({ at: now, actor, action: 'routing.fleet.van', target: van.vehicle, detail: { ...van } });
    return van;
  }

  /** Takes a van out of the registry: later plans leave it out; 404 when it is not there. */
  async deleteVan(actor: string, vehicle: string, now = Date.now()): Promise<void> {
    if (!(await this.repository.deleteVan(vehicle))) throw apiError(404, 'NOT_FOUND', `no van "${vehicle}"`);
    await this.audit.append({ at: now, actor, action: 'routing.fleet.van-removed', target: vehicle, detail: {} });
  }

  /** Adds or moves a depot; vans based there plan from the new place from the next plan on. */
  async putDepot(actor: string, id: string, depot: DepotPoint, now = Date.now()): Promise<DepotPoint> {
    await this.repository.putDepot(id, depot, now);
    await this.audit.append({ at: now, actor, action: 'routing.fleet.depot', target: id, detail: { ...depot } });
    return depot;
  }

  activePlan(): RoutePlan | undefined {
    return this.#active?.plan;
  }

  onPlanActivated(listener: (plan: RoutePlan) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  setVanProgress(vehicle: string, progress: VanProgressReport): void {
    this.#progress.set(vehicle, progress);
  }

  async get(id: string): Promise<PlanView> {
    const stored = await this.repository.plan(id);
    if (stored === undefined) throw apiError(404, 'NOT_FOUND', `no plan ${id}`);
    return view(stored);
  }

  async active(): Promise<PlanView> {
    const stored = await this.repository.activePlan();
    if (stored === undefined) throw apiError(404, 'NOT_FOUND', 'no plan is active');
    return view(stored);
  }

  /** A new plan of every pending job, proposed (not yet sent to any van). */
  plan(actor: string, now = Date.now()): Promise<PlanView> {
    return this.#exclusive(async () => {
      const fleet = await this.repository.fleet();
      const jobs = await this.#pendingJobs(fleet, now, new Set());
      const built = await this.#build(fleet, jobs, now, new Map());
      const solved = await this.#solve(built);
      const stored = await this.#store(built, solved, now, 'proposed', 'plan', 'plan');
      await this.#audited(actor, 'routing.plan', stored);
      this.#publishSummary(stored);
      return view(stored);
    });
  }

  /** Makes a proposed plan the active one: dispatches its store orders and sends each van its route. */
  activate(actor: string, id: string, now = Date.now()): Promise<PlanView> {
    return this.#exclusive(async () => {
      const outcome = await this.repository.activate(id, now);
      if (outcome.kind === 'missing') throw apiError(404, 'NOT_FOUND', `no plan ${id}`);
      if (outcome.kind === 'superseded')
        throw routingError('PLAN_SUPERSEDED', `plan ${id} (version ${outcome.plan.plan.version}) is superseded`);
      if (outcome.kind === 'already-active') return view(outcome.plan);
      const stored = outcome.plan;
      this.#progress.clear(); // progress is along the previous plan's routes
      await this.#dispatch(actor, stored, new Set());
      await this.#publishRoutes(stored.plan, stored.plan.routes);
      this.#publishSummary(stored);
      await this.#audited(actor, 'routing.activate', stored);
      this.#becameActive(stored);
      return view(stored);
    });
  }

  /** Re-plans the active plan now (file comment); 409 NO_ACTIVE_PLAN without one. */
  replan(reason: string, actor = 'hub', now = Date.now()): Promise<ReplanOutcome> {
    return this.#exclusive(() => this.#replan(reason, actor, now));
  }

  /** Stores a parcel job (the id is the hub's) and re-plans after `routing.replan.debounceMs`. */
  async addJob(actor: string, input: Omit<DeliveryJob, 'id' | 'createdAt'>, now = Date.now()): Promise<DeliveryJob> {
    const dimensions = (await this.repository.fleet()).vans[0]?.capacity.length;
    if (dimensions !== undefined && input.demand.length !== dimensions)
      throw apiError(
        400,
        'VALIDATION_FAILED',
        `/demand: ${input.demand.length} dimensions, the fleet's capacity has ${dimensions}`,
      );
    const job: DeliveryJob = { ...input, id: newId(now), createdAt: now };
    await this.repository.addJob(job);
    await this.audit.append({ at: now, actor, action: 'routing.job.add', target: job.id, detail: { kind: job.kind } });
    this.#jobsChanged(`job ${job.id}`);
    return job;
  }

  /** Cancels a pending parcel job; the active plan is re-planned without it (debounced). */
  async cancelJob(actor: string, id: string, now = Date.now()): Promise<void> {
    const held = await this.repository.job(id);
    if (held === undefined) {
      if (this.#active?.jobs.some((j) => j.id === id) === true)
        throw routingError('JOB_NOT_CANCELLABLE', `job ${id} is a store order's: cancel the order`);
      throw apiError(404, 'NOT_FOUND', `no parcel job ${id}`);
    }
    if (!(await this.repository.cancelJob(id)))
      throw routingError('JOB_NOT_CANCELLABLE', `job ${id} is ${held.status}`);
    await this.audit.append({ at: now, actor, action: 'routing.job.cancel', target: id, detail: {} });
    this.#jobsChanged(`cancel ${id}`);
  }

  /** New or cancelled work: one re-plan after the debounce, for everything that came in meanwhile. */
  #jobsChanged(reason: string): void {
    if (this.#active === undefined) return;
    if (this.#debounce !== undefined) {
      this.#debounce.reasons.add(reason);
      return;
    }
    const reasons = new Set([reason]);
    const timer = setTimeout(() => {
      this.#debounce = undefined;
      const why = [...reasons].join(', ');
      this.replan(why).catch((error: unknown) => {
        this.#metrics.replanFailures.inc();
        this.logger.error({ err: error, reason: why }, 'routing: re-plan failed; the active plan stays');
      });
    }, this.config.routing.replan.debounceMs);
    timer.unref();
    this.#debounce = { timer, reasons };
  }

  async #replan(reason: string, actor: string, now: number): Promise<ReplanOutcome> {
    const active = await this.repository.activePlan();
    if (active === undefined) throw routingError('NO_ACTIVE_PLAN', 'plan and activate a plan first');
    const cancelled = await this.repository.cancelled(active.jobs.map((j) => j.id));
    const kept = active.jobs.filter((j) => !cancelled.has(j.id));
    const fleet = await this.repository.fleet();
    const jobs = [...kept, ...(await this.#pendingJobs(fleet, now, new Set(kept.map((j) => j.id))))];
    const built = await this.#build(fleet, jobs, now, this.#progressAlong(active.plan));
    const solved = await this.#solve(built, previousSolution(active.plan, built));
    const stored = await this.#store(built, solved, now, 'proposed', reason.slice(0, 500), 'replan');
    const outcome = await this.repository.activate(stored.plan.id, now);
    if (outcome.kind !== 'activated')
      throw routingError('PLAN_SUPERSEDED', `a newer plan became active while re-planning (${reason})`);
    const next = outcome.plan;
    const before = new Map(active.plan.routes.map((r) => [r.vehicle, r]));
    const changed = next.plan.routes.filter((r) => !sameStops(before.get(r.vehicle), r));
    await this.#dispatch(actor, next, new Set(active.plan.routes.flatMap((r) => r.stops.map((s) => s.job))));
    await this.#publishRoutes(next.plan, changed);
    this.#publishSummary(next);
    await this.#audited(actor, 'routing.replan', next, { changed: changed.map((r) => r.vehicle) });
    this.#becameActive(next);
    return { ...view(next), changed: changed.map((r) => r.vehicle) };
  }

  /** Pending jobs on no route of the active plan, within the fleet's shifts (`GET /api/routing/jobs`). */
  async waitingJobs(now = Date.now()): Promise<DeliveryJob[]> {
    const planned = new Set(this.#active?.plan.routes.flatMap((r) => r.stops.map((s) => s.job)) ?? []);
    return this.#pendingJobs(await this.repository.fleet(), now, planned);
  }

  /** Pending store-order and parcel jobs not in `except`, oldest first, within the fleet's shifts. */
  async #pendingJobs(fleet: Fleet, now: number, except: ReadonlySet<string>): Promise<DeliveryJob[]> {
    const ends = fleet.vans.map((van) => currentShift(van, now)[1]);
    const horizon = Math.max(now + 1, ...ends);
    const limit = this.config.routing.maxJobs;
    const [orders, parcels] = await Promise.all([
      this.deliveryJobs.pendingJobs(now, horizon),
      this.repository.pendingJobs(limit + 1),
    ]);
    return [...orders, ...parcels]
      .filter((j) => !except.has(j.id))
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  /** Tracking's reports as the builder's progress, done stops at their planned place and times. */
  #progressAlong(plan: RoutePlan): Map<string, VanProgress> {
    const progress = new Map<string, VanProgress>();
    for (const route of plan.routes) {
      const report = this.#progress.get(route.vehicle);
      const stops = new Map(route.stops.map((s) => [s.job, s]));
      const done: DoneStop[] = [];
      for (const stop of route.stops) if (stop.status === 'done') done.push(doneStop(stop));
      for (const job of report?.doneJobs ?? []) {
        const stop = stops.get(job);
        if (stop !== undefined && stop.status !== 'done') done.push(doneStop(stop));
      }
      if (report === undefined && done.length === 0) continue;
      const finished = new Set(done.map((d) => d.job));
      const ahead = route.stops.map((s) => s.job).filter((job) => !finished.has(job));
      const under = report?.inProgressJob;
      progress.set(route.vehicle, {
        doneJobs: done,
        onBoard: under !== undefined && ahead.includes(under) ? [under, ...ahead.filter((j) => j !== under)] : ahead,
        ...(report?.position === undefined ? {} : { position: report.position }),
        ...(report?.inProgressJob === undefined ? {} : { inProgressJob: report.inProgressJob }),
      });
    }
    return progress;
  }

  async #build(fleet: Fleet, jobs: readonly DeliveryJob[], now: number, progress: ReadonlyMap<string, VanProgress>) {
    const { routing } = this.config;
    return await buildProblem({
      jobs,
      fleet: fleet.vans,
      depots: fleet.depots,
      nowMs: now,
      matrices: this.#matrices,
      maxJobs: routing.maxJobs,
      dropPenaltyPerPriority: routing.dropPenaltyPerPriority,
      progress,
      loadedAtDepot: routing.replan.loadedAtDepot,
    });
  }

  async #solve(built: BuiltProblem, previous?: Solution): Promise<SolvedProblem> {
    for (const refusal of built.refused) this.#metrics.refusals.inc({ code: refusal.code });
    this.#metrics.jobs.set(built.jobs.length);
    const { timeLimitMs, seed, objective } = this.config.routing.solve;
    if (built.input.vehicleTypes.length === 0) return NOTHING_TO_SOLVE; // no fleet: every job was refused
    try {
      return await this.solver.solve(built.input, { timeLimitMs, seed, objective }, previous);
    } catch (error) {
      if (error instanceof SolverBusyError) throw routingError('SOLVER_BUSY', error.message);
      this.logger.error({ err: error }, 'routing: the solver failed');
      throw routingError('SOLVER_FAILED', (error as Error).message);
    }
  }

  async #store(
    built: BuiltProblem,
    solved: SolvedProblem,
    now: number,
    status: RoutePlan['status'],
    reason: string,
    trigger: Trigger,
  ): Promise<StoredPlan> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const meta = {
        id: newId(now),
        version: await this.repository.nextVersion(),
        createdAt: now,
        objective: this.config.routing.solve.objective,
        status,
      };
      const stored: StoredPlan = {
        plan: toRoutePlan(built, solved.evaluation, meta),
        jobs: built.jobs,
        refused: built.refused,
        reason,
      };
      if (await this.repository.savePlan(stored)) {
        this.#metrics.plans.inc({ trigger });
        return stored;
      }
    }
    throw apiError(409, 'CONFLICT', 'plan versions kept being taken by another replica; try again');
  }

  /** Dispatches the store orders of routed jobs not in `already` (they were dispatched with an earlier plan). */
  async #dispatch(actor: string, stored: StoredPlan, already: ReadonlySet<string>): Promise<void> {
    const byId = new Map(stored.jobs.map((j) => [j.id, j]));
    for (const route of stored.plan.routes)
      for (const stop of route.stops) {
        const job = byId.get(stop.job);
        if (job?.kind !== 'store-order' || job.order === undefined || job.site === undefined || already.has(job.id))
          continue;
        try {
          await this.orders.act(actor, job.site, job.order, { kind: 'dispatch' });
        } catch (error) {
          this.#metrics.dispatchFailures.inc();
          this.logger.warn({ err: error, order: job.order, job: job.id }, 'routing: store order not dispatched');
        }
      }
  }

  /** Each route to its van's gateway (retained) and to realtime. */
  async #publishRoutes(plan: RoutePlan, routes: readonly Route[]): Promise<void> {
    await this.#sendToGateways(plan, routes);
    for (const route of routes) {
      const delta = {
        channel: 'routes' as const,
        key: route.vehicle,
        value: { plan: plan.id, version: plan.version, route },
      };
      this.realtime.publish(route.vehicle, [delta]);
      this.realtime.publish(LOGISTICS_SITE, [delta]);
    }
  }

  async #sendToGateways(plan: RoutePlan, routes: readonly Route[]): Promise<void> {
    for (const route of routes) {
      if (route.gateway === undefined) continue;
      const topic = topics.down(route.vehicle, route.gateway, 'replan');
      await this.bus.publish(topic, routePlanCodec.encode(forVan(plan, route)), { qos: 1, retain: true });
      this.#metrics.published.inc();
    }
  }

  #publishSummary(stored: StoredPlan): void {
    const { plan } = stored;
    this.realtime.publish(LOGISTICS_SITE, [
      {
        channel: 'routes',
        key: 'plan',
        value: {
          id: plan.id,
          version: plan.version,
          status: plan.status,
          createdAt: plan.createdAt,
          kpis: plan.kpis,
          unassigned: plan.unassigned,
          refused: stored.refused,
          reason: stored.reason,
        },
      },
    ]);
  }

  #becameActive(stored: StoredPlan): void {
    this.#active = stored;
    for (const listener of [...this.#listeners]) {
      try {
        listener(stored.plan);
      } catch (error) {
        this.logger.error({ err: error, plan: stored.plan.id }, 'routing: a plan listener failed');
      }
    }
  }

  async #audited(actor: string, action: string, stored: StoredPlan, detail: Record<string, unknown> = {}) {
    await this.audit.append({
      at: stored.plan.createdAt,
      actor,
      action,
      target: stored.plan.id,
      detail: {
        version: stored.plan.version,
        reason: stored.reason,
        kpis: stored.plan.kpis,
        refused: stored.refused.length,
        ...detail,
      },
    });
  }

  /** Runs `work` after everything queued before it (one plan or re-plan at a time). */
  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

const NOTHING_TO_SOLVE: SolvedProblem = {
  solution: { routes: [] },
  evaluation: {
    routes: [],
    violations: [],
    cost: 0,
    distance: 0,
    duration: 0,
    vehiclesUsed: 0,
    dropped: [],
    dropPenalty: 0,
  },
  iterations: 0,
  elapsedMs: 0,
  unassigned: [],
};

function view(stored: StoredPlan): PlanView {
  return { plan: stored.plan, refused: stored.refused, reason: stored.reason };
}

/** The RoutePlan a van's gateway gets: the plan's identity with this van's route alone. */
function forVan(plan: RoutePlan, route: Route): RoutePlan {
  const lateness = route.stops.reduce((sum, s) => sum + (s.latenessMs ?? 0), 0);
  return {
    ...plan,
    kpis: {
      distanceM: route.distanceM,
      durationMs: route.durationMs,
      vehicles: route.stops.length > 0 ? 1 : 0,
      latenessMs: lateness,
      unassigned: 0,
    },
    routes: [route],
    unassigned: [],
  };
}

function doneStop(stop: RoutePlan['routes'][number]['stops'][number]): DoneStop {
  return { job: stop.job, location: stop.location, arrival: stop.arrival, departure: stop.departure };
}

/** Whether a van's route serves the same jobs in the same order (times may move). */
function sameStops(before: Route | undefined, after: Route): boolean {
  const a = before?.stops.map((s) => s.job) ?? [];
  const b = after.stops.map((s) => s.job);
  return a.length === b.length && a.every((job, i) => job === b[i]);
}

/**
 * The active plan's routes in the new problem's indices: jobs no longer planned left out, and each
 * van's pinned jobs (its job under way) moved to the head of its route, as the engine requires.
 */
function previousSolution(plan: RoutePlan, built: BuiltProblem): Solution {
  const pinned = new Set(built.input.vehicleTypes.flatMap((t) => t.pinned ?? []));
  return {
    routes: plan.routes.flatMap((route) => {
      const vehicleType = built.vehicleTypeOf.get(route.vehicle);
      if (vehicleType === undefined) return [];
      const jobs = route.stops.flatMap((s) => {
        const j = built.jobIndex.get(s.job);
        return j === undefined || pinned.has(j) ? [] : [j];
      });
      return [{ vehicleType, jobs: [...(built.input.vehicleTypes[vehicleType]?.pinned ?? []), ...jobs] }];
    }),
  };
}

function routingError(code: RoutingApiError, message: string): HttpException {
  return apiError(ROUTING_API_ERRORS[code].status, code, message);
}

/**
 * `routing.matrix`: Haversine × detour at `speedKmh`, or a road-network server with the straight
 * line for the pairs it cannot join and (with `fallback`) for when it fails, counted by reason.
 */
function matrixProvider(
  routing: HubConfig['routing'],
  logger: Logger,
  registers: Registry[],
): MatrixProvider<GeoPoint> {
  const { speedKmh, detourFactor, matrix } = routing;
  const straight = new HaversineMatrixProvider({ speedMps: speedKmh / 3.6, detourFactor });
  if (matrix.kind === 'haversine' || matrix.url === undefined) return straight;
  const road = new RoadMatrixProvider({
    kind: matrix.kind,
    url: matrix.url,
    profile: matrix.profile ?? (matrix.kind === 'osrm' ? 'driving' : 'auto'),
    timeoutMs: matrix.timeoutMs,
    maxLocationsPerRequest: matrix.maxLocationsPerRequest,
    detourFactor,
    fallbackSpeedMps: speedKmh / 3.6,
  });
  new Counter({
    name: 'aisle_hub_routing_matrix_unrouted_pairs_total',
    help: 'Location pairs the road network could not join, given the straight-line estimate',
    registers,
    collect() {
      this.reset();
      this.inc(road.unroutedPairs);
    },
  });
  new Counter({
    name: 'aisle_hub_routing_matrix_requests_total',
    help: 'Table requests sent to the road-network server',
    registers,
    collect() {
      this.reset();
      this.inc(road.requests);
    },
  });
  if (!matrix.fallback) return road;
  const fallbacks = new Counter({
    name: 'aisle_hub_routing_matrix_fallbacks_total',
    help: 'Plans whose travel times fell back to the straight line, by the road server failure code',
    labelNames: ['code'],
    registers,
  });
  return new FallbackMatrixProvider(road, straight, (error) => {
    fallbacks.inc({ code: error.code });
    logger.warn(
      { code: error.code, err: error.message },
      'routing: road-network matrix failed; planning on the straight line',
    );
  });
}
