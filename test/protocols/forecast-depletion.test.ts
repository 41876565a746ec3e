/**
 * Time until a lane is empty from its sales forecast, with the interval that the forecast's own
 * interval implies; and empirical prediction intervals from past errors.
 */
import { describe, expect, it } from 'vitest';
import { emptyAt, errorQuantiles, intervalOf, reachedAt } from '../../protocols/src/index.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 1, 8);

describe('lane depletion', () => {
  it('empties when cumulative sales reach the units on the shelf, linearly within the hour', () => {
    // 2, 2, 4 units per hour; 6 units on the shelf: 4 after two hours, the last 2 half-way through the third.
    expect(reachedAt(6, [2, 2, 4], T0, HOUR)).toBe(T0 + 2.5 * HOUR);
    expect(reachedAt(8, [2, 2, 4], T0, HOUR)).toBe(T0 + 3 * HOUR);
    expect(reachedAt(9, [2, 2, 4], T0, HOUR)).toBeNull();
    expect(reachedAt(0, [2], T0, HOUR)).toBe(T0);
    expect(reachedAt(1, [0, -1, 1], T0, HOUR)).toBe(T0 + 3 * HOUR);
  });

  it('takes the earliest emptying from the upper sales bound and the latest from the lower', () => {
    const at = emptyAt(
      10,
      { mean: new Array(24).fill(1), lower: new Array(24).fill(0.5), upper: new Array(24).fill(2) },
      T0,
      HOUR,
    );
    expect(at).toEqual({ expected: T0 + 10 * HOUR, earliest: T0 + 5 * HOUR, latest: T0 + 20 * HOUR });
    expect(emptyAt(100, { mean: [1], lower: [0], upper: [2] }, T0, HOUR)).toEqual({
      expected: null,
      earliest: null,
      latest: null,
    });
  });
});

describe('empirical prediction intervals', () => {
  it('take per-step quantiles of past scaled errors and scale them to the forecast, never below zero', () => {
    // Errors at step 0 spread 1…100 (÷100), at step 1 all 0; 80% interval.
    const errors = Array.from({ length: 101 }, (_, k) => [(k - 50) / 100, 0]);
    const q = errorQuantiles(errors, 2, 0.8);
    expect(q.lower[0]).toBeCloseTo(-0.4);
    expect(q.upper[0]).toBeCloseTo(0.4);
    expect([q.lower[1], q.upper[1]]).toEqual([0, 0]);
    const { lower, upper } = intervalOf([10, 3], 20, q);
    expect(lower[0]).toBeCloseTo(2);
    expect(upper[0]).toBeCloseTo(18);
    expect([lower[1], upper[1]]).toEqual([3, 3]);
    expect(intervalOf([1], 20, q).lower[0]).toBe(0);
    expect(() => errorQuantiles(errors, 2, 1)).toThrow(RangeError);
  });
});
