import type { ProblemData } from './problem.js';
import {
  isPinnedPrefixFrozen,
  isScheduleFeasible,
  isScheduleFeasibleGivenPins,
  type RouteSchedule,
  scheduleRoute,
} from './route-schedule.js';
import type { Route, Solution } from './solution.js';

/**
 * A first solution, feasible by construction: sequential cheapest insertion in the spirit of
 * Solomon's I1 (1987) with its simplest criterion (μ = 1, α₁ = 1: the added cost of the route).
 * Open a route on the first vehicle type with a vehicle left, seed it with the unrouted required
 * job farthest from the depot that the vehicle can serve alone (far jobs are the hard ones to fit
 * later), then insert the job and position that add the least cost and break no limit, until none
 * fits; repeat. Optional jobs go last, each where it adds least, and only when that is cheaper
 * than its drop penalty.
 *
 * Every insertion is checked by `scheduleRoute`, so the result never breaks a capacity, window,
 * shift or duration. It is not guaranteed to place every job even when a placement exists (VRPTW
 * feasibility is itself NP-hard); required jobs it cannot place are listed in `unassigned`.
 * Deterministic: ties go to the lower index. Quality is the local search's job (issue #8).
 *
 * Pinned stops (`VehicleType.pinned`): each pinned vehicle's route is opened first with its
 * prefix and filled, other jobs only after the prefix; a frozen prefix takes nothing
 * (`route-schedule.ts`, `isPinnedPrefixFrozen`).
 */

export interface Construction {
  readonly solution: Solution;
  /** Required jobs no route could take with the vehicles given. */
  readonly unassigned: readonly number[];
}

interface OpenRoute {
  readonly vehicleType: number;
  jobs: number[];
  schedule: RouteSchedule;
  /** Pinned jobs at the front: insertions go after them. */
  readonly fixed: number;
  /** A frozen pinned prefix: no insertion at all. */
  readonly frozen: boolean;
}

interface Insertion {
  readonly job: number;
  readonly position: number;
  readonly delta: number;
  readonly schedule: RouteSchedule;
}

export function construct(data: ProblemData): Construction {
  const left = data.vehicleTypes.map((t) => t.count);
  const routes: OpenRoute[] = [];
  const required = new Set(
    data.jobs.flatMap((job, j) => (job.dropPenalty === undefined && data.pinnedTo(j) < 0 ? [j] : [])),
  );
  const unassigned: number[] = [];
  const fill = (opened: OpenRoute): void => {
    for (;;) {
      const best = cheapestInsertion(data, opened, required);
      if (best === undefined) break;
      opened.jobs.splice(best.position, 0, best.job);
      opened.schedule = best.schedule;
      required.delete(best.job);
    }
    routes.push(opened);
  };

  data.vehicleTypes.forEach((_, v) => {
    const pinned = data.pinned(v);
    if (pinned.length === 0) return;
    left[v] = (left[v] ?? 0) - 1;
    const jobs = [...pinned];
    const frozen = isPinnedPrefixFrozen(data, v);
    fill({ vehicleType: v, jobs, schedule: scheduleRoute(data, v, jobs), fixed: jobs.length, frozen });
  });
  while (required.size > 0) {
    const opened = openRoute(data, left, required);
    if (opened === undefined) break;
    left[opened.vehicleType] = (left[opened.vehicleType] ?? 0) - 1;
    required.delete(opened.jobs[0] ?? -1);
    fill(opened);
  }
  unassigned.push(...required);

  for (let j = 0; j < data.jobs.length; j++) {
    const penalty = data.jobs[j]?.dropPenalty;
    if (penalty === undefined || data.pinnedTo(j) >= 0) continue;
    let best: { route: (typeof routes)[number]; insertion: Insertion } | undefined;
    for (const route of routes) {
      const insertion = cheapestInsertion(data, route, [j]);
      if (insertion && insertion.delta < (best?.insertion.delta ?? penalty)) best = { route, insertion };
    }
    const fresh = openRoute(data, left, [j]);
    const freshCost = fresh ? routeCost(data, fresh.vehicleType, fresh.schedule, true) : Number.POSITIVE_INFINITY;
    if (fresh && freshCost < (best?.insertion.delta ?? penalty)) {
      left[fresh.vehicleType] = (left[fresh.vehicleType] ?? 0) - 1;
      routes.push(fresh);
    } else if (best) {
      best.route.jobs.splice(best.insertion.position, 0, j);
      best.route.schedule = best.insertion.schedule;
    }
  }

  return { solution: { routes: routes.map(({ vehicleType, jobs }): Route => ({ vehicleType, jobs })) }, unassigned };
}

/** Fixed cost (for a new route) + distance and duration costs of a schedule. */
function routeCost(data: ProblemData, vehicleType: number, s: RouteSchedule, withFixed: boolean): number {
  const type = data.vehicleTypes[vehicleType];
  if (type === undefined) return Number.POSITIVE_INFINITY;
  return (withFixed ? type.fixedCost : 0) + type.unitDistanceCost * s.distance + type.unitDurationCost * s.duration;
}

/** A one-job route on the first vehicle type with a vehicle left, seeded with the farthest job it can serve. */
function openRoute(data: ProblemData, left: readonly number[], candidates: Iterable<number>): OpenRoute | undefined {
  const jobs = [...candidates];
  for (let v = 0; v < data.vehicleTypes.length; v++) {
    const type = data.vehicleTypes[v];
    if (type === undefined || (left[v] ?? 0) <= 0) continue;
    const depot = data.depots[type.startDepot]?.location ?? 0;
    let seed: { job: number; far: number; schedule: RouteSchedule } | undefined;
    for (const j of jobs) {
      const far = data.distance(depot, data.jobs[j]?.location ?? depot);
      if (seed !== undefined && far <= seed.far) continue;
      const schedule = scheduleRoute(data, v, [j]);
      if (isScheduleFeasible(schedule)) seed = { job: j, far, schedule };
    }
    if (seed) return { vehicleType: v, jobs: [seed.job], schedule: seed.schedule, fixed: 0, frozen: false };
  }
  return undefined;
}

function cheapestInsertion(data: ProblemData, route: OpenRoute, candidates: Iterable<number>): Insertion | undefined {
  if (route.frozen) return undefined;
  const before = routeCost(data, route.vehicleType, route.schedule, false);
  let best: Insertion | undefined;
  for (const job of candidates)
    for (let position = route.fixed; position <= route.jobs.length; position++) {
      const jobs = [...route.jobs.slice(0, position), job, ...route.jobs.slice(position)];
      const schedule = scheduleRoute(data, route.vehicleType, jobs);
      if (
        !(route.fixed > 0
          ? isScheduleFeasibleGivenPins(data, route.vehicleType, schedule)
          : isScheduleFeasible(schedule))
      )
        continue;
      const delta = routeCost(data, route.vehicleType, schedule, false) - before;
      if (best === undefined || delta < best.delta) best = { job, position, delta, schedule };
    }
  return best;
}
