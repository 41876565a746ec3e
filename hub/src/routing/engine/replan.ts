import { evaluate, isFeasibleGivenPins } from './evaluate.js';
import type { ProblemData } from './problem.js';
import { SearchContext } from './search/context.js';
import { startFrom } from './search/initial.js';
import type { SearchRoute } from './search/search-route.js';
import type { SearchSolution } from './search/search-solution.js';
import type { Route, Solution } from './solution.js';
import { type SolveOptions, type SolveResult, type StopReason, searchFrom } from './solve.js';

/**
 * Minimal-change re-planning (issue #8): a plan is under way, something changed (a new job, a
 * van fell behind, stops were served and are now pinned), and drivers should see as little of
 * their day move as possible. So:
 *  1. keep the previous routes, with each pinned vehicle's pins moved to the front of its route
 *     (they are the past; the problem's pins win over the previous plan);
 *  2. take out only stops that now break a limit (`search/initial.ts`);
 *  3. put every job not in a route back by regret insertion (the job whose best and second-best
 *     positions differ most goes first, each at its cheapest feasible position — Potvin &
 *     Rousseau's regret-2), so only the routes that take a job change;
 *  4. if every required job found a place, that is the answer, with no search at all; otherwise
 *     the search (`searchFrom`) runs from there for the budget in `options`, and may change more.
 * Pinned stops never move, in either stage.
 *
 * `previous` is read against `problem`: the same job and vehicle type indices (new jobs added at
 * the end); a malformed one is refused with `InitialSolutionError`.
 *
 * `routes.routes[i]` is the vehicle of `previous.routes[i]` (empty when it has nothing left to
 * do); routes beyond `previous.routes.length` are vehicles the new plan adds. `changedRoutes`
 * lists the indices whose job sequence differs from the previous plan's.
 */

export interface ReplanResult extends SolveResult {
  /** Indices into `routes.routes` whose jobs differ from `previous.routes[i].jobs` (or that are new). */
  readonly changedRoutes: readonly number[];
  /** Whether the search ran (some required job fitted nowhere by insertion alone). */
  readonly searched: boolean;
}

export function replan(problem: ProblemData, previous: Solution, options: SolveOptions): ReplanResult {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const context = new SearchContext(problem);
  const { state, slots } = startFrom(context, withPinsFirst(problem, previous));
  insertByRegret(state);

  let final = state;
  let iterations = 0;
  let searched = false;
  let stoppedBy: StopReason = 'inserted';
  const inserted = evaluate(problem, state.toSolution());
  if (!(state.missing === 0 && state.complete && isFeasibleGivenPins(problem, inserted))) {
    searched = true;
    const run = searchFrom(state.clone(), options, started);
    iterations = run.iterations;
    stoppedBy = run.stoppedBy;
    if (run.best !== undefined) final = run.best.state;
  }

  const routes = aligned(final, slots);
  const evaluation = evaluate(problem, routes);
  const placed = new Set(routes.routes.flatMap((r) => r.jobs));
  const changedRoutes = routes.routes.flatMap((route, i) => {
    const before = previous.routes[i]?.jobs;
    return before !== undefined && sameJobs(before, route.jobs) ? [] : [i];
  });
  return {
    routes,
    evaluation,
    iterations,
    elapsedMs: now() - started,
    unassigned: problem.jobs.flatMap((_, j) => (problem.isRequired(j) && !placed.has(j) ? [j] : [])),
    changedRoutes,
    searched,
    stoppedBy,
  };
}

/** The previous plan with every pinned job taken from wherever it was and put first on its vehicle's route. */
function withPinsFirst(problem: ProblemData, previous: Solution): Solution {
  const routes: Route[] = previous.routes.map((route) => {
    const pinned = problem.pinned(route.vehicleType);
    const rest = route.jobs.filter((j) => problem.pinnedTo(j) < 0);
    const first = previous.routes.find((r) => r.vehicleType === route.vehicleType) === route;
    return { ...route, jobs: first ? [...pinned, ...rest] : rest };
  });
  problem.vehicleTypes.forEach((_, v) => {
    const pinned = problem.pinned(v);
    if (pinned.length > 0 && !routes.some((r) => r.vehicleType === v))
      routes.push({ vehicleType: v, jobs: [...pinned] });
  });
  return { routes };
}

/**
 * Regret-2 insertion of `state.unassigned`: required jobs first, an optional one only where it
 * costs less than its drop penalty; a job that fits nowhere stays unassigned. At most one unused
 * vehicle per type is offered (unused vehicles of a type are interchangeable).
 */
function insertByRegret(state: SearchSolution): void {
  const { data, exact } = state.context;
  const pending = [...state.unassigned].sort((a, b) => Number(data.isRequired(b)) - Number(data.isRequired(a)));
  state.unassigned = [];
  const excluded = new Map<number, Set<SearchRoute>>();
  while (pending.length > 0) {
    const requiredLeft = pending.some((j) => data.isRequired(j));
    let choice: { index: number; route: SearchRoute; position: number; regret: number } | undefined;
    pending.forEach((job, index) => {
      if (requiredLeft && !data.isRequired(job)) return;
      const options = placements(state, job, excluded.get(job));
      const [best, second] = options;
      if (best === undefined) return;
      const penalty = data.jobs[job]?.dropPenalty;
      if (!data.isRequired(job) && penalty !== undefined && best.cost >= penalty) return;
      const regret = (second?.cost ?? Number.POSITIVE_INFINITY) - best.cost;
      if (choice === undefined || regret > choice.regret) choice = { index, ...best, regret };
    });
    if (choice === undefined) break;
    const { index, route, position } = choice;
    const job = pending[index] as number;
    route.jobs.splice(position, 0, job);
    route.update();
    if (!exact && !route.confirmed()) {
      // The hull of several windows let it in; the exact timetable does not.
      route.jobs.splice(position, 1);
      route.update();
      excluded.set(job, new Set([...(excluded.get(job) ?? []), route]));
      continue;
    }
    pending.splice(index, 1);
  }
  state.unassigned.push(...pending);
}

/** Per route, the cheapest feasible position for `job`, cheapest route first. */
function placements(
  state: SearchSolution,
  job: number,
  excluded: ReadonlySet<SearchRoute> | undefined,
): { route: SearchRoute; position: number; cost: number }[] {
  const out: { route: SearchRoute; position: number; cost: number }[] = [];
  const emptyTried = new Set<number>();
  for (const route of state.routes) {
    if (excluded?.has(route) || route.frozen || !route.fits(job)) continue;
    if (route.jobs.length === 0) {
      if (emptyTried.has(route.vehicleType)) continue;
      emptyTried.add(route.vehicleType);
    }
    let best: { route: SearchRoute; position: number; cost: number } | undefined;
    for (let position = route.fixed; position <= route.jobs.length; position++) {
      const cost = route.insertionCost(job, position);
      if (cost < (best?.cost ?? Number.POSITIVE_INFINITY)) best = { route, position, cost };
    }
    if (best !== undefined) out.push(best);
  }
  return out.sort((a, b) => a.cost - b.cost);
}

/** The state as a solution whose route i is the vehicle of the previous plan's route i, then any new ones. */
function aligned(state: SearchSolution, slots: readonly number[]): Solution {
  const used = new Set(slots);
  const route = (r: SearchRoute): Route => ({ vehicleType: r.vehicleType, jobs: [...r.jobs] });
  const kept = slots.map((slot) => state.routes[slot]);
  return {
    routes: [
      ...kept.flatMap((r) => (r === undefined ? [] : [route(r)])),
      ...state.routes.flatMap((r, k) => (used.has(k) || r.jobs.length === 0 ? [] : [route(r)])),
    ],
  };
}

function sameJobs(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((j, k) => b[k] === j);
}
