import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PHANTOM_OPTIONS,
  detectPhantomInventory,
  type LaneObservation,
} from '../../hub/src/replenishment/engine/phantom.js';

const hourly = (rate: number, hours = 24) => new Array(hours).fill(rate);
const obs = (lane: string, o: Partial<LaneObservation>): LaneObservation => ({
  site: 's1',
  lane,
  sku: `sku-${lane}`,
  systemUnits: 8,
  hourlyForecast: hourly(0.25),
  posUnits: 0,
  ...o,
});

describe('phantom inventory', () => {
  it('flags a lane that stops selling while showing stock, and not a healthy slow one', () => {
    const { flags, rejected } = detectPhantomInventory([
      // λ = 0.25 · 24 = 6, P(0) = e^−6 = 0.00248 < 0.01.
      obs('stopped', {}),
      // λ = 0.02 · 24 = 0.48, P(0) = 0.619: an empty day is normal.
      obs('slow', { hourlyForecast: hourly(0.02) }),
      // The system shows nothing: no phantom stock to speak of.
      obs('empty', { systemUnits: 0 }),
      obs('selling', { posUnits: 5 }),
    ]);
    expect(rejected).toEqual([]);
    expect(flags.map((f) => [f.lane, f.test])).toEqual([['stopped', 'no-sales']]);
    expect(flags[0]?.probability).toBeCloseTo(Math.exp(-6), 15);
    expect(flags[0]?.probability).toBeCloseTo(0.00247875, 8);
    expect(flags[0]?.explanation.values).toMatchObject({ expectedSales: 6, windowHours: 24, systemUnits: 8 });
  });

  it('flags POS sales and shelf-weight depletion that disagree beyond the tolerance', () => {
    const options = { ...DEFAULT_PHANTOM_OPTIONS, absoluteTolerance: 2, relativeTolerance: 0.25 };
    const { flags } = detectPhantomInventory(
      [
        // 10 gone, 4 sold: 6 > max(2, 0.25 · 10).
        obs('shrink', { posUnits: 4, weightDepletionUnits: 10 }),
        // 9 gone, 7 sold: 2 ≤ max(2, 2.25).
        obs('within', { posUnits: 7, weightDepletionUnits: 9 }),
        // 10 sold, 2 gone: −8.
        obs('misscan', { posUnits: 10, weightDepletionUnits: 2 }),
        // No scale: only the no-sales test applies, and it sells.
        obs('no-scale', { posUnits: 3 }),
        // 16 gone, 10 sold, but 4 units expected in open baskets at the edges: 6 ≤ max(2, 0.25 · 16) + 3 · √4 = 10.
        obs('open-baskets', { posUnits: 10, weightDepletionUnits: 16, inFlightUnits: 4 }),
        // The same with none in flight: 6 > max(2, 0.25 · 16) = 4.
        obs('closed', { posUnits: 10, weightDepletionUnits: 16, inFlightUnits: 0 }),
      ],
      options,
    );
    expect(flags.map((f) => [f.lane, f.test, f.discrepancyUnits])).toEqual([
      ['shrink', 'pos-weight-mismatch', 6],
      ['misscan', 'pos-weight-mismatch', -8],
      ['closed', 'pos-weight-mismatch', 6],
    ]);
    expect(flags[0]?.explanation.values).toMatchObject({ tolerance: 2.5, posUnits: 4, weightDepletionUnits: 10 });
  });

  it('in a store of Poisson lanes: every stopped fast lane flagged within 24 h, few healthy ones', () => {
    // Seeded (mulberry32), forecasts 20 % above the true rate. Healthy lanes sell Poisson(24 · rate);
    // phantom lanes (stock shown, none on the shelf) sell nothing. A stopped lane selling under
    // ~0.19 an hour cannot be told from bad luck within a day (e^−24·0.19 ≈ 0.01): those wait longer.
    let seed = 7;
    const uniform = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    };
    const poisson = (mean: number) => {
      let k = 0;
      let p = Math.exp(-mean);
      let cdf = p;
      const u = uniform();
      while (u > cdf) {
        k++;
        p *= mean / k;
        cdf += p;
      }
      return k;
    };
    const healthy: LaneObservation[] = [];
    const phantom: LaneObservation[] = [];
    for (let i = 0; i < 2000; i++) {
      const rate = 0.01 + 0.59 * uniform();
      healthy.push(obs(`h${i}`, { hourlyForecast: hourly(rate * 1.2), posUnits: poisson(24 * rate) }));
    }
    for (let i = 0; i < 500; i++) phantom.push(obs(`p${i}`, { hourlyForecast: hourly(0.2 + 0.4 * uniform()) }));
    const flagged = (lanes: LaneObservation[]) =>
      detectPhantomInventory(lanes).flags.filter((f) => f.test === 'no-sales').length / lanes.length;
    expect(flagged(phantom)).toBeGreaterThanOrEqual(0.9);
    expect(flagged(healthy)).toBeLessThan(0.05);
  });

  it('rejects bad observations with a code and checks the rest', () => {
    const { flags, rejected } = detectPhantomInventory([
      obs('neg', { systemUnits: -3 }),
      obs('nan', { hourlyForecast: [0.2, Number.NaN] }),
      obs('none', { hourlyForecast: [] }),
      obs('stopped', {}),
    ]);
    expect(rejected.map((r) => [r.lane, r.reason])).toEqual([
      ['neg', 'NEGATIVE_STOCK'],
      ['nan', 'INVALID_FORECAST'],
      ['none', 'INVALID_WINDOW'],
    ]);
    expect(flags.map((f) => f.lane)).toEqual(['stopped']);
  });
});
