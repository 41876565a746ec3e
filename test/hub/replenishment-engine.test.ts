import { REPLENISHMENT_REJECT_REASONS } from '@aisle/protocols';
import { describe, expect, it } from 'vitest';
import { croston } from '../../hub/src/forecasting/engine/baselines.js';
import { erfc, inverseNormalCdf, inverseNormalLoss, normalLoss } from '../../hub/src/replenishment/engine/normal.js';
import {
  demandOver,
  type OrderItem,
  type OrderOutcome,
  type SkuOrderSuggestion,
  type SkuPacking,
  safetyStock,
  suggestOrders,
} from '../../hub/src/replenishment/engine/order-up-to.js';
import { classifyVelocity, DEFAULT_SERVICE_LEVELS } from '../../hub/src/replenishment/engine/velocity.js';

// Reference quantiles (R's qnorm, to the last digit printed by print(x, digits = 17)).
const Z95 = 1.6448536269514722;
const Z90 = 1.2815515655446004;

/** 10 units a day, no forecast error, L = 2 days, R = 1 day: S = 30 exactly. */
const base: OrderItem = {
  sku: 'milk',
  site: 's1',
  velocityClass: 'B',
  forecast: new Array(14).fill(10),
  demandSdPerPeriod: 0,
  leadTime: { meanPeriods: 2, sdPeriods: 0 },
  reviewPeriods: 1,
  onHand: 5,
  onOrder: 0,
  facings: 2,
  unitsPerFacing: 3,
  shelfCapacity: 40,
  backroomCapacity: 60,
};

function suggest(item: Partial<OrderItem>, packing: SkuPacking = { casePack: 6, moq: 0 }): SkuOrderSuggestion {
  const [outcome] = suggestOrders([{ ...base, ...item }], {
    catalog: new Map([['milk', packing]]),
    serviceLevels: DEFAULT_SERVICE_LEVELS,
  });
  if (!outcome?.ok) throw new Error(`rejected: ${JSON.stringify(outcome)}`);
  return outcome;
}

describe('inverse normal CDF (AS 241)', () => {
  it('matches reference quantiles to 1e-15 relative, in the centre and far in the tails', () => {
    const cases: [number, number][] = [
      [0.5, 0],
      [0.9, Z90],
      [0.95, Z95],
      [0.98, 2.0537489106318225],
      [0.975, 1.959963984540054],
      [0.02, -2.0537489106318225],
      [1e-10, -6.361340902404056],
      [1e-20, -9.262340089798409],
    ];
    for (const [p, z] of cases)
      expect(Math.abs(inverseNormalCdf(p) - z)).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(z)));
    expect(inverseNormalCdf(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(inverseNormalCdf(1)).toBe(Number.POSITIVE_INFINITY);
    expect(inverseNormalCdf(1.5)).toBeNaN();
  });
});

describe('normal loss function', () => {
  it('matches erfc and G(z) = φ(z) − z(1 − Φ(z)) at hand-checked points, and inverts', () => {
    // erfc(1) = 0.15729920705028513 (R: 2 * pnorm(-sqrt(2))); the approximation's bound is 1.2e-7 relative.
    expect(Math.abs(erfc(1) / 0.15729920705028513 - 1)).toBeLessThan(1.2e-7);
    expect(erfc(0)).toBeCloseTo(1, 7);
    expect(erfc(-1)).toBeCloseTo(2 - 0.15729920705028513, 7);
    // G(0) = φ(0) = 1/√(2π); G(1) = φ(1) − (1 − Φ(1)) = 0.24197072451914337 − 0.15865525393145707.
    expect(normalLoss(0)).toBeCloseTo(1 / Math.sqrt(2 * Math.PI), 7);
    expect(normalLoss(1)).toBeCloseTo(0.24197072451914337 - 0.15865525393145707, 7);
    // G(−z) = G(z) + z.
    expect(normalLoss(-1)).toBeCloseTo(normalLoss(1) + 1, 7);
    expect(inverseNormalLoss(normalLoss(1))).toBeCloseTo(1, 6);
    expect(inverseNormalLoss(normalLoss(-0.5))).toBeCloseTo(-0.5, 6);
  });
});

describe('fill-rate service levels', () => {
  // One period to protect (L = 0, R = 1), 10 a day, σ_d = 3, B = 0.95 read as a fill rate.
  const fill = (casePack: number) => {
    const [outcome] = suggestOrders(
      [{ ...base, leadTime: { meanPeriods: 0, sdPeriods: 0 }, demandSdPerPeriod: 3, onHand: 0, facings: 0 }],
      {
        catalog: new Map([['milk', { casePack, moq: 0 }]]),
        serviceLevels: DEFAULT_SERVICE_LEVELS,
        serviceMeasure: 'fill',
      },
    );
    if (!outcome?.ok) throw new Error('rejected');
    return outcome;
  };

  it('sets z so the expected shortage per cycle is (1 − β) of what a cycle brings in', () => {
    // Q = max(R · d̄, pack) = 10: G(z) = 0.05 · 10 / 3 = 1/6 → z = G⁻¹(1/6) ≈ 0.6074 (G(0.60) = 0.16867, G(0.61) = 0.16595).
    const s = fill(1);
    expect(normalLoss(s.explanation.values.z as number)).toBeCloseTo(1 / 6, 9);
    expect(s.explanation.values.z).toBeCloseTo(0.6074, 3);
    expect(s.safetyStock).toBeCloseTo(3 * (s.explanation.values.z as number), 9);
    expect(s.explanation.text).toContain('fill rate 0.95');
  });

  it('needs less safety stock when packs carry more days, none once they cover the target', () => {
    // Packs of 12: G(z) = 0.05 · 12 / 3 = 0.2 → z ≈ 0.4929 (G(0.49) = 0.20074, G(0.50) = 0.19780), below the 0.6074 of single units.
    expect(fill(12).explanation.values.z).toBeCloseTo(0.4929, 3);
    // Packs of 48: G(z) = 0.8 > G(0) = 0.399 → z < 0, floored at 0: S is the forecast alone.
    expect(fill(48)).toMatchObject({ safetyStock: 0, orderUpTo: 10 });
  });
});

describe('safety stock', () => {
  it('is z · √((L + R)·σ_d² + d̄²·σ_L²)', () => {
    // L + R = 5, σ_d = 3, d̄ = 10, σ_L = 1: √(5·9 + 100·1) = √145 = 12.0415945787923.
    const ss = safetyStock({ z: Z95, periods: 5, demandSdPerPeriod: 3, meanDemandPerPeriod: 10, leadTimeSdPeriods: 1 });
    expect(ss).toBeCloseTo(Z95 * 12.0415945787923, 9);
    expect(ss).toBeCloseTo(19.80667, 4);
  });

  it('goes into S with the velocity class service level', () => {
    // Class B (95 %), L = 4 ± 1, R = 1, 10/day, σ_d = 3: S = 50 + 19.8067 = 69.8067; IP 5 → 64.8 → 66.
    const s = suggest({ leadTime: { meanPeriods: 4, sdPeriods: 1 }, demandSdPerPeriod: 3 });
    expect(s.safetyStock).toBeCloseTo(19.80667, 4);
    expect(s.orderUpTo).toBeCloseTo(69.80667, 4);
    expect(s.units).toBe(66);
    expect(s.explanation.values).toMatchObject({ serviceLevel: 0.95, forecast: 50, onHand: 5, onOrder: 0 });
    expect(s.explanation.values.z).toBeCloseTo(Z95, 14);
  });

  it('sums a fractional lead time pro rata', () => {
    expect(demandOver([10, 10, 10, 10], 2.5)).toBe(25);
  });
});

describe('order quantity', () => {
  it('rounds up to whole case packs', () => {
    // S = 30, IP = 5 → raw 25 → 5 packs of 6 = 30.
    const s = suggest({});
    expect(s).toMatchObject({ units: 30, cases: 5, orderUpTo: 30 });
    expect(s.explanation.rule).toBe('order-up-to');
    expect(s.explanation.values).toMatchObject({ rawQuantity: 25, roundedQuantity: 30, inventoryPosition: 5 });
  });

  it('orders nothing when the inventory position already reaches S', () => {
    const s = suggest({ onHand: 20, onOrder: 10 });
    expect(s.units).toBe(0);
    expect(s.explanation.rule).toBe('order-up-to');
  });

  it('counts backorders against the inventory position', () => {
    // IP = 20 + 10 − 4 = 26 → raw 4 → one pack.
    expect(suggest({ onHand: 20, onOrder: 10, backorders: 4 }).units).toBe(6);
  });

  it('raises a small order to the MOQ, in whole packs', () => {
    // IP = 20 → raw 10 → 12, below the MOQ of 22 → ⌈22 / 6⌉ packs = 24.
    const s = suggest({ onHand: 20 }, { casePack: 6, moq: 22 });
    expect(s.units).toBe(24);
    expect(s.explanation.rule).toBe('moq');
  });

  it('caps at shelf + backroom capacity less on hand and on order, in whole packs', () => {
    // Room = 20 + 10 − 5 − 0 = 25 → 4 packs = 24 < the 30 needed.
    const s = suggest({ shelfCapacity: 20, backroomCapacity: 10 });
    expect(s.units).toBe(24);
    expect(s.explanation.rule).toBe('capacity-cap');
    expect(s.explanation.values).toMatchObject({ capacityRoom: 25, roundedQuantity: 30 });
  });

  it('orders nothing when what fits is below the MOQ', () => {
    const s = suggest({ shelfCapacity: 20, backroomCapacity: 10 }, { casePack: 6, moq: 30 });
    expect(s.units).toBe(0);
    expect(s.explanation.rule).toBe('capacity-cap');
  });

  it('floors S at the presentation stock for a slow SKU', () => {
    // 0.5/day × 3 days = 1.5 < presentation 4 facings × 3 = 12; IP 2 → raw 10 → 12.
    const s = suggest({ forecast: new Array(7).fill(0.5), facings: 4, onHand: 2 });
    expect(s).toMatchObject({ units: 12, orderUpTo: 12 });
    expect(s.explanation.rule).toBe('presentation-floor');
    expect(s.explanation.values).toMatchObject({ forecast: 1.5, presentationStock: 12 });
  });

  it('orders nothing without demand unless below the presentation stock', () => {
    const zero = new Array(7).fill(0);
    const full = suggest({ forecast: zero, demandSdPerPeriod: 2, onHand: 6 });
    expect(full).toMatchObject({ units: 0, safetyStock: 0 });
    expect(full.explanation.rule).toBe('no-demand');
    // Presentation 6, IP 2 → raw 4 → one pack of 6.
    const low = suggest({ forecast: zero, demandSdPerPeriod: 2, onHand: 2 });
    expect(low.units).toBe(6);
    expect(low.explanation.rule).toBe('presentation-floor');
  });

  it('orders for intermittent demand from a Croston forecast', () => {
    // Demand 3 at days 2, 6, 9: size 3, intervals 3 → 3.1 → 3.09; SBA rate = 0.95 · 3 / 3.09 = 0.922330.
    // Class C (90 %), L + R = 3: D = 2.766990, SS = z90 · √(3 · 1²) = 2.219713, S = 4.986703;
    // IP 1 → raw 3.9867 → 4 with packs of 1. No facings, so no presentation floor.
    const history = [0, 0, 3, 0, 0, 0, 3, 0, 0, 3];
    const forecast = croston(0.1).forecast(history, 7);
    expect(forecast[0]).toBeCloseTo(2.85 / 3.09, 12);
    const s = suggest(
      { forecast, velocityClass: 'C', demandSdPerPeriod: 1, onHand: 1, facings: 0 },
      { casePack: 1, moq: 0 },
    );
    expect(s.explanation.values.forecast).toBeCloseTo(3 * (2.85 / 3.09), 12);
    expect(s.safetyStock).toBeCloseTo(Z90 * Math.sqrt(3), 12);
    expect(s.orderUpTo).toBeCloseTo(4.986703, 5);
    expect(s.units).toBe(4);
  });

  it('counts the pipeline of earlier orders when the lead time is longer than the review period', () => {
    // L = 5, R = 1, 10/day: S = 60. Four daily orders of 10 are in transit (on order 40), on hand 12:
    // IP = 52 → order 8, not the 48 that on hand alone would ask for.
    const s = suggest({ leadTime: { meanPeriods: 5, sdPeriods: 0 }, onHand: 12, onOrder: 40 }, { casePack: 1, moq: 0 });
    expect(s).toMatchObject({ units: 8, orderUpTo: 60 });
    expect(s.explanation.values).toMatchObject({ inventoryPosition: 52, forecast: 60, leadTime: 5, reviewPeriod: 1 });
  });
});

describe('bad input', () => {
  const codeOf = (o: OrderOutcome | undefined) => (o === undefined || o.ok ? undefined : o.reason);

  it('rejects each bad item with its code and still computes the good ones', () => {
    const items: OrderItem[] = [
      { ...base, site: 'x1', sku: 'ghost' },
      { ...base, site: 'x2', onHand: -1 },
      { ...base, site: 'x3', leadTime: undefined },
      { ...base, site: 'x4', sku: 'bad-pack' },
      { ...base, site: 'x5', sku: 'bad-moq' },
      { ...base, site: 'x6', leadTime: { meanPeriods: 20, sdPeriods: 0 } },
      { ...base, site: 'x7', forecast: [10, Number.NaN, 10] },
      { ...base, site: 'x8', reviewPeriods: 0 },
      { ...base, site: 'x9', shelfCapacity: -5 },
      { ...base, site: 'x10', velocityClass: 'A' },
      base,
      base,
    ];
    const outcomes = suggestOrders(items, {
      catalog: new Map([
        ['milk', { casePack: 6, moq: 0 }],
        ['bad-pack', { casePack: 0, moq: 0 }],
        ['bad-moq', { casePack: 6, moq: 2.5 }],
      ]),
      serviceLevels: { ...DEFAULT_SERVICE_LEVELS, A: 1 },
    });
    expect(outcomes.map(codeOf)).toEqual([
      'UNKNOWN_SKU',
      'NEGATIVE_STOCK',
      'MISSING_LEAD_TIME',
      'INVALID_CASE_PACK',
      'INVALID_MOQ',
      'FORECAST_TOO_SHORT',
      'INVALID_FORECAST',
      'INVALID_REVIEW_PERIOD',
      'INVALID_CAPACITY',
      'INVALID_SERVICE_LEVEL',
      undefined,
      'DUPLICATE_ITEM',
    ]);
    for (const o of outcomes) if (!o.ok) expect(REPLENISHMENT_REJECT_REASONS[o.reason]).toBeTypeOf('string');
    expect(outcomes[1]).toMatchObject({ detail: 'onHand=-1', sku: 'milk', site: 'x2' });
    expect(outcomes[10]).toMatchObject({ ok: true, units: 30 });
  });
});

describe('velocity classes', () => {
  it('ranks by share of sales: A below 80 % before it, B below 95 %, else C', () => {
    // Shares before each: a 0, b 0.5, c 0.8, d 0.95; e sold nothing.
    const classes = classifyVelocity(
      new Map([
        ['d', 5],
        ['b', 30],
        ['e', 0],
        ['a', 50],
        ['c', 15],
      ]),
    );
    expect(Object.fromEntries(classes)).toEqual({ a: 'A', b: 'A', c: 'B', d: 'C', e: 'C' });
  });
});
