/**
 * Ranking metrics with binary relevance. With one held-out item at 1-based rank r:
 * HR@K = [r ≤ K], NDCG@K = 1/log2(r+1) when r ≤ K (the ideal DCG is 1).
 *
 * Ties: when the held-out item ties with T other items and A items score strictly higher, the
 * metric is its expectation over a uniformly random order of the tied group, i.e. the item is at
 * each of positions A+1 … A+T+1 with probability 1/(T+1). It is deterministic (no seed) and fair
 * to sparse models that leave most items at 0: counting every tie as ahead would score them
 * below random, counting none as ahead would reward a constant model with HR = 1. A constant
 * model scores K/N, like random.
 *
 * Top-K lists (temporal protocol, coverage) break ties against the relevant items, then by item
 * id. With several relevant items, NDCG@K = Σ over hits at position p of 1/log2(p+1), divided by
 * the same sum over the first min(K, |relevant|) positions; Recall@K = hits / |relevant|.
 */

/** Where `target` stands among `candidates` (all items when omitted), ignoring `excluded`. */
export interface Standing {
  /** Items scoring strictly higher. */
  readonly ahead: number;
  /** Other items scoring the same. */
  readonly tied: number;
}

export function standingOf(
  scores: Float32Array,
  target: number,
  excluded: ReadonlySet<number>,
  candidates?: Int32Array,
): Standing {
  const s = scores[target] as number;
  let ahead = 0;
  let tied = 0;
  const visit = (j: number) => {
    if (j === target || excluded.has(j)) return;
    const sj = scores[j] as number;
    if (sj > s) ahead++;
    else if (sj === s) tied++;
  };
  if (candidates === undefined) for (let j = 0; j < scores.length; j++) visit(j);
  else for (const j of candidates) if (j >= 0) visit(j);
  return { ahead, tied };
}

/** Expected HR@K: the share of the tied group's positions A+1 … A+T+1 that are ≤ K. */
export function hitAt(st: Standing, k: number): number {
  return Math.max(0, Math.min(k - st.ahead, st.tied + 1)) / (st.tied + 1);
}

/** Expected NDCG@K over the tied group's positions. */
export function ndcgAt(st: Standing, k: number): number {
  let sum = 0;
  for (let p = st.ahead + 1; p <= Math.min(k, st.ahead + st.tied + 1); p++) sum += 1 / Math.log2(p + 1);
  return sum / (st.tied + 1);
}

/**
 * The K best items by score, best first, skipping `excluded`; ties go against `relevant`, then to
 * the lower item id. One pass with a K-long sorted buffer: O(items · K) at worst, O(items) usually.
 */
export function topK(
  scores: Float32Array,
  k: number,
  excluded: ReadonlySet<number>,
  relevant: ReadonlySet<number> = new Set(),
): number[] {
  const best: number[] = [];
  // a before b?
  const before = (a: number, b: number): boolean => {
    const sa = scores[a] as number;
    const sb = scores[b] as number;
    if (sa !== sb) return sa > sb;
    const ra = relevant.has(a);
    if (ra !== relevant.has(b)) return !ra;
    return a < b;
  };
  for (let j = 0; j < scores.length; j++) {
    if (excluded.has(j)) continue;
    if (best.length === k && !before(j, best[k - 1] as number)) continue;
    let at = best.length === k ? k - 1 : best.length;
    while (at > 0 && before(j, best[at - 1] as number)) {
      best[at] = best[at - 1] as number;
      at--;
    }
    best[at] = j;
  }
  return best;
}

export interface ListMetrics {
  readonly hit: number;
  readonly ndcg: number;
  readonly recall: number;
}

/** HR, NDCG and recall of one top-K list against a set of relevant items. */
export function listMetrics(list: readonly number[], relevant: ReadonlySet<number>, k: number): ListMetrics {
  let dcg = 0;
  let hits = 0;
  list.slice(0, k).forEach((item, p) => {
    if (relevant.has(item)) {
      hits++;
      dcg += 1 / Math.log2(p + 2);
    }
  });
  let ideal = 0;
  for (let p = 0; p < Math.min(k, relevant.size); p++) ideal += 1 / Math.log2(p + 2);
  return {
    hit: hits > 0 ? 1 : 0,
    ndcg: ideal === 0 ? 0 : dcg / ideal,
    recall: relevant.size === 0 ? 0 : hits / relevant.size,
  };
}
