import type { LatLon } from '@aisle/protocols';
import type { Rng } from '../rng.js';
import { Polyline } from './geo.js';

/**
 * A delivery van's day: drive from the DC to each stop along roads approximated by straight
 * segments (an L-shaped dogleg per leg, like a street grid), stop for the service time, and drive
 * back. Speed varies per leg around the van's cruising speed. Or a route from the hub
 * (`planRoute`), which replaces the day's round while the van drives it.
 */

export type VanPhase =
  | {
      readonly kind: 'drive';
      readonly startMs: number;
      readonly endMs: number;
      readonly path: Polyline;
      readonly speedMps: number;
      readonly to: string;
    }
  | {
      readonly kind: 'stop';
      readonly startMs: number;
      readonly endMs: number;
      readonly at: LatLon;
      readonly stop: string;
      /** The delivery job served (a route from the hub), and the store it refills, if any. */
      readonly job?: string;
      readonly site?: string;
      /** The van was already serving this stop when the route came: no new arrival. */
      readonly continued?: boolean;
    }
  | {
      /** Held up before driving to stop `beforeStop` (1-based, of the route): stationary, engine on. */
      readonly kind: 'hold';
      readonly startMs: number;
      readonly endMs: number;
      readonly at: LatLon;
      readonly beforeStop: number;
      readonly job: string;
      /** The `faults.vanDelay` entries this hold serves (none: the rest of a hold already begun). */
      readonly delays: readonly number[];
    };

export interface VanPlan {
  readonly van: string;
  readonly phases: readonly VanPhase[];
  readonly startMs: number;
  readonly endMs: number;
  /** Where the van is once the plan is over (the depot it returned to); the DC when absent. */
  readonly endPosition?: LatLon;
}

/** One stop of a route from the hub, as the van drives it. */
export interface RouteLeg {
  readonly job: string;
  readonly location: LatLon;
  readonly serviceMs: number;
  /** 1-based position in the route as sent (stops already done are not driven, but counted). */
  readonly index: number;
  /** Held up this long before driving to this stop (`faults.vanDelay`, entries `delays`). */
  readonly delayMs: number;
  readonly delays: readonly number[];
  /** The store at this location, refilled by the delivery. */
  readonly site?: string;
  /** The van is already serving this stop: the rest of its service, no new arrival. */
  readonly continued?: boolean;
}

/**
 * A route from the hub, driven from where the van is: straight to each stop in order at the van's
 * cruising speed (no random variation, so arrival times follow from the geometry), service at each
 * for its planned time, then back to the route's depot. A delay holds the van where it is, speed
 * 0, before it sets off for the delayed stop. `holdUntil`: a hold already in progress (the van is
 * stuck in traffic when the new route comes), kept before anything else.
 */
export function planRoute(
  van: string,
  options: {
    from: LatLon;
    startMs: number;
    speedKmh: number;
    legs: readonly RouteLeg[];
    depot: LatLon;
    holdUntil?: { endMs: number; beforeStop: number; job: string };
  },
): VanPlan {
  const phases: VanPhase[] = [];
  const speedMps = options.speedKmh / 3.6;
  let t = options.startMs;
  let from = options.from;
  const hold = (endMs: number, beforeStop: number, job: string, delays: readonly number[]) => {
    if (endMs <= t) return;
    phases.push({ kind: 'hold', startMs: t, endMs, at: from, beforeStop, job, delays });
    t = endMs;
  };
  const drive = (to: LatLon, id: string) => {
    const path = new Polyline([from, to]);
    const durationMs = Math.round((path.lengthM / speedMps) * 1000);
    if (durationMs > 0) phases.push({ kind: 'drive', startMs: t, endMs: t + durationMs, path, speedMps, to: id });
    t += durationMs;
    from = to;
  };
  if (options.holdUntil !== undefined)
    hold(options.holdUntil.endMs, options.holdUntil.beforeStop, options.holdUntil.job, []);
  for (const leg of options.legs) {
    hold(t + leg.delayMs, leg.index, leg.job, leg.delays);
    drive(leg.location, leg.job);
    phases.push({
      kind: 'stop',
      startMs: t,
      endMs: t + leg.serviceMs,
      at: leg.location,
      stop: leg.job,
      job: leg.job,
      ...(leg.site === undefined ? {} : { site: leg.site }),
      ...(leg.continued === true ? { continued: true } : {}),
    });
    t += leg.serviceMs;
  }
  drive(options.depot, 'depot');
  return { van, phases, startMs: options.startMs, endMs: t, endPosition: options.depot };
}

export interface VanStop {
  readonly id: string;
  readonly location: LatLon;
}

/** Builds a round trip depot → stops → depot starting at `startMs`. */
export function planVanDay(
  van: string,
  rng: Rng,
  options: { depot: VanStop; stops: readonly VanStop[]; startMs: number; speedKmh: number; serviceMinutes: number },
): VanPlan {
  const phases: VanPhase[] = [];
  let t = options.startMs;
  let from = options.depot;
  for (const to of [...options.stops, options.depot]) {
    const corner = { lat: from.location.lat, lon: to.location.lon };
    const path = new Polyline([from.location, corner, to.location]);
    const speedMps = ((options.speedKmh * (0.85 + 0.25 * rng.next())) / 3.6) as number;
    const durationMs = Math.max(1000, Math.round((path.lengthM / speedMps) * 1000));
    phases.push({ kind: 'drive', startMs: t, endMs: t + durationMs, path, speedMps, to: to.id });
    t += durationMs;
    if (to !== options.depot) {
      const serviceMs = Math.round(options.serviceMinutes * 60_000 * (0.8 + 0.4 * rng.next()));
      phases.push({ kind: 'stop', startMs: t, endMs: t + serviceMs, at: to.location, stop: to.id });
      t += serviceMs;
    }
    from = to;
  }
  return { van, phases, startMs: options.startMs, endMs: t };
}

/** Where the van is at `t`: position, speed, course, and the stop it is at (if stopped). */
export function vanStateAt(
  plan: VanPlan,
  depot: LatLon,
  t: number,
): { position: LatLon; speedMps: number; courseDeg: number; stop?: string; driving: boolean } {
  for (const phase of plan.phases) {
    if (t < phase.startMs || t >= phase.endMs) continue;
    if (phase.kind === 'stop')
      return { position: phase.at, speedMps: 0, courseDeg: 0, stop: phase.stop, driving: false };
    if (phase.kind === 'hold') return { position: phase.at, speedMps: 0, courseDeg: 0, driving: false };
    const travelled = ((t - phase.startMs) / 1000) * phase.speedMps;
    const { position, courseDeg } = phase.path.at(travelled);
    return { position, speedMps: phase.speedMps, courseDeg, driving: true };
  }
  return { position: t >= plan.endMs ? (plan.endPosition ?? depot) : depot, speedMps: 0, courseDeg: 0, driving: false };
}
