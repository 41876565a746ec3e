import type { EventList } from './interactions.js';

/**
 * The implicit feedback matrix X (users × items) in compressed sparse rows. A cell is 1 when the
 * user bought the item at least once: repeat purchases do not make an item "more relevant" to
 * the models here (EASE and cosine both assume a 0/1 matrix, and a staple bought weekly would
 * otherwise drown everything else). With a half-life, the cell is the decay of the user's most
 * recent purchase of the item, 2^(−age/half-life) with the age counted back from `nowMs` (the
 * latest training event by default), so old habits weigh less but stay in (0, 1].
 */
export interface CsrMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Int32Array;
  /** Column ids of each row, ascending. */
  readonly indices: Int32Array;
  readonly data: Float32Array;
}

export interface FeedbackOptions {
  readonly halfLifeDays?: number;
  readonly nowMs?: number;
}

const DAY_MS = 86_400_000;

export function feedbackMatrix(
  events: EventList,
  rows: number,
  cols: number,
  options: FeedbackOptions = {},
): CsrMatrix {
  const n = events.user.length;
  let now = options.nowMs ?? Number.NEGATIVE_INFINITY;
  if (options.nowMs === undefined) for (let e = 0; e < n; e++) now = Math.max(now, events.tsMs[e] as number);
  const halfLifeMs = options.halfLifeDays === undefined ? undefined : options.halfLifeDays * DAY_MS;
  const cells = new Map<number, number>();
  // One Map per matrix keyed by row*cols+col: cols ≤ 2^26 keeps the key an exact double for any file that fits in memory.
  for (let e = 0; e < n; e++) {
    const key = (events.user[e] as number) * cols + (events.item[e] as number);
    const w = halfLifeMs === undefined ? 1 : 2 ** (-Math.max(0, now - (events.tsMs[e] as number)) / halfLifeMs);
    const old = cells.get(key);
    if (old === undefined || w > old) cells.set(key, w);
  }
  return csrFromCells(rows, cols, cells);
}

/** A CSR matrix from its non-zero cells, keyed `row × cols + col`; each row's columns ascending. */
export function csrFromCells(rows: number, cols: number, cells: ReadonlyMap<number, number>): CsrMatrix {
  const keys = [...cells.keys()].sort((a, b) => a - b);
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(keys.length);
  const data = new Float32Array(keys.length);
  keys.forEach((key, k) => {
    const r = Math.floor(key / cols);
    indices[k] = key - r * cols;
    data[k] = cells.get(key) as number;
    indptr[r + 1] = (indptr[r + 1] as number) + 1;
  });
  for (let r = 0; r < rows; r++) indptr[r + 1] = (indptr[r + 1] as number) + (indptr[r] as number);
  return { rows, cols, indptr, indices, data };
}

/** Column sums Σ_u X[u, j]: popularity, or recency-weighted popularity under a half-life. */
export function columnSums(m: CsrMatrix): Float64Array {
  const sums = new Float64Array(m.cols);
  for (let k = 0; k < m.indices.length; k++)
    sums[m.indices[k] as number] = (sums[m.indices[k] as number] as number) + (m.data[k] as number);
  return sums;
}

/** The transpose (items × users), for walks from an item to its buyers. */
export function transpose(m: CsrMatrix): CsrMatrix {
  const indptr = new Int32Array(m.cols + 1);
  for (let k = 0; k < m.indices.length; k++) (indptr[(m.indices[k] as number) + 1] as number)++;
  for (let c = 0; c < m.cols; c++) indptr[c + 1] = (indptr[c + 1] as number) + (indptr[c] as number);
  const fill = indptr.slice(0, m.cols);
  const indices = new Int32Array(m.indices.length);
  const data = new Float32Array(m.indices.length);
  for (let r = 0; r < m.rows; r++)
    for (let k = m.indptr[r] as number; k < (m.indptr[r + 1] as number); k++) {
      const c = m.indices[k] as number;
      const at = fill[c] as number;
      fill[c] = at + 1;
      indices[at] = r;
      data[at] = m.data[k] as number;
    }
  return { rows: m.cols, cols: m.rows, indptr, indices, data };
}

/** Item → item edges in CSR: item i's edges are `indices[indptr[i] … indptr[i+1]−1]` with their `weights`. */
export interface ItemGraph {
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly weights: Float32Array;
}

/**
 * Scores through an item graph: `into[j] = Σ_i c(u, i) · w(i → j)` over the items i of the
 * user's row, where c is the cell (`byCell`, item-kNN's X·S) or 1 (co-occurrence: every bought
 * item counts alike). `into` is zeroed first; a user outside the matrix scores 0 everywhere.
 */
export function scoreThroughItems(
  m: CsrMatrix | undefined,
  user: number,
  graph: ItemGraph,
  into: Float32Array,
  byCell: boolean,
): void {
  into.fill(0);
  if (m === undefined || user >= m.rows) return;
  for (let b = m.indptr[user] as number; b < (m.indptr[user + 1] as number); b++) {
    const i = m.indices[b] as number;
    const c = byCell ? (m.data[b] as number) : 1;
    for (let a = graph.indptr[i] as number; a < (graph.indptr[i + 1] as number); a++) {
      const j = graph.indices[a] as number;
      into[j] = (into[j] as number) + c * (graph.weights[a] as number);
    }
  }
}
