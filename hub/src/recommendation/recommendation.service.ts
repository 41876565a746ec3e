import { RECOMMENDATION_API_ERRORS, type RecommendationApiError } from '@aisle/protocols';
import {
  type HttpException,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { apiError } from '../auth/api-error.js';
import type { HubConfig } from '../config.js';
import type { IngestRepository } from '../ingest/ingest.repository.js';
import { IngestService } from '../ingest/ingest.service.js';
import type { PosRepository } from '../pos/pos.repository.js';
import type { RegistryRepository } from '../registry/registry.repository.js';
import { HUB_CONFIG, INGEST_REPOSITORY, LOGGER, METRICS, POS_REPOSITORY, REGISTRY_REPOSITORY } from '../tokens.js';
import { block, FILTER_REASONS, type FilterReason } from './engine/filters.js';
import { type ShelfPlace, type StoreInsights, storeInsights } from './engine/insights.js';
import {
  type CatalogItem,
  type Explanation,
  type Partner,
  ServingModel,
  type TrainingBasket,
  type TrainingSummary,
} from './engine/serving.js';
import { LiveStock } from './live-stock.js';

const DAY_MS = 86_400_000;
/** Ids per `IN (…)` query: under SQLite's and PostgreSQL's bound-parameter limits. */
const ID_CHUNK = 5000;

/** What a training saw of the sites besides their baskets: planograms and the catalogue. */
interface SiteShelves {
  /** SKUs with a lane, per site with a planogram. */
  readonly carried: ReadonlyMap<string, ReadonlySet<string>>;
  readonly places: ReadonlyMap<string, readonly ShelfPlace[]>;
  readonly catalog: ReadonlyMap<string, CatalogItem>;
}

interface Trained {
  readonly version: number;
  readonly trainedAt: number;
  readonly model: ServingModel;
  readonly shelves: SiteShelves;
  readonly truncated: boolean;
}

export interface NamedExplanation {
  readonly kind: Explanation['kind'];
  readonly text: string;
  readonly sku?: string;
  readonly lift?: number;
  readonly purchases?: number;
  readonly category?: string;
}

export interface CustomerRecommendations {
  readonly customer: string;
  readonly site: string;
  readonly mode: 'discover' | 'buy-again';
  readonly coldStart: boolean;
  readonly model: { readonly version: number; readonly trainedAt: number };
  readonly items: ReadonlyArray<{
    readonly sku: string;
    readonly name?: string;
    readonly category?: string;
    readonly score: number;
    readonly because: NamedExplanation;
  }>;
  readonly skipped: Readonly<Record<FilterReason, number>>;
}

export interface RecommenderStatus {
  readonly trained: boolean;
  readonly version?: number;
  readonly trainedAt?: number;
  readonly summary?: TrainingSummary;
  /** The last training stopped at `recommendation.maxBaskets`. */
  readonly truncated?: boolean;
  readonly training: boolean;
  readonly lastError?: string;
}

/**
 * Recommendation in the hub (issue #9): trains a `ServingModel` from the POS baskets of every site
 * (the last `windowDays`, at most `maxBaskets`), at start and every `retrainEveryMs`, and serves it
 * with three filters: what the customer bought before (discover mode), what the site does not
 * carry or has run out of *right now* (`LiveStock`, moved by every stored batch of shelf levels),
 * and the business rule `rules.excludeCategories`. Each site's static part of the filter is
 * cached per (model, planogram read, stock version), so a request costs one mask copy.
 *
 * Training runs on the event loop; `model.maxItems` bounds its pause (EASE is O(maxItems³):
 * about 2 s for 1,000 items here). A new model replaces the old one whole; a failed training
 * keeps serving the old one and is counted.
 */
@Injectable()
export class RecommendationService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly #stock = new LiveStock();
  #trained: Trained | undefined;
  #training: Promise<Trained> | undefined;
  #lastError: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  readonly #masks = new Map<string, { key: string; mask: Uint8Array }>();
  readonly #metrics: {
    requests: Counter<'endpoint' | 'outcome'>;
    filtered: Counter<'reason'>;
    trainings: Counter<'outcome'>;
    truncated: Counter;
    trainSeconds: Gauge;
    items: Gauge;
    customers: Gauge;
    lanes: Gauge;
  };

  constructor(
    @Inject(POS_REPOSITORY) private readonly pos: PosRepository,
    @Inject(REGISTRY_REPOSITORY) private readonly registry: RegistryRepository,
    @Inject(INGEST_REPOSITORY) private readonly ingest: IngestRepository,
    @Inject(ModuleRef) private readonly modules: ModuleRef,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) metrics: Registry,
  ) {
    const registers = [metrics];
    this.#metrics = {
      requests: new Counter({
        name: 'aisle_hub_recommendation_requests_total',
        help: 'Recommendation requests by endpoint and outcome (ok, or the refusal code)',
        labelNames: ['endpoint', 'outcome'],
        registers,
      }),
      filtered: new Counter({
        name: 'aisle_hub_recommendation_filtered_total',
        help: 'Items ranked above the last one shown that a filter left out, by reason',
        labelNames: ['reason'],
        registers,
      }),
      trainings: new Counter({
        name: 'aisle_hub_recommendation_trainings_total',
        help: 'Trainings of the recommender by outcome (ok, failed)',
        labelNames: ['outcome'],
        registers,
      }),
      truncated: new Counter({
        name: 'aisle_hub_recommendation_baskets_truncated_total',
        help: 'Trainings that stopped reading baskets at recommendation.maxBaskets',
        registers,
      }),
      trainSeconds: new Gauge({
        name: 'aisle_hub_recommendation_training_seconds',
        help: 'Duration of the last training (reading baskets included)',
        registers,
      }),
      items: new Gauge({
        name: 'aisle_hub_recommendation_items',
        help: 'Items in the served model (bound: model.maxItems of them in EASE)',
        registers,
      }),
      customers: new Gauge({
        name: 'aisle_hub_recommendation_customers',
        help: 'Customers in the served model',
        registers,
      }),
      lanes: new Gauge({
        name: 'aisle_hub_recommendation_stock_lanes',
        help: 'Shelf lanes whose live level the in-stock filter follows',
        registers,
      }),
    };
    for (const reason of FILTER_REASONS) this.#metrics.filtered.inc({ reason }, 0);
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const site of await this.registry.sites())
      this.#stock.seed(await this.ingest.latest(site.site, 'shelf.level'));
    this.#metrics.lanes.set(this.#stock.lanes());
    const ingest = this.modules.get(IngestService, { strict: false });
    this.#unsubscribe = ingest.onStored((site, items) => {
      this.#stock.onItems(site, items);
      this.#metrics.lanes.set(this.#stock.lanes());
    });
    void this.#train().catch(() => undefined);
    const every = this.config.recommendation.retrainEveryMs;
    if (every > 0) {
      this.#timer = setInterval(() => {
        if (this.#training === undefined) void this.#train().catch(() => undefined);
      }, every);
      this.#timer.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.#timer);
    this.#unsubscribe?.();
    await this.#training?.catch(() => undefined);
  }

  /** Trains now and serves the result; refused while a training runs. */
  async retrain(): Promise<RecommenderStatus> {
    if (this.#training !== undefined) throw this.#refuse('retrain', 'RETRAIN_RUNNING', 'a training is running');
    await this.#train();
    return this.status();
  }

  /** Waits for the training running now, if any (tests and the demo). */
  async settled(): Promise<void> {
    await this.#training?.catch(() => undefined);
  }

  status(): RecommenderStatus {
    const t = this.#trained;
    return {
      trained: t !== undefined,
      training: this.#training !== undefined,
      ...(t === undefined
        ? {}
        : { version: t.version, trainedAt: t.trainedAt, summary: t.model.summary, truncated: t.truncated }),
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
    };
  }

  customer(customer: string, site: string, n: number, mode: 'discover' | 'buy-again'): CustomerRecommendations {
    const t = this.#ready('customer');
    const result = t.model.recommend({ customer, site, n, mode, siteMask: this.#siteMask(t, site) });
    this.#count('customer', result.skipped);
    return {
      customer,
      site,
      mode,
      coldStart: result.coldStart,
      model: { version: t.version, trainedAt: t.trainedAt },
      items: result.items.map((r) => ({
        ...this.#named(t, r.sku),
        score: r.score,
        because: this.#explain(t, r.because),
      })),
      skipped: result.skipped,
    };
  }

  /** The site's best sellers (recency-weighted), filtered like a customer's list: the cold-start answer. */
  popular(site: string, n: number) {
    const t = this.#ready('popular');
    const result = t.model.recommend({ site, n, mode: 'buy-again', siteMask: this.#siteMask(t, site) });
    this.#count('popular', result.skipped);
    return {
      site,
      model: { version: t.version, trainedAt: t.trainedAt },
      items: result.items.map((r) => ({ ...this.#named(t, r.sku), score: r.score })),
      skipped: result.skipped,
    };
  }

  together(sku: string, site: string | undefined, n: number) {
    const t = this.#ready('together');
    const partners = t.model.together(sku, n, site === undefined ? undefined : this.#siteMask(t, site));
    if (partners === undefined) throw this.#refuse('together', 'UNKNOWN_SKU', `no sale nor planogram lane of ${sku}`);
    this.#metrics.requests.inc({ endpoint: 'together', outcome: 'ok' });
    return {
      ...this.#named(t, sku),
      ...(site === undefined ? {} : { site }),
      model: { version: t.version, trainedAt: t.trainedAt },
      together: partners.map((p: Partner) => ({ ...this.#named(t, p.sku), ...p })),
    };
  }

  insights(site: string): StoreInsights & { model: { version: number; trainedAt: number } } {
    const t = this.#ready('insights');
    const { n, minSupport, minLift } = this.config.recommendation.insights;
    const insights = storeInsights(site, t.model.sales.get(site), t.model.items, t.shelves.places.get(site) ?? [], {
      n,
      minSupport,
      minLift,
    });
    this.#metrics.requests.inc({ endpoint: 'insights', outcome: 'ok' });
    return { ...insights, model: { version: t.version, trainedAt: t.trainedAt } };
  }

  #ready(endpoint: string): Trained {
    if (this.#trained === undefined)
      throw this.#refuse(endpoint, 'RECOMMENDER_NOT_TRAINED', this.#lastError ?? 'the first training has not ended');
    return this.#trained;
  }

  #refuse(endpoint: string, code: RecommendationApiError, message: string): HttpException {
    this.#metrics.requests.inc({ endpoint, outcome: code });
    return apiError(RECOMMENDATION_API_ERRORS[code].status, code, message);
  }

  #count(endpoint: string, skipped: Readonly<Record<FilterReason, number>>): void {
    this.#metrics.requests.inc({ endpoint, outcome: 'ok' });
    for (const reason of FILTER_REASONS)
      if (skipped[reason] > 0) this.#metrics.filtered.inc({ reason }, skipped[reason]);
  }

  #named(t: Trained, sku: string): { sku: string; name?: string; category?: string } {
    const item = t.shelves.catalog.get(sku);
    return {
      sku,
      ...(item?.name === undefined ? {} : { name: item.name }),
      ...(item?.category === undefined ? {} : { category: item.category }),
    };
  }

  #explain(t: Trained, because: Explanation): NamedExplanation {
    switch (because.kind) {
      case 'bought-with': {
        const name = t.shelves.catalog.get(because.sku)?.name ?? because.sku;
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

  /** The site's blocks: not carried, excluded category, out of stock now; rebuilt when any input changes. */
  #siteMask(t: Trained, site: string): Uint8Array {
    const key = `${t.version}/${this.#stock.version(site)}`;
    const cached = this.#masks.get(site);
    if (cached?.key === key) return cached.mask;
    const model = t.model;
    const mask = new Uint8Array(model.items.length);
    const empty = [...this.#stock.outOfStock(site)].map((sku) => model.itemIndex.get(sku) ?? -1);
    block(mask, empty, 'OUT_OF_STOCK');
    const carried = t.shelves.carried.get(site);
    if (carried !== undefined)
      block(
        mask,
        model.items.flatMap((sku, j) => (carried.has(sku) ? [] : [j])),
        'NOT_CARRIED',
      );
    const excluded = new Set(this.config.recommendation.rules.excludeCategories);
    if (excluded.size > 0)
      block(
        mask,
        model.items.flatMap((sku, j) => (excluded.has(t.shelves.catalog.get(sku)?.category ?? '') ? [j] : [])),
        'EXCLUDED_CATEGORY',
      );
    this.#masks.set(site, { key, mask });
    return mask;
  }

  #train(): Promise<Trained> {
    const run = this.#trainOnce().finally(() => {
      this.#training = undefined;
    });
    this.#training = run;
    return run;
  }

  async #trainOnce(): Promise<Trained> {
    const started = performance.now();
    const config = this.config.recommendation;
    try {
      const now = Date.now();
      const sites = [
        ...new Set([...(await this.registry.sites()).map((s) => s.site), ...(await this.pos.sites())]),
      ].sort();
      const baskets: TrainingBasket[] = [];
      let truncated = false;
      for (const site of sites) {
        const room = config.maxBaskets - baskets.length;
        if (room <= 0) {
          truncated = true;
          break;
        }
        const rows = await this.pos.baskets(site, {
          from: now - config.windowDays * DAY_MS,
          to: now + DAY_MS,
          limit: room,
          newest: true,
        });
        if (rows.length === room) truncated = true;
        for (const b of rows)
          baskets.push({
            site: b.site,
            ts: b.ts,
            skus: b.lines.map((l) => l.sku),
            ...(b.customer === undefined ? {} : { customer: b.customer }),
          });
      }
      const shelves = await this.#shelves(sites, baskets);
      const m = config.model;
      const model = ServingModel.train(baskets, [...shelves.catalog.values()], {
        popularityHalfLifeDays: m.popularityHalfLifeDays,
        collaborative: { kind: m.collaborative, lambda: m.lambda, maxItems: m.maxItems },
        weights: m.weights,
        repeatHalfLifeDays: m.repeatHalfLifeDays,
        together: config.together,
        nowMs: now,
      });
      const trained: Trained = {
        version: (this.#trained?.version ?? 0) + 1,
        trainedAt: now,
        model,
        shelves,
        truncated,
      };
      this.#trained = trained;
      this.#lastError = undefined;
      this.#masks.clear();
      if (truncated) this.#metrics.truncated.inc();
      this.#metrics.trainings.inc({ outcome: 'ok' });
      this.#metrics.trainSeconds.set((performance.now() - started) / 1000);
      this.#metrics.items.set(model.summary.items);
      this.#metrics.customers.set(model.summary.customers);
      this.logger.info({ version: trained.version, ...model.summary, truncated }, 'recommendation: model trained');
      return trained;
    } catch (error) {
      this.#lastError = error instanceof Error ? error.message : String(error);
      this.#metrics.trainings.inc({ outcome: 'failed' });
      this.logger.error({ err: error }, 'recommendation: training failed; the previous model stays');
      throw error;
    }
  }

  async #shelves(sites: readonly string[], baskets: readonly TrainingBasket[]): Promise<SiteShelves> {
    const carried = new Map<string, Set<string>>();
    const places = new Map<string, ShelfPlace[]>();
    const ids = new Set<string>();
    for (const site of sites) {
      const planogram = await this.registry.planogram(site);
      if (planogram === undefined || planogram.lanes.length === 0) continue;
      carried.set(site, new Set(planogram.lanes.map((l) => l.sku)));
      places.set(
        site,
        planogram.lanes.map((l) => ({ sku: l.sku, aisle: l.aisle, capacity: l.capacity })),
      );
      for (const l of planogram.lanes) ids.add(l.sku);
    }
    for (const b of baskets) for (const sku of b.skus) ids.add(sku);
    const all = [...ids];
    const catalog = new Map<string, CatalogItem>();
    for (let k = 0; k < all.length; k += ID_CHUNK)
      for (const sku of await this.registry.skus(all.slice(k, k + ID_CHUNK)))
        catalog.set(sku.sku, {
          sku: sku.sku,
          name: sku.name,
          ...(sku.category === undefined ? {} : { category: sku.category }),
        });
    // Planogram SKUs missing from the catalogue still enter (cold items); sold SKUs enter by their baskets.
    for (const site of carried.values()) for (const sku of site) if (!catalog.has(sku)) catalog.set(sku, { sku });
    return { carried, places, catalog };
  }
}
