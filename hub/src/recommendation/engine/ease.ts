import { type CsrMatrix, columnSums } from './matrix.js';
import type { Recommender } from './model.js';
import { invertSpdInPlace } from './spd-inverse.js';

/**
 * EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019): an item × item
 * weight matrix with a zero diagonal, in closed form:
 *   P = (XᵀX + λI)⁻¹,   B_ij = −P_ij / P_jj (i ≠ j),   B_jj = 0,
 * and a user's score of item j is Σ_i x_ui·B_ij.
 *
 * The inverse is dense and O(n³), so only the `maxItems` most bought items (ties to the lower id)
 * enter it. Every other item is scored below every modelled item, by its popularity: such items
 * were bought too rarely in training for a weight to mean much, and their order among themselves
 * stays that of the popularity baseline. The offset −2·10⁶ + count keeps integer counts exact in
 * a Float32 score and assumes |EASE score| < 10⁶ (a score is a sum of |row| weights of size ≲ 1).
 */
export interface EaseOptions {
  /** The L2 penalty λ on the diagonal. */
  readonly lambda?: number;
  readonly maxItems?: number;
}

const FALLBACK_OFFSET = -2e6;

export class EaseModel implements Recommender {
  readonly name = 'ease';
  readonly lambda: number;
  readonly maxItems: number;
  #matrix: CsrMatrix | undefined;
  /** Dense id → position in B, or −1 for an item outside the cap. */
  #slot = new Int32Array(0);
  #modelled = new Int32Array(0);
  #weights = new Float32Array(0);
  #fallback = new Float32Array(0);

  constructor(options: EaseOptions = {}) {
    this.lambda = options.lambda ?? 200;
    this.maxItems = options.maxItems ?? 2000;
  }

  /** How many items entered the inverse in the last fit. */
  get modelledItems(): number {
    return this.#modelled.length;
  }

  fit(matrix: CsrMatrix): void {
    this.#matrix = matrix;
    const popularity = columnSums(matrix);
    const order = Array.from({ length: matrix.cols }, (_, j) => j)
      .filter((j) => (popularity[j] as number) > 0)
      .sort((a, b) => (popularity[b] as number) - (popularity[a] as number) || a - b);
    const modelled = Int32Array.from(order.slice(0, this.maxItems));
    const n = modelled.length;
    const slot = new Int32Array(matrix.cols).fill(-1);
    modelled.forEach((j, s) => {
      slot[j] = s;
    });
    const fallback = new Float32Array(matrix.cols);
    for (let j = 0; j < matrix.cols; j++)
      fallback[j] = (slot[j] as number) >= 0 ? 0 : FALLBACK_OFFSET + (popularity[j] as number);

    const g = new Float64Array(n * n);
    const row: number[] = [];
    const val: number[] = [];
    for (let u = 0; u < matrix.rows; u++) {
      row.length = 0;
      val.length = 0;
      for (let b = matrix.indptr[u] as number; b < (matrix.indptr[u + 1] as number); b++) {
        const s = slot[matrix.indices[b] as number] as number;
        if (s < 0) continue;
        row.push(s);
        val.push(matrix.data[b] as number);
      }
      for (let a = 0; a < row.length; a++) {
        const base = (row[a] as number) * n;
        const xa = val[a] as number;
        for (let c = 0; c < row.length; c++) {
          const at = base + (row[c] as number);
          g[at] = (g[at] as number) + xa * (val[c] as number);
        }
      }
    }
    for (let s = 0; s < n; s++) g[s * n + s] = (g[s * n + s] as number) + this.lambda;
    invertSpdInPlace(g, n);
    const weights = new Float32Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        if (i !== j) weights[i * n + j] = -(g[i * n + j] as number) / (g[j * n + j] as number);
    this.#slot = slot;
    this.#modelled = modelled;
    this.#weights = weights;
    this.#fallback = fallback;
  }

  scoreInto(user: number, into: Float32Array): void {
    into.set(this.#fallback);
    const m = this.#matrix;
    if (m === undefined || user >= m.rows) return;
    const n = this.#modelled.length;
    const sum = new Float64Array(n);
    for (let b = m.indptr[user] as number; b < (m.indptr[user + 1] as number); b++) {
      const s = this.#slot[m.indices[b] as number] as number;
      if (s < 0) continue;
      const x = m.data[b] as number;
      const base = s * n;
      for (let j = 0; j < n; j++) sum[j] = (sum[j] as number) + x * (this.#weights[base + j] as number);
    }
    for (let s = 0; s < n; s++) into[this.#modelled[s] as number] = sum[s] as number;
  }
}
