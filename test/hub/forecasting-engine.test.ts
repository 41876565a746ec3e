/**
 * The forecasting engine's baselines, accuracy measures and rolling-origin evaluation, on series
 * whose right answers are known, and the CSV dataset loader on a small file and on the Melbourne
 * pedestrian counts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCsvDataset } from '../../hub/src/forecasting/dataset.js';
import {
  croston,
  type Forecaster,
  holtWinters,
  movingAverage,
  seasonalNaive,
} from '../../hub/src/forecasting/engine/baselines.js';
import { bias, mase, naiveScale, rmsse, wape } from '../../hub/src/forecasting/engine/metrics.js';
import { originsOf, rollingOrigin } from '../../hub/src/forecasting/engine/rolling-origin.js';
import type { Series } from '../../hub/src/forecasting/engine/series.js';
import { SHARED_DATA, sharedDataMissing } from '../helpers/shared-data.js';

const periodic = (n: number, m: number) => Float64Array.from({ length: n }, (_, t) => 10 + ((t * 7) % m));
const mae = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((sum, v, i) => sum + Math.abs(v - (b[i] as number)), 0) / a.length;

describe('accuracy measures', () => {
  it('scale errors by the in-sample seasonal naive error, skipping missing actuals', () => {
    const history = [1, 2, 3, 4];
    expect(naiveScale(history, 1)).toBe(1);
    expect(mase([5, 6], [4, 8], history, 1)).toBeCloseTo(1.5);
    expect(rmsse([5, 6], [4, 8], history, 1)).toBeCloseTo(Math.sqrt(2.5));
    expect(wape([5, 6], [4, 8])).toBeCloseTo(3 / 11);
    expect(bias([5, 6], [4, 8])).toBeCloseTo(1 / 11);
    expect(mase([5, Number.NaN], [4, 100], history, 1)).toBeCloseTo(1);
    expect(() => wape([1, 2], [1])).toThrow(RangeError);
  });
});

describe('baselines', () => {
  it('seasonal naive repeats the last season, reaching a season further back over gaps', () => {
    const y = periodic(24 * 5, 24);
    expect(Array.from(seasonalNaive(24).forecast(y, 48))).toEqual(Array.from(periodic(24 * 7, 24).slice(120)));
    const gappy = Float64Array.from(y);
    gappy[24 * 4 + 3] = Number.NaN;
    expect(seasonalNaive(24).forecast(gappy, 24)[3]).toBe(y[3]);
  });

  it('moving average is flat at the mean of the last observed values', () => {
    expect(Array.from(movingAverage(3).forecast([1, 2, Number.NaN, 4, 6], 2))).toEqual([4, 4]);
  });

  it('Holt-Winters follows a trend that seasonal naive lags behind', () => {
    const n = 24 * 14;
    const y = Float64Array.from({ length: n + 24 }, (_, t) => 100 + 0.5 * t + 10 * Math.sin((2 * Math.PI * t) / 24));
    const history = y.subarray(0, n);
    const actual = y.subarray(n);
    const hw = mae(actual, holtWinters(24).forecast(history, 24));
    const naive = mae(actual, seasonalNaive(24).forecast(history, 24));
    expect(naive).toBeCloseTo(12, 0); // one season of trend: 24 × 0.5
    expect(hw).toBeLessThan(naive / 4);
  });

  it("Croston's method forecasts the demand rate of an intermittent series (SBA-corrected)", () => {
    const y = Array.from({ length: 60 }, (_, t) => (t % 4 === 3 ? 8 : 0));
    const [rate] = croston(0.1).forecast(y, 1);
    expect(rate).toBeCloseTo((1 - 0.05) * (8 / 4), 5);
    expect(Array.from(croston().forecast([0, 0, 0], 2))).toEqual([0, 0]);
  });

  it('every baseline answers a short or empty history without throwing', () => {
    for (const f of [seasonalNaive(168), movingAverage(24), holtWinters(168), croston()]) {
      expect(f.forecast([], 3)).toHaveLength(3);
      expect(Array.from(f.forecast([5, Number.NaN, 7], 3)).every(Number.isFinite)).toBe(true);
    }
  });
});

describe('rolling-origin evaluation', () => {
  const options = { horizon: 24, origins: 5, every: 24, scaleLag: 24 };

  it('never shows a forecaster anything at or after its origin', () => {
    const values = Float64Array.from({ length: 24 * 20 }, (_, t) => t);
    const seen: Array<{ length: number; last: number }> = [];
    const spy: Forecaster = {
      name: 'spy',
      forecast(history, horizon) {
        seen.push({ length: history.length, last: history[history.length - 1] as number });
        return new Float64Array(horizon);
      },
    };
    const origins = originsOf(values.length, options);
    expect(origins).toEqual([360, 384, 408, 432, 456]);
    rollingOrigin([{ name: 's', granularity: 'hour', start: 0, values }], [spy], options);
    expect(seen).toEqual(origins.map((o) => ({ length: o, last: o - 1 })));
  });

  it('scores a forecaster per series and on average, and one that knows the future at zero', () => {
    const f = (t: number) => (t % 5) + t / 100;
    const series: Series[] = [
      { name: 'a', granularity: 'hour', start: 0, values: Float64Array.from({ length: 24 * 20 }, (_, t) => f(t)) },
      { name: 'b', granularity: 'hour', start: 0, values: Float64Array.from({ length: 24 * 20 }, (_, t) => 2 * f(t)) },
    ];
    const oracle: Forecaster = {
      name: 'oracle',
      forecast: (history, horizon) => Float64Array.from({ length: horizon }, (_, h) => f(history.length + h)),
    };
    const [known, naive] = rollingOrigin(series.slice(0, 1), [oracle, seasonalNaive(24)], options);
    expect(known?.mean.mase).toBe(0);
    expect(naive?.mean.mase).toBeGreaterThan(0);
    const [both] = rollingOrigin(series, [seasonalNaive(24)], options);
    expect(both?.perSeries.map((s) => [s.series, s.origins])).toEqual([
      ['a', 5],
      ['b', 5],
    ]);
    // MASE is scale-free: doubling a series changes nothing.
    expect(both?.perSeries[1]?.mase).toBeCloseTo(both?.perSeries[0]?.mase ?? Number.NaN, 10);
    expect(both?.mean.mase).toBeCloseTo(both?.perSeries[0]?.mase ?? Number.NaN, 10);
  });
});

describe('CSV datasets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-forecast-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds regular local-clock series, counts bad rows by reason and keeps the rest', async () => {
    const file = join(dir, 'small.csv');
    writeFileSync(
      file,
      [
        'value,series,timestamp',
        '5,door-1,2015-04-04T23:00:00+1100',
        '7,door-1,2015-04-05T01:00:00+1000', // 2 h later local, 3 h later UTC-wise minus DST: a gap at 00:00
        'NA,door-1,2015-04-05T02:00:00+1000',
        '3,,2015-04-05T02:00:00+1000',
        '4,door-1,yesterday',
        '9,door-2,1428192000000',
        '"1,5",door-2',
      ].join('\n'),
    );
    const dataset = await loadCsvDataset(file, 'hour');
    expect(dataset.rows).toBe(7);
    expect(dataset.rejects).toEqual({ VALUE_INVALID: 1, SERIES_EMPTY: 1, TIMESTAMP_INVALID: 1, COLUMN_COUNT: 1 });
    const door = dataset.series.find((s) => s.name === 'door-1');
    expect(Array.from(door?.values ?? [])).toEqual([5, Number.NaN, 7]);
    expect(door?.start).toBe(Date.UTC(2015, 3, 4, 23));
    const daily = await loadCsvDataset(file, 'day');
    expect(Array.from(daily.series[0]?.values ?? [])).toEqual([5, 7]);
  });

  const missing = sharedDataMissing('footfall/melbourne_pedestrian.csv');
  it.skipIf(missing !== undefined)(
    `reads the Melbourne pedestrian counts into three hourly sensor series${missing === undefined ? '' : ` (skipped: ${missing})`}`,
    async () => {
      const dataset = await loadCsvDataset(join(SHARED_DATA, 'footfall/melbourne_pedestrian.csv'), 'hour', {
        series: 'Sensor',
        timestamp: 'Date_Time',
        value: 'Count',
      });
      expect(dataset.series.map((s) => s.name).sort()).toHaveLength(3);
      for (const s of dataset.series) {
        // Two years of hours, gaps included as NaN.
        expect(s.values.length).toBeGreaterThan(365 * 24);
        expect(s.values.length).toBeLessThanOrEqual(731 * 24 + 24);
      }
      const observed = dataset.series.reduce((n, s) => n + s.values.filter((v) => !Number.isNaN(v)).length, 0);
      const rejected = Object.values(dataset.rejects).reduce((n, k) => n + (k ?? 0), 0);
      // Each row is one observation or one reject (the repeated autumn hour shares a step).
      expect(observed + rejected).toBeLessThanOrEqual(dataset.rows);
      expect(observed).toBeGreaterThan(dataset.rows * 0.99 - rejected);
    },
  );
});
