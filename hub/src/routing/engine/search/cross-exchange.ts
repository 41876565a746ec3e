import { joinedCost, loadOf, stringDistance } from './joined-cost.js';
import type { SearchRoute } from './search-route.js';

/**
 * Cross-exchange (Taillard et al. 1997; PyVRP's `Exchange<N, M>`): swap the `lengthA` jobs
 * starting at position `p` of route `a` with the `lengthB` jobs starting at position `q` of
 * another route `b`, each kept in order. O(1) from cached segments (strings of at most three).
 * Change in cost when feasible and possibly gaining; +∞ when a limit breaks, a pinned job would
 * move, or the distance alone shows no gain (cost fixed + distance only; see `or-opt.ts`).
 */
export function crossExchangeDelta(
  a: SearchRoute,
  p: number,
  lengthA: number,
  b: SearchRoute,
  q: number,
  lengthB: number,
): number {
  const lastA = p + lengthA - 1;
  const lastB = q + lengthB - 1;
  if (a === b || p <= a.fixed || q <= b.fixed || lastA > a.jobs.length || lastB > b.jobs.length)
    return Number.POSITIVE_INFINITY;
  for (let k = 0; k < a.load.length; k++) {
    const na = loadOf(a, a.jobs, k, p - 1, lastA);
    const nb = loadOf(b, b.jobs, k, q - 1, lastB);
    if ((a.load[k] ?? 0) - na + nb > (a.type.capacity[k] ?? 0)) return Number.POSITIVE_INFINITY;
    if ((b.load[k] ?? 0) - nb + na > (b.type.capacity[k] ?? 0)) return Number.POSITIVE_INFINITY;
  }
  if (a.type.unitDurationCost === 0 && b.type.unitDurationCost === 0) {
    const { data } = a.context;
    const d = (i: number, j: number): number => data.distance(i, j);
    const [pa, fa, la, na] = [a.location(p - 1), a.location(p), a.location(lastA), a.location(lastA + 1)];
    const [pb, fb, lb, nb] = [b.location(q - 1), b.location(q), b.location(lastB), b.location(lastB + 1)];
    const inA = stringDistance(a, p, lastA, false);
    const inB = stringDistance(b, q, lastB, false);
    const bound =
      a.type.unitDistanceCost * (d(pa, fb) + inB + d(lb, na) - d(pa, fa) - inA - d(la, na)) +
      b.type.unitDistanceCost * (d(pb, fa) + inA + d(la, nb) - d(pb, fb) - inB - d(lb, nb));
    if (bound >= 0) return Number.POSITIVE_INFINITY;
  }
  const fromA = a.jobs.slice(p - 1, lastA);
  const fromB = b.jobs.slice(q - 1, lastB);
  const costA = joinedCost(a, a, p - 1, fromB, a, lastA + 1);
  if (costA === Number.POSITIVE_INFINITY) return costA;
  return costA - a.cost + joinedCost(b, b, q - 1, fromA, b, lastB + 1) - b.cost;
}

export function applyCrossExchange(
  a: SearchRoute,
  p: number,
  lengthA: number,
  b: SearchRoute,
  q: number,
  lengthB: number,
): void {
  const fromA = a.jobs.slice(p - 1, p - 1 + lengthA);
  const fromB = b.jobs.slice(q - 1, q - 1 + lengthB);
  a.jobs.splice(p - 1, lengthA, ...fromB);
  b.jobs.splice(q - 1, lengthB, ...fromA);
  a.update();
  b.update();
}
