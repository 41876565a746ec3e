import { RECOMMENDATION_FILTER_REASONS, type RecommendationFilterReason } from '@aisle/protocols';

/**
 * What may not be recommended, and why. A request builds one byte per catalogue item: 0 when the
 * item may be shown, else the 1-based index of its reason in `FILTER_REASONS`. The mask is built
 * from a per-site part that changes rarely (what the store carries, excluded categories; cached by
 * the caller) plus a per-request part (the customer's purchases, what is empty right now), so a
 * request over 20,000 items costs one copy and a few writes, not 20,000 lookups.
 *
 * `topN` then walks the scores once with a bounded heap, and counts, by reason, the blocked items
 * that scored above the last one shown: "2 better items were left out because they are out of
 * stock here" is what a store manager can act on; a count over the whole catalogue is not.
 */
export const FILTER_REASONS = Object.keys(RECOMMENDATION_FILTER_REASONS) as RecommendationFilterReason[];
export type FilterReason = RecommendationFilterReason;

/** The code written into a mask for `reason`. */
export function reasonCode(reason: FilterReason): number {
  return FILTER_REASONS.indexOf(reason) + 1;
}

/** Marks `items` with `reason` where nothing is marked yet (the first reason found is the one reported). */
export function block(mask: Uint8Array, items: Iterable<number>, reason: FilterReason): void {
  const code = reasonCode(reason);
  for (const j of items) if (j >= 0 && j < mask.length && mask[j] === 0) mask[j] = code;
}

export interface Ranked {
  readonly item: number;
  readonly score: number;
}

export interface TopN {
  /** Best first; ties to the lower item id. */
  readonly items: readonly Ranked[];
  /** Blocked items scored above the last item shown (all blocked items with a positive score when fewer than n are shown). */
  readonly skipped: Readonly<Record<FilterReason, number>>;
}

function better(a: number, ia: number, b: number, ib: number): boolean {
  return a > b || (a === b && ia < ib);
}

/**
 * The `n` best unblocked items with a score above `floor` (items nobody would pick: never sold,
 * unknown), best first, in O(items · log n).
 */
export function topN(scores: Float32Array, mask: Uint8Array, n: number, floor = 0): TopN {
  // A min-heap of the best n so far: heap[0] is the weakest.
  const heapScore: number[] = [];
  const heapItem: number[] = [];
  const blockedScore: number[] = [];
  const blockedCode: number[] = [];
  const blockedItem: number[] = [];
  const weaker = (a: number, b: number) =>
    !better(heapScore[a] as number, heapItem[a] as number, heapScore[b] as number, heapItem[b] as number);
  const swap = (a: number, b: number) => {
    [heapScore[a], heapScore[b]] = [heapScore[b] as number, heapScore[a] as number];
    [heapItem[a], heapItem[b]] = [heapItem[b] as number, heapItem[a] as number];
  };
  const siftDown = (from: number) => {
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heapScore.length && weaker(l, m)) m = l;
      if (r < heapScore.length && weaker(r, m)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  };
  for (let j = 0; j < scores.length; j++) {
    const s = scores[j] as number;
    if (!(s > floor)) continue;
    const full = heapScore.length >= n;
    if (full && !better(s, j, heapScore[0] as number, heapItem[0] as number)) continue;
    const code = mask[j] as number;
    if (code !== 0) {
      blockedScore.push(s);
      blockedCode.push(code);
      blockedItem.push(j);
      continue;
    }
    if (!full) {
      heapScore.push(s);
      heapItem.push(j);
      for (let i = heapScore.length - 1; i > 0; ) {
        const parent = (i - 1) >> 1;
        if (!weaker(i, parent)) break;
        swap(i, parent);
        i = parent;
      }
    } else if (n > 0) {
      heapScore[0] = s;
      heapItem[0] = j;
      siftDown(0);
    }
  }
  const items = heapItem
    .map((item, k) => ({ item, score: heapScore[k] as number }))
    .sort((a, b) => b.score - a.score || a.item - b.item);
  const last = items.length >= n ? items[items.length - 1] : undefined;
  const skipped = Object.fromEntries(FILTER_REASONS.map((r) => [r, 0])) as Record<FilterReason, number>;
  for (let k = 0; k < blockedScore.length; k++) {
    if (last !== undefined && !better(blockedScore[k] as number, blockedItem[k] as number, last.score, last.item))
      continue;
    const reason = FILTER_REASONS[(blockedCode[k] as number) - 1] as FilterReason;
    skipped[reason] += 1;
  }
  return { items, skipped };
}
