/**
 * The serving side of the recommendation engine, without a hub: `topN` against a full sort on
 * random scores and masks (what a shopper sees must be exactly the best allowed items, and the
 * `skipped` counts exactly the better items a filter hid), and `ServingModel` on hand-made baskets:
 * per-site popularity, basket-level "bought together", explanations, cold start.
 */
import { describe, expect, it } from 'vitest';
import { block, FILTER_REASONS, topN } from '../../hub/src/recommendation/engine/filters.js';
import { storeInsights } from '../../hub/src/recommendation/engine/insights.js';
import { mulberry32 } from '../../hub/src/recommendation/engine/random.js';
import { ServingModel, type TrainingBasket } from '../../hub/src/recommendation/engine/serving.js';

describe('topN', () => {
  it('is the best n allowed items of a full sort, and counts the hidden better ones by reason', () => {
    const random = mulberry32(7);
    for (let round = 0; round < 200; round++) {
      const items = 1 + Math.floor(random() * 300);
      const n = 1 + Math.floor(random() * 20);
      // Coarse scores make ties; some ≤ 0 (never shown).
      const scores = Float32Array.from({ length: items }, () => Math.floor(random() * 40) - 5);
      const mask = Uint8Array.from({ length: items }, () => (random() < 0.3 ? 1 + Math.floor(random() * 4) : 0));
      const order = Array.from({ length: items }, (_, j) => j)
        .filter((j) => (scores[j] as number) > 0)
        .sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
      const allowed = order.filter((j) => mask[j] === 0).slice(0, n);
      const got = topN(scores, mask, n);
      expect(got.items.map((r) => r.item)).toEqual(allowed);
      const last = allowed.length === n ? allowed.at(-1) : undefined;
      const hidden = order.filter(
        (j) =>
          mask[j] !== 0 &&
          (last === undefined ||
            (scores[j] as number) > (scores[last] as number) ||
            ((scores[j] as number) === (scores[last] as number) && j < last)),
      );
      for (const [k, reason] of FILTER_REASONS.entries())
        expect(got.skipped[reason]).toBe(hidden.filter((j) => mask[j] === k + 1).length);
    }
  });

  it('keeps the first reason an item was blocked for', () => {
    const mask = new Uint8Array(3);
    block(mask, [0, 1], 'OUT_OF_STOCK');
    block(mask, [1, 2], 'ALREADY_BOUGHT');
    const got = topN(Float32Array.of(3, 2, 1), mask, 1);
    expect(got.items).toEqual([]);
    expect(got.skipped).toMatchObject({ OUT_OF_STOCK: 2, ALREADY_BOUGHT: 1 });
  });
});

describe('ServingModel', () => {
  const DAY = 86_400_000;
  const now = Date.UTC(2026, 0, 31);
  const basket = (site: string, skus: string[], daysAgo: number, customer?: string): TrainingBasket => ({
    site,
    skus,
    ts: now - daysAgo * DAY,
    ...(customer === undefined ? {} : { customer }),
  });
  const baskets: TrainingBasket[] = [
    // store-n sells tea with cake; store-s mostly coffee, some with cake, and a little tea.
    ...Array.from({ length: 20 }, (_, i) => basket('store-n', ['tea', 'cake'], i % 10)),
    ...Array.from({ length: 10 }, (_, i) => basket('store-s', ['coffee', 'cake'], i % 10)),
    ...Array.from({ length: 12 }, (_, i) => basket('store-s', ['coffee'], i % 10)),
    ...Array.from({ length: 6 }, (_, i) => basket('store-s', ['tea'], i)),
    basket('store-n', ['tea'], 2, 'ann'),
    basket('store-n', ['tea'], 1, 'ann'),
  ];
  const model = ServingModel.train(baskets, [{ sku: 'mugs' }], {
    popularityHalfLifeDays: 30,
    collaborative: { kind: 'none', lambda: 1, maxItems: 0 },
    weights: { collaborative: 0, popularity: 1, repeat: 1 },
    repeatHalfLifeDays: 30,
    together: { minSupport: 2, maxPartners: 10 },
    nowMs: now,
  });

  it("ranks by the site's own best sellers for an unknown customer", () => {
    const north = model.recommend({ site: 'store-n', n: 3, mode: 'discover' });
    const south = model.recommend({ site: 'store-s', n: 3, mode: 'discover' });
    expect(north.coldStart).toBe(true);
    expect(north.items.map((r) => r.sku)).toEqual(['tea', 'cake']);
    expect(south.items.map((r) => r.sku)).toEqual(['coffee', 'cake', 'tea']);
    expect(south.items[0]?.because).toEqual({ kind: 'popular', site: 'store-s' });
    // An item that never sold (mugs, from the catalogue) is not shown.
    expect(model.items).toContain('mugs');
  });

  it("explains by the customer's purchases, and leaves them out in discover mode", () => {
    const again = model.recommend({ customer: 'ann', site: 'store-n', n: 2, mode: 'buy-again' });
    expect(again.items[0]).toMatchObject({ sku: 'tea', because: { kind: 'buy-again', purchases: 2 } });
    expect(again.items[1]).toMatchObject({ sku: 'cake', because: { kind: 'bought-with', sku: 'tea' } });
    const discover = model.recommend({ customer: 'ann', site: 'store-n', n: 2, mode: 'discover' });
    expect(discover.items.map((r) => r.sku)).toEqual(['cake']);
    expect(discover.skipped.ALREADY_BOUGHT).toBe(1);
  });

  it('finds what is bought together over baskets, by lift', () => {
    const together = model.together('tea', 5);
    expect(together?.map((p) => p.sku)).toEqual(['cake']);
    // 50 baskets; tea in 28, cake in 30, both in 20. Coffee and cake (10 of coffee's 22) is below chance.
    expect(together?.[0]).toMatchObject({ support: 20, confidence: 20 / 28 });
    expect(together?.[0]?.lift).toBeCloseTo((20 * 50) / (28 * 30), 5);
    expect(model.together('coffee', 5)).toEqual([]);
    expect(model.together('caviar', 5)).toBeUndefined();
  });

  it('places an item nobody bought yet with the customers of its category, through the content part', () => {
    const options = {
      popularityHalfLifeDays: 30,
      collaborative: { kind: 'none', lambda: 1, maxItems: 0 },
      repeatHalfLifeDays: 30,
      together: { minSupport: 2, maxPartners: 10 },
      nowMs: now,
    } as const;
    const catalog = [
      { sku: 'tea', category: 'hot drinks' },
      { sku: 'coffee', category: 'hot drinks' },
      { sku: 'cake', category: 'bakery' },
      { sku: 'matcha', category: 'hot drinks' },
    ];
    const without = ServingModel.train(baskets, catalog, {
      ...options,
      weights: { collaborative: 0, popularity: 1, repeat: 1 },
    });
    const withContent = ServingModel.train(baskets, catalog, {
      ...options,
      weights: { collaborative: 0, popularity: 1, repeat: 1, content: 0.5 },
    });
    const shown = (model: ServingModel) =>
      model.recommend({ customer: 'ann', site: 'store-n', n: 5, mode: 'discover' }).items;
    expect(shown(without).map((r) => r.sku)).not.toContain('matcha');
    const matcha = shown(withContent).find((r) => r.sku === 'matcha');
    expect(matcha?.because).toEqual({ kind: 'category', category: 'hot drinks' });
    // An unknown customer is not shown it: nothing says they would like it.
    expect(withContent.recommend({ site: 'store-n', n: 5, mode: 'discover' }).items.map((r) => r.sku)).not.toContain(
      'matcha',
    );
  });

  it("gives store insights from one site's baskets and shelves", () => {
    const insights = storeInsights(
      'store-s',
      model.sales.get('store-s'),
      model.items,
      model.itemIndex,
      [
        { sku: 'coffee', aisle: 'a1', capacity: 10 },
        { sku: 'cake', aisle: 'a2', capacity: 10 },
        { sku: 'mugs', aisle: 'a2', capacity: 30 },
      ],
      { n: 5, minSupport: 2, minLift: 1 },
    );
    expect(insights.baskets).toBe(28);
    // At store-s, coffee and cake share 10 baskets of 28: lift 10·28 / (22·10).
    expect(insights.bundles).toHaveLength(1);
    expect(insights.bundles[0]?.skus).toEqual(expect.arrayContaining(['coffee', 'cake']));
    expect(insights.bundles[0]).toMatchObject({ support: 10, share: 10 / 28 });
    expect(insights.bundles[0]?.lift).toBeCloseTo(28 / 22, 6);
    expect(insights.placements[0]?.aisles).toEqual(expect.arrayContaining(['a1', 'a2']));
    expect(insights.slowMovers[0]).toMatchObject({ sku: 'mugs', baskets: 0, capacity: 30 });
  });
});
