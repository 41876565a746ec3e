import type { SearchRandom } from './random.js';
import type { SearchRoute } from './search-route.js';
import type { SearchSolution } from './search-solution.js';

/**
 * Greedy insertion with blinks (SISR): put the unassigned jobs back one at a time, in a random
 * one of a few orders, each at its cheapest feasible position, except that every position is
 * skipped ("blinked") with a small probability so that repeated recreates differ. An optional
 * job goes in only when that costs less than its drop penalty. No route beyond `routeLimit` used
 * routes is opened (the fleet-minimisation phase lowers it). What fits nowhere stays unassigned.
 */
const BLINK_RATE = 0.01;

export function recreateGreedy(
  state: SearchSolution,
  random: SearchRandom,
  routeLimit: number,
  blinkRate = BLINK_RATE,
): void {
  const { data, exact } = state.context;
  const jobs = orderJobs(state, random);
  state.unassigned = [];
  let used = state.usedRoutes;
  for (const job of jobs) {
    const excluded = new Set<SearchRoute>();
    for (;;) {
      let best: { route: SearchRoute; position: number; cost: number } | undefined;
      const openedTypes = new Set<number>();
      for (const route of state.routes) {
        if (excluded.has(route) || route.frozen) continue;
        if (route.jobs.length === 0) {
          // Empty routes of one type are interchangeable: try one.
          if (used >= routeLimit || openedTypes.has(route.vehicleType)) continue;
          openedTypes.add(route.vehicleType);
        }
        if (!route.fits(job)) continue;
        for (let position = route.fixed; position <= route.jobs.length; position++) {
          if (blinkRate > 0 && random.float() < blinkRate) continue;
          const cost = route.insertionCost(job, position);
          if (cost < (best?.cost ?? Number.POSITIVE_INFINITY)) best = { route, position, cost };
        }
      }
      const penalty = data.jobs[job]?.dropPenalty;
      if (best === undefined || (penalty !== undefined && best.cost >= penalty)) {
        state.unassigned.push(job);
        break;
      }
      const { route, position } = best;
      const opened = route.jobs.length === 0;
      route.jobs.splice(position, 0, job);
      route.update();
      if (!exact && !route.confirmed()) {
        // The hull of several windows let it in; the exact schedule does not.
        route.jobs.splice(position, 1);
        route.update();
        excluded.add(route);
        continue;
      }
      if (opened) used++;
      break;
    }
  }
}

function orderJobs(state: SearchSolution, random: SearchRandom): number[] {
  const { data } = state.context;
  const jobs = random.shuffle([...state.unassigned]);
  const depot = data.depots[data.vehicleTypes[0]?.startDepot ?? 0]?.location ?? 0;
  const key = (j: number, f: (job: NonNullable<(typeof data.jobs)[number]>) => number): number => {
    const job = data.jobs[j];
    return job === undefined ? 0 : f(job);
  };
  const pick = random.int(11);
  if (pick < 4) return jobs;
  if (pick < 8)
    return jobs.sort(
      (a, b) =>
        key(b, (x) => x.delivery.reduce((s, q) => s + q, 0)) - key(a, (x) => x.delivery.reduce((s, q) => s + q, 0)),
    );
  if (pick < 10)
    return jobs.sort(
      (a, b) => key(b, (x) => data.distance(depot, x.location)) - key(a, (x) => data.distance(depot, x.location)),
    );
  return jobs.sort(
    (a, b) => key(a, (x) => data.distance(depot, x.location)) - key(b, (x) => data.distance(depot, x.location)),
  );
}
