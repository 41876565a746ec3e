/**
 * Each model on a matrix small enough to work out by hand: popularity, item-kNN (cosine with
 * shrinkage, top-k neighbours), EASE (closed form, and what the item cap does to the rest),
 * co-occurrence with lift, and the SPD inverse under EASE.
 */
import { describe, expect, it } from 'vitest';
import { CooccurrenceModel } from '../../hub/src/recommendation/engine/cooccurrence.js';
import { EaseModel } from '../../hub/src/recommendation/engine/ease.js';
import { ItemKnnModel } from '../../hub/src/recommendation/engine/item-knn.js';
import { type CsrMatrix, feedbackMatrix } from '../../hub/src/recommendation/engine/matrix.js';
import type { Recommender } from '../../hub/src/recommendation/engine/model.js';
import { PopularityModel } from '../../hub/src/recommendation/engine/popularity.js';
import { invertSpdInPlace, NotPositiveDefiniteError } from '../../hub/src/recommendation/engine/spd-inverse.js';

/** A 0/1 matrix from each user's item list. */
function matrix(rows: number[][], cols: number, days: number[][] = []): CsrMatrix {
  const user: number[] = [];
  const item: number[] = [];
  const ts: number[] = [];
  rows.forEach((items, u) => {
    items.forEach((i, k) => {
      user.push(u);
      item.push(i);
      ts.push((days[u]?.[k] ?? 0) * 86_400_000);
    });
  });
  return feedbackMatrix(
    { user: Int32Array.from(user), item: Int32Array.from(item), tsMs: Float64Array.from(ts) },
    rows.length,
    cols,
  );
}

function scores(model: Recommender, user: number, items: number): number[] {
  const out = new Float32Array(items).fill(Number.NaN);
  model.scoreInto(user, out);
  return [...out];
}

describe('PopularityModel', () => {
  it('ranks by buyers, the same for every user', () => {
    const model = new PopularityModel();
    model.fit(matrix([[0, 1], [1], [1, 2]], 4));
    expect(scores(model, 0, 4)).toEqual([1, 3, 1, 0]);
    expect(scores(model, 2, 4)).toEqual([1, 3, 1, 0]);
  });

  it('with a half-life it is the matrix of decayed cells summed: recent buys weigh more', () => {
    // Item 0 bought by two users 2 days before the latest event, item 1 by one user today: with a
    // 1-day half-life item 0 weighs 2·0.25 = 0.5 < 1.
    const model = new PopularityModel({ halfLifeDays: 1 });
    const events = {
      user: Int32Array.from([0, 1, 2]),
      item: Int32Array.from([0, 0, 1]),
      tsMs: Float64Array.from([0, 0, 2 * 86_400_000]),
    };
    model.fit(feedbackMatrix(events, 3, 2, { halfLifeDays: 1 }));
    expect(model.name).toBe('popularity-decayed(1d)');
    expect(scores(model, 0, 2)).toEqual([0.5, 1]);
  });
});

describe('ItemKnnModel', () => {
  // u0 {0,1}, u1 {0,1,2}, u2 {2}: c01 = 2, c02 = c12 = 1; every item has 2 buyers, ‖x_i‖ = √2.
  const x = matrix([[0, 1], [0, 1, 2], [2]], 3);

  it('is cosine without shrinkage: s01 = 2/2 = 1, s02 = s12 = 1/2', () => {
    const model = new ItemKnnModel({ shrink: 0 });
    model.fit(x);
    expect(model.neighboursOf(0)).toEqual([
      { item: 1, similarity: 1 },
      { item: 2, similarity: 0.5 },
    ]);
    // u2 bought item 2 only: score_j = s_2j.
    expect(scores(model, 2, 3)).toEqual([0.5, 0.5, 0]);
    // u0 bought 0 and 1: score_2 = s02 + s12 = 1; score_0 = s10 = 1; score_1 = s01 = 1.
    expect(scores(model, 0, 3)).toEqual([1, 1, 1]);
  });

  it('shrinks towards 0: s01 = 2/(2+1) = 2/3, s02 = 1/3', () => {
    const model = new ItemKnnModel({ shrink: 1 });
    model.fit(x);
    const n = model.neighboursOf(0);
    expect(n.map((e) => e.item)).toEqual([1, 2]);
    expect(n[0]?.similarity).toBeCloseTo(2 / 3, 6);
    expect(n[1]?.similarity).toBeCloseTo(1 / 3, 6);
  });

  it('keeps the top k neighbours (ties to the lower id)', () => {
    const model = new ItemKnnModel({ shrink: 0, neighbours: 1 });
    model.fit(x);
    // Item 2's neighbours 0 and 1 tie at 1/2: only 0 is kept, so u2 now scores item 1 at 0.
    expect(model.neighboursOf(2)).toEqual([{ item: 0, similarity: 0.5 }]);
    expect(scores(model, 2, 3)).toEqual([0.5, 0, 0]);
  });
});

describe('EaseModel', () => {
  it('matches the closed form on two items', () => {
    // u0 {0,1}, u1 {0}: XᵀX = [[2,1],[1,1]]; λ = 1 → [[3,1],[1,2]], det 5, P = ⅕[[2,−1],[−1,3]].
    // B01 = −P01/P11 = (1/5)/(3/5) = 1/3; B10 = −P10/P00 = (1/5)/(2/5) = 1/2.
    const model = new EaseModel({ lambda: 1 });
    model.fit(matrix([[0, 1], [0]], 2));
    const u1 = scores(model, 1, 2);
    expect(u1[0]).toBe(0);
    expect(u1[1]).toBeCloseTo(1 / 3, 6);
    const u0 = scores(model, 0, 2);
    expect(u0[0]).toBeCloseTo(1 / 2, 6);
    expect(u0[1]).toBeCloseTo(1 / 3, 6);
  });

  it('models only the maxItems most bought; the rest rank below them by popularity', () => {
    // Popularity: item 0 = 3, item 1 = 2, item 2 = 1, item 3 = 0. maxItems 2 → items 0 and 1.
    const model = new EaseModel({ lambda: 1, maxItems: 2 });
    model.fit(matrix([[0, 1], [0, 1, 2], [0]], 4));
    expect(model.modelledItems).toBe(2);
    const s = scores(model, 2, 4);
    const [s0, s1, s2, s3] = s as [number, number, number, number];
    expect(s1).toBeGreaterThan(0);
    expect(Math.min(s0, s1)).toBeGreaterThan(s2);
    expect(s2).toBeGreaterThan(s3);
    expect(s2 - s3).toBe(1);
  });
});

describe('invertSpdInPlace', () => {
  it('inverts an SPD matrix: A·A⁻¹ = I', () => {
    const a = [4, 2, 0.6, 2, 2, 0.5, 0.6, 0.5, 3];
    const inv = Float64Array.from(a);
    invertSpdInPlace(inv, 3);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let sum = 0;
        for (let k = 0; k < 3; k++) sum += (a[i * 3 + k] as number) * (inv[k * 3 + j] as number);
        expect(sum).toBeCloseTo(i === j ? 1 : 0, 12);
      }
  });

  it('refuses a matrix that is not positive definite', () => {
    expect(() => invertSpdInPlace(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(NotPositiveDefiniteError);
  });
});

describe('CooccurrenceModel', () => {
  // N = 4 rows: u0 {0,1}, u1 {0,1}, u2 {0}, u3 {2}. n0 = 3, n1 = 2, c01 = 2 → lift = 2·4/(3·2) = 4/3.
  const x = matrix([[0, 1], [0, 1], [0], [2]], 3);

  it('lists what is bought together by lift, above the minimum support', () => {
    const model = new CooccurrenceModel({ minSupport: 2 });
    model.fit(x);
    const together = model.together(1, 5);
    expect(together.map((t) => t.item)).toEqual([0]);
    expect(together[0]?.support).toBe(2);
    expect(together[0]?.lift).toBeCloseTo(4 / 3, 6);
    // Item 2 was never bought with anything.
    expect(model.together(2, 5)).toEqual([]);
  });

  it('scores a user by the lift from what they bought', () => {
    const model = new CooccurrenceModel({ minSupport: 2 });
    model.fit(x);
    const s = scores(model, 2, 3);
    expect(s[1]).toBeCloseTo(4 / 3, 6);
    expect(s[2]).toBe(0);
  });

  it('drops pairs below the minimum support', () => {
    const model = new CooccurrenceModel({ minSupport: 3 });
    model.fit(x);
    expect(model.together(1, 5)).toEqual([]);
  });
});
