import type { VehicleType } from '../problem.js';
import type { SearchContext } from './context.js';
import type { DurationSegment } from './duration-segment.js';

/**
 * One vehicle's route as the search holds it (PyVRP's `search::Route`): its jobs and, per
 * position, the cached distance, and the duration segments of the stretch before and after, so
 * that inserting a job anywhere is checked and costed in O(1). Position 0 is the start depot,
 * position `jobs.length + 1` the end depot. `update()` recomputes the caches after a change.
 */
export class SearchRoute {
  readonly type: VehicleType;
  jobs: number[] = [];
  #locations: number[] = [];
  #distanceBefore: number[] = [];
  #before: DurationSegment[] = [];
  #after: DurationSegment[] = [];
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
    copy.load = this.load;
    copy.distance = this.distance;
    copy.duration = this.duration;
    copy.cost = this.cost;
    return copy;
  }

  update(): void {
    const { data, jobSegments, depotSegments } = this.context;
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
      this.#before[i] = (this.#before[i - 1] as DurationSegment).followedBy(
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
    this.load = new Array<number>(data.dimensions).fill(0);
    for (const j of this.jobs)
      data.jobs[j]?.delivery.forEach((q, k) => {
        this.load[k] = (this.load[k] ?? 0) + q;
      });
    this.distance = this.#distanceBefore[size - 1] ?? 0;
    this.duration = (this.#before[size - 1] as DurationSegment).duration;
    this.cost = this.jobs.length === 0 ? 0 : this.costOf(this.distance, this.duration);
  }

  costOf(distance: number, duration: number): number {
    return this.type.fixedCost + this.type.unitDistanceCost * distance + this.type.unitDurationCost * duration;
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
    const whole = this.#before.at(-1) as DurationSegment;
    if (whole.timeWarp > 0) return false;
    if (this.type.maxDuration !== undefined && whole.duration > this.type.maxDuration) return false;
    return this.load.every((l, k) => l <= (this.type.capacity[k] ?? 0));
  }
}
