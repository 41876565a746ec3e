import { VIOLATION_CODES, type Violation } from './evaluate.js';

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

/**
 * A solution given to start from (`solve`'s `initial`, `replan`'s `previous`) that is not well
 * formed: it names jobs or vehicle types the problem does not have, serves a job twice, uses more
 * vehicles of a type than there are, or (`initial` only) does not keep the pins. `violations` are
 * the checker's, with those codes.
 */
export class InitialSolutionError extends Error {
  override readonly name = 'InitialSolutionError';
  constructor(readonly violations: readonly Violation[]) {
    super(
      `the solution to start from is malformed: ${violations
        .map((v) => `${v.code} ${JSON.stringify({ ...v, code: undefined })} (${VIOLATION_CODES[v.code]})`)
        .join('; ')}`,
    );
  }
}
