import type { LatLon, Route } from '@aisle/protocols';
import { haversineMeters } from '../engine/travel.js';
import type { RouteProgressView } from './eta.js';
import type { DrivingSegment } from './speed-profile.js';

/**
 * A van's progress along its route, from what its gateway reports: `arrived` / `departed` van
 * events naming the stop's job (the gateway's own geofence), and, as a fallback for a gateway that
 * sends only fixes, the same geofence here — inside `arriveRadiusM` of a stop not yet served is an
 * arrival, beyond `leaveRadiusM` of the stop being served a departure (the two radii keep GPS
 * jitter at the fence from flapping, as on the gateway). Both paths are idempotent, so a van whose
 * gateway sends events and fixes is counted once, and a batch the gateway resends changes nothing.
 * Pure: every time is a reading's timestamp.
 */

export interface GeofenceOptions {
  readonly arriveRadiusM: number;
  readonly leaveRadiusM: number;
}

/** A served stop as it happened (the module's `DoneStop`). */
export interface ServedStop {
  readonly job: string;
  readonly location: LatLon;
  readonly arrival: number;
  readonly departure: number;
}

export interface FixOutcome {
  /** Whether an arrival or departure followed from the fix. */
  readonly changed: boolean;
  /** The stretch driven since the previous fix, when the van was on the road for all of it. */
  readonly driving: DrivingSegment | undefined;
}

export class RouteProgress implements RouteProgressView {
  #route: Route;
  readonly #options: GeofenceOptions;
  readonly done = new Set<string>();
  readonly served: ServedStop[] = [];
  inProgress: { job: string; arrivedAt: number } | undefined;
  fix: { position: LatLon; atMs: number } | undefined;

  constructor(route: Route, options: GeofenceOptions) {
    this.#route = route;
    this.#options = options;
    this.#adopt(route);
  }

  get route(): Route {
    return this.#route;
  }

  /**
   * A new version of the van's route (a re-plan): what was served stays served, the stop being
   * served stays in progress if the new route still has it.
   */
  rebase(route: Route): void {
    this.#route = route;
    this.#adopt(route);
    if (this.inProgress !== undefined && !route.stops.some((s) => s.job === this.inProgress?.job))
      this.inProgress = undefined;
  }

  /** The van at the stop of `job`. Returns whether anything changed. */
  arrived(job: string, atMs: number): boolean {
    const stop = this.#stop(job);
    if (stop === undefined || this.done.has(job) || this.inProgress?.job === job) return false;
    // Arriving elsewhere ends the previous stop, even without its departure.
    if (this.inProgress !== undefined) this.#serve(this.inProgress.job, this.inProgress.arrivedAt, atMs);
    this.inProgress = { job, arrivedAt: atMs };
    return true;
  }

  /** The van leaving the stop of `job`: served (arrived then, if its arrival was missed). */
  departed(job: string, atMs: number): boolean {
    if (this.#stop(job) === undefined || this.done.has(job)) return false;
    const arrivedAt = this.inProgress?.job === job ? this.inProgress.arrivedAt : atMs;
    if (this.inProgress?.job === job) this.inProgress = undefined;
    this.#serve(job, arrivedAt, atMs);
    return true;
  }

  /** A GPS fix: "now" moves (never back), and the fallback geofence may arrive or depart. */
  onFix(position: LatLon, atMs: number): FixOutcome {
    const previous = this.fix;
    if (previous !== undefined && atMs <= previous.atMs) return { changed: false, driving: undefined };
    const wasServing = this.inProgress !== undefined;
    this.fix = { position, atMs };
    let changed = false;
    const serving = this.inProgress === undefined ? undefined : this.#stop(this.inProgress.job);
    if (serving !== undefined) {
      if (haversineMeters(position, serving.location) > this.#options.leaveRadiusM)
        changed = this.departed(serving.job, atMs);
    } else {
      const near = this.#route.stops.find(
        (s) => !this.done.has(s.job) && haversineMeters(position, s.location) <= this.#options.arriveRadiusM,
      );
      if (near !== undefined) changed = this.arrived(near.job, atMs);
    }
    // On the road for the whole stretch: not at a stop at either end, and away from the depot
    // (a van parked there reports once a minute at speed 0; that is not traffic).
    const onRoad =
      previous !== undefined &&
      !wasServing &&
      this.inProgress === undefined &&
      haversineMeters(previous.position, this.#route.depot) > this.#options.arriveRadiusM &&
      haversineMeters(position, this.#route.depot) > this.#options.arriveRadiusM;
    return {
      changed,
      driving: onRoad
        ? { fromMs: previous.atMs, toMs: atMs, distanceM: haversineMeters(previous.position, position) }
        : undefined,
    };
  }

  #adopt(route: Route): void {
    for (const stop of route.stops) {
      if ((stop.status === 'done' || stop.status === 'skipped') && !this.done.has(stop.job)) {
        this.done.add(stop.job);
        this.served.push({ job: stop.job, location: stop.location, arrival: stop.arrival, departure: stop.departure });
      }
    }
  }

  #stop(job: string) {
    return this.#route.stops.find((s) => s.job === job);
  }

  #serve(job: string, arrival: number, departure: number): void {
    const stop = this.#stop(job);
    if (stop === undefined || this.done.has(job)) return;
    this.done.add(job);
    this.served.push({ job, location: stop.location, arrival, departure });
  }
}
