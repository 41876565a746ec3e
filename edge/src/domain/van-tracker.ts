import type { GpsFix, LatLon, VanEvent } from '@aisle/protocols';

/**
 * A van from its GPS fixes: driving or stopped (speed with hysteresis and a minimum dwell), and
 * arrival at / departure from the stops of its route by geofence (inside `arriveRadiusM`, out
 * again beyond `leaveRadiusM`, so GPS jitter at the fence edge does not flap).
 */

export interface VanStopConfig {
  readonly id: string;
  readonly position: LatLon;
}

export interface VanTrackerOptions {
  readonly arriveRadiusM: number;
  readonly leaveRadiusM: number;
  /** Below this speed the van may be stopped... */
  readonly stoppedBelowMps: number;
  /** ...once it has been that slow for this long. */
  readonly stoppedAfterMs: number;
}

export const DEFAULT_VAN_OPTIONS: VanTrackerOptions = {
  arriveRadiusM: 120,
  leaveRadiusM: 180,
  stoppedBelowMps: 1,
  stoppedAfterMs: 20_000,
};

const EARTH_RADIUS_M = 6_371_008.8;

function distanceM(a: LatLon, b: LatLon): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export class VanTracker {
  readonly van: string;
  readonly #stops: readonly VanStopConfig[];
  readonly #options: VanTrackerOptions;
  #atStop: string | undefined;
  #stopped = false;
  #slowSince: number | undefined;

  constructor(van: string, stops: readonly VanStopConfig[], options: VanTrackerOptions = DEFAULT_VAN_OPTIONS) {
    this.van = van;
    this.#stops = stops;
    this.#options = options;
  }

  get atStop(): string | undefined {
    return this.#atStop;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  fix(fix: GpsFix, ts: number): VanEvent[] {
    const events: VanEvent[] = [];
    const position = { lat: fix.lat, lon: fix.lon };
    const speed = fix.speedMps ?? 0;
    if (speed < this.#options.stoppedBelowMps) {
      this.#slowSince ??= ts;
      if (!this.#stopped && ts - this.#slowSince >= this.#options.stoppedAfterMs) {
        this.#stopped = true;
        events.push({ van: this.van, event: 'stopped', position });
      }
    } else {
      this.#slowSince = undefined;
      if (this.#stopped) {
        this.#stopped = false;
        events.push({ van: this.van, event: 'moving', position });
      }
    }
    if (this.#atStop === undefined) {
      const stop = this.#stops.find((s) => distanceM(position, s.position) <= this.#options.arriveRadiusM);
      if (stop !== undefined) {
        this.#atStop = stop.id;
        events.push({ van: this.van, event: 'arrived', stop: stop.id, position });
      }
    } else {
      const stop = this.#stops.find((s) => s.id === this.#atStop);
      if (stop === undefined || distanceM(position, stop.position) > this.#options.leaveRadiusM) {
        events.push({ van: this.van, event: 'departed', stop: this.#atStop, position });
        this.#atStop = undefined;
      }
    }
    return events;
  }
}
