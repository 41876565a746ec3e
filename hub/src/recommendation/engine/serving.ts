import { ContentModel } from './content.js';
import { CooccurrenceModel } from './cooccurrence.js';
import { EaseModel } from './ease.js';
import { block, type FilterReason, topN } from './filters.js';
import { HybridModel, type HybridWeights } from './hybrid.js';
import type { EventList } from './interactions.js';
import { type CsrMatrix, csrFromCells, feedbackMatrix } from './matrix.js';

/**
 * The recommender the hub serves, trained from POS baskets: one immutable `ServingModel` per
 * training, swapped whole when the next one is ready, so a request never sees half a model.
 *
 * - **Customers** (loyalty ids) are the rows of the hybrid (`hybrid.ts`): the collaborative model
 *   (EASE on the most bought items), the customer's own purchases (repeat) and popularity. The
 *   popularity part is the *site's*, recency-weighted, so a customer shopping at another store
 *   sees that store's best sellers; it is added here rather than inside the hybrid.
 * - **Anonymous baskets** have no customer but count for popularity and for "bought together".
 * - **Bought together** is co-occurrence with lift over *baskets* (not customers): two items in
 *   one basket, at least `together.minSupport` times, and more often than chance (lift > 1).
 * - **Cold start.** An unknown customer gets the site's popular items ("popular at this store").
 *   An item nobody bought yet scores only through the content component (`weights.content`:
 *   the customer's categories, `content.ts`); without it, it is not shown until it sells.
 * - **Explanations.** Each item says why: the item of the customer's history it is most often
 *   bought with ("because you bought X"), their own repeat purchases ("you buy it often"), a
 *   category they buy (the content component places a new item there), or its popularity at the
 *   site.
 */
export interface TrainingBasket {
  readonly site: string;
  readonly customer?: string;
  readonly ts: number;
  readonly skus: readonly string[];
}

export interface CatalogItem {
  readonly sku: string;
  readonly name?: string;
  readonly category?: string;
}

export interface ServingOptions {
  /** Half-life of a site's popularity (a basket this old counts half). */
  readonly popularityHalfLifeDays: number;
  /** `ease`: EASE on the `maxItems` most bought items; `none`: popularity and repeat only. */
  readonly collaborative: { readonly kind: 'ease' | 'none'; readonly lambda: number; readonly maxItems: number };
  readonly weights: HybridWeights;
  readonly repeatHalfLifeDays: number;
  readonly together: { readonly minSupport: number; readonly maxPartners: number };
  /** The training clock (ms): decay is counted back from here. */
  readonly nowMs: number;
}

export type Explanation =
  | { readonly kind: 'bought-with'; readonly sku: string; readonly lift: number }
  | { readonly kind: 'buy-again'; readonly purchases: number }
  | { readonly kind: 'category'; readonly category: string }
  | { readonly kind: 'popular'; readonly site: string };

export interface Recommendation {
  readonly sku: string;
  readonly score: number;
  readonly because: Explanation;
}

export interface RecommendRequest {
  readonly customer?: string;
  readonly site: string;
  readonly n: number;
  /** `discover`: the customer's past purchases are left out; `buy-again`: they stay. */
  readonly mode: 'discover' | 'buy-again';
  /** Per-site blocks (not carried, excluded categories, out of stock), by item id; copied, never written. */
  readonly siteMask?: Uint8Array;
}

export interface RecommendResult {
  /** The customer is unknown to this model: the list is the site's popular items. */
  readonly coldStart: boolean;
  readonly items: readonly Recommendation[];
  readonly skipped: Readonly<Record<FilterReason, number>>;
}

export interface Partner {
  readonly sku: string;
  readonly lift: number;
  /** Baskets holding both. */
  readonly support: number;
  /** Share of the item's baskets that also hold the partner, P(partner | item). */
  readonly confidence: number;
}

/** One site's sales over the training window, for store insights (`insights.ts`). */
export interface SiteSales {
  readonly site: string;
  readonly baskets: number;
  readonly firstTs: number;
  readonly lastTs: number;
  /** Baskets holding each item, by item id. */
  readonly itemBaskets: Map<number, number>;
  /** Pairs bought together at this site: `i < j` packed as i·items + j → baskets holding both. */
  readonly pairs: Map<number, number>;
}

export interface TrainingSummary {
  readonly baskets: number;
  readonly customers: number;
  readonly items: number;
  readonly sites: number;
  /** Items in the collaborative model (the rest rank by popularity and repeat). */
  readonly modelledItems: number;
  readonly trainMs: number;
}

const DAY_MS = 86_400_000;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class ServingModel {
  readonly items: readonly string[];
  readonly itemIndex: ReadonlyMap<string, number>;
  readonly customerIndex: ReadonlyMap<string, number>;
  readonly summary: TrainingSummary;
  readonly sales: ReadonlyMap<string, SiteSales>;
  readonly #hybrid: HybridModel;
  readonly #weights: HybridWeights;
  /** Per site, popularity scaled to [0, 1]; `#allSites` for a site with no baskets. */
  readonly #popularity: ReadonlyMap<string, Float32Array>;
  readonly #allSites: Float32Array;
  /** Purchases per customer and item (how many baskets). */
  readonly #history: CsrMatrix;
  readonly #partners: readonly (readonly Partner[])[];
  /** Partner item ids per item, parallel to `#partners`. */
  readonly #partnerIds: readonly Int32Array[];
  /** The catalogue's category of each item (content and explanations). */
  readonly #category: readonly (string | undefined)[];

  private constructor(fields: {
    items: string[];
    itemIndex: Map<string, number>;
    customerIndex: Map<string, number>;
    summary: TrainingSummary;
    sales: Map<string, SiteSales>;
    hybrid: HybridModel;
    weights: HybridWeights;
    popularity: Map<string, Float32Array>;
    allSites: Float32Array;
    history: CsrMatrix;
    partners: Partner[][];
    partnerIds: Int32Array[];
    category: (string | undefined)[];
  }) {
    this.items = fields.items;
    this.itemIndex = fields.itemIndex;
    this.customerIndex = fields.customerIndex;
    this.summary = fields.summary;
    this.sales = fields.sales;
    this.#hybrid = fields.hybrid;
    this.#weights = fields.weights;
    this.#popularity = fields.popularity;
    this.#allSites = fields.allSites;
    this.#history = fields.history;
    this.#partners = fields.partners;
    this.#partnerIds = fields.partnerIds;
    this.#category = fields.category;
  }

  /** Trains on `baskets` (any order); `catalog` adds items that have not sold yet. */
  static train(baskets: readonly TrainingBasket[], catalog: readonly CatalogItem[], options: ServingOptions) {
    const started = performance.now();
    const items: string[] = [];
    const itemIndex = new Map<string, number>();
    const itemId = (sku: string) => {
      let j = itemIndex.get(sku);
      if (j === undefined) {
        j = items.length;
        itemIndex.set(sku, j);
        items.push(sku);
      }
      return j;
    };
    const customerIndex = new Map<string, number>();
    const eventUser: number[] = [];
    const eventItem: number[] = [];
    const eventTs: number[] = [];
    const basketItems: number[][] = [];
    for (const b of baskets) {
      const ids = [...new Set(b.skus.map(itemId))].sort((x, y) => x - y);
      basketItems.push(ids);
      if (b.customer === undefined) continue;
      let u = customerIndex.get(b.customer);
      if (u === undefined) {
        u = customerIndex.size;
        customerIndex.set(b.customer, u);
      }
      for (const j of ids) {
        eventUser.push(u);
        eventItem.push(j);
        eventTs.push(b.ts);
      }
    }
    for (const c of catalog) itemId(c.sku);
    const n = items.length;
    const users = customerIndex.size;
    const events: EventList = {
      user: Int32Array.from(eventUser),
      item: Int32Array.from(eventItem),
      tsMs: Float64Array.from(eventTs),
    };

    const weights = options.weights;
    const ease =
      options.collaborative.kind === 'ease'
        ? new EaseModel({ lambda: options.collaborative.lambda, maxItems: options.collaborative.maxItems })
        : undefined;
    // Content tokens: the SKU's category, for items (and customers) the purchases say little of.
    const category: (string | undefined)[] = items.map(() => undefined);
    for (const c of catalog) category[itemIndex.get(c.sku) as number] = c.category;
    const withContent = (weights.content ?? 0) > 0;
    const hybrid = new HybridModel({
      collaborative: ease ?? new EaseModel({ maxItems: 0 }),
      weights: { ...weights, collaborative: ease === undefined ? 0 : weights.collaborative, popularity: 0 },
      events,
      repeatHalfLifeDays: options.repeatHalfLifeDays,
      ...(withContent
        ? { content: new ContentModel(category.map((c) => (c === undefined ? [] : [`category=${c}`]))) }
        : {}),
    });
    hybrid.fit(feedbackMatrix(events, users, n));

    const historyCells = new Map<number, number>();
    for (let e = 0; e < eventUser.length; e++) {
      const key = (eventUser[e] as number) * n + (eventItem[e] as number);
      historyCells.set(key, (historyCells.get(key) ?? 0) + 1);
    }
    const history = csrFromCells(users, n, historyCells);

    // Popularity per site: baskets holding the item, each decayed by its age.
    const halfLife = options.popularityHalfLifeDays * DAY_MS;
    const perSite = new Map<string, Float64Array>();
    const all = new Float64Array(n);
    /** Baskets holding each item, over every site. */
    const itemBaskets = new Float64Array(n);
    const sales = new Map<string, Mutable<SiteSales>>();
    baskets.forEach((b, k) => {
      let counts = perSite.get(b.site);
      if (counts === undefined) {
        counts = new Float64Array(n);
        perSite.set(b.site, counts);
      }
      let site = sales.get(b.site);
      if (site === undefined) {
        site = { site: b.site, baskets: 0, firstTs: b.ts, lastTs: b.ts, itemBaskets: new Map(), pairs: new Map() };
        sales.set(b.site, site);
      }
      const w = 2 ** (-Math.max(0, options.nowMs - b.ts) / halfLife);
      const ids = basketItems[k] as number[];
      for (const j of ids) {
        counts[j] = (counts[j] as number) + w;
        all[j] = (all[j] as number) + w;
        itemBaskets[j] = (itemBaskets[j] as number) + 1;
        site.itemBaskets.set(j, (site.itemBaskets.get(j) ?? 0) + 1);
      }
      for (let a = 0; a < ids.length; a++)
        for (let c = a + 1; c < ids.length; c++) {
          const key = (ids[a] as number) * n + (ids[c] as number);
          site.pairs.set(key, (site.pairs.get(key) ?? 0) + 1);
        }
      site.baskets += 1;
      site.firstTs = Math.min(site.firstTs, b.ts);
      site.lastTs = Math.max(site.lastTs, b.ts);
    });
    const scaled = (counts: Float64Array) => {
      let max = 0;
      for (const c of counts) max = Math.max(max, c);
      return Float32Array.from(counts, (c) => (max > 0 ? c / max : 0));
    };
    const popularity = new Map([...perSite].map(([site, counts]) => [site, scaled(counts)]));

    // Bought together: one 0/1 row per basket, its ids already distinct and ascending.
    const indptr = new Int32Array(basketItems.length + 1);
    basketItems.forEach((ids, row) => {
      indptr[row + 1] = (indptr[row] as number) + ids.length;
    });
    const basketMatrix = {
      rows: basketItems.length,
      cols: n,
      indptr,
      indices: Int32Array.from(basketItems.flat()),
      data: new Float32Array(indptr[basketItems.length] as number).fill(1),
    };
    const cooccurrence = new CooccurrenceModel({ minSupport: options.together.minSupport });
    cooccurrence.fit(basketMatrix);
    const partners: Partner[][] = [];
    const partnerIds: Int32Array[] = [];
    for (let i = 0; i < n; i++) {
      // Lift ≤ 1: bought together no more often than by chance, so not "bought together".
      const list = cooccurrence.together(i, options.together.maxPartners).filter((p) => p.lift > 1);
      partners.push(
        list.map((p) => ({
          sku: items[p.item] as string,
          lift: p.lift,
          support: p.support,
          confidence: p.support / Math.max(1, itemBaskets[i] as number),
        })),
      );
      partnerIds.push(Int32Array.from(list, (p) => p.item));
    }

    return new ServingModel({
      items,
      itemIndex,
      customerIndex,
      summary: {
        baskets: baskets.length,
        customers: users,
        items: n,
        sites: sales.size,
        modelledItems: ease?.modelledItems ?? 0,
        trainMs: Math.round(performance.now() - started),
      },
      sales,
      hybrid,
      weights,
      popularity,
      allSites: scaled(all),
      history,
      partners,
      partnerIds,
      category,
    });
  }

  /** The site's popularity in [0, 1] by item id (all sites' when the site sold nothing yet). */
  popularity(site: string): Float32Array {
    return this.#popularity.get(site) ?? this.#allSites;
  }

  /** How many baskets of the customer held each item they bought (item id → count). */
  purchases(customer: string): Map<number, number> {
    const u = this.customerIndex.get(customer);
    const out = new Map<number, number>();
    if (u === undefined) return out;
    const h = this.#history;
    for (let k = h.indptr[u] as number; k < (h.indptr[u + 1] as number); k++)
      out.set(h.indices[k] as number, h.data[k] as number);
    return out;
  }

  recommend(request: RecommendRequest): RecommendResult {
    const n = this.items.length;
    const u = request.customer === undefined ? undefined : this.customerIndex.get(request.customer);
    const popularity = this.popularity(request.site);
    const scores = new Float32Array(n);
    if (u !== undefined) this.#hybrid.scoreInto(u, scores);
    const wp = u === undefined ? 1 : this.#weights.popularity;
    for (let j = 0; j < n; j++) scores[j] = (scores[j] as number) + wp * (popularity[j] as number);
    const mask = request.siteMask === undefined ? new Uint8Array(n) : Uint8Array.from(request.siteMask);
    const bought = request.customer === undefined ? new Map<number, number>() : this.purchases(request.customer);
    if (request.mode === 'discover') block(mask, bought.keys(), 'ALREADY_BOUGHT');
    const top = topN(scores, mask, request.n);
    return {
      coldStart: u === undefined,
      items: top.items.map((r) => ({
        sku: this.items[r.item] as string,
        score: r.score,
        because: this.#explain(r.item, bought, request.site),
      })),
      skipped: top.skipped,
    };
  }

  /** The items most often bought with `sku`, by lift (undefined: `sku` is unknown). */
  together(sku: string, n: number, mask?: Uint8Array): Partner[] | undefined {
    const i = this.itemIndex.get(sku);
    if (i === undefined) return undefined;
    const ids = this.#partnerIds[i] as Int32Array;
    const list = this.#partners[i] as readonly Partner[];
    const out: Partner[] = [];
    for (let k = 0; k < list.length && out.length < n; k++)
      if (mask === undefined || mask[ids[k] as number] === 0) out.push(list[k] as Partner);
    return out;
  }

  #explain(item: number, bought: ReadonlyMap<number, number>, site: string): Explanation {
    const times = bought.get(item);
    if (times !== undefined) return { kind: 'buy-again', purchases: times };
    if (bought.size > 0) {
      // Partner lists are symmetric in lift: the item's own list names what it is bought with.
      const ids = this.#partnerIds[item] as Int32Array;
      const list = this.#partners[item] as readonly Partner[];
      for (let k = 0; k < ids.length; k++)
        if (bought.has(ids[k] as number)) {
          const p = list[k] as Partner;
          return { kind: 'bought-with', sku: p.sku, lift: p.lift };
        }
      const c = this.#category[item];
      if (c !== undefined && [...bought.keys()].some((j) => this.#category[j] === c))
        return { kind: 'category', category: c };
    }
    return { kind: 'popular', site };
  }
}
