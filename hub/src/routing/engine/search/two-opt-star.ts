import type { SearchRoute } from './search-route.js';

/**
 * 2-opt* (PyVRP `SwapTails`): route `a` keeps positions up to `p` and continues with what came
 * after position `q` of route `b`, and `b` the other way round. Only between routes whose vehicles
 * end alike (same end depot and shift), since a tail's cached segment ends at its own depot — so
 * also between vans of their own types (the hub's re-planning problems). Pinned heads stay. Change
 * in cost, or +∞ if a limit breaks. O(1).
 */
export function twoOptStarDelta(a: SearchRoute, p: number, b: SearchRoute, q: number): number {
  if (a === b || p < a.fixed || q < b.fixed || a.frozen || b.frozen || !endAlike(a, b)) return Number.POSITIVE_INFINITY;
  const headA = a.loadBefore(p);
  const headB = b.loadBefore(q);
  for (let k = 0; k < headA.length; k++) {
    const ha = headA[k] ?? 0;
    const hb = headB[k] ?? 0;
    if (
      ha + (b.load[k] ?? 0) - hb > (a.type.capacity[k] ?? 0) ||
      hb + (a.load[k] ?? 0) - ha > (b.type.capacity[k] ?? 0)
    )
      return Number.POSITIVE_INFINITY;
  }
  const costA = joinedCost(a, p, b, q);
  if (costA === Number.POSITIVE_INFINITY) return costA;
  return costA - a.cost + joinedCost(b, q, a, p) - b.cost;
}

function endAlike(a: SearchRoute, b: SearchRoute): boolean {
  return (
    a.vehicleType === b.vehicleType ||
    (a.type.endDepot === b.type.endDepot && a.type.shift[0] === b.type.shift[0] && a.type.shift[1] === b.type.shift[1])
  );
}

/** The cost of `head`'s positions 0…p followed by `tail`'s positions q+1… . */
function joinedCost(head: SearchRoute, p: number, tail: SearchRoute, q: number): number {
  const { data } = head.context;
  const from = head.location(p);
  const to = tail.location(q + 1);
  const segment = head.segmentBefore(p).followedBy(data.duration(from, to), tail.segmentAfter(q + 1));
  const distance = head.distanceBefore(p) + data.distance(from, to) + tail.distance - tail.distanceBefore(q + 1);
  const empty = p === 0 && q + 1 > tail.jobs.length;
  return head.costIfWithin(segment, distance, empty);
}

export function applyTwoOptStar(a: SearchRoute, p: number, b: SearchRoute, q: number): void {
  const tailA = a.jobs.slice(p);
  const tailB = b.jobs.slice(q);
  a.jobs = [...a.jobs.slice(0, p), ...tailB];
  b.jobs = [...b.jobs.slice(0, q), ...tailA];
  a.update();
  b.update();
}
