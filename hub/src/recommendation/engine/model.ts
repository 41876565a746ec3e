import type { CsrMatrix } from './matrix.js';

/**
 * What every model is to the evaluator and, later, to the hub: trained once on a feedback matrix,
 * then asked for one user's score of every item. Scores only order items: larger is better, and
 * only the order within one user's vector means anything. Hyper-parameters are given to each
 * model's constructor, so `fit` takes the matrix alone.
 */
export interface Recommender {
  readonly name: string;
  /** The matrix the model wants: 0/1 (undefined) or recency-weighted with this half-life. */
  readonly halfLifeDays?: number;
  fit(matrix: CsrMatrix): void;
  /** Writes user `user`'s score of every item into `into` (length = items); overwrites it all. */
  scoreInto(user: number, into: Float32Array): void;
}
