/**
 * Ranking metrics with binary relevance. Ties are broken against the relevant items, then by item
 * id: an item that merely ties the held-out one ranks ahead of it, so a model that scores
 * everything alike earns nothing. With one held-out item at 1-based rank r:
 * HR@K = [r ≤ K], NDCG@K = 1/log2(r+1) when r ≤ K (the ideal DCG is 1). With several relevant
 * items, NDCG@K = Σ over hits at position p of 1/log2(p+1), divided by the same sum over the first
 * min(K, |relevant|) positions; Recall@K = hits / |relevant|.
 */

/** 1-based rank of `target` among `candidates` (or among all items when omitted), ignoring `excluded`. */
export function rankOf(
  scores: Float32Array,
  target: number,
  excluded: ReadonlySet<number>,
  candidates?: Int32Array,
): number {
  const s = scores[target] as number;
  let ahead = 0;
  if (candidates === undefined) {
    for (let j = 0; j < scores.length; j++) if (j !== target && (scores[j] as number) >= s && !excluded.has(j)) ahead++;
  } else
    for (const j of candidates) if (j >= 0 && j !== target && (scores[j] as number) >= s && !excluded.has(j)) ahead++;
  return ahead + 1;
}

export function hitAt(rank: number, k: number): number {
  return rank <= k ? 1 : 0;
}

export function ndcgAt(rank: number, k: number): number {
  return rank <= k ? 1 / Math.log2(rank + 1) : 0;
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
