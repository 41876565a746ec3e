import type { SearchRandom } from './random.js';
import type { SearchSolution } from './search-solution.js';

/**
 * SISR's string removal (Christiaens & Vanden Berghe 2020): pick a random job, then walk its
 * nearest neighbours and, from each not-yet-ruined route met, cut a string of consecutive jobs
 * through that neighbour. Removed jobs join `unassigned`. Spatially related removals give the
 * recreate step room to rebuild a neighbourhood differently. Pinned jobs are never removed: a
 * string is cut from the jobs after a route's pinned prefix.
 */
export interface RuinParameters {
  /** Average number of jobs removed (c̄). */
  readonly averageRemoved: number;
  /** Longest string cut (L_max). */
  readonly maxStringLength: number;
}

export const DEFAULT_RUIN: RuinParameters = { averageRemoved: 10, maxStringLength: 10 };

export function ruinStrings(state: SearchSolution, random: SearchRandom, parameters = DEFAULT_RUIN): void {
  const jobCount = state.context.data.jobs.length;
  if (jobCount === 0) return;
  const routeOf = new Int32Array(jobCount).fill(-1);
  let used = 0;
  let routed = 0;
  state.routes.forEach((r, i) => {
    if (r.jobs.length > 0) used++;
    routed += r.jobs.length;
    for (const j of r.jobs) routeOf[j] = i;
  });
  if (used === 0) return;
  const stringCap = Math.min(parameters.maxStringLength, routed / used);
  const maxStrings = (4 * parameters.averageRemoved) / (1 + stringCap) - 1;
  const strings = Math.floor(random.float() * maxStrings) + 1;
  const seed = random.int(jobCount);
  const ruined = new Set<number>();
  const walk = [seed, ...(state.context.neighbours[seed] ?? [])];
  for (const job of walk) {
    if (ruined.size >= strings) break;
    const r = routeOf[job] ?? -1;
    if (r < 0 || ruined.has(r)) continue;
    const route = state.routes[r];
    if (route === undefined || route.jobs.length <= route.fixed) continue;
    const at = route.jobs.indexOf(job);
    if (at < route.fixed) continue;
    ruined.add(r);
    const free = route.jobs.length - route.fixed;
    const length = Math.floor(random.float() * Math.min(free, stringCap)) + 1;
    const first = Math.max(route.fixed, Math.min(at - random.int(length), route.jobs.length - length));
    const removed = route.jobs.splice(first, length);
    for (const j of removed) routeOf[j] = -1;
    state.unassigned.push(...removed);
    route.update();
  }
}
