/**
 * The routing reason codes that leave the hub: why a delivery job was left out of a plan before
 * the solver saw it, reported with the plan (`refused`), and the routing REST API's refusals, in
 * the error body `{ statusCode, code, message }`. Defined here so clients match on codes the
 * contract names; `docs/api/errors.md` lists them. New codes are added, none is renamed or reused.
 */

/**
 * Why the hub's problem builder refused a job: one code per kind of bad job. A refused job is
 * in no route and listed in the plan's `unassigned`; the other jobs are still planned. The hub
 * reports the code with the job id and a detail naming the value.
 */
export const ROUTING_JOB_REJECT_REASONS = {
  DUPLICATE_JOB: 'The same job id appears more than once in one plan; only the first is planned.',
  DIMENSION_MISMATCH:
    "The job's demand has a different number of dimensions than the fleet's capacity (`routing.fleet[].capacity`).",
  NO_FITTING_VEHICLE: "No van's capacity holds the job's demand in every dimension.",
  WINDOW_OUTSIDE_SHIFTS:
    "None of the job's time windows (from now on) overlaps the shift of a van that can carry it, or no van is on shift.",
  TOO_MANY_JOBS: 'The plan already holds `routing.maxJobs` jobs (oldest first); this one waits for a later plan.',
} as const;
export type RoutingJobRejectReason = keyof typeof ROUTING_JOB_REJECT_REASONS;

/**
 * The routing API's refusals of its own, each with the HTTP status it is answered with; a bad
 * body or an unknown plan or job get the hub's general codes (`VALIDATION_FAILED`, `NOT_FOUND`).
 */
export const ROUTING_API_ERRORS = {
  NO_ACTIVE_PLAN: { status: 409, text: 'There is no active plan to re-plan; plan and activate one first.' },
  PLAN_SUPERSEDED: {
    status: 409,
    text: 'The plan was superseded by a newer version (or replaced while proposed); activate the newest.',
  },
  JOB_NOT_CANCELLABLE: {
    status: 409,
    text: 'Only a pending parcel job can be cancelled here; a store order is cancelled through its order.',
  },
  SOLVER_BUSY: {
    status: 503,
    text: 'The solver thread has `routing.solve.maxQueued` solves waiting already; try again later.',
  },
  SOLVER_FAILED: { status: 500, text: 'The solver failed on this problem (logged); the previous plan stays in force.' },
  FLEET_UNKNOWN_DEPOT: {
    status: 409,
    text: "The van's depot is not in the fleet registry; add the depot first (`PUT /api/routing/fleet/depots/{id}`).",
  },
  FLEET_DIMENSION_MISMATCH: {
    status: 409,
    text: "The van's capacity has a different number of dimensions than the other vans' (every job's demand has one).",
  },
} as const;
export type RoutingApiError = keyof typeof ROUTING_API_ERRORS;
