import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { movingAverage } from '../../hub/src/forecasting/engine/baselines.js';
import { readDailyDemandCsv } from '../../hub/src/replenishment/engine/demand-csv.js';
import {
  forecastPolicy,
  minMaxPolicy,
  replay,
  totalOf,
  tuneMinMax,
} from '../../hub/src/replenishment/engine/evaluator.js';

const dir = mkdtempSync(join(tmpdir(), 'aisle-replenish-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CSV = [
  'sku,date,units',
  'a,2025-01-01,3',
  'a,2025-01-02,3',
  'a,2025-01-03,3',
  'a,2025-01-04,3',
  'a,2025-01-05,3',
  'a,2025-01-06,3',
  'b,2025-01-01,2',
  'b,2025-01-03,1',
  'b,2025-01-03,1',
  'b,2025-01-06,0',
  'bad,2025-02-30,1',
  'c,2025-01-02,-1',
  ',2025-01-02,1',
  'a,2025-01-02',
  '',
].join('\n');

describe('daily demand CSV', () => {
  it('reads one series per SKU over the whole date range, gaps as zero, duplicates added', async () => {
    const path = join(dir, 'demand.csv');
    writeFileSync(path, CSV);
    const demand = await readDailyDemandCsv(path);
    expect(demand.firstDate).toBe('2025-01-01');
    expect(demand.days).toBe(6);
    expect(Object.fromEntries([...demand.series].map(([sku, s]) => [sku, [...s]]))).toEqual({
      a: [3, 3, 3, 3, 3, 3],
      b: [2, 0, 2, 0, 0, 0],
    });
    expect(demand.rejects).toEqual({
      DEMAND_DATE_INVALID: 1,
      DEMAND_UNITS_INVALID: 1,
      DEMAND_SKU_EMPTY: 1,
      COLUMN_COUNT: 1,
    });
  });

  it('replays the file through a static (s, S) policy with lost sales, by hand', async () => {
    const path = join(dir, 'replay.csv');
    writeFileSync(path, CSV);
    const { series } = await readDailyDemandCsv(path);
    const options = { leadTimeDays: 2, reviewDays: 1, initialOnHand: 8 };
    // a, (4, 8), L = 2: closing stock 5, 2 (order 6), 0 (1 lost), 6 (3 lost, the 6 arrive), 3 (order 5), 0.
    const a = replay(series.get('a') as Float64Array, minMaxPolicy(4, 8), options);
    expect(a).toMatchObject({ demandUnits: 18, soldUnits: 14, lostUnits: 4, orders: 2, orderedUnits: 11 });
    expect(a.fillRate).toBeCloseTo(14 / 18, 12);
    expect(a.averageOnHand).toBeCloseTo(16 / 6, 12);
    expect(a.daysOfCover).toBeCloseTo(16 / 6 / 3, 12);
    // b: closing 6, 6, 4 (order 4), 4, 8 (received), 8; nothing lost.
    const b = replay(series.get('b') as Float64Array, minMaxPolicy(4, 8), options);
    expect(b).toMatchObject({ demandUnits: 4, soldUnits: 4, lostUnits: 0, fillRate: 1, averageOnHand: 6, orders: 1 });
    const total = totalOf([a, b], 'min-max');
    expect(total).toMatchObject({ demandUnits: 22, soldUnits: 18, lostUnits: 4, orders: 3 });
    expect(total.fillRate).toBeCloseTo(18 / 22, 12);
    expect(total.averageOnHand).toBeCloseTo(16 / 6 + 6, 12);
    expect(total.daysOfCover).toBeCloseTo((16 / 6 + 6) / (3 + 4 / 6), 12);
  });
});

describe('policies', () => {
  const flat = new Array(10).fill(2);

  it('finds the (s, S) with the least stock that reaches the fill rate', () => {
    // 2 a day, L = R = 1: an order must cover 2 days, so S = 4 with an order every day keeps 2 on
    // hand at each close and loses nothing; S = 3 loses a unit on day 1. s = 2 and s = 3 tie; the
    // smaller wins.
    const best = tuneMinMax(flat, { leadTimeDays: 1, reviewDays: 1, targetFillRate: 1, levels: [0, 1, 2, 3, 4, 5, 6] });
    expect(best).toMatchObject({ min: 2, max: 4 });
    expect(best?.result).toMatchObject({ fillRate: 1, averageOnHand: 2, orders: 10 });
    expect(
      tuneMinMax(flat, { leadTimeDays: 1, reviewDays: 1, targetFillRate: 1, levels: [0, 1, 2, 3] }),
    ).toBeUndefined();
  });

  it('forecast-driven order-up-to on steady demand orders exactly what sold', () => {
    // Moving average 2, no forecast error, no safety stock: S = 2 · (L + R) = 4, as the tuned (s, S).
    const policy = forecastPolicy({ forecaster: movingAverage(7), serviceLevel: 0.95, leadTimeDays: 1, reviewDays: 1 });
    const result = replay(flat, policy, { leadTimeDays: 1, reviewDays: 1, initialOnHand: 4 });
    expect(result).toMatchObject({ fillRate: 1, averageOnHand: 2, orders: 10, orderedUnits: 20 });
  });

  it('counts the pipeline when the lead time is longer than the review period', () => {
    // L = 3, R = 1: S = 8. Closing stock 6, 4, 2 while three orders of 2 are in transit, then 2 a
    // day as each arrives; never more than one day's sales ordered at a time.
    const policy = forecastPolicy({ forecaster: movingAverage(7), serviceLevel: 0.95, leadTimeDays: 3, reviewDays: 1 });
    const result = replay(flat, policy, { leadTimeDays: 3, reviewDays: 1, initialOnHand: 8 });
    expect(result).toMatchObject({ fillRate: 1, lostUnits: 0, orders: 10, orderedUnits: 20 });
    expect(result.averageOnHand).toBeCloseTo(26 / 10, 12);
  });

  it('rejects impossible replay options', () => {
    expect(() => replay(flat, minMaxPolicy(1, 2), { leadTimeDays: -1, reviewDays: 1, initialOnHand: 0 })).toThrow(
      RangeError,
    );
    expect(() => replay(flat, minMaxPolicy(1, 2), { leadTimeDays: 1, reviewDays: 0, initialOnHand: 0 })).toThrow(
      RangeError,
    );
  });
});
