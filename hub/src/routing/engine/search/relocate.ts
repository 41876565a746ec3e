import type { SearchRoute } from './search-route.js';

/**
 * Relocate (PyVRP `Relocate.h`, one node): move the job at position `from` of route `a` to just
 * after position `after` of another route `b`. Returns the change in cost, +∞ if `b` cannot take
 * it. O(1) from the routes' cached segments.
 */
export function relocateDelta(a: SearchRoute, from: number, b: SearchRoute, after: number): number {
  const job = a.jobs[from - 1];
  if (job === undefined || a === b || from <= a.fixed || after < b.fixed || !b.fits(job))
    return Number.POSITIVE_INFINITY;
  const insert = b.insertionCost(job, after);
  if (insert === Number.POSITIVE_INFINITY) return insert;
  return removalCost(a, from) - a.cost + insert;
}

/** The cost of route `a` without the job at position `at` (0 once it is empty). */
export function removalCost(a: SearchRoute, at: number): number {
  const { data } = a.context;
  const prev = a.location(at - 1);
  const next = a.location(at + 1);
  const segment = a.segmentBefore(at - 1).followedBy(data.duration(prev, next), a.segmentAfter(at + 1));
  const distance = a.distanceBefore(at - 1) + data.distance(prev, next) + a.distance - a.distanceBefore(at + 1);
  return a.costIfWithin(segment, distance, a.jobs.length === 1);
}

export function applyRelocate(a: SearchRoute, from: number, b: SearchRoute, after: number): void {
  const [job] = a.jobs.splice(from - 1, 1);
  if (job === undefined) return;
  b.jobs.splice(after, 0, job);
  a.update();
  b.update();
}
