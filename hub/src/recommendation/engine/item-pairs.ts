import { type CsrMatrix, transpose } from './matrix.js';

/**
 * The sparse item × item Gram matrix XᵀX of a feedback matrix, off the diagonal, plus its
 * diagonal: c_ij = Σ_u x_ui·x_uj (on a 0/1 matrix, the number of users who bought both). Built
 * item by item through the transpose with one dense accumulator, so the cost is Σ_u |row_u|²
 * and the memory the number of co-bought pairs — never items².
 */
export interface ItemPairs {
  readonly items: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly data: Float64Array;
  /** c_ii = Σ_u x_ui². */
  readonly diagonal: Float64Array;
}

export function itemPairs(m: CsrMatrix): ItemPairs {
  const t = transpose(m);
  const acc = new Float64Array(m.cols);
  const touched: number[] = [];
  const indptr = new Int32Array(m.cols + 1);
  const indices: number[] = [];
  const data: number[] = [];
  const diagonal = new Float64Array(m.cols);
  for (let i = 0; i < m.cols; i++) {
    for (let a = t.indptr[i] as number; a < (t.indptr[i + 1] as number); a++) {
      const u = t.indices[a] as number;
      const xi = t.data[a] as number;
      for (let b = m.indptr[u] as number; b < (m.indptr[u + 1] as number); b++) {
        const j = m.indices[b] as number;
        if (acc[j] === 0) touched.push(j);
        acc[j] = (acc[j] as number) + xi * (m.data[b] as number);
      }
    }
    touched.sort((x, y) => x - y);
    for (const j of touched) {
      if (j === i) diagonal[i] = acc[j] as number;
      else {
        indices.push(j);
        data.push(acc[j] as number);
      }
      acc[j] = 0;
    }
    touched.length = 0;
    indptr[i + 1] = indices.length;
  }
  return { items: m.cols, indptr, indices: Int32Array.from(indices), data: Float64Array.from(data), diagonal };
}
