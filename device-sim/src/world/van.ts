import type { LatLon } from '@aisle/protocols';
import type { Rng } from '../rng.js';
import { Polyline } from './geo.js';

/**
 * A delivery van's day: drive from the DC to each stop along roads approximated by straight
 * segments (an L-shaped dogleg per leg, like a street grid), stop for the service time, and drive
 * back. Speed varies per leg around the van's cruising speed.
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
    };

export interface VanPlan {
  readonly van: string;
  readonly phases: readonly VanPhase[];
  readonly startMs: number;
  readonly endMs: number;
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
    const travelled = ((t - phase.startMs) / 1000) * phase.speedMps;
    const { position, courseDeg } = phase.path.at(travelled);
    return { position, speedMps: phase.speedMps, courseDeg, driving: true };
  }
  return { position: depot, speedMps: 0, courseDeg: 0, driving: false };
}
