import type { Interactions } from './interactions.js';
import { feedbackMatrix } from './matrix.js';
import { hitAt, listMetrics, ndcgAt, standingOf, topK } from './metrics.js';
import type { Recommender } from './model.js';
import type { RankingMode, Split } from './protocols.js';

/**
 * Scores one model on one split: trains it on the split's training events, then ranks each test
 * user's relevant items. Under "exclude already bought" the user's training items are removed
 * from every ranking; under "buy again allowed" nothing is removed. Leave-one-out (one relevant
 * item per user) reports HR and NDCG against all items and against the sampled negatives;
 * temporal reports HR, NDCG and recall of the top K against all items. Coverage@K is the share of
 * the catalogue that appears in at least one test user's top K.
 *
 * The engine reads no clock: the caller passes `clock` (ms) to time training and queries.
 */

export interface EvaluationOptions {
  readonly k: number;
  readonly mode: RankingMode;
  /** One row of negatives per test user (from `sampleNegatives`); leave-one-out only. */
  readonly negatives?: { readonly ids: Int32Array; readonly perUser: number };
  readonly clock?: () => number;
  /** Called after each test user with (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ModelScore {
  readonly model: string;
  readonly users: number;
  readonly hr: number;
  readonly ndcg: number;
  /** Against the sampled negatives (leave-one-out with negatives only). */
  readonly hrSampled?: number;
  readonly ndcgSampled?: number;
  readonly recall: number;
  readonly coverage: number;
  readonly trainMs: number;
  /** Mean time of one user's scoring, ms. */
  readonly queryMs: number;
}

export function evaluateModel(
  ix: Interactions,
  split: Split,
  model: Recommender,
  options: EvaluationOptions,
): ModelScore {
  const clock = options.clock ?? (() => 0);
  const nItems = ix.items.length;
  const nUsers = ix.users.length;
  const t0 = clock();
  const matrix = feedbackMatrix(
    split.train,
    nUsers,
    nItems,
    model.halfLifeDays === undefined ? {} : { halfLifeDays: model.halfLifeDays },
  );
  model.fit(matrix);
  const trainMs = clock() - t0;

  // Each user's training items, for the exclude mode.
  const binary = model.halfLifeDays === undefined ? matrix : feedbackMatrix(split.train, nUsers, nItems);
  const scores = new Float32Array(nItems);
  const recommended = new Uint8Array(nItems);
  const total = split.testUsers.length;
  const single = split.relevant.length === total;
  let hr = 0;
  let ndcg = 0;
  let hrSampled = 0;
  let ndcgSampled = 0;
  let recall = 0;
  let queryMs = 0;
  const none = new Set<number>();
  for (let k = 0; k < total; k++) {
    const u = split.testUsers[k] as number;
    const q0 = clock();
    model.scoreInto(u, scores);
    queryMs += clock() - q0;
    const excluded =
      options.mode === 'exclude-bought'
        ? new Set(binary.indices.subarray(binary.indptr[u] as number, binary.indptr[u + 1] as number))
        : none;
    const relevant = new Set(split.relevant.subarray(split.relevantStart[k], split.relevantStart[k + 1]));
    const list = topK(scores, options.k, excluded, relevant);
    for (const item of list) recommended[item] = 1;
    if (single) {
      const target = split.relevant[k] as number;
      const rank = standingOf(scores, target, excluded);
      hr += hitAt(rank, options.k);
      ndcg += ndcgAt(rank, options.k);
      recall += hitAt(rank, options.k);
      if (options.negatives !== undefined) {
        const { ids, perUser } = options.negatives;
        const sampledRank = standingOf(scores, target, excluded, ids.subarray(k * perUser, (k + 1) * perUser));
        hrSampled += hitAt(sampledRank, options.k);
        ndcgSampled += ndcgAt(sampledRank, options.k);
      }
    } else {
      const m = listMetrics(list, relevant, options.k);
      hr += m.hit;
      ndcg += m.ndcg;
      recall += m.recall;
    }
    options.onProgress?.(k + 1, total);
  }
  const mean = (x: number) => (total === 0 ? 0 : x / total);
  let covered = 0;
  for (const r of recommended) covered += r;
  return {
    model: model.name,
    users: total,
    hr: mean(hr),
    ndcg: mean(ndcg),
    ...(single && options.negatives !== undefined
      ? { hrSampled: mean(hrSampled), ndcgSampled: mean(ndcgSampled) }
      : {}),
    recall: mean(recall),
    coverage: nItems === 0 ? 0 : covered / nItems,
    trainMs,
    queryMs: mean(queryMs),
  };
}
