import type { EventList, Interactions } from './interactions.js';
import { mulberry32 } from './random.js';

/**
 * The two standard offline protocols, producing a training event list and, per test user, the
 * items the model must find.
 *
 * Leave-one-out: each user's latest event is held out (ties in time go to the one written last in
 * the file, see `interactions.ts`); everything else trains. Under "exclude already bought" each
 * user's history is first reduced to the first purchase of each item, so the held-out item is the
 * latest *new* item and is never in the user's own training set (otherwise removing bought items
 * would remove the answer); under "buy again allowed" all events count and a re-purchase may be
 * the held-out one. Users with fewer than 2 (distinct, under exclude) interactions are not tested
 * and are counted; their events still train the models.
 *
 * Temporal: one global time cut at a quantile of all timestamps; events before the cut train,
 * events at or after it test, for users with at least one training event (the others are counted
 * as cold). The relevant items are the user's distinct test items, less (under exclude) the ones
 * already in their training history.
 */

export type RankingMode = 'exclude-bought' | 'buy-again';

export interface Split {
  readonly train: EventList;
  /** Dense ids of the tested users. */
  readonly testUsers: Int32Array;
  /** Relevant items of test user k: `relevant[relevantStart[k] … relevantStart[k+1]−1]`. */
  readonly relevantStart: Int32Array;
  readonly relevant: Int32Array;
  /** Users with too little history to test (loo: < 2 interactions; temporal: no train or no test left). */
  readonly skippedUsers: number;
  /** Temporal only: the cut, epoch ms. */
  readonly cutMs?: number;
}

class EventBuffer {
  readonly user: number[] = [];
  readonly item: number[] = [];
  readonly ts: number[] = [];
  push(u: number, i: number, t: number): void {
    this.user.push(u);
    this.item.push(i);
    this.ts.push(t);
  }
  list(): EventList {
    return { user: Int32Array.from(this.user), item: Int32Array.from(this.item), tsMs: Float64Array.from(this.ts) };
  }
}

export function leaveOneOut(ix: Interactions, mode: RankingMode): Split {
  const train = new EventBuffer();
  const testUsers: number[] = [];
  const relevant: number[] = [];
  let skipped = 0;
  for (let u = 0; u < ix.users.length; u++) {
    const from = ix.userStart[u] as number;
    const to = ix.userStart[u + 1] as number;
    const kept: number[] = [];
    const seen = new Set<number>();
    for (let e = from; e < to; e++) {
      const item = ix.item[e] as number;
      if (mode === 'exclude-bought') {
        if (seen.has(item)) continue;
        seen.add(item);
      }
      kept.push(e);
    }
    const held = kept.length >= 2 ? (kept.at(-1) as number) : -1;
    if (held < 0) skipped++;
    for (const e of kept) if (e !== held) train.push(u, ix.item[e] as number, ix.tsMs[e] as number);
    if (held >= 0) {
      testUsers.push(u);
      relevant.push(ix.item[held] as number);
    }
  }
  return {
    train: train.list(),
    testUsers: Int32Array.from(testUsers),
    relevantStart: Int32Array.from({ length: testUsers.length + 1 }, (_, k) => k),
    relevant: Int32Array.from(relevant),
    skippedUsers: skipped,
  };
}

/** The time at quantile `q` of all events (nearest rank below). */
function timeQuantile(ix: Interactions, q: number): number {
  const sorted = Float64Array.from(ix.tsMs).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * (sorted.length - 1))))] ?? 0;
}

export function temporalSplit(ix: Interactions, mode: RankingMode, quantile = 0.8): Split {
  const cutMs = timeQuantile(ix, quantile);
  const train = new EventBuffer();
  const testUsers: number[] = [];
  const relevantStart: number[] = [0];
  const relevant: number[] = [];
  let skipped = 0;
  for (let u = 0; u < ix.users.length; u++) {
    const bought = new Set<number>();
    const later = new Set<number>();
    for (let e = ix.userStart[u] as number; e < (ix.userStart[u + 1] as number); e++) {
      const item = ix.item[e] as number;
      const ts = ix.tsMs[e] as number;
      if (ts < cutMs) {
        train.push(u, item, ts);
        bought.add(item);
      } else later.add(item);
    }
    if (mode === 'exclude-bought') for (const item of bought) later.delete(item);
    if (later.size === 0) continue;
    if (bought.size === 0) {
      skipped++;
      continue;
    }
    testUsers.push(u);
    relevant.push(...[...later].sort((a, b) => a - b));
    relevantStart.push(relevant.length);
  }
  return {
    train: train.list(),
    testUsers: Int32Array.from(testUsers),
    relevantStart: Int32Array.from(relevantStart),
    relevant: Int32Array.from(relevant),
    skippedUsers: skipped,
    cutMs,
  };
}

/**
 * `count` negatives per test user, drawn uniformly without replacement from the items the user
 * never interacted with (whole history, test included), seeded per run; fewer when the catalogue
 * has fewer such items (the row is then padded with −1). Row k belongs to `split.testUsers[k]`.
 */
export function sampleNegatives(ix: Interactions, split: Split, count: number, seed: number): Int32Array {
  const out = new Int32Array(split.testUsers.length * count).fill(-1);
  const random = mulberry32(seed);
  const nItems = ix.items.length;
  for (let k = 0; k < split.testUsers.length; k++) {
    const u = split.testUsers[k] as number;
    const own = new Set<number>();
    for (let e = ix.userStart[u] as number; e < (ix.userStart[u + 1] as number); e++) own.add(ix.item[e] as number);
    const available = nItems - own.size;
    const picked = new Set<number>();
    if (available <= count) {
      for (let i = 0; i < nItems; i++) if (!own.has(i)) picked.add(i);
    } else
      while (picked.size < count) {
        const i = Math.floor(random() * nItems);
        if (!own.has(i)) picked.add(i);
      }
    let at = k * count;
    for (const i of picked) out[at++] = i;
  }
  return out;
}
