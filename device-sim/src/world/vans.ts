import type { GpsFix, LatLon, RouteCommand } from '@aisle/protocols';
import { encodeGga, encodeRmc } from '@aisle/protocols';
import { type GpsTrace, type TraceFix, traceToLatLon } from '../replay/gps-traces.js';
import type { Rng } from '../rng.js';
import type { Scenario } from '../scenario.js';
import { DAY_MS, HOUR_MS, type WorldContext } from './context.js';
import { distanceM, offset } from './geo.js';
import { planRoute, planVanDay, type RouteLeg, type VanPlan, vanStateAt } from './van.js';

/**
 * The vans of the world: a daily round trip DC → stores → DC (or real GPS traces replayed), with
 * their GPS module, cargo temperature probe and shock sensor. A van whose GPS unit receives a
 * route command (`cmd/{van}/gps/route`, from its gateway) drives that route instead of its round.
 */

/** A store within this distance of a route stop is the one the delivery refills. */
const STORE_AT_STOP_M = 100;

export interface VanState {
  readonly id: string;
  readonly scenario: Scenario['vans'][number];
  plan: VanPlan | undefined;
  /** Bumped with every new plan: phase events of a replaced plan are ignored. */
  planNo: number;
  /** The route from the hub the van drives (or drove last), when it has one. */
  route: { readonly id: string; readonly plan: string; readonly version: number } | undefined;
  /** The GPS reporting chain: a new route starts a new one at once (a parked van reports once a minute). */
  gpsChain: number;
  /** `faults.vanDelay` entries (indices) already served: each holds the van once. */
  readonly delaysServed: Set<number>;
  /** Trace replay: where the last replayed fix was, and the on-foot stop in progress. */
  lastPosition?: LatLon;
  traceStop?: string | undefined;
}

export class VanSim {
  readonly vans: VanState[];
  readonly #ctx: WorldContext;
  readonly #rng: Rng;
  readonly #traces: ReadonlyMap<string, readonly GpsTrace[]>;

  constructor(ctx: WorldContext, rng: Rng, traces: ReadonlyMap<string, readonly GpsTrace[]>) {
    this.#ctx = ctx;
    this.#rng = rng;
    this.#traces = traces;
    this.vans = ctx.scenario.vans.map((scenario) => ({
      id: scenario.id,
      scenario,
      plan: undefined,
      planNo: 0,
      route: undefined,
      gpsChain: 0,
      delaysServed: new Set(),
    }));
  }

  /** Whether this van replays GPS traces instead of driving planned routes. */
  replays(van: string): boolean {
    return this.#traces.has(van);
  }

  vanDay(t: number, v: number): void {
    const van = this.vans[v] as VanState;
    const { dc, stores } = this.#ctx.scenario;
    // A van driving a route from the hub skips its own round today.
    if (van.route !== undefined && van.plan !== undefined && t < van.plan.endMs) {
      this.#ctx.schedule(t + DAY_MS, { k: 'van-day', van: v });
      return;
    }
    const stops = van.scenario.route.map((id) => {
      const store = stores.find((s) => s.id === id);
      return { id, location: store?.location ?? dc.location };
    });
    van.plan = planVanDay(van.id, this.#rng, {
      depot: { id: dc.id, location: dc.location },
      stops,
      startMs: t,
      speedKmh: van.scenario.speedKmh,
      serviceMinutes: van.scenario.serviceMinutes,
    });
    van.route = undefined;
    this.#schedulePhases(v, van);
    this.#ctx.schedule(t + DAY_MS, { k: 'van-day', van: v });
  }

  /**
   * A route command reached the van's GPS unit: drive it from where the van is now. A command
   * already held (same id, or a version not newer) is ignored: a retained command comes again on
   * every reconnect. Replaying vans keep replaying.
   */
  route(t: number, v: number, command: RouteCommand): void {
    const van = this.vans[v] as VanState;
    if (this.replays(van.id)) return;
    if (van.route !== undefined && (van.route.id === command.id || command.version <= van.route.version)) return;
    const { dc, stores, faults } = this.#ctx.scenario;
    const now = van.plan === undefined ? undefined : this.#phaseAt(van.plan, t);
    const from = van.plan === undefined ? dc.location : vanStateAt(van.plan, dc.location, t).position;
    const legs: RouteLeg[] = [];
    // Serving a stop when the route comes: a route that still has it first lets the van finish
    // there; otherwise the van leaves it now.
    const serving = now?.kind === 'stop' ? now : undefined;
    const first = command.stops.find((s) => s.status !== 'done' && s.status !== 'skipped');
    const continues = serving?.job !== undefined && first?.job === serving.job;
    if (serving !== undefined && !continues)
      this.#ctx.truth.record({
        t,
        kind: 'van-departure',
        van: van.id,
        stop: serving.stop,
        ...(serving.job === undefined ? {} : { job: serving.job }),
      });
    command.stops.forEach((stop, i) => {
      if (stop.status === 'done' || stop.status === 'skipped') return;
      const planned = stop.departure - stop.arrival - (stop.waitMs ?? 0);
      const resumed = continues && legs.length === 0 && serving !== undefined;
      // Served once the hold starts: a route replaced before then still gets it.
      const delays = resumed
        ? []
        : faults.vanDelay.flatMap((d, k) =>
            d.van === van.id && d.beforeStop === i + 1 && !van.delaysServed.has(k) ? [k] : [],
          );
      const site = stores.find((s) => distanceM(s.location, stop.location) <= STORE_AT_STOP_M)?.id;
      legs.push({
        job: stop.job,
        // Where the van is serving it, whatever the new route says.
        location: resumed ? serving.at : stop.location,
        serviceMs: resumed
          ? serving.endMs - t
          : planned > 0
            ? planned
            : Math.round(van.scenario.serviceMinutes * 60_000),
        ...(resumed ? { continued: true } : {}),
        index: i + 1,
        delayMs: delays.reduce((sum, k) => sum + (faults.vanDelay[k]?.minutes ?? 0) * 60_000, 0),
        delays,
        ...(site === undefined ? {} : { site }),
      });
    });
    van.plan = planRoute(van.id, {
      from,
      startMs: t,
      speedKmh: van.scenario.speedKmh,
      legs,
      depot: command.depot,
      // Stuck in traffic stays stuck when a new route comes.
      ...(now?.kind === 'hold' ? { holdUntil: { endMs: now.endMs, beforeStop: now.beforeStop, job: now.job } } : {}),
    });
    van.route = { id: command.id, plan: command.plan, version: command.version };
    this.#ctx.truth.record({
      t,
      kind: 'van-route',
      van: van.id,
      plan: command.plan,
      version: command.version,
      jobs: legs.map((l) => l.job),
    });
    this.#schedulePhases(v, van);
    // Report at the driving rate from now on, not at the next once-a-minute parked fix.
    van.gpsChain++;
    this.#ctx.schedule(t, { k: 'gps', van: v, chain: van.gpsChain });
  }

  #phaseAt(plan: VanPlan, t: number) {
    return plan.phases.find((p) => t >= p.startMs && t < p.endMs);
  }

  #schedulePhases(v: number, van: VanState): void {
    van.planNo++;
    const plan = van.planNo;
    van.plan?.phases.forEach((phase, i) => {
      if (phase.kind === 'drive') return;
      this.#ctx.schedule(phase.startMs, { k: 'van-phase', van: v, phase: i, edge: 'start', plan });
      if (phase.kind === 'stop')
        this.#ctx.schedule(phase.endMs, { k: 'van-phase', van: v, phase: i, edge: 'end', plan });
    });
  }

  vanPhase(t: number, v: number, phaseIndex: number, edge: 'start' | 'end', plan: number): void {
    const van = this.vans[v] as VanState;
    if (plan !== van.planNo) return;
    const phase = van.plan?.phases[phaseIndex];
    if (phase?.kind === 'hold') {
      // The rest of a hold begun under the route before is no new delay.
      if (phase.delays.length === 0) return;
      for (const k of phase.delays) van.delaysServed.add(k);
      this.#ctx.truth.record({
        t,
        kind: 'van-delay',
        van: van.id,
        beforeStop: phase.beforeStop,
        job: phase.job,
        durationMs: phase.endMs - phase.startMs,
      });
      return;
    }
    if (phase?.kind !== 'stop' || (edge === 'start' && phase.continued === true)) return;
    this.#ctx.truth.record({
      t,
      kind: edge === 'start' ? 'van-arrival' : 'van-departure',
      van: van.id,
      stop: phase.stop,
      ...(phase.job === undefined ? {} : { job: phase.job }),
    });
    // The delivery refills the store's lanes (its backroom is restocked), under the built-in policy.
    const site = phase.job === undefined ? phase.stop : phase.site;
    if (edge === 'start' && site !== undefined) this.#ctx.deliver(t, site, van.id);
  }

  gps(t: number, v: number, chain: number): void {
    const van = this.vans[v] as VanState;
    if (chain !== van.gpsChain) return;
    const { dc, sensors } = this.#ctx.scenario;
    const onRoute = van.plan !== undefined && t >= van.plan.startMs && t < van.plan.endMs;
    const state =
      van.plan === undefined
        ? vanStateAt({ van: van.id, phases: [], startMs: 0, endMs: 0 }, dc.location, t)
        : vanStateAt(van.plan, dc.location, t);
    this.#emitFix(t, van, state.position, state.speedMps, state.courseDeg, state.driving, state.stop);
    // 1 Hz on the road (or the configured rate), once a minute when parked.
    this.#ctx.schedule(t + (onRoute ? sensors.gpsReportS * 1000 : 60_000), { k: 'gps', van: v, chain });
  }

  #emitFix(
    t: number,
    van: VanState,
    position: LatLon,
    speedMps: number,
    courseDeg: number,
    driving: boolean,
    stop?: string,
  ): void {
    const fix: GpsFix = {
      lat: Math.round(position.lat * 1e7) / 1e7,
      lon: Math.round(position.lon * 1e7) / 1e7,
      speedMps: Math.round(speedMps * 100) / 100,
      courseDeg: Math.round(courseDeg * 10) / 10,
      sats: 9,
      hdop: 0.9,
      quality: 'gps',
      van: van.id,
    };
    this.#ctx.truth.record({
      t,
      kind: 'van',
      van: van.id,
      position,
      speedMps,
      state: driving ? 'driving' : 'stopped',
      ...(stop === undefined ? {} : { stop }),
    });
    if (van.scenario.gpsOverSerial) {
      const { ts } = this.#ctx.emitter.clock(van.id, 'gps', t);
      this.#ctx.emitter.serial(t, van.id, 'gps', encodeRmc(fix, ts) + encodeGga(fix, ts));
    } else {
      this.#ctx.emitter.telemetry(t, van.id, 'gps', 'gps.fix', fix);
    }
  }

  /**
   * Replays real delivery traces back to back as this van's movement: each trace is placed so it
   * starts where the last one ended (the first at the DC); on-foot runs are the van's stops.
   */
  traceStep(t: number, v: number, traceIndex: number, fixes: readonly TraceFix[], point: number): void {
    const van = this.vans[v] as VanState;
    const traces = this.#traces.get(van.id) ?? [];
    const fix = fixes[point];
    if (fix !== undefined) {
      const previous = fixes[point - 1];
      const stopId = `t${traceIndex}-s${point}`;
      if (fix.mode === 'OnFoot' && previous?.mode !== 'OnFoot') {
        van.traceStop = stopId;
        this.#ctx.truth.record({ t, kind: 'van-arrival', van: van.id, stop: stopId });
      }
      if (fix.mode !== 'OnFoot' && van.traceStop !== undefined) {
        this.#ctx.truth.record({ t, kind: 'van-departure', van: van.id, stop: van.traceStop });
        van.traceStop = undefined;
      }
      const driving = fix.mode !== 'OnFoot';
      this.#emitFix(t, van, fix.position, driving ? fix.speedMps : 0, fix.courseDeg, driving, van.traceStop);
      van.lastPosition = fix.position;
      const next = fixes[point + 1];
      if (next !== undefined) {
        this.#ctx.schedule(next.ts, { k: 'trace', van: v, trace: traceIndex, fixes, point: point + 1 });
        return;
      }
    }
    // Next trace, 5 s later, starting where this one ended.
    const nextIndex = (traceIndex + 1) % Math.max(1, traces.length);
    const trace = traces[nextIndex];
    const first = trace?.points[0];
    if (trace === undefined || first === undefined) return;
    const here = van.lastPosition ?? this.#ctx.scenario.dc.location;
    const origin = offset(here, -first.xM, -first.yM);
    const start = t + 5000;
    this.#ctx.schedule(start, {
      k: 'trace',
      van: v,
      trace: nextIndex,
      fixes: traceToLatLon(trace, origin, start),
      point: 0,
    });
  }

  temperature(t: number, v: number): void {
    const van = this.vans[v] as VanState;
    const state = van.plan === undefined ? undefined : vanStateAt(van.plan, this.#ctx.scenario.dc.location, t);
    // Doors open at a stop: the cargo warms by a few degrees.
    const base = state?.stop === undefined ? 3.5 : 6.5;
    const celsius = Math.round((base + this.#rng.normal(0, 0.4)) * 10) / 10;
    this.#ctx.emitter.telemetry(t, van.id, 'temp-1', 'temperature', { probe: 'cargo', celsius });
    this.#ctx.schedule(t + this.#ctx.scenario.sensors.tempReportS * 1000, { k: 'temp', van: v });
  }

  shock(t: number, v: number): void {
    const van = this.vans[v] as VanState;
    const driving = van.plan !== undefined && vanStateAt(van.plan, this.#ctx.scenario.dc.location, t).driving;
    if (driving) {
      const hard = this.#rng.chance(0.05);
      const peakG = Math.round((hard ? 6 + 4 * this.#rng.next() : 1.2 + 2.3 * this.#rng.next()) * 100) / 100;
      this.#ctx.emitter.telemetry(
        t,
        van.id,
        'shock-1',
        'shock',
        { peakG, axis: this.#rng.pick(['x', 'y', 'z'] as const), durationMs: this.#rng.int(5, 60) },
        1,
      );
    }
    this.#ctx.schedule(t + this.#rng.exponential(HOUR_MS / 3), { k: 'shock', van: v });
  }
}
