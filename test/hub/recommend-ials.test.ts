/**
 * iALS on matrices small enough to reason about: the objective never rises from one sweep to the
 * next, a fit is repeatable from its seed, and on two disjoint blocks of users and items a user
 * is recommended the missing item of their own block before any item of the other block.
 */
import { describe, expect, it } from 'vitest';
import { IalsModel } from '../../hub/src/recommendation/engine/ials.js';
import { type CsrMatrix, feedbackMatrix } from '../../hub/src/recommendation/engine/matrix.js';

function matrix(rows: number[][], cols: number): CsrMatrix {
  const user: number[] = [];
  const item: number[] = [];
  rows.forEach((items, u) => {
    for (const i of items) {
      user.push(u);
      item.push(i);
    }
  });
  return feedbackMatrix(
    { user: Int32Array.from(user), item: Int32Array.from(item), tsMs: new Float64Array(user.length) },
    rows.length,
    cols,
  );
}

// Users 0–3 buy from items 0–3, users 4–7 from items 4–7; user 0 never bought item 3, user 4 never item 7.
const BLOCKS = matrix(
  [
    [0, 1, 2],
    [0, 1, 2, 3],
    [0, 1, 3],
    [1, 2, 3],
    [4, 5, 6],
    [4, 5, 6, 7],
    [4, 6, 7],
    [5, 6, 7],
  ],
  8,
);

describe('IalsModel', () => {
  it('the loss never rises from one sweep to the next', () => {
    const m = new IalsModel({ factors: 4, alpha: 5, lambda: 0.1, iterations: 8, seed: 3 });
    m.fit(BLOCKS);
    expect(m.losses).toHaveLength(8);
    for (let k = 1; k < m.losses.length; k++)
      expect(m.losses[k] as number).toBeLessThanOrEqual((m.losses[k - 1] as number) * (1 + 1e-9));
    expect(m.losses.at(-1) as number).toBeLessThan((m.losses[0] as number) * 0.99);
  });

  it('ranks the missing item of the user’s own block above the other block', () => {
    const m = new IalsModel({ factors: 4, alpha: 5, lambda: 0.1, iterations: 10, seed: 1 });
    m.fit(BLOCKS);
    const s = new Float32Array(8);
    m.scoreInto(0, s);
    for (let j = 4; j < 8; j++) expect(s[3] as number).toBeGreaterThan(s[j] as number);
    m.scoreInto(4, s);
    for (let j = 0; j < 4; j++) expect(s[7] as number).toBeGreaterThan(s[j] as number);
  });

  it('is repeatable from its seed', () => {
    const a = new IalsModel({ factors: 3, iterations: 3, seed: 7 });
    const b = new IalsModel({ factors: 3, iterations: 3, seed: 7 });
    a.fit(BLOCKS);
    b.fit(BLOCKS);
    const sa = new Float32Array(8);
    const sb = new Float32Array(8);
    a.scoreInto(2, sa);
    b.scoreInto(2, sb);
    expect([...sa]).toEqual([...sb]);
  });

  it('refuses a zero factor count or a non-positive λ', () => {
    expect(() => new IalsModel({ factors: 0 })).toThrow(RangeError);
    expect(() => new IalsModel({ lambda: 0 })).toThrow(RangeError);
  });
});
