import { itemPairs } from './item-pairs.js';
import { type CsrMatrix, scoreThroughItems } from './matrix.js';
import type { Recommender } from './model.js';

/**
 * Item-based k-nearest neighbours. Similarity is cosine with shrinkage,
 * s_ij = c_ij / (‖x_i‖·‖x_j‖ + shrink), which pulls the similarity of items seen together only by a
 * few users towards 0 (a pair bought once by one user is otherwise cosine 1). Each item keeps its
 * `neighbours` most similar items; a user's score of item j is Σ over the user's items i of
 * x_ui·s_ij over the lists that contain j.
 */
export interface ItemKnnOptions {
  readonly neighbours?: number;
  readonly shrink?: number;
}

export class ItemKnnModel implements Recommender {
  readonly name = 'itemknn';
  readonly neighbours: number;
  readonly shrink: number;
  #matrix: CsrMatrix | undefined;
  /** Neighbour lists in CSR: item i's neighbours j and similarities s_ij. */
  #indptr = new Int32Array(1);
  #indices = new Int32Array(0);
  #sims = new Float32Array(0);

  constructor(options: ItemKnnOptions = {}) {
    this.neighbours = options.neighbours ?? 100;
    this.shrink = options.shrink ?? 10;
  }

  fit(matrix: CsrMatrix): void {
    this.#matrix = matrix;
    const pairs = itemPairs(matrix);
    const norm = pairs.diagonal.map(Math.sqrt);
    const indptr = new Int32Array(matrix.cols + 1);
    const indices: number[] = [];
    const sims: number[] = [];
    for (let i = 0; i < matrix.cols; i++) {
      const from = pairs.indptr[i] as number;
      const to = pairs.indptr[i + 1] as number;
      const cand: { j: number; s: number }[] = [];
      for (let a = from; a < to; a++) {
        const j = pairs.indices[a] as number;
        const s = (pairs.data[a] as number) / ((norm[i] as number) * (norm[j] as number) + this.shrink);
        if (s > 0) cand.push({ j, s });
      }
      cand.sort((x, y) => y.s - x.s || x.j - y.j);
      for (const { j, s } of cand.slice(0, this.neighbours)) {
        indices.push(j);
        sims.push(s);
      }
      indptr[i + 1] = indices.length;
    }
    this.#indptr = indptr;
    this.#indices = Int32Array.from(indices);
    this.#sims = Float32Array.from(sims);
  }

  /** Item i's neighbours, most similar first. */
  neighboursOf(item: number): { readonly item: number; readonly similarity: number }[] {
    const out = [];
    for (let a = this.#indptr[item] as number; a < (this.#indptr[item + 1] as number); a++)
      out.push({ item: this.#indices[a] as number, similarity: this.#sims[a] as number });
    return out;
  }

  scoreInto(user: number, into: Float32Array): void {
    const graph = { indptr: this.#indptr, indices: this.#indices, weights: this.#sims };
    scoreThroughItems(this.#matrix, user, graph, into, true);
  }
}
