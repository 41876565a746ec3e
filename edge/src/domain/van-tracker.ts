import type { GpsFix, LatLon, VanEvent } from '@aisle/protocols';

/**
 * A van from its GPS fixes: driving or stopped (speed with hysteresis and a minimum dwell), and
 * arrival at / departure from the stops of its route by geofence (inside `arriveRadiusM`, out
 * again beyond `leaveRadiusM`, so GPS jitter at the fence edge does not flap). When several stops
 * are inside the fence (two jobs at one address), the first one of the route not yet arrived at
 * is the one arrived at, so each job gets its arrival in route order.
 */

export interface VanStopConfig {
  /** A topic-level id (VanEvent `stop`). */
  readonly id: string;
  readonly position: LatLon;
  /** The delivery job served here (VanEvent `job`), when the stop comes from a planned route. */
  readonly job?: string;
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
  #stops: readonly VanStopConfig[];
  readonly #options: VanTrackerOptions;
  /** The stop the van is inside the fence of (kept as given, even when a new route drops it). */
  #at: VanStopConfig | undefined;
  /** Stops of the current route already arrived at. */
  #visited = new Set<string>();
  #stopped = false;
  #slowSince: number | undefined;

  constructor(van: string, stops: readonly VanStopConfig[], options: VanTrackerOptions = DEFAULT_VAN_OPTIONS) {
    this.van = van;
    this.#stops = stops;
    this.#options = options;
  }

  get atStop(): string | undefined {
    return this.#at?.id;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  get stops(): readonly VanStopConfig[] {
    return this.#stops;
  }

  /**
   * A new route: its stops replace the old ones. A van inside the fence of a stop stays there
   * until it leaves that stop's fence (its departure then names that stop and job).
   */
  setStops(stops: readonly VanStopConfig[]): void {
    this.#stops = stops;
    this.#visited = new Set(this.#at === undefined ? [] : [this.#at.id]);
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
    if (this.#at === undefined) {
      const inside = this.#stops.filter((s) => distanceM(position, s.position) <= this.#options.arriveRadiusM);
      const stop = inside.find((s) => !this.#visited.has(s.id)) ?? inside[0];
      if (stop !== undefined) {
        this.#at = stop;
        this.#visited.add(stop.id);
        events.push({ van: this.van, event: 'arrived', ...stopOf(stop), position });
      }
    } else if (distanceM(position, this.#at.position) > this.#options.leaveRadiusM) {
      events.push({ van: this.van, event: 'departed', ...stopOf(this.#at), position });
      this.#at = undefined;
    }
    return events;
  }
}

function stopOf(stop: VanStopConfig): { stop: string; job?: string } {
  return stop.job === undefined ? { stop: stop.id } : { stop: stop.id, job: stop.job };
}
