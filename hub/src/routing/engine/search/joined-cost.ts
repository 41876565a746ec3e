import type { DurationSegment } from './duration-segment.js';
import type { SearchRoute } from './search-route.js';

/**
 * The cost, for `owner`'s vehicle, of a route made of `headRoute`'s positions 0…`head` (cached),
 * then the jobs `middle` in that order (folded one by one), then `tailRoute`'s positions
 * `tail`…end (cached); +∞ if it breaks a time window, the shift or the maximum duration.
 * Capacity is the caller's check. O(|middle|): the segment operators (or-opt, cross-exchange)
 * move at most three jobs, so theirs are O(1); moves inside one route fold the stretch between.
 * `tailRoute` must end like `owner` (same end depot and shift), as it does for every caller.
 */
export function joinedCost(
  owner: SearchRoute,
  headRoute: SearchRoute,
  head: number,
  middle: readonly number[],
  tailRoute: SearchRoute,
  tail: number,
): number {
  const { data, jobSegments } = owner.context;
  let segment = headRoute.segmentBefore(head);
  let distance = headRoute.distanceBefore(head);
  let at = headRoute.location(head);
  for (const job of middle) {
    const location = data.jobs[job]?.location ?? 0;
    segment = segment.followedBy(data.duration(at, location), jobSegments[job] as DurationSegment);
    if (segment.timeWarp > 0) return Number.POSITIVE_INFINITY;
    distance += data.distance(at, location);
    at = location;
  }
  const next = tailRoute.location(tail);
  segment = segment.followedBy(data.duration(at, next), tailRoute.segmentAfter(tail));
  distance += data.distance(at, next) + tailRoute.distance - tailRoute.distanceBefore(tail);
  const empty = head === 0 && middle.length === 0 && tail === tailRoute.jobs.length + 1;
  return owner.costIfWithin(segment, distance, empty);
}

/** Total delivery in dimension k of `jobs[start…end−1]`. */
export function loadOf(route: SearchRoute, jobs: readonly number[], k: number, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += route.context.data.jobs[jobs[i] ?? -1]?.delivery[k] ?? 0;
  return sum;
}

/** Distance driven inside `route`'s positions from…last, or the same stops backwards (matrices may be asymmetric). */
export function stringDistance(route: SearchRoute, from: number, last: number, reversed: boolean): number {
  if (!reversed) return route.distanceBefore(last) - route.distanceBefore(from);
  const { data } = route.context;
  let sum = 0;
  for (let i = from; i < last; i++) sum += data.distance(route.location(i + 1), route.location(i));
  return sum;
}
