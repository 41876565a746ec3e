import { type CsrMatrix, columnSums } from './matrix.js';
import type { Recommender } from './model.js';

/**
 * The baseline every model must beat: the same ranking for everyone, by how many users bought
 * each item, or (with a half-life) by the recency-weighted count, so last month's best sellers
 * outrank last year's. Per-site popularity is this model trained on one site's baskets.
 */
export class PopularityModel implements Recommender {
  readonly name: string;
  readonly halfLifeDays?: number;
  #popularity = new Float32Array(0);

  constructor(options: { readonly halfLifeDays?: number } = {}) {
    this.name = options.halfLifeDays === undefined ? 'popularity' : `popularity-decayed(${options.halfLifeDays}d)`;
    if (options.halfLifeDays !== undefined) this.halfLifeDays = options.halfLifeDays;
  }

  fit(matrix: CsrMatrix): void {
    this.#popularity = Float32Array.from(columnSums(matrix));
  }

  scoreInto(_user: number, into: Float32Array): void {
    into.set(this.#popularity);
  }
}
