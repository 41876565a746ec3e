import { joinedCost, loadOf, stringDistance } from './joined-cost.js';
import type { SearchRoute } from './search-route.js';

/**
 * Or-opt (Or 1976; PyVRP's `Exchange<N, 0>`): move the `length` consecutive jobs starting at
 * position `from` of route `a` to just after position `after` of route `b`, kept in order or
 * reversed. Between routes the check is O(1) from cached segments; inside one route (`a === b`)
 * the stretch between the old and new place is folded, O(its length).
 *
 * Returns the change in cost when the move is feasible and might gain; +∞ when a limit breaks, a
 * pinned job would move, or — where cost is fixed + distance only, as in every benchmark — the
 * distance alone, O(1), already shows no gain (the time check is then skipped: most candidate
 * moves end there, which keeps these string moves about as cheap as relocate).
 */
export function orOptDelta(
  a: SearchRoute,
  from: number,
  length: number,
  b: SearchRoute,
  after: number,
  reversed: boolean,
): number {
  const last = from + length - 1;
  if (from <= a.fixed || last > a.jobs.length || after < b.fixed || b.frozen) return Number.POSITIVE_INFINITY;
  const { data } = a.context;
  const d = (i: number, j: number): number => data.distance(i, j);
  const first = a.location(from);
  const end = a.location(last);
  const [head, tail] = reversed ? [end, first] : [first, end];
  const inside = stringDistance(a, from, last, reversed);
  const before = a.location(from - 1);
  const next = a.location(last + 1);
  if (a !== b) {
    for (let k = 0; k < b.load.length; k++)
      if ((b.load[k] ?? 0) + loadOf(a, a.jobs, k, from - 1, last) > (b.type.capacity[k] ?? 0))
        return Number.POSITIVE_INFINITY;
    if (a.type.unitDurationCost === 0 && b.type.unitDurationCost === 0) {
      const qa = b.location(after);
      const qb = b.location(after + 1);
      const removed = d(before, first) + (a.distanceBefore(last) - a.distanceBefore(from)) + d(end, next);
      const emptied = a.jobs.length === length ? a.type.fixedCost + a.type.unitDistanceCost * d(before, next) : 0;
      const opened = b.jobs.length === 0 ? b.type.fixedCost : 0;
      const bound =
        a.type.unitDistanceCost * (d(before, next) - removed) -
        emptied +
        b.type.unitDistanceCost * (d(qa, head) + inside + d(tail, qb) - d(qa, qb)) +
        opened;
      if (bound >= 0) return Number.POSITIVE_INFINITY;
    }
    const moved = a.jobs.slice(from - 1, last);
    if (reversed) moved.reverse();
    const costB = joinedCost(b, b, after, moved, b, after + 1);
    if (costB === Number.POSITIVE_INFINITY) return costB;
    return joinedCost(a, a, from - 1, [], a, last + 1) - a.cost + costB - b.cost;
  }
  const inPlace = after === from - 1 && reversed;
  if (!inPlace && after >= from - 1 && after <= last) return Number.POSITIVE_INFINITY; // not a move
  if (a.type.unitDurationCost === 0) {
    const forward = a.distanceBefore(last) - a.distanceBefore(from);
    let change: number;
    if (inPlace) change = d(before, head) + inside + d(tail, next) - d(before, first) - forward - d(end, next);
    else {
      const qa = a.location(after);
      const qb = a.location(after + 1);
      change =
        d(before, next) + d(qa, head) + inside + d(tail, qb) - (d(before, first) + forward + d(end, next) + d(qa, qb));
    }
    if (change >= 0) return Number.POSITIVE_INFINITY;
  }
  const moved = a.jobs.slice(from - 1, last);
  if (reversed) moved.reverse();
  let cost: number;
  if (inPlace) cost = joinedCost(a, a, after, moved, a, last + 1);
  else if (after < from) cost = joinedCost(a, a, after, [...moved, ...a.jobs.slice(after, from - 1)], a, last + 1);
  else cost = joinedCost(a, a, from - 1, [...a.jobs.slice(last, after), ...moved], a, after + 1);
  return cost - a.cost;
}

export function applyOrOpt(
  a: SearchRoute,
  from: number,
  length: number,
  b: SearchRoute,
  after: number,
  reversed: boolean,
): void {
  const moved = a.jobs.splice(from - 1, length);
  if (reversed) moved.reverse();
  // Inside one route, positions after the cut shift down by `length`.
  const at = a === b && after > from - 1 ? after - length : after;
  b.jobs.splice(at, 0, ...moved);
  a.update();
  if (a !== b) b.update();
}
