/**
 * Forecast feature encoding, shared by the hub's trainer and the edge's runner: the input layout
 * a model is trained on must be the one it is run on.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeOutput,
  encodeInput,
  encodeTarget,
  type FeatureSpec,
  featureCount,
  localClockMs,
  windowScale,
} from '../../protocols/src/index.js';

const spec: FeatureSpec = {
  granularity: 'hour',
  window: 4,
  horizon: 2,
  calendar: ['hour-of-day', 'day-of-week', 'weekend'],
  scaling: 'mean-abs',
  timeZone: 'Australia/Melbourne',
};
// Saturday 2016-12-03, 14:00 on the local clock.
const SATURDAY_2PM = Date.UTC(2016, 11, 3, 14);

describe('forecast features', () => {
  it('lays out the scaled window, then one-hot hour and weekday (Monday first) and the weekend flag', () => {
    expect(featureCount(spec)).toBe(4 + 24 + 7 + 1);
    const out = new Float32Array(featureCount(spec));
    const scale = encodeInput(spec, [10, 20, Number.NaN, 30], SATURDAY_2PM, out);
    expect(scale).toBe(20);
    // The missing value takes the window's mean (20 / 20).
    expect(Array.from(out.subarray(0, 4))).toEqual([0.5, 1, 1, 1.5]);
    const hour = out.subarray(4, 28);
    expect(hour.indexOf(1)).toBe(14);
    expect(hour.reduce((a, b) => a + b, 0)).toBe(1);
    expect(Array.from(out.subarray(28, 35))).toEqual([0, 0, 0, 0, 0, 1, 0]);
    expect(out[35]).toBe(1);
  });

  it('falls back to a scale of 1 for an empty or all-zero window, and decodes to non-negative values', () => {
    expect(windowScale(spec, [0, 0, 0, 0])).toBe(1);
    expect(windowScale(spec, [Number.NaN, Number.NaN, Number.NaN, Number.NaN])).toBe(1);
    expect(windowScale({ ...spec, scaling: 'max-abs' }, [1, -8, 2, 3])).toBe(8);
    const target = new Float32Array(2);
    encodeTarget([40, 5], 20, target);
    expect(Array.from(target)).toEqual([2, 0.25]);
    expect(Array.from(decodeOutput([2, -0.1], 20))).toEqual([40, 0]);
  });

  it('refuses a window of another length than the spec reads', () => {
    expect(() => encodeInput(spec, [1, 2, 3], SATURDAY_2PM, new Float32Array(64))).toThrow(RangeError);
  });

  it('flags the window and forecast steps that fall on a holiday (local dates)', () => {
    const holiday: FeatureSpec = { ...spec, window: 48, horizon: 24, calendar: ['holiday'], holidays: ['2016-12-25'] };
    expect(featureCount(holiday)).toBe(48 + 72);
    const flags = (originLocalMs: number) => {
      const out = new Float32Array(featureCount(holiday));
      encodeInput(holiday, new Array(48).fill(5), originLocalMs, out);
      return Array.from(out.subarray(48));
    };
    const christmas = Date.UTC(2016, 11, 25);
    expect(flags(christmas)).toEqual([...new Array(48).fill(0), ...new Array(24).fill(1)]);
    expect(flags(christmas + 86_400_000)).toEqual([
      ...new Array(24).fill(0),
      ...new Array(24).fill(1),
      ...new Array(24).fill(0),
    ]);
  });
});

describe('local clock', () => {
  it('follows the zone across daylight saving (Melbourne, April 2026: +11 → +10)', () => {
    const before = Date.UTC(2026, 3, 4, 12, 30); // 23:30 AEDT on Saturday 4 April
    const after = Date.UTC(2026, 3, 5, 12, 30); // 22:30 AEST on Sunday 5 April
    expect(new Date(localClockMs(before, 'Australia/Melbourne')).toISOString()).toBe('2026-04-04T23:30:00.000Z');
    expect(new Date(localClockMs(after, 'Australia/Melbourne')).toISOString()).toBe('2026-04-05T22:30:00.000Z');
    expect(localClockMs(before + 123, 'UTC')).toBe(before + 123);
    expect(() => localClockMs(before, 'Mars/Olympus')).toThrow(RangeError);
  });
});
