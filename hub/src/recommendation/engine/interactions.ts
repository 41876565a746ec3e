/**
 * Interactions as the recommendation engine sees them: who (a dense user id), what (a dense item
 * id), when (ms since the epoch, UTC). Dense ids let every model work on typed arrays; the index
 * maps translate back to the file's ids at the boundary.
 *
 * Events are kept grouped by user and, within a user, ordered by time. Two events of one user with
 * the same timestamp keep their input order (the order of the file's lines): "the latest event" is
 * then the one written last, which is what makes the leave-one-out hold-out deterministic on files
 * with coarse timestamps (a whole basket shares one second).
 */

export interface RawInteraction {
  readonly user: string;
  readonly item: string;
  readonly tsMs: number;
}

export interface Interactions {
  /** File id of each dense user id, and back. */
  readonly users: readonly string[];
  readonly userIndex: ReadonlyMap<string, number>;
  readonly items: readonly string[];
  readonly itemIndex: ReadonlyMap<string, number>;
  /** Events of user `u` are `userStart[u] … userStart[u+1]−1`, time-ordered (ties: input order). */
  readonly userStart: Int32Array;
  readonly item: Int32Array;
  readonly tsMs: Float64Array;
}

/** Dense ids in order of first appearance; events grouped by user, stably sorted by time. */
export function buildInteractions(events: readonly RawInteraction[]): Interactions {
  const userIndex = new Map<string, number>();
  const itemIndex = new Map<string, number>();
  const users: string[] = [];
  const items: string[] = [];
  const u = new Int32Array(events.length);
  const it = new Int32Array(events.length);
  for (let e = 0; e < events.length; e++) {
    const ev = events[e] as RawInteraction;
    let uid = userIndex.get(ev.user);
    if (uid === undefined) {
      uid = users.length;
      userIndex.set(ev.user, uid);
      users.push(ev.user);
    }
    let iid = itemIndex.get(ev.item);
    if (iid === undefined) {
      iid = items.length;
      itemIndex.set(ev.item, iid);
      items.push(ev.item);
    }
    u[e] = uid;
    it[e] = iid;
  }
  // Array.prototype.sort is stable (ES2019), so equal (user, ts) keep input order.
  const order = Array.from({ length: events.length }, (_, e) => e).sort(
    (a, b) =>
      (u[a] as number) - (u[b] as number) || (events[a] as RawInteraction).tsMs - (events[b] as RawInteraction).tsMs,
  );
  const userStart = new Int32Array(users.length + 1);
  for (let e = 0; e < events.length; e++) (userStart[(u[e] as number) + 1] as number)++;
  for (let k = 0; k < users.length; k++) userStart[k + 1] = (userStart[k + 1] as number) + (userStart[k] as number);
  const item = new Int32Array(events.length);
  const tsMs = new Float64Array(events.length);
  order.forEach((e, pos) => {
    item[pos] = it[e] as number;
    tsMs[pos] = (events[e] as RawInteraction).tsMs;
  });
  return { users, userIndex, items, itemIndex, userStart, item, tsMs };
}

/** A subset of the events (e.g. the training part of a split), by the same dense ids. */
export interface EventList {
  readonly user: Int32Array;
  readonly item: Int32Array;
  readonly tsMs: Float64Array;
}
