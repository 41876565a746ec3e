/**
 * The synthetic store world of bench/hub/recommend-serve.ts, seeded: a catalogue of ITEMS SKUs in
 * CATEGORIES categories, two stores, loyalty customers with favourite categories and staples, and
 * anonymous baskets. Built to make the serving path do what it does in a real store, not to test
 * model quality:
 * - popularity is Zipf-like (weight 1/rank^ZIPF_S over a random order of the catalogue), so a few
 *   hundred SKUs sell most and the tail sells rarely, as in grocery data;
 * - a customer's basket mixes their staples (the same milk every week), their favourite
 *   categories (Zipf within the category) and the store's general popularity, so a customer has
 *   a history of tens of distinct items spread over the EASE part and the long tail;
 * - every SKU sells at least once (a last sweep of anonymous baskets over the unsold tail), so the
 *   served model ranks the full catalogue;
 * - store-b does not carry NOT_CARRIED_B tail SKUs, and one category is excluded by rule, so the
 *   per-site mask blocks real items for both reasons.
 */

export const ITEMS = 20_000;
export const CATEGORIES = 200;
export const EXCLUDED_CATEGORY = 'alcohol';
export const SITES = ['store-a', 'store-b'] as const;
const ZIPF_S = 1.0;
const NOT_CARRIED_B = 2_000;
const HISTORY_DAYS = 60;
const DAY_MS = 86_400_000;

export interface WorldOptions {
  readonly customers: number;
  /** Mean baskets per loyalty customer (uniform over [mean/2, 3·mean/2]). */
  readonly basketsPerCustomer: number;
  readonly anonymousBaskets: number;
  readonly seed: number;
  readonly nowMs: number;
}

export interface WorldSku {
  readonly sku: string;
  readonly name: string;
  readonly category: string;
}

export interface WorldBasket {
  readonly basket: string;
  readonly register: string;
  readonly customer?: string;
  readonly ts: number;
  readonly lines: { sku: string; qty: number; unitPriceCents: number }[];
}

export interface World {
  readonly skus: readonly WorldSku[];
  /** SKU indices each site carries (one lane each). */
  readonly carried: Readonly<Record<(typeof SITES)[number], readonly number[]>>;
  readonly baskets: Readonly<Record<(typeof SITES)[number], readonly WorldBasket[]>>;
  /** Loyalty customers with their home store (where they shop most). */
  readonly customers: readonly { readonly id: string; readonly site: (typeof SITES)[number] }[];
  readonly lines: number;
}

/** mulberry32: small, fast, seeded; quality is plenty for a synthetic world. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws an index by weight: binary search in a cumulative table. */
class Sampler {
  readonly #cumulative: Float64Array;
  readonly #ids: Int32Array;

  constructor(ids: readonly number[], weight: (id: number) => number) {
    this.#ids = Int32Array.from(ids);
    this.#cumulative = new Float64Array(ids.length);
    let total = 0;
    ids.forEach((id, k) => {
      total += weight(id);
      this.#cumulative[k] = total;
    });
  }

  draw(random: () => number): number {
    const c = this.#cumulative;
    const x = random() * (c[c.length - 1] as number);
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((c[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return this.#ids[lo] as number;
  }
}

const pad = (k: number, width: number) => String(k).padStart(width, '0');

export function buildWorld(options: WorldOptions): World {
  const random = rng(options.seed);
  const skus: WorldSku[] = Array.from({ length: ITEMS }, (_, i) => {
    const c = i % CATEGORIES;
    return {
      sku: `sku-${pad(i, 5)}`,
      name: `Item ${i}`,
      category: c === 0 ? EXCLUDED_CATEGORY : `cat-${pad(c, 3)}`,
    };
  });
  // Popularity rank: a random order of the catalogue, so rank and category are unrelated.
  const order = Array.from({ length: ITEMS }, (_, i) => i);
  for (let i = ITEMS - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const rank = new Int32Array(ITEMS);
  order.forEach((item, r) => {
    rank[item] = r + 1;
  });
  const weight = (item: number) => 1 / (rank[item] as number) ** ZIPF_S;
  // store-b leaves out NOT_CARRIED_B SKUs from the tail (ranks past the first quarter).
  const notCarried = new Set(order.slice(ITEMS / 4).filter(() => random() < NOT_CARRIED_B / (ITEMS * 0.75)));
  const all = order.slice();
  const carried = { 'store-a': all, 'store-b': all.filter((i) => !notCarried.has(i)) };
  const global = {
    'store-a': new Sampler(carried['store-a'], weight),
    'store-b': new Sampler(carried['store-b'], weight),
  };
  const byCategory: number[][] = Array.from({ length: CATEGORIES }, () => []);
  for (let i = 0; i < ITEMS; i++) byCategory[i % CATEGORIES]?.push(i);
  const inCategory = byCategory.map((ids) => new Sampler(ids, weight));

  const baskets: Record<(typeof SITES)[number], WorldBasket[]> = { 'store-a': [], 'store-b': [] };
  const sold = new Uint8Array(ITEMS);
  let lines = 0;
  let serial = 0;
  const push = (site: (typeof SITES)[number], items: Iterable<number>, ts: number, customer?: string) => {
    const basketLines = [...items].map((i) => {
      sold[i] = 1;
      return { sku: (skus[i] as WorldSku).sku, qty: 1 + Math.floor(random() * 2), unitPriceCents: 99 + (i % 900) };
    });
    lines += basketLines.length;
    serial += 1;
    baskets[site].push({
      basket: `b-${pad(serial, 7)}`,
      register: `till-${1 + (serial % 6)}`,
      ...(customer === undefined ? {} : { customer }),
      ts,
      lines: basketLines,
    });
  };
  const basketSize = () => Math.min(30, 3 + Math.floor(-Math.log(1 - random()) * 5));
  const when = () => Math.floor(options.nowMs - random() * HISTORY_DAYS * DAY_MS);

  const customers: { id: string; site: (typeof SITES)[number] }[] = [];
  for (let c = 0; c < options.customers; c++) {
    const id = `cust-${pad(c, 6)}`;
    const home = random() < 0.6 ? 'store-a' : 'store-b';
    customers.push({ id, site: home });
    const favourites = [0, 1, 2].map(() => 1 + Math.floor(random() * (CATEGORIES - 1)));
    const staples = new Set<number>();
    while (staples.size < 8) staples.add(inCategory[favourites[staples.size % 3] as number]?.draw(random) as number);
    const stapleList = [...staples];
    const mean = options.basketsPerCustomer;
    const trips = Math.round(mean / 2 + random() * mean);
    for (let t = 0; t < trips; t++) {
      const site = random() < 0.8 ? home : home === 'store-a' ? 'store-b' : 'store-a';
      const size = basketSize();
      const items = new Set<number>();
      for (let k = 0; k < size * 3 && items.size < size; k++) {
        const x = random();
        const item =
          x < 0.35
            ? (stapleList[Math.floor(random() * stapleList.length)] as number)
            : x < 0.75
              ? (inCategory[favourites[Math.floor(random() * 3)] as number]?.draw(random) as number)
              : global[site].draw(random);
        if (site === 'store-b' && notCarried.has(item)) continue;
        items.add(item);
      }
      if (items.size > 0) push(site, items, when(), id);
    }
  }
  for (let b = 0; b < options.anonymousBaskets; b++) {
    const site = random() < 0.6 ? 'store-a' : 'store-b';
    const size = basketSize();
    const items = new Set<number>();
    while (items.size < size) items.add(global[site].draw(random));
    push(site, items, when());
  }
  // The unsold tail, ten SKUs per anonymous basket at store-a (which carries everything).
  const unsold = order.filter((i) => sold[i] === 0);
  for (let k = 0; k < unsold.length; k += 10) push('store-a', unsold.slice(k, k + 10), when());
  return { skus, carried, baskets, customers, lines };
}
