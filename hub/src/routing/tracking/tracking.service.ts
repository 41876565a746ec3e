import {
  type Alert,
  type GpsFix,
  type Item,
  type LatLon,
  localClockMs,
  newId,
  type Route,
  type RoutePlan,
  type TimeWindow,
  type VanEvent,
} from '@aisle/protocols';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { HubConfig } from '../../config.js';
import { IngestService } from '../../ingest/ingest.service.js';
import { RealtimeService } from '../../realtime/realtime.service.js';
import { HUB_CONFIG, LOGGER, METRICS } from '../../tokens.js';
import { haversineMeters } from '../engine/travel.js';
import type { RoutingRepository } from '../routing.repository.js';
import { LOGISTICS_SITE, RoutingService } from '../routing.service.js';
import { ROUTING_REPOSITORY } from '../routing.tokens.js';
import { type EtaOptions, type RouteEta, routeEta } from './eta.js';
import { type LateRiskHeld, lateRiskStep } from './late-risk.js';
import { RouteProgress } from './progress.js';
import { HOUR_MS, SpeedProfile } from './speed-profile.js';
import { learnFromTraceFile } from './trace-speeds.js';

/**
 * A tracked van as channel `routes` carries it (key: its vehicle), and as `GET /api/routing/vans`
 * answers it: the route with each stop's status and ETA, where the van was last seen and when.
 */
export interface TrackedVan {
  readonly vehicle: string;
  readonly plan: string;
  readonly version: number;
  readonly route: Route;
  /** Last fix; absent: none since the plan became active (drawn at its depot). */
  readonly position: LatLon | undefined;
  /** Readings' time of that fix (the ETAs' "now"). */
  readonly updatedAt: number | undefined;
  readonly nextJob: string | undefined;
  readonly returnAt: number;
  readonly lateRisk: { readonly job: string; readonly minutes: number; readonly alert: string } | undefined;
  readonly speedMps: number;
}

/** One tracked van: its route in the active plan, its progress, what was last pushed and alerted. */
interface VanTrack {
  plan: { id: string; version: number };
  readonly progress: RouteProgress;
  /** Readings' time of the last realtime push (undefined: never). */
  pushedAt: number | undefined;
  lateRisk: LateRiskHeld | undefined;
}

/**
 * Live tracking of the active plan's vans (issue #8): each live batch the hub stores
 * (`IngestService.onStored`) moves the vans it has fixes or van events of (`progress.ts`); their
 * ETAs are recomputed (`eta.ts`, with the hour-of-day `SpeedProfile`, learned at start from
 * `routing.tracking.speed.tracesFile` and online from the vans' driving stretches), pushed to
 * planners on realtime channel `routes`, and a `late-risk` alert is raised, updated or cleared on
 * `route-alerts` (`late-risk.ts`). The clock is the readings' time: a simulator running faster
 * than real time gets ETAs in its own time, and nothing here reads the wall clock.
 *
 * Realtime, on the van's site and on `logistics` (where the routing module publishes routes too):
 * - `routes`, key = vehicle: `{ plan, version, route, position, updatedAt, nextJob, returnAt,
 *   lateRisk, speedMps }` — the route with each stop's `status` and its estimated (pending) or
 *   actual (arrived) `arrival`/`departure`, `waitMs` and projected `latenessMs`; at most once per
 *   `pushEveryMs` of the van's readings, and at once on an arrival, departure or alert change;
 * - `route-alerts`, key = `late-risk:{vehicle}`: the protocol `Alert` (subject `route`/vehicle).
 *
 * Progress goes to `RoutingService.setVanProgress`, so a re-plan starts each van where it is; with
 * `replanOnLateRisk` a raised alert also asks for a re-plan.
 */
@Injectable()
export class TrackingService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly #vans = new Map<string, VanTrack>();
  /** Windows of the active plan's jobs, by job id (the wire route stop does not carry them). */
  #windows = new Map<string, readonly TimeWindow[]>();
  /** Version of the plan tracked: an older one whose jobs were read late does not replace it. */
  #planVersion = -1;
  readonly #profile: SpeedProfile;
  readonly #eta: EtaOptions;
  #unsubscribe: Array<() => void> = [];
  readonly #metrics: {
    alerts: Counter<'state'>;
    updates: Counter<'kind'>;
    pushes: Counter;
    atRisk: Gauge;
    tracked: Gauge;
  };

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(ModuleRef) private readonly modules: ModuleRef,
    @Inject(RoutingService) private readonly routing: RoutingService,
    @Inject(ROUTING_REPOSITORY) private readonly repository: RoutingRepository,
    @Inject(RealtimeService) private readonly realtime: RealtimeService,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) metrics: Registry,
  ) {
    const { tracking, speedKmh, detourFactor } = config.routing;
    const { timeZone } = tracking.speed;
    this.#profile = new SpeedProfile({
      defaultSpeedMps: speedKmh / 3.6,
      minSamplesPerHour: tracking.speed.minSamplesPerHour,
      maxSamplesPerHour: tracking.speed.maxSamplesPerHour,
      trimShare: tracking.speed.trimShare,
      hourOf: (ms) => Math.floor(localClockMs(ms, timeZone) / HOUR_MS) % 24,
    });
    this.#eta = {
      detourFactor,
      lateRiskMs: tracking.lateRiskMs,
      windowToleranceMs: tracking.windowToleranceMs,
    };
    const registers = [metrics];
    this.#metrics = {
      alerts: new Counter({
        name: 'aisle_hub_routing_late_risk_alerts_total',
        help: 'Late-risk alerts sent, by state (raised, updated, cleared)',
        labelNames: ['state'],
        registers,
      }),
      updates: new Counter({
        name: 'aisle_hub_routing_tracking_readings_total',
        help: 'Readings that moved a tracked van, by kind (fix, event)',
        labelNames: ['kind'],
        registers,
      }),
      pushes: new Counter({
        name: 'aisle_hub_routing_eta_pushes_total',
        help: 'Route ETA updates pushed to realtime',
        registers,
      }),
      atRisk: new Gauge({
        name: 'aisle_hub_routing_routes_at_risk',
        help: 'Routes with a late-risk alert raised now',
        registers,
      }),
      tracked: new Gauge({
        name: 'aisle_hub_routing_vans_tracked',
        help: 'Vans with a route in the active plan (bound: routing.fleet)',
        registers,
      }),
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    const { tracesFile } = this.config.routing.tracking.speed;
    if (tracesFile !== undefined) {
      const load = await learnFromTraceFile(tracesFile, this.#profile);
      this.logger.info(
        { ...load, speedMps: this.#profile.snapshot().overall.speedMps, file: tracesFile },
        'routing tracking: speed profile learned from traces',
      );
    }
    this.#unsubscribe.push(this.routing.onPlanActivated((plan) => void this.#adopt(plan)));
    // From the store, not RoutingService.activePlan(): its own start may not have loaded it yet.
    const stored = await this.repository.activePlan();
    if (stored !== undefined) this.#adoptWith(stored.plan, stored.jobs);
    const ingest = this.modules.get(IngestService, { strict: false });
    this.#unsubscribe.push(ingest.onStored((site, items) => this.onReadings(site, items)));
  }

  onApplicationShutdown(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
  }

  /**
   * Every van of the active plan as tracking knows it now, by vehicle: what a planner's screen
   * loads at start (`GET /api/routing/vans`), so a reloaded page places each van where it was last
   * seen instead of at its depot until its next fix. This process's view: with several replicas,
   * each answers from the readings it stored (the readings of a van go to one replica at a time).
   */
  vans(): TrackedVan[] {
    const vans: TrackedVan[] = [];
    for (const [vehicle, track] of this.#vans) vans.push(this.#tracked(vehicle, track, this.#routeEta(track)));
    return vans.sort((a, b) => (a.vehicle < b.vehicle ? -1 : a.vehicle > b.vehicle ? 1 : 0));
  }

  /** The speed profile as learned so far (hours, overall, default). */
  speedProfile() {
    return this.#profile.snapshot();
  }

  /** A stored live batch: the fixes and van events of tracked vans, in time order. */
  onReadings(site: string, items: readonly Item[]): void {
    const touched = new Map<string, boolean>();
    const relevant = items
      .filter((item) => item.type === 'gps.fix' || item.type === 'van.event')
      .sort((a, b) => a.ts - b.ts);
    for (const item of relevant) {
      if (item.type === 'gps.fix') {
        const fix = item.data as GpsFix;
        const vehicle = fix.van ?? item.src.site;
        const track = this.#vans.get(vehicle);
        if (track === undefined) continue;
        const outcome = track.progress.onFix({ lat: fix.lat, lon: fix.lon }, item.ts);
        if (outcome.driving !== undefined) this.#profile.addSegment(outcome.driving);
        this.#metrics.updates.inc({ kind: 'fix' });
        touched.set(vehicle, (touched.get(vehicle) ?? false) || outcome.changed);
      } else {
        const event = item.data as VanEvent;
        const track = this.#vans.get(event.van);
        const job = event.job ?? event.stop;
        if (track === undefined || job === undefined) continue;
        const changed =
          event.event === 'arrived'
            ? track.progress.arrived(job, item.ts)
            : event.event === 'departed'
              ? track.progress.departed(job, item.ts)
              : false;
        if (changed) this.#metrics.updates.inc({ kind: 'event' });
        touched.set(event.van, (touched.get(event.van) ?? false) || changed);
      }
    }
    for (const [vehicle, moved] of touched) {
      try {
        this.#refresh(vehicle, moved);
      } catch (error) {
        this.logger.error({ err: error, vehicle, site }, 'routing tracking: van not refreshed');
      }
    }
  }

  /** A newly active plan: its routes tracked, progress kept for vans that already had one. */
  async #adopt(plan: RoutePlan): Promise<void> {
    try {
      const stored = await this.repository.plan(plan.id);
      this.#adoptWith(plan, stored?.jobs ?? []);
    } catch (error) {
      this.logger.error({ err: error, plan: plan.id }, 'routing tracking: plan jobs not read; windows from the plan');
      this.#adoptWith(plan, []);
    }
  }

  #adoptWith(plan: RoutePlan, jobs: ReadonlyArray<{ id: string; timeWindows: readonly TimeWindow[] }>): void {
    if (plan.version < this.#planVersion) return;
    this.#planVersion = plan.version;
    this.#windows = new Map(jobs.filter((j) => j.timeWindows.length > 0).map((j) => [j.id, j.timeWindows]));
    const { arriveRadiusM, leaveRadiusM } = this.config.routing.tracking;
    const vehicles = new Set<string>();
    for (const route of plan.routes) {
      vehicles.add(route.vehicle);
      const track = this.#vans.get(route.vehicle);
      if (track === undefined)
        this.#vans.set(route.vehicle, {
          plan: { id: plan.id, version: plan.version },
          progress: new RouteProgress(route, { arriveRadiusM, leaveRadiusM }),
          pushedAt: undefined,
          lateRisk: undefined,
        });
      else {
        track.plan = { id: plan.id, version: plan.version };
        track.progress.rebase(route);
      }
    }
    for (const [vehicle, track] of this.#vans) {
      if (vehicles.has(vehicle)) continue;
      // No route any more: its alert stops holding.
      if (track.lateRisk !== undefined)
        this.#alert(
          vehicle,
          lateRiskStep(vehicle, track.lateRisk, { atRisk: [], worst: undefined }, 0, this.#eta, newId).alert,
        );
      this.#vans.delete(vehicle);
    }
    this.#metrics.tracked.set(this.#vans.size);
    this.#countAtRisk();
    // Re-judge every van on the new routes (a re-plan may move a stop's ETA past its close, or back).
    for (const vehicle of this.#vans.keys()) this.#refresh(vehicle, true);
  }

  #refresh(vehicle: string, moved: boolean): void {
    const track = this.#vans.get(vehicle);
    if (track === undefined) return;
    const { progress } = track;
    const eta = this.#routeEta(track);
    const now = eta.now;
    const step = lateRiskStep(vehicle, track.lateRisk, eta, now ?? progress.route.startAt, this.#eta, newId);
    const raised = track.lateRisk === undefined && step.held !== undefined;
    track.lateRisk = step.held;
    if (step.alert !== undefined) {
      this.#alert(vehicle, step.alert);
      this.#countAtRisk();
    }
    this.routing.setVanProgress(vehicle, {
      ...(progress.fix === undefined ? {} : { position: progress.fix.position }),
      doneJobs: progress.served.map((s) => s.job),
      ...(progress.inProgress !== undefined
        ? { inProgressJob: progress.inProgress.job }
        : progress.fix !== undefined && eta.nextJob !== undefined && this.#leftDepot(progress)
          ? { inProgressJob: eta.nextJob }
          : {}),
    });
    const due =
      moved ||
      step.alert !== undefined ||
      track.pushedAt === undefined ||
      now === undefined ||
      now - track.pushedAt >= this.config.routing.tracking.pushEveryMs;
    if (due) {
      this.#push(vehicle, track, eta);
      track.pushedAt = now;
    }
    if (raised && this.config.routing.tracking.replanOnLateRisk) {
      this.routing.replan(`late-risk ${vehicle} ${step.held?.job ?? ''}`.trim()).catch((error: unknown) => {
        this.logger.warn({ err: error, vehicle }, 'routing tracking: re-plan on late risk failed');
      });
    }
  }

  #leftDepot(progress: RouteProgress): boolean {
    const fix = progress.fix;
    if (fix === undefined) return false;
    return (
      progress.served.length > 0 ||
      haversineMeters(fix.position, progress.route.depot) > this.config.routing.tracking.leaveRadiusM
    );
  }

  #routeEta(track: VanTrack): RouteEta {
    const { progress } = track;
    return routeEta(progress.route, progress, this.#profile, this.#eta, (job) => this.#windows.get(job));
  }

  #push(vehicle: string, track: VanTrack, eta: RouteEta): void {
    const { vehicle: _, ...value } = this.#tracked(vehicle, track, eta);
    const delta = { channel: 'routes' as const, key: vehicle, value };
    this.realtime.publish(vehicle, [delta]);
    this.realtime.publish(LOGISTICS_SITE, [delta]);
    this.#metrics.pushes.inc();
  }

  #tracked(vehicle: string, track: VanTrack, eta: RouteEta): TrackedVan {
    const route = track.progress.route;
    const stops = route.stops.map((stop, i) => {
      const e = eta.stops[i];
      if (e === undefined) return stop;
      return {
        ...stop,
        status: e.status,
        arrival: Math.round(e.arrival),
        departure: Math.round(e.departure),
        waitMs: Math.max(0, Math.round(e.waitMs)),
        latenessMs: Math.max(0, Math.round(e.latenessMs)),
      };
    });
    const tracked: Route = { ...route, stops, endAt: Math.round(Math.max(eta.returnAt, stops.at(-1)?.departure ?? 0)) };
    const fix = track.progress.fix;
    const speedAt = eta.now ?? route.startAt;
    return {
      vehicle,
      plan: track.plan.id,
      version: track.plan.version,
      route: tracked,
      position: fix?.position,
      updatedAt: eta.now,
      nextJob: eta.nextJob,
      returnAt: Math.round(eta.returnAt),
      lateRisk:
        track.lateRisk === undefined
          ? undefined
          : { job: track.lateRisk.job, minutes: track.lateRisk.minutes, alert: track.lateRisk.alert },
      speedMps: this.#profile.speedAt(speedAt).speedMps,
    };
  }

  #alert(vehicle: string, alert: Alert | undefined): void {
    if (alert === undefined) return;
    this.#metrics.alerts.inc({ state: alert.state });
    const delta = { channel: 'route-alerts' as const, key: `late-risk:${vehicle}`, value: alert };
    this.realtime.publish(vehicle, [delta]);
    this.realtime.publish(LOGISTICS_SITE, [delta]);
    this.logger.info({ vehicle, state: alert.state, message: alert.message }, 'routing tracking: late risk');
  }

  #countAtRisk(): void {
    let n = 0;
    for (const track of this.#vans.values()) if (track.lateRisk !== undefined) n++;
    this.#metrics.atRisk.set(n);
  }
}
