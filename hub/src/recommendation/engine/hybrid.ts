import type { EventList } from './interactions.js';
import { type CsrMatrix, columnSums, csrFromCells, feedbackMatrix } from './matrix.js';
import type { Recommender } from './model.js';

/**
 * A weighted blend of three normalised signals, because on grocery data no single one wins:
 * popularity beats the collaborative models on the sampled-negative metrics (most baskets are
 * staples), the collaborative model knows which staples go together, and, when re-purchases
 * count, the user's own history is the strongest signal of all (the same milk every week).
 *
 *   score(u, i) = w_c · c̃(u, i) + w_p · p̃(i) + w_n · ñ(i) + w_r · r̃(u, i) + w_a · ã(u, i)
 *
 * Each component is scaled to [0, 1] per user so the weights mean the same on any file:
 *  - c̃: the collaborative model's scores clipped below at 0 and divided by the user's maximum.
 *    Clipping matters: EASE scores items outside its cap far below zero (−2·10⁶ + count), and a
 *    min-max scale would squash every real score to 1; clipped, they tie at 0 and the
 *    popularity component orders them.
 *  - p̃: popularity (users who bought the item) over the most popular item's count.
 *  - ñ: recent popularity, weight w_n (`weights.recent`): each buyer counts 2^(−age/half-life)
 *    of their latest purchase (`recentHalfLifeDays`, 30 by default, from the training events),
 *    over the maximum, so this month's sellers lead. Plain popularity wins the sampled-negative
 *    metrics (an item bought a year ago still beats a random one) and recent popularity the
 *    full-catalogue ones (what sells now is what is bought next); the blend can take both.
 *  - r̃: the repeat component, Σ over the user's purchases of the item of 2^(−age/half-life),
 *    age counted back from the latest training event — frequency and recency in one number —
 *    over the user's maximum. It needs every training event (the feedback matrix keeps one cell
 *    per user and item), so the caller passes the *training* events; it is 0 when none are given
 *    or w_r = 0. Under "exclude already bought" it can only reorder excluded items: leave w_r 0.
 *  - ã: the content model's scores (the user's departments, categories and brands, popularity
 *    within them; `content.ts`) over the user's maximum. It is what places an item nobody has
 *    bought yet, and it keeps a shopper in their own categories where popularity would not. It
 *    is fitted on the recency-weighted matrix when the content model has a half-life and the
 *    training events are given, else on the 0/1 matrix. Optional (weight 0 without a model).
 */
export interface HybridWeights {
  readonly collaborative: number;
  readonly popularity: number;
  readonly repeat: number;
  /** The content component's weight; 0 when omitted. */
  readonly content?: number;
  /** The recent-popularity component's weight (needs the training events); 0 when omitted. */
  readonly recent?: number;
}

export interface HybridOptions {
  readonly collaborative: Recommender;
  /** The content component (a `ContentModel`), weighted by `weights.content`. */
  readonly content?: Recommender;
  readonly weights: HybridWeights;
  /** The training events, for the repeat component. */
  readonly events?: EventList;
  readonly repeatHalfLifeDays?: number;
  /** The recent-popularity component's half-life, days (30). */
  readonly recentHalfLifeDays?: number;
}

const DAY_MS = 86_400_000;

export class HybridModel implements Recommender {
  readonly name: string;
  readonly weights: HybridWeights;
  readonly #collaborative: Recommender;
  readonly #content: Recommender | undefined;
  readonly #events: EventList | undefined;
  readonly #halfLifeMs: number;
  readonly #recentHalfLifeDays: number;
  #recent = new Float32Array(0);
  #popularity = new Float32Array(0);
  /** The repeat scores, one CSR row per user (already scaled to the user's max). */
  #repeat: CsrMatrix = csrFromCells(0, 0, new Map());
  #buffer = new Float32Array(0);

  constructor(options: HybridOptions) {
    for (const [k, w] of Object.entries(options.weights))
      if (!(Number.isFinite(w) && w >= 0)) throw new RangeError(`hybrid weight ${k} must be ≥ 0, got ${w}`);
    this.#collaborative = options.collaborative;
    this.#content = options.content;
    if ((options.weights.content ?? 0) > 0 && options.content === undefined)
      throw new RangeError('a content weight needs a content model');
    this.weights = options.weights;
    this.#events = options.events;
    this.#halfLifeMs = (options.repeatHalfLifeDays ?? 30) * DAY_MS;
    this.#recentHalfLifeDays = options.recentHalfLifeDays ?? 30;
    if ((options.weights.recent ?? 0) > 0 && options.events === undefined)
      throw new RangeError('a recent-popularity weight needs the training events');
    const w = options.weights;
    const content = (w.content ?? 0) > 0 ? `, content ${w.content}` : '';
    const recent = (w.recent ?? 0) > 0 ? `, recent(${this.#recentHalfLifeDays}d) ${w.recent}` : '';
    this.name = `hybrid(${options.collaborative.name} ${w.collaborative}, pop ${w.popularity}${recent}, repeat ${w.repeat}${content})`;
  }

  fit(matrix: CsrMatrix): void {
    if (this.#collaborative.halfLifeDays !== undefined)
      throw new RangeError('the hybrid feeds its collaborative model the 0/1 matrix; give it one without a half-life');
    if (this.weights.collaborative > 0) this.#collaborative.fit(matrix);
    const pop = columnSums(matrix);
    let max = 0;
    for (const p of pop) max = Math.max(max, p);
    this.#popularity = Float32Array.from(pop, (p) => (max > 0 ? p / max : 0));
    this.#recent = new Float32Array(0);
    if ((this.weights.recent ?? 0) > 0 && this.#events !== undefined) {
      const days = this.#recentHalfLifeDays;
      const recent = columnSums(feedbackMatrix(this.#events, matrix.rows, matrix.cols, { halfLifeDays: days }));
      let top = 0;
      for (const p of recent) top = Math.max(top, p);
      this.#recent = Float32Array.from(recent, (p) => (top > 0 ? p / top : 0));
    }
    this.#buffer = new Float32Array(matrix.cols);
    this.#fitRepeat(matrix.rows, matrix.cols);
    const content = this.#content;
    if (content !== undefined && (this.weights.content ?? 0) > 0) {
      const h = content.halfLifeDays;
      const ev = this.#events;
      content.fit(
        h === undefined || ev === undefined
          ? matrix
          : feedbackMatrix(ev, matrix.rows, matrix.cols, { halfLifeDays: h }),
      );
    }
  }

  #fitRepeat(rows: number, cols: number): void {
    const ev = this.#events;
    if (ev === undefined || this.weights.repeat === 0) {
      this.#repeat = csrFromCells(rows, cols, new Map());
      return;
    }
    let now = Number.NEGATIVE_INFINITY;
    for (const t of ev.tsMs) now = Math.max(now, t);
    const cells = new Map<number, number>();
    for (let e = 0; e < ev.user.length; e++) {
      const u = ev.user[e] as number;
      if (u >= rows) continue;
      const key = u * cols + (ev.item[e] as number);
      const w = 2 ** (-Math.max(0, now - (ev.tsMs[e] as number)) / this.#halfLifeMs);
      cells.set(key, (cells.get(key) ?? 0) + w);
    }
    const repeat = csrFromCells(rows, cols, cells);
    const { indptr: start, data: score } = repeat;
    for (let u = 0; u < rows; u++) {
      let max = 0;
      for (let k = start[u] as number; k < (start[u + 1] as number); k++) max = Math.max(max, score[k] as number);
      if (max > 0)
        for (let k = start[u] as number; k < (start[u + 1] as number); k++) score[k] = (score[k] as number) / max;
    }
    this.#repeat = repeat;
  }

  scoreInto(user: number, into: Float32Array): void {
    const w = this.weights;
    const n = into.length;
    for (let j = 0; j < n; j++) into[j] = w.popularity * (this.#popularity[j] ?? 0);
    const wn = w.recent ?? 0;
    if (wn > 0) for (let j = 0; j < n; j++) into[j] = (into[j] as number) + wn * (this.#recent[j] ?? 0);
    if (w.collaborative > 0) this.#addScaled(this.#collaborative, user, w.collaborative, into);
    if ((w.content ?? 0) > 0 && this.#content !== undefined) this.#addScaled(this.#content, user, w.content ?? 0, into);
    const repeat = this.#repeat;
    if (w.repeat > 0 && user < repeat.rows)
      for (let k = repeat.indptr[user] as number; k < (repeat.indptr[user + 1] as number); k++) {
        const j = repeat.indices[k] as number;
        into[j] = (into[j] as number) + w.repeat * (repeat.data[k] as number);
      }
  }

  /** Adds `weight` × the model's scores, clipped at 0 and over the user's maximum. */
  #addScaled(model: Recommender, user: number, weight: number, into: Float32Array): void {
    const n = into.length;
    const c = this.#buffer.length === n ? this.#buffer : new Float32Array(n);
    model.scoreInto(user, c);
    let max = 0;
    for (let j = 0; j < n; j++) max = Math.max(max, c[j] as number);
    if (max <= 0) return;
    const scale = weight / max;
    for (let j = 0; j < n; j++) {
      const x = c[j] as number;
      if (x > 0) into[j] = (into[j] as number) + scale * x;
    }
  }
}
