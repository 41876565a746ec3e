import type { DurationSegment } from './duration-segment.js';
import type { SearchRoute } from './search-route.js';

/**
 * Swap (PyVRP `SwapTails`' one-one cousin, `Exchange<1, 1>`): exchange the job at position `p`
 * of route `a` with the job at position `q` of another route `b`. Change in cost, or +∞ if a
 * limit breaks. O(1) from cached segments.
 */
export function swapDelta(a: SearchRoute, p: number, b: SearchRoute, q: number): number {
  const u = a.jobs[p - 1];
  const v = b.jobs[q - 1];
  if (u === undefined || v === undefined || a === b || p <= a.fixed || q <= b.fixed) return Number.POSITIVE_INFINITY;
  const { data } = a.context;
  const du = data.jobs[u]?.delivery ?? [];
  const dv = data.jobs[v]?.delivery ?? [];
  if (!a.carries(a.load.map((l, k) => l - (du[k] ?? 0) + (dv[k] ?? 0)))) return Number.POSITIVE_INFINITY;
  if (!b.carries(b.load.map((l, k) => l - (dv[k] ?? 0) + (du[k] ?? 0)))) return Number.POSITIVE_INFINITY;
  const costA = replacedCost(a, p, v);
  if (costA === Number.POSITIVE_INFINITY) return costA;
  return costA - a.cost + replacedCost(b, q, u) - b.cost;
}

/** The cost of route `r` with the job at position `at` replaced by `job`. */
function replacedCost(r: SearchRoute, at: number, job: number): number {
  const { data, jobSegments } = r.context;
  const location = data.jobs[job]?.location ?? 0;
  const prev = r.location(at - 1);
  const next = r.location(at + 1);
  const segment = r
    .segmentBefore(at - 1)
    .followedBy(data.duration(prev, location), jobSegments[job] as DurationSegment)
    .followedBy(data.duration(location, next), r.segmentAfter(at + 1));
  const distance =
    r.distanceBefore(at - 1) +
    data.distance(prev, location) +
    data.distance(location, next) +
    r.distance -
    r.distanceBefore(at + 1);
  return r.costIfWithin(segment, distance, false);
}

export function applySwap(a: SearchRoute, p: number, b: SearchRoute, q: number): void {
  const u = a.jobs[p - 1];
  const v = b.jobs[q - 1];
  if (u === undefined || v === undefined) return;
  a.jobs[p - 1] = v;
  b.jobs[q - 1] = u;
  a.update();
  b.update();
}
