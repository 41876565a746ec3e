import type { Rng } from '../rng.js';

/**
 * The product catalogue: SKUs in categories with unit weights, prices, a Zipf popularity, and
 * planted "bought together" bundles. The bundles are ground truth: a recommender that learns from
 * the simulated baskets should find them.
 */

export interface SkuInfo {
  readonly index: number;
  readonly sku: string;
  readonly name: string;
  readonly category: string;
  readonly unitGrams: number;
  readonly casePack: number;
  readonly priceCents: number;
  /** Relative purchase probability (Zipf–Mandelbrot over a random order). */
  readonly popularity: number;
}

export interface Catalog {
  readonly skus: readonly SkuInfo[];
  /** Planted bundles: groups of SKU indices bought together. */
  readonly bundles: readonly (readonly number[])[];
  /** For each SKU index, the indices of its bundle partners. */
  readonly partners: readonly (readonly number[])[];
}

const CATEGORIES: ReadonlyArray<{ name: string; grams: [number, number]; cents: [number, number] }> = [
  { name: 'produce', grams: [100, 1500], cents: [80, 600] },
  { name: 'dairy', grams: [200, 2000], cents: [120, 900] },
  { name: 'bakery', grams: [300, 900], cents: [200, 800] },
  { name: 'beverages', grams: [330, 2000], cents: [150, 1200] },
  { name: 'snacks', grams: [50, 400], cents: [100, 600] },
  { name: 'frozen', grams: [300, 1500], cents: [300, 1500] },
  { name: 'pantry', grams: [200, 1000], cents: [100, 900] },
  { name: 'household', grams: [300, 3000], cents: [250, 2500] },
  { name: 'personal-care', grams: [100, 600], cents: [250, 2000] },
  { name: 'meat', grams: [250, 1500], cents: [500, 3000] },
  { name: 'deli', grams: [100, 500], cents: [300, 1500] },
  { name: 'baby', grams: [200, 1000], cents: [300, 3000] },
];

export function buildCatalog(rng: Rng, options: { skus: number; bundles: number }): Catalog {
  const n = options.skus;
  // Popularity rank: a random permutation, then Zipf(1) weights by rank.
  const rank = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [rank[i], rank[j]] = [rank[j] as number, rank[i] as number];
  }
  const skus: SkuInfo[] = [];
  for (let i = 0; i < n; i++) {
    const category = CATEGORIES[i % CATEGORIES.length] as (typeof CATEGORIES)[number];
    const [gLo, gHi] = category.grams;
    const [cLo, cHi] = category.cents;
    skus.push({
      index: i,
      sku: `SKU-${String(i + 1).padStart(5, '0')}`,
      name: `${category.name} item ${i + 1}`,
      category: category.name,
      // Round to 5 g as real pack sizes are.
      unitGrams: Math.round((gLo + rng.next() * (gHi - gLo)) / 5) * 5,
      casePack: rng.pick([6, 8, 10, 12, 20, 24]),
      priceCents: Math.round(cLo + rng.next() * (cHi - cLo)),
      // A Zipf–Mandelbrot head: the top SKU sells ~3% of units, the top ten ~20%.
      popularity: 1 / (11 + (rank[i] as number)) ** 0.9,
    });
  }
  const bundles: number[][] = [];
  const partners: number[][] = skus.map(() => []);
  for (let b = 0; b < options.bundles && n >= 2; b++) {
    const size = rng.int(2, Math.min(4, n));
    const members = new Set<number>();
    while (members.size < size) members.add(rng.int(0, n - 1));
    const group = [...members];
    bundles.push(group);
    for (const a of group) for (const c of group) if (a !== c) partners[a]?.push(c);
  }
  return { skus, bundles, partners };
}
