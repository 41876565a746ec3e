import { type CsrMatrix, transpose } from './matrix.js';
import type { Recommender } from './model.js';
import { mulberry32 } from './random.js';

/**
 * Implicit ALS (Hu, Koren, Volinsky, "Collaborative Filtering for Implicit Feedback Datasets",
 * ICDM 2008): user factors X and item factors Y minimising
 *
 *   Σ_{u,i} c_ui (p_ui − x_uᵀ y_i)² + λ (Σ_u |x_u|² + Σ_i |y_i|²),
 *
 * with p_ui = 1 where the user bought the item (else 0) and confidence c_ui = 1 + α·r_ui (r the
 * matrix cell; 1 on the 0/1 matrix, so c = 1 everywhere else). Unlike EASE it has no item cap:
 * its cost is linear in the number of purchases and does not grow with the catalogue squared.
 *
 * Each sweep solves every user's ridge system with the items fixed, then every item's with the
 * users fixed. The system for user u is
 *   (YᵀY + Σ_{i∈u} (c_ui − 1) y_i y_iᵀ + λI) x_u = Σ_{i∈u} c_ui y_i,
 * where YᵀY is shared by all users, so a product with the matrix costs O(f² + |u|·f); it is
 * solved by a few conjugate-gradient steps warm-started from the previous x_u (Takács, Pilászy,
 * Tikk, RecSys 2011) instead of a Cholesky per user. CG never increases a convex quadratic's
 * value, so the loss never rises from one sweep to the next (`losses` records it).
 *
 * Factors are Float64 (the normal equations are ill-conditioned at small λ); the initialisation
 * is seeded, so a fit is repeatable.
 */
export interface IalsOptions {
  readonly factors?: number;
  readonly alpha?: number;
  readonly lambda?: number;
  readonly iterations?: number;
  readonly cgSteps?: number;
  readonly seed?: number;
}

export class IalsModel implements Recommender {
  readonly name: string;
  readonly factors: number;
  readonly alpha: number;
  readonly lambda: number;
  readonly iterations: number;
  readonly cgSteps: number;
  readonly seed: number;
  /** The loss after each sweep of the last fit. */
  readonly losses: number[] = [];
  #users = new Float64Array(0);
  #items = new Float64Array(0);
  #cols = 0;

  constructor(options: IalsOptions = {}) {
    this.factors = options.factors ?? 64;
    this.alpha = options.alpha ?? 10;
    this.lambda = options.lambda ?? 1;
    this.iterations = options.iterations ?? 10;
    this.cgSteps = options.cgSteps ?? 3;
    this.seed = options.seed ?? 1;
    for (const [k, v] of Object.entries({ factors: this.factors, iterations: this.iterations, cgSteps: this.cgSteps }))
      if (!(Number.isInteger(v) && v >= 1)) throw new RangeError(`iALS ${k} must be a whole number ≥ 1, got ${v}`);
    if (!(this.alpha >= 0 && this.lambda > 0)) throw new RangeError('iALS needs alpha ≥ 0 and lambda > 0');
    this.name = `ials(f ${this.factors}, α ${this.alpha}, λ ${this.lambda})`;
  }

  fit(matrix: CsrMatrix): void {
    const f = this.factors;
    const random = mulberry32(this.seed);
    const init = (n: number) => Float64Array.from({ length: n * f }, () => (random() - 0.5) / Math.sqrt(f));
    const users = init(matrix.rows);
    const items = init(matrix.cols);
    const byItem = transpose(matrix);
    this.losses.length = 0;
    for (let it = 0; it < this.iterations; it++) {
      this.#sweep(matrix, items, users);
      this.#sweep(byItem, users, items);
      this.losses.push(this.#loss(matrix, users, items));
    }
    this.#users = users;
    this.#items = items;
    this.#cols = matrix.cols;
  }

  /** Solves every row of `m` for `solved` with `fixed` held: one CG run per row. */
  #sweep(m: CsrMatrix, fixed: Float64Array, solved: Float64Array): void {
    const f = this.factors;
    const gram = gramOf(fixed, f);
    for (let d = 0; d < f; d++) gram[d * f + d] = (gram[d * f + d] as number) + this.lambda;
    const x = new Float64Array(f);
    const r = new Float64Array(f);
    const p = new Float64Array(f);
    const ap = new Float64Array(f);
    const mul = (row: number, v: Float64Array, out: Float64Array) => {
      for (let a = 0; a < f; a++) {
        let s = 0;
        for (let b = 0; b < f; b++) s += (gram[a * f + b] as number) * (v[b] as number);
        out[a] = s;
      }
      for (let k = m.indptr[row] as number; k < (m.indptr[row + 1] as number); k++) {
        const base = (m.indices[k] as number) * f;
        let dot = 0;
        for (let a = 0; a < f; a++) dot += (fixed[base + a] as number) * (v[a] as number);
        const w = this.alpha * (m.data[k] as number) * dot;
        for (let a = 0; a < f; a++) out[a] = (out[a] as number) + w * (fixed[base + a] as number);
      }
    };
    for (let row = 0; row < m.rows; row++) {
      const at = row * f;
      for (let a = 0; a < f; a++) x[a] = solved[at + a] as number;
      // r = b − A x, with b = Σ c·y over the row's items.
      mul(row, x, ap);
      for (let a = 0; a < f; a++) r[a] = -(ap[a] as number);
      for (let k = m.indptr[row] as number; k < (m.indptr[row + 1] as number); k++) {
        const base = (m.indices[k] as number) * f;
        const c = 1 + this.alpha * (m.data[k] as number);
        for (let a = 0; a < f; a++) r[a] = (r[a] as number) + c * (fixed[base + a] as number);
      }
      p.set(r);
      let rr = 0;
      for (let a = 0; a < f; a++) rr += (r[a] as number) ** 2;
      for (let step = 0; step < this.cgSteps && rr > 1e-20; step++) {
        mul(row, p, ap);
        let pap = 0;
        for (let a = 0; a < f; a++) pap += (p[a] as number) * (ap[a] as number);
        const gamma = rr / pap;
        let next = 0;
        for (let a = 0; a < f; a++) {
          x[a] = (x[a] as number) + gamma * (p[a] as number);
          r[a] = (r[a] as number) - gamma * (ap[a] as number);
          next += (r[a] as number) ** 2;
        }
        for (let a = 0; a < f; a++) p[a] = (r[a] as number) + (next / rr) * (p[a] as number);
        rr = next;
      }
      for (let a = 0; a < f; a++) solved[at + a] = x[a] as number;
    }
  }

  /** The objective, in O(nnz·f + (m+n)·f²): Σ_all s² is tr(XᵀX·YᵀY), then the observed cells are corrected. */
  #loss(m: CsrMatrix, users: Float64Array, items: Float64Array): number {
    const f = this.factors;
    const gu = gramOf(users, f);
    const gi = gramOf(items, f);
    let loss = 0;
    for (let k = 0; k < f * f; k++) loss += (gu[k] as number) * (gi[k] as number);
    for (let u = 0; u < m.rows; u++)
      for (let k = m.indptr[u] as number; k < (m.indptr[u + 1] as number); k++) {
        const i = m.indices[k] as number;
        let s = 0;
        for (let a = 0; a < f; a++) s += (users[u * f + a] as number) * (items[i * f + a] as number);
        const c = 1 + this.alpha * (m.data[k] as number);
        loss += c * (1 - s) ** 2 - s * s;
      }
    let norms = 0;
    for (const v of users) norms += v * v;
    for (const v of items) norms += v * v;
    return loss + this.lambda * norms;
  }

  scoreInto(user: number, into: Float32Array): void {
    const f = this.factors;
    if (user * f >= this.#users.length) {
      into.fill(0);
      return;
    }
    const n = Math.min(into.length, this.#cols);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let a = 0; a < f; a++) s += (this.#users[user * f + a] as number) * (this.#items[j * f + a] as number);
      into[j] = s;
    }
    into.fill(0, n);
  }
}

/** VᵀV for row-major factors V (rows × f). */
function gramOf(v: Float64Array, f: number): Float64Array {
  const g = new Float64Array(f * f);
  for (let at = 0; at < v.length; at += f)
    for (let a = 0; a < f; a++) {
      const va = v[at + a] as number;
      if (va === 0) continue;
      for (let b = 0; b < f; b++) g[a * f + b] = (g[a * f + b] as number) + va * (v[at + b] as number);
    }
  return g;
}
