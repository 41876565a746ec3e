import type { BasketLoad } from '../replay/baskets.js';
import type { Rng } from '../rng.js';
import type { Catalog, SkuInfo } from './catalog.js';

/**
 * Shoppers who buy what real households bought: the catalogue becomes the most frequently bought
 * products of the dunnhumby sample, and each arriving shopper takes the next real basket (in time
 * order, cycling), restricted to those products. Households become loyalty-card customers.
 */

export interface ReplayedBasket {
  readonly customer: string;
  readonly lines: ReadonlyArray<{ readonly sku: number; readonly qty: number }>;
}

/** Lines above this quantity are not item counts (fuel is sold by volume) and are left out. */
const MAX_ITEM_QTY = 100;

export function replayedBaskets(
  load: BasketLoad,
  rng: Rng,
  skus: number,
): { catalog: Catalog; next: () => ReplayedBasket } {
  const lines = new Map<string, number>();
  const cents = new Map<string, number[]>();
  for (const basket of load.baskets) {
    for (const line of basket.lines) {
      if (line.qty > MAX_ITEM_QTY) continue;
      lines.set(line.product, (lines.get(line.product) ?? 0) + 1);
      const list = cents.get(line.product) ?? [];
      list.push(Math.round((line.salesValue * 100) / line.qty));
      cents.set(line.product, list);
    }
  }
  const top = [...lines.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, skus);
  const index = new Map(top.map(([product], i) => [product, i]));
  const catalogSkus: SkuInfo[] = top.map(([product, count], i) => {
    const department = (load.products.get(product)?.department ?? 'unknown').toLowerCase().replace(/[^a-z0-9]+/g, '-');
    const prices = (cents.get(product) ?? [0]).sort((a, b) => a - b);
    return {
      index: i,
      sku: product,
      name: `${load.products.get(product)?.category ?? department} ${product}`.toLowerCase(),
      category: department,
      unitGrams: Math.round((100 + rng.next() * 1400) / 5) * 5,
      casePack: rng.pick([6, 8, 10, 12, 20, 24]),
      priceCents: Math.max(1, prices[Math.floor(prices.length / 2)] ?? 1),
      popularity: count,
    };
  });
  const baskets = load.baskets
    .map((b) => ({
      customer: `hh-${b.household}`,
      lines: b.lines
        .filter((l) => l.qty <= MAX_ITEM_QTY && index.has(l.product))
        .map((l) => ({ sku: index.get(l.product) as number, qty: Math.max(1, Math.min(5, Math.round(l.qty))) })),
    }))
    .filter((b) => b.lines.length > 0);
  if (baskets.length === 0) throw new Error('no replayable basket: every line was left out');
  let cursor = 0;
  const next = () => {
    const basket = baskets[cursor % baskets.length] as ReplayedBasket;
    cursor++;
    return basket;
  };
  return { catalog: { skus: catalogSkus, bundles: [], partners: catalogSkus.map(() => []) }, next };
}
