import { itemPairs } from './item-pairs.js';
import { type CsrMatrix, scoreThroughItems } from './matrix.js';
import type { Recommender } from './model.js';

/**
 * "Bought together" from co-occurrence with lift. Over N rows (users, or baskets when the hub
 * feeds one row per basket), with n_i the rows containing i and c_ij the rows containing both,
 *   lift(i, j) = c_ij·N / (n_i·n_j)
 * is how much more often the pair occurs than if the two were bought independently (1 = no
 * association). Lift rewards rare items wildly on a single co-occurrence, so a pair needs at least
 * `minSupport` rows in common to count. As a recommender, a user's score of j is the sum of
 * lift(i, j) over the items i the user bought.
 */
export interface CooccurrenceOptions {
  readonly minSupport?: number;
}

export interface TogetherItem {
  readonly item: number;
  readonly lift: number;
  /** c_ij: rows containing both. */
  readonly support: number;
}

export class CooccurrenceModel implements Recommender {
  readonly name = 'cooccurrence';
  readonly minSupport: number;
  #matrix: CsrMatrix | undefined;
  #indptr = new Int32Array(1);
  #indices = new Int32Array(0);
  #lift = new Float32Array(0);
  #support = new Float32Array(0);

  constructor(options: CooccurrenceOptions = {}) {
    this.minSupport = options.minSupport ?? 2;
  }

  /** Expects a 0/1 matrix (no half-life): counts are rows, not weights. */
  fit(matrix: CsrMatrix): void {
    this.#matrix = matrix;
    const pairs = itemPairs(matrix);
    const rows = matrix.rows;
    const indptr = new Int32Array(matrix.cols + 1);
    const indices: number[] = [];
    const lift: number[] = [];
    const support: number[] = [];
    for (let i = 0; i < matrix.cols; i++) {
      for (let a = pairs.indptr[i] as number; a < (pairs.indptr[i + 1] as number); a++) {
        const c = pairs.data[a] as number;
        if (c < this.minSupport) continue;
        const j = pairs.indices[a] as number;
        indices.push(j);
        lift.push((c * rows) / ((pairs.diagonal[i] as number) * (pairs.diagonal[j] as number)));
        support.push(c);
      }
      indptr[i + 1] = indices.length;
    }
    this.#indptr = indptr;
    this.#indices = Int32Array.from(indices);
    this.#lift = Float32Array.from(lift);
    this.#support = Float32Array.from(support);
  }

  /** The `k` items most often bought with `item`, by lift (then support, then id). */
  together(item: number, k: number): TogetherItem[] {
    const out: TogetherItem[] = [];
    for (let a = this.#indptr[item] ?? 0; a < (this.#indptr[item + 1] ?? 0); a++)
      out.push({
        item: this.#indices[a] as number,
        lift: this.#lift[a] as number,
        support: this.#support[a] as number,
      });
    return out.sort((x, y) => y.lift - x.lift || y.support - x.support || x.item - y.item).slice(0, k);
  }

  scoreInto(user: number, into: Float32Array): void {
    const graph = { indptr: this.#indptr, indices: this.#indices, weights: this.#lift };
    scoreThroughItems(this.#matrix, user, graph, into, false);
  }
}
