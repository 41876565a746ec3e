import type { Rng } from '../rng.js';
import type { Catalog } from './catalog.js';
import type { StoreLayout } from './layout.js';

/**
 * Who shops and what they put in the basket. Anonymous shoppers pick by popularity and follow the
 * catalogue's bundles; loyalty-card customers also return to their favourite SKUs, which drift
 * slowly day by day. Favourites and bundles are planted ground truth for recommendation.
 */

export interface LoyaltyCustomer {
  readonly id: string;
  favorites: number[];
  /** Cumulative weights over `favorites`. */
  cumulative: number[];
}

export interface ShopperOptions {
  readonly meanItems: number;
  readonly affinity: number;
  readonly favoriteShare: number;
}

function cumulate(weights: readonly number[]): number[] {
  let total = 0;
  return weights.map((w) => {
    total += w;
    return total;
  });
}

/** Favourites: 6–12 stocked SKUs from two preferred categories, popularity-weighted. */
export function makeCustomer(id: string, rng: Rng, catalog: Catalog, layout: StoreLayout): LoyaltyCustomer {
  const categories = [...new Set(layout.stocked.map((s) => catalog.skus[s]?.category ?? ''))];
  const liked = new Set([rng.pick(categories), rng.pick(categories)]);
  const pool = layout.stocked.filter((s) => liked.has(catalog.skus[s]?.category ?? ''));
  const count = Math.min(pool.length, rng.int(6, 12));
  const favorites: number[] = [];
  while (favorites.length < count) {
    const candidate = rng.pick(pool);
    if (!favorites.includes(candidate)) favorites.push(candidate);
  }
  favorites.sort((a, b) => a - b);
  return { id, favorites, cumulative: cumulate(favorites.map(() => 0.5 + rng.next())) };
}

/** One day of drift: each favourite is replaced by another stocked SKU of its category with probability `rate`. */
export function driftCustomer(
  customer: LoyaltyCustomer,
  rate: number,
  rng: Rng,
  catalog: Catalog,
  layout: StoreLayout,
): boolean {
  let changed = false;
  for (let i = 0; i < customer.favorites.length; i++) {
    if (!rng.chance(rate)) continue;
    const category = catalog.skus[customer.favorites[i] as number]?.category;
    const options = layout.stocked.filter(
      (s) => catalog.skus[s]?.category === category && !customer.favorites.includes(s),
    );
    if (options.length === 0) continue;
    customer.favorites[i] = rng.pick(options);
    changed = true;
  }
  return changed;
}

/** The SKU indices (with quantities) a shopper intends to buy, in picking order. */
export function chooseBasket(
  rng: Rng,
  catalog: Catalog,
  layout: StoreLayout,
  options: ShopperOptions,
  customer: LoyaltyCustomer | undefined,
): Array<{ sku: number; qty: number }> {
  const n = 1 + rng.poisson(Math.max(0, options.meanItems - 1));
  const basket: Array<{ sku: number; qty: number }> = [];
  const add = (sku: number) => {
    const line = basket.find((l) => l.sku === sku);
    const qty = rng.chance(0.15) ? 2 : 1;
    if (line === undefined) basket.push({ sku, qty });
    else line.qty += qty;
  };
  for (let k = 0; k < n; k++) {
    if (customer !== undefined && customer.favorites.length > 0 && rng.chance(options.favoriteShare)) {
      add(customer.favorites[rng.weighted(customer.cumulative)] as number);
      continue;
    }
    if (basket.length > 0 && rng.chance(options.affinity)) {
      const anchor = rng.pick(basket).sku;
      const partners = (catalog.partners[anchor] ?? []).filter((p) => layout.lanesBySku.has(p));
      if (partners.length > 0) {
        add(rng.pick(partners));
        continue;
      }
    }
    add(layout.stocked[rng.weighted(layout.stockedCumulative)] as number);
  }
  return basket;
}
