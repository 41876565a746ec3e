import type { GpsFix, LatLon } from '@aisle/protocols';
import { encodeGga, encodeRmc } from '@aisle/protocols';
import { type GpsTrace, type TraceFix, traceToLatLon } from '../replay/gps-traces.js';
import type { Rng } from '../rng.js';
import type { Scenario } from '../scenario.js';
import { DAY_MS, HOUR_MS, type WorldContext } from './context.js';
import { offset } from './geo.js';
import { planVanDay, type VanPlan, vanStateAt } from './van.js';

/**
 * The vans of the world: a daily round trip DC → stores → DC (or real GPS traces replayed), with
 * their GPS module, cargo temperature probe and shock sensor.
 */

export interface VanState {
  readonly id: string;
  readonly scenario: Scenario['vans'][number];
  plan: VanPlan | undefined;
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
    this.vans = ctx.scenario.vans.map((scenario) => ({ id: scenario.id, scenario, plan: undefined }));
  }

  /** Whether this van replays GPS traces instead of driving planned routes. */
  replays(van: string): boolean {
    return this.#traces.has(van);
  }

  vanDay(t: number, v: number): void {
    const van = this.vans[v] as VanState;
    const { dc, stores } = this.#ctx.scenario;
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
    van.plan.phases.forEach((phase, i) => {
      if (phase.kind !== 'stop') return;
      this.#ctx.schedule(phase.startMs, { k: 'van-phase', van: v, phase: i, edge: 'start' });
      this.#ctx.schedule(phase.endMs, { k: 'van-phase', van: v, phase: i, edge: 'end' });
    });
    this.#ctx.schedule(t + DAY_MS, { k: 'van-day', van: v });
  }

  vanPhase(t: number, v: number, phaseIndex: number, edge: 'start' | 'end'): void {
    const van = this.vans[v] as VanState;
    const phase = van.plan?.phases[phaseIndex];
    if (phase?.kind !== 'stop') return;
    this.#ctx.truth.record({
      t,
      kind: edge === 'start' ? 'van-arrival' : 'van-departure',
      van: van.id,
      stop: phase.stop,
    });
    if (edge === 'start') {
      // The delivery refills the store's lanes (its backroom is restocked), under the built-in policy.
      this.#ctx.deliver(t, phase.stop, van.id);
    }
  }

  gps(t: number, v: number): void {
    const van = this.vans[v] as VanState;
    const { dc, sensors } = this.#ctx.scenario;
    const onRoute = van.plan !== undefined && t >= van.plan.startMs && t < van.plan.endMs;
    const state =
      van.plan === undefined
        ? vanStateAt({ van: van.id, phases: [], startMs: 0, endMs: 0 }, dc.location, t)
        : vanStateAt(van.plan, dc.location, t);
    this.#emitFix(t, van, state.position, state.speedMps, state.courseDeg, state.driving, state.stop);
    // 1 Hz on the road (or the configured rate), once a minute when parked.
    this.#ctx.schedule(t + (onRoute ? sensors.gpsReportS * 1000 : 60_000), { k: 'gps', van: v });
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
