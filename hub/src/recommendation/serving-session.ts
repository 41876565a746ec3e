import type { RecommendationApiError } from '@aisle/protocols';
import { block, type FilterReason } from './engine/filters.js';
import { type ShelfPlace, type StoreInsights, storeInsights } from './engine/insights.js';
import {
  type CatalogItem,
  type Explanation,
  type Partner,
  ServingModel,
  type ServingOptions,
  type TrainingBasket,
  type TrainingSummary,
} from './engine/serving.js';

/**
 * One trained model and everything needed to answer with it, as it lives in its model thread
 * (`model-worker.ts`): the `ServingModel`, the planograms and catalogue read with the baskets, the
 * business rules, and the live out-of-stock SKUs per site that the main thread forwards. All of
 * it is plain data in and plain data out, so the thread boundary is a `postMessage`.
 */

/** What a training reads besides its baskets: planograms and the catalogue (plain, for postMessage). */
export interface SiteShelves {
  /** SKUs with a lane, per site with a planogram. */
  readonly carried: Readonly<Record<string, readonly string[]>>;
  readonly places: Readonly<Record<string, readonly ShelfPlace[]>>;
  readonly catalog: readonly CatalogItem[];
}

export interface SessionInput {
  readonly baskets: readonly TrainingBasket[];
  readonly shelves: SiteShelves;
  readonly options: ServingOptions;
  readonly excludeCategories: readonly string[];
  readonly insights: { readonly n: number; readonly minSupport: number; readonly minLift: number };
}

export interface NamedExplanation {
  readonly kind: Explanation['kind'];
  readonly text: string;
  readonly sku?: string;
  readonly lift?: number;
  readonly purchases?: number;
  readonly category?: string;
}

export interface Named {
  readonly sku: string;
  readonly name?: string;
  readonly category?: string;
}

export interface CustomerAnswer {
  readonly coldStart: boolean;
  readonly items: ReadonlyArray<Named & { readonly score: number; readonly because: NamedExplanation }>;
  readonly skipped: Readonly<Record<FilterReason, number>>;
}

export interface PopularAnswer {
  readonly items: ReadonlyArray<Named & { readonly score: number }>;
  readonly skipped: Readonly<Record<FilterReason, number>>;
}

export interface TogetherAnswer extends Named {
  readonly together: ReadonlyArray<Named & Partner>;
}

/** A call on the model, and what it answers. */
export type SessionCall =
  | {
      readonly op: 'customer';
      readonly customer: string;
      readonly site: string;
      readonly n: number;
      readonly mode: 'discover' | 'buy-again';
    }
  | { readonly op: 'popular'; readonly site: string; readonly n: number }
  | { readonly op: 'together'; readonly sku: string; readonly site?: string; readonly n: number }
  | { readonly op: 'insights'; readonly site: string };

export class SessionError extends Error {
  override readonly name = 'SessionError';
  constructor(
    readonly code: RecommendationApiError,
    message: string,
  ) {
    super(message);
  }
}

export class ServingSession {
  readonly summary: TrainingSummary;
  readonly #model: ServingModel;
  readonly #catalog: ReadonlyMap<string, CatalogItem>;
  readonly #carried: ReadonlyMap<string, ReadonlySet<string>>;
  readonly #places: Readonly<Record<string, readonly ShelfPlace[]>>;
  readonly #excluded: ReadonlySet<string>;
  readonly #insights: SessionInput['insights'];
  /** Out-of-stock SKUs per site, as the main thread last sent them. */
  readonly #empty = new Map<string, readonly string[]>();
  readonly #masks = new Map<string, Uint8Array>();

  constructor(input: SessionInput) {
    this.#model = ServingModel.train(input.baskets, input.shelves.catalog, input.options);
    this.summary = this.#model.summary;
    this.#catalog = new Map(input.shelves.catalog.map((c) => [c.sku, c]));
    this.#carried = new Map(Object.entries(input.shelves.carried).map(([site, skus]) => [site, new Set(skus)]));
    this.#places = input.shelves.places;
    this.#excluded = new Set(input.excludeCategories);
    this.#insights = input.insights;
  }

  /** The SKUs every lane of which reads 0 units at `site` now (replaces the last list). */
  setOutOfStock(site: string, skus: readonly string[]): void {
    this.#empty.set(site, skus);
    this.#masks.delete(site);
  }

  call(call: SessionCall): CustomerAnswer | PopularAnswer | TogetherAnswer | StoreInsights {
    switch (call.op) {
      case 'customer':
        return this.customer(call.customer, call.site, call.n, call.mode);
      case 'popular':
        return this.popular(call.site, call.n);
      case 'together':
        return this.together(call.sku, call.site, call.n);
      case 'insights':
        return this.insights(call.site);
    }
  }

  customer(customer: string, site: string, n: number, mode: 'discover' | 'buy-again'): CustomerAnswer {
    const result = this.#model.recommend({ customer, site, n, mode, siteMask: this.#siteMask(site) });
    return {
      coldStart: result.coldStart,
      items: result.items.map((r) => ({ ...this.#named(r.sku), score: r.score, because: this.#explain(r.because) })),
      skipped: result.skipped,
    };
  }

  /** The site's best sellers (recency-weighted), filtered like a customer's list: the cold-start answer. */
  popular(site: string, n: number): PopularAnswer {
    const result = this.#model.recommend({ site, n, mode: 'buy-again', siteMask: this.#siteMask(site) });
    return { items: result.items.map((r) => ({ ...this.#named(r.sku), score: r.score })), skipped: result.skipped };
  }

  together(sku: string, site: string | undefined, n: number): TogetherAnswer {
    const partners = this.#model.together(sku, n, site === undefined ? undefined : this.#siteMask(site));
    if (partners === undefined) throw new SessionError('UNKNOWN_SKU', `no sale nor planogram lane of ${sku}`);
    return { ...this.#named(sku), together: partners.map((p) => ({ ...this.#named(p.sku), ...p })) };
  }

  insights(site: string): StoreInsights {
    return storeInsights(
      site,
      this.#model.sales.get(site),
      this.#model.items,
      this.#model.itemIndex,
      this.#places[site] ?? [],
      this.#insights,
    );
  }

  #named(sku: string): Named {
    const item = this.#catalog.get(sku);
    return {
      sku,
      ...(item?.name === undefined ? {} : { name: item.name }),
      ...(item?.category === undefined ? {} : { category: item.category }),
    };
  }

  #explain(because: Explanation): NamedExplanation {
    switch (because.kind) {
      case 'bought-with': {
        const name = this.#catalog.get(because.sku)?.name ?? because.sku;
        return { ...because, text: `because you bought ${name}` };
      }
      case 'buy-again':
        return { ...because, text: `you bought it ${because.purchases} time${because.purchases === 1 ? '' : 's'}` };
      case 'category':
        return { ...because, text: `because you buy ${because.category}` };
      case 'popular':
        return { kind: 'popular', text: `popular at ${because.site}` };
    }
  }

  /** The site's blocks: out of stock now, not carried, excluded category; rebuilt when the stock list changes. */
  #siteMask(site: string): Uint8Array {
    const cached = this.#masks.get(site);
    if (cached !== undefined) return cached;
    const model = this.#model;
    const mask = new Uint8Array(model.items.length);
    block(
      mask,
      (this.#empty.get(site) ?? []).map((sku) => model.itemIndex.get(sku) ?? -1),
      'OUT_OF_STOCK',
    );
    const carried = this.#carried.get(site);
    if (carried !== undefined)
      block(
        mask,
        model.items.flatMap((sku, j) => (carried.has(sku) ? [] : [j])),
        'NOT_CARRIED',
      );
    if (this.#excluded.size > 0)
      block(
        mask,
        model.items.flatMap((sku, j) => (this.#excluded.has(this.#catalog.get(sku)?.category ?? '') ? [j] : [])),
        'EXCLUDED_CATEGORY',
      );
    this.#masks.set(site, mask);
    return mask;
  }
}
