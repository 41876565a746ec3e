import type { VehicleType } from '../problem.js';
import { isScheduleFeasibleGivenPins, scheduleRoute } from '../route-schedule.js';
import type { SearchContext } from './context.js';
import type { DurationSegment } from './duration-segment.js';

/**
 * One vehicle's route as the search holds it (PyVRP's `search::Route`): its jobs and, per
 * position, the cached distance, and the duration segments of the stretch before and after, so
 * that inserting a job anywhere is checked and costed in O(1). Position 0 is the start depot,
 * position `jobs.length + 1` the end depot. `update()` recomputes the caches after a change.
 *
 * Pinned jobs (`VehicleType.pinned`) sit at positions 1…`fixed`; every operator leaves them and
 * inserts only after them, and a `frozen` route takes nothing. Where the pinned prefix is late,
 * the cached stretch through position `fixed` is the one really driven (`SearchContext.lateStart`),
 * so its lateness is not counted as time warp and later stops are timed from the real departure.
 */
export class SearchRoute {
  readonly type: VehicleType;
  /** Pinned jobs at the front (positions 1…fixed). */
  readonly fixed: number;
  /** The pinned prefix breaks a limit by itself: no job may be added. */
  readonly frozen: boolean;
  jobs: number[] = [];
  #locations: number[] = [];
  #distanceBefore: number[] = [];
  #before: DurationSegment[] = [];
  #after: DurationSegment[] = [];
  #loadBefore: number[][] = [];
  load: number[] = [];
  distance = 0;
  duration = 0;
  /** Fixed + distance + duration cost; 0 when the route is empty (an unused vehicle). */
  cost = 0;

  constructor(
    readonly context: SearchContext,
    readonly vehicleType: number,
  ) {
    const type = context.data.vehicleTypes[vehicleType];
    if (type === undefined) throw new RangeError(`no vehicle type ${vehicleType}`);
    this.type = type;
    this.fixed = type.pinned?.length ?? 0;
    this.frozen = context.frozen[vehicleType] ?? false;
    this.update();
  }

  /** Caches are replaced, never mutated, by `update()`, so a copy may share them. */
  clone(): SearchRoute {
    const copy = new SearchRoute(this.context, this.vehicleType);
    copy.jobs = [...this.jobs];
    copy.#locations = this.#locations;
    copy.#distanceBefore = this.#distanceBefore;
    copy.#before = this.#before;
    copy.#after = this.#after;
    copy.#loadBefore = this.#loadBefore;
    copy.load = this.load;
    copy.distance = this.distance;
    copy.duration = this.duration;
    copy.cost = this.cost;
    return copy;
  }

  update(): void {
    const { data, jobSegments, depotSegments, lateStart } = this.context;
    const late = this.fixed > 0 && this.jobs.length >= this.fixed ? lateStart[this.vehicleType] : undefined;
    const start = data.depots[this.type.startDepot]?.location ?? 0;
    const end = data.depots[this.type.endDepot]?.location ?? 0;
    const depotSegment = depotSegments[this.vehicleType] as DurationSegment;
    this.#locations = [start, ...this.jobs.map((j) => data.jobs[j]?.location ?? 0), end];
    const segments = [depotSegment, ...this.jobs.map((j) => jobSegments[j] as DurationSegment), depotSegment];
    const size = segments.length;
    this.#distanceBefore = new Array<number>(size).fill(0);
    this.#before = new Array<DurationSegment>(size);
    this.#after = new Array<DurationSegment>(size);
    this.#before[0] = depotSegment;
    for (let i = 1; i < size; i++) {
      const from = this.#locations[i - 1] ?? 0;
      const to = this.#locations[i] ?? 0;
      this.#distanceBefore[i] = (this.#distanceBefore[i - 1] ?? 0) + data.distance(from, to);
      this.#before[i] =
        i === this.fixed && late !== undefined
          ? late
          : (this.#before[i - 1] as DurationSegment).followedBy(
              data.duration(from, to),
              segments[i] as DurationSegment,
            );
    }
    this.#after[size - 1] = depotSegment;
    for (let i = size - 2; i >= 0; i--)
      this.#after[i] = (segments[i] as DurationSegment).followedBy(
        data.duration(this.#locations[i] ?? 0, this.#locations[i + 1] ?? 0),
        this.#after[i + 1] as DurationSegment,
      );
    let running = new Array<number>(data.dimensions).fill(0);
    this.#loadBefore = [running];
    for (const j of this.jobs) {
      const delivery = data.jobs[j]?.delivery ?? [];
      running = running.map((l, k) => l + (delivery[k] ?? 0));
      this.#loadBefore.push(running);
    }
    this.#loadBefore.push(running);
    this.load = running;
    this.distance = this.#distanceBefore[size - 1] ?? 0;
    this.duration = (this.#before[size - 1] as DurationSegment).duration;
    this.cost = this.jobs.length === 0 ? 0 : this.costOf(this.distance, this.duration);
  }

  costOf(distance: number, duration: number): number {
    return this.type.fixedCost + this.type.unitDistanceCost * distance + this.type.unitDurationCost * duration;
  }

  /** The stretch from the start depot through position `i`. */
  segmentBefore(i: number): DurationSegment {
    return this.#before[i] as DurationSegment;
  }

  /** The stretch from position `i` through the end depot. */
  segmentAfter(i: number): DurationSegment {
    return this.#after[i] as DurationSegment;
  }

  location(i: number): number {
    return this.#locations[i] ?? 0;
  }

  /** Distance driven from the start depot to position `i`. */
  distanceBefore(i: number): number {
    return this.#distanceBefore[i] ?? 0;
  }

  /** Load delivered at positions 1…i. */
  loadBefore(i: number): readonly number[] {
    return this.#loadBefore[i] ?? this.load;
  }

  /** The cost of this route's vehicle driving a whole route with this duration segment and distance; +∞ past a limit. */
  costIfWithin(segment: DurationSegment, distance: number, empty: boolean): number {
    if (empty) return 0;
    if (segment.timeWarp > 0) return Number.POSITIVE_INFINITY;
    if (this.type.maxDuration !== undefined && segment.duration > this.type.maxDuration)
      return Number.POSITIVE_INFINITY;
    return this.costOf(distance, segment.duration);
  }

  /** Whether a load vector is within the vehicle's capacity. */
  carries(load: readonly number[]): boolean {
    for (let k = 0; k < load.length; k++) if ((load[k] ?? 0) > (this.type.capacity[k] ?? 0)) return false;
    return true;
  }

  /** Whether `job`'s delivery fits the vehicle next to what the route already carries. */
  fits(job: number): boolean {
    const delivery = this.context.data.jobs[job]?.delivery ?? [];
    for (let k = 0; k < delivery.length; k++)
      if ((this.load[k] ?? 0) + (delivery[k] ?? 0) > (this.type.capacity[k] ?? 0)) return false;
    return true;
  }

  /**
   * The added cost of serving `job` after position `position` (0 = right after the start depot),
   * or +∞ if that breaks a window, the shift or the maximum duration. Capacity is `fits`'s job.
   */
  insertionCost(job: number, position: number): number {
    if (this.frozen || position < this.fixed) return Number.POSITIVE_INFINITY;
    const { data, jobSegments } = this.context;
    const at = data.jobs[job]?.location ?? 0;
    const from = this.#locations[position] ?? 0;
    const to = this.#locations[position + 1] ?? 0;
    const segment = (this.#before[position] as DurationSegment)
      .followedBy(data.duration(from, at), jobSegments[job] as DurationSegment)
      .followedBy(data.duration(at, to), this.#after[position + 1] as DurationSegment);
    if (segment.timeWarp > 0) return Number.POSITIVE_INFINITY;
    if (this.type.maxDuration !== undefined && segment.duration > this.type.maxDuration)
      return Number.POSITIVE_INFINITY;
    const distance = this.distance + data.distance(from, at) + data.distance(at, to) - data.distance(from, to);
    return this.costOf(distance, segment.duration) - this.cost;
  }

  /** The route is within every limit (after `update()`). */
  get feasible(): boolean {
    if (this.frozen && this.jobs.length === this.fixed) return true;
    const whole = this.#before.at(-1) as DurationSegment;
    if (whole.timeWarp > 0) return false;
    if (this.type.maxDuration !== undefined && whole.duration > this.type.maxDuration) return false;
    return this.load.every((l, k) => l <= (this.type.capacity[k] ?? 0));
  }

  /** The checker's timetable agrees (needed where jobs have several windows; see `duration-segment.ts`). */
  confirmed(): boolean {
    const { data } = this.context;
    return isScheduleFeasibleGivenPins(data, this.vehicleType, scheduleRoute(data, this.vehicleType, this.jobs));
  }
}
