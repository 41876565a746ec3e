import type { SiteSales } from './serving.js';

/**
 * Store insights for staff, from one site's baskets over the training window:
 *
 * - **Bundles to promote**: pairs bought together far more often than chance (lift) in enough
 *   baskets (support) to matter; ranked by lift, then support.
 * - **Items to place near each other**: associated pairs (lift ≥ `minLift`) whose lanes are in
 *   different aisles, ranked by support: the pairs most shoppers walk between.
 * - **Slow movers**: SKUs on the planogram that sold in the fewest baskets per day (zero
 *   included), with their shelf capacity: space a better seller could use.
 *
 * Lift over a site's N baskets, with n_i baskets holding i and c_ij holding both:
 * lift = c_ij·N / (n_i·n_j).
 */
export interface InsightOptions {
  readonly n: number;
  readonly minSupport: number;
  readonly minLift: number;
}

export interface ShelfPlace {
  readonly sku: string;
  readonly aisle: string;
  readonly capacity: number;
}

export interface PairInsight {
  readonly skus: readonly [string, string];
  readonly lift: number;
  readonly support: number;
  /** Share of the site's baskets holding both. */
  readonly share: number;
}

export interface PlacementInsight extends PairInsight {
  readonly aisles: readonly [string, string];
}

export interface SlowMover {
  readonly sku: string;
  readonly basketsPerDay: number;
  readonly baskets: number;
  readonly capacity: number;
}

export interface StoreInsights {
  readonly site: string;
  readonly baskets: number;
  readonly days: number;
  readonly bundles: readonly PairInsight[];
  readonly placements: readonly PlacementInsight[];
  readonly slowMovers: readonly SlowMover[];
}

const DAY_MS = 86_400_000;

export function storeInsights(
  site: string,
  sales: SiteSales | undefined,
  items: readonly string[],
  itemIndex: ReadonlyMap<string, number>,
  shelf: readonly ShelfPlace[],
  options: InsightOptions,
): StoreInsights {
  const days = sales === undefined ? 0 : Math.max(1, (sales.lastTs - sales.firstTs) / DAY_MS);
  const baskets = sales?.baskets ?? 0;
  const n = items.length;
  const pairs: PairInsight[] = [];
  if (sales !== undefined)
    for (const [key, support] of sales.pairs) {
      if (support < options.minSupport) continue;
      const i = Math.floor(key / n);
      const j = key - i * n;
      const lift = (support * baskets) / ((sales.itemBaskets.get(i) ?? 1) * (sales.itemBaskets.get(j) ?? 1));
      if (lift < options.minLift) continue;
      pairs.push({ skus: [items[i] as string, items[j] as string], lift, support, share: support / baskets });
    }
  const bundles = [...pairs]
    .sort((a, b) => b.lift - a.lift || b.support - a.support || a.skus[0].localeCompare(b.skus[0]))
    .slice(0, options.n);

  const aisleOf = new Map<string, string>();
  const capacity = new Map<string, number>();
  for (const place of shelf) {
    if (!aisleOf.has(place.sku)) aisleOf.set(place.sku, place.aisle);
    capacity.set(place.sku, (capacity.get(place.sku) ?? 0) + place.capacity);
  }
  const placements: PlacementInsight[] = [];
  for (const pair of pairs) {
    const a = aisleOf.get(pair.skus[0]);
    const b = aisleOf.get(pair.skus[1]);
    if (a !== undefined && b !== undefined && a !== b) placements.push({ ...pair, aisles: [a, b] });
  }
  placements.sort((x, y) => y.support - x.support || y.lift - x.lift || x.skus[0].localeCompare(y.skus[0]));

  const slowMovers = [...capacity]
    .map(([sku, cap]) => {
      const j = itemIndex.get(sku);
      const count = j === undefined ? 0 : (sales?.itemBaskets.get(j) ?? 0);
      return { sku, baskets: count, basketsPerDay: days > 0 ? count / days : 0, capacity: cap };
    })
    .sort((a, b) => a.basketsPerDay - b.basketsPerDay || b.capacity - a.capacity || a.sku.localeCompare(b.sku))
    .slice(0, options.n);

  return { site, baskets, days, bundles, placements: placements.slice(0, options.n), slowMovers };
}
