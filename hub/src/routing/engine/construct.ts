import type { ProblemData } from './problem.js';
import { isScheduleFeasible, scheduleRoute } from './route-schedule.js';
import { SearchContext } from './search/context.js';
import { SearchRoute } from './search/search-route.js';
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
 * Every insertion is checked and costed in O(1) by the search's cached route segments
 * (`SearchRoute.insertionCost`, exact for single windows; with several windows the chosen one is
 * confirmed by `scheduleRoute`), so the result never breaks a capacity, window, shift or duration
 * — and 200 stops take milliseconds, not the seconds a timetable per candidate took. It is not guaranteed to place every job even when a placement exists (VRPTW
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

interface Insertion {
  readonly job: number;
  readonly position: number;
  readonly delta: number;
}

export function construct(data: ProblemData, context = new SearchContext(data)): Construction {
  const left = data.vehicleTypes.map((t) => t.count);
  const routes: SearchRoute[] = [];
  const required = new Set(
    data.jobs.flatMap((job, j) => (job.dropPenalty === undefined && data.pinnedTo(j) < 0 ? [j] : [])),
  );
  const fill = (opened: SearchRoute): void => {
    for (;;) {
      const best = cheapestInsertion(opened, required);
      if (best === undefined) break;
      insert(opened, best);
      required.delete(best.job);
    }
    routes.push(opened);
  };

  data.vehicleTypes.forEach((_, v) => {
    const pinned = data.pinned(v);
    if (pinned.length === 0) return;
    left[v] = (left[v] ?? 0) - 1;
    const route = new SearchRoute(context, v);
    route.jobs = [...pinned];
    route.update();
    fill(route);
  });
  while (required.size > 0) {
    const opened = openRoute(context, left, required);
    if (opened === undefined) break;
    left[opened.vehicleType] = (left[opened.vehicleType] ?? 0) - 1;
    required.delete(opened.jobs[0] ?? -1);
    fill(opened);
  }
  const unassigned = [...required];

  for (let j = 0; j < data.jobs.length; j++) {
    const penalty = data.jobs[j]?.dropPenalty;
    if (penalty === undefined || data.pinnedTo(j) >= 0) continue;
    let best: { route: SearchRoute; insertion: Insertion } | undefined;
    for (const route of routes) {
      const insertion = cheapestInsertion(route, [j]);
      if (insertion && insertion.delta < (best?.insertion.delta ?? penalty)) best = { route, insertion };
    }
    const fresh = openRoute(context, left, [j]);
    if (fresh && fresh.cost < (best?.insertion.delta ?? penalty)) {
      left[fresh.vehicleType] = (left[fresh.vehicleType] ?? 0) - 1;
      routes.push(fresh);
    } else if (best) insert(best.route, best.insertion);
  }

  return {
    solution: { routes: routes.map(({ vehicleType, jobs }): Route => ({ vehicleType, jobs: [...jobs] })) },
    unassigned,
  };
}

function insert(route: SearchRoute, insertion: Insertion): void {
  route.jobs.splice(insertion.position, 0, insertion.job);
  route.update();
}

/** A one-job route on the first vehicle type with a vehicle left, seeded with the farthest job it can serve. */
function openRoute(
  context: SearchContext,
  left: readonly number[],
  candidates: Iterable<number>,
): SearchRoute | undefined {
  const { data } = context;
  const jobs = [...candidates];
  for (let v = 0; v < data.vehicleTypes.length; v++) {
    const type = data.vehicleTypes[v];
    if (type === undefined || (left[v] ?? 0) <= 0) continue;
    const depot = data.depots[type.startDepot]?.location ?? 0;
    let seed: { job: number; far: number } | undefined;
    for (const j of jobs) {
      const far = data.distance(depot, data.jobs[j]?.location ?? depot);
      if (seed !== undefined && far <= seed.far) continue;
      if (isScheduleFeasible(scheduleRoute(data, v, [j]))) seed = { job: j, far };
    }
    if (seed) {
      const route = new SearchRoute(context, v);
      route.jobs = [seed.job];
      route.update();
      return route;
    }
  }
  return undefined;
}

/**
 * The job and position adding least cost (ties: lower job, then earlier position). With several
 * windows per job the segments are a relaxation, so candidates are confirmed by the timetable,
 * cheapest first.
 */
function cheapestInsertion(route: SearchRoute, candidates: Iterable<number>): Insertion | undefined {
  if (route.frozen) return undefined;
  const exact = route.context.exact;
  let best: Insertion | undefined;
  const all: Insertion[] = [];
  for (const job of candidates) {
    if (!route.fits(job)) continue;
    for (let position = route.fixed; position <= route.jobs.length; position++) {
      const delta = route.insertionCost(job, position);
      if (delta === Number.POSITIVE_INFINITY) continue;
      if (!exact) all.push({ job, position, delta });
      else if (best === undefined || delta < best.delta) best = { job, position, delta };
    }
  }
  if (exact) return best;
  all.sort((a, b) => a.delta - b.delta);
  for (const candidate of all) {
    route.jobs.splice(candidate.position, 0, candidate.job);
    route.update();
    const confirmed = route.confirmed();
    route.jobs.splice(candidate.position, 1);
    route.update();
    if (confirmed) return candidate;
  }
  return undefined;
}
