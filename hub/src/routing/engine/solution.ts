/**
 * A solution as the solver returns it and a planner may submit it for scoring (plan mode): one
 * route per vehicle used, each an ordered list of job indices. Times are in the problem's scaled
 * units, like everything in `ProblemData`. A job in no route is dropped (optional) or missing
 * (required); `evaluate` says which.
 */
export interface Route {
  readonly vehicleType: number;
  readonly jobs: readonly number[];
  /** When the vehicle leaves its start depot; by default the earliest start of least duration (`route-schedule.ts`). */
  readonly startTime?: number;
}

export interface Solution {
  readonly routes: readonly Route[];
}
