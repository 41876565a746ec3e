import type { ProblemData } from '../problem.js';
import { isPinnedPrefixFrozen, scheduleRoute } from '../route-schedule.js';
import { DurationSegment } from './duration-segment.js';

/**
 * What the search derives once from the immutable `ProblemData`: each job's duration segment,
 * each vehicle type's depot segments and every job's other jobs nearest first (the granular
 * neighbourhood the ruin step walks). Never changes during a run.
 */
export class SearchContext {
  readonly jobSegments: readonly DurationSegment[];
  /** Per vehicle type: the start depot (leave within the shift) and the end depot (back within it). */
  readonly depotSegments: readonly DurationSegment[];
  /** neighbours[j]: the other jobs by increasing distance from j. */
  readonly neighbours: readonly Int32Array[];
  /** No job has more than one window, so segment checks are exact (see `duration-segment.ts`). */
  readonly exact: boolean;
  /** Typical length of an edge in cost units, to scale the annealing temperature. */
  readonly typicalEdgeCost: number;
  /** Per vehicle type: its pinned prefix breaks a limit by itself, so its route is the prefix alone. */
  readonly frozen: readonly boolean[];
  /**
   * Per vehicle type whose pinned prefix is late somewhere: the stretch from leaving the start
   * depot at the shift's start to leaving the last pinned stop, as really driven (late stops
   * served late, no time warp). Its lateness is sunk: the search continues from there
   * (`route-schedule.ts`, the pinned-stop rule). Undefined where the prefix is on time.
   */
  readonly lateStart: readonly (DurationSegment | undefined)[];

  constructor(readonly data: ProblemData) {
    this.jobSegments = data.jobs.map(
      (job) =>
        new DurationSegment(job.serviceDuration, 0, job.timeWindows[0]?.[0] ?? 0, job.timeWindows.at(-1)?.[1] ?? 0),
    );
    this.depotSegments = data.vehicleTypes.map((t) => new DurationSegment(0, 0, t.shift[0], t.shift[1]));
    this.exact = data.jobs.every((job) => job.timeWindows.length === 1);
    const n = data.jobs.length;
    this.neighbours = data.jobs.map((job, j) => {
      const others = Int32Array.from({ length: n }, (_, k) => k).filter((k) => k !== j);
      const from = job.location;
      return others.sort(
        (a, b) => data.distance(from, data.jobs[a]?.location ?? 0) - data.distance(from, data.jobs[b]?.location ?? 0),
      );
    });
    let total = 0;
    const type = data.vehicleTypes[0];
    const depot = data.depots[type?.startDepot ?? 0]?.location ?? 0;
    for (const job of data.jobs) total += data.distance(depot, job.location);
    this.typicalEdgeCost = Math.max(1, ((type?.unitDistanceCost ?? 1) * total) / Math.max(1, n) / 4);
    this.frozen = data.vehicleTypes.map((_, v) => isPinnedPrefixFrozen(data, v));
    this.lateStart = data.vehicleTypes.map((t, v) => {
      const pinned = data.pinned(v);
      if (pinned.length === 0) return undefined;
      const driven = scheduleRoute(data, v, pinned, t.shift[0]);
      if (driven.stops.every((s) => s.lateBy === 0)) return undefined;
      const leave = driven.stops.at(-1)?.departure ?? t.shift[0];
      return new DurationSegment(leave - t.shift[0], 0, t.shift[0], t.shift[0]);
    });
  }
}
