import { evaluate, type ViolationCode } from '../evaluate.js';
import { scheduleRoute } from '../route-schedule.js';
import { InitialSolutionError, type Solution } from '../solution.js';
import type { SearchContext } from './context.js';
import type { SearchRoute } from './search-route.js';
import { SearchSolution } from './search-solution.js';

/**
 * A search state from a given solution (`solve`'s `initial`, `replan`'s `previous`). Malformed
 * ones are refused (`InitialSolutionError`); a well-formed one that breaks a limit — a plan made
 * before a van fell behind — is repaired rather than refused, since that is the very case
 * re-planning is for: from each such route the offending stops are taken out (the first late one
 * after the pins, else the largest load over capacity, else the last stop) until it keeps every
 * limit, and join the jobs to put back. Pinned stops are never taken out.
 */
const MALFORMED: ReadonlySet<ViolationCode> = new Set([
  'UNKNOWN_JOB',
  'UNKNOWN_VEHICLE_TYPE',
  'JOB_VISITED_TWICE',
  'TOO_MANY_VEHICLES',
  'PINNED_MOVED',
]);

export function startFrom(
  context: SearchContext,
  solution: Solution,
): { state: SearchSolution; slots: number[]; takenOut: number[] } {
  const malformed = evaluate(context.data, solution).violations.filter((v) => MALFORMED.has(v.code));
  if (malformed.length > 0) throw new InitialSolutionError(malformed);
  const { state, slots } = SearchSolution.placing(context, solution);
  const takenOut: number[] = [];
  for (const route of state.routes)
    while (route.jobs.length > route.fixed && !(route.feasible && route.confirmed())) {
      const [job] = route.jobs.splice(offender(route), 1);
      route.update();
      if (job !== undefined) takenOut.push(job);
    }
  state.unassigned.push(...takenOut);
  return { state, slots, takenOut };
}

/** Index in `route.jobs` of the stop to take out first (never a pinned one). */
function offender(route: SearchRoute): number {
  const { data } = route.context;
  const s = scheduleRoute(data, route.vehicleType, route.jobs);
  for (let k = route.fixed; k < s.stops.length; k++) if ((s.stops[k]?.lateBy ?? 0) > 0) return k;
  const over = s.capacityExcess.findIndex((e) => e > 0);
  if (over >= 0) {
    let worst = route.fixed;
    for (let k = route.fixed; k < route.jobs.length; k++) {
      const load = (j: number | undefined): number => data.jobs[j ?? -1]?.delivery[over] ?? 0;
      if (load(route.jobs[k]) > load(route.jobs[worst])) worst = k;
    }
    return worst;
  }
  return route.jobs.length - 1;
}
