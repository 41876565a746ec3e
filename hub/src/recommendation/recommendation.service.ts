import { setImmediate } from 'node:timers/promises';
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
import { FILTER_REASONS, type FilterReason } from './engine/filters.js';
import type { StoreInsights } from './engine/insights.js';
import type { CatalogItem, TrainingBasket, TrainingSummary } from './engine/serving.js';
import { LiveStock } from './live-stock.js';
import { ModelCallError, ModelThread } from './model-thread.js';
import type { CustomerAnswer, PopularAnswer, SessionCall, SiteShelves, TogetherAnswer } from './serving-session.js';

const DAY_MS = 86_400_000;
/** Ids per `IN (…)` query: under SQLite's and PostgreSQL's bound-parameter limits. */
const ID_CHUNK = 5000;

/** The model serving now: its thread and what it was trained on. */
interface Serving {
  readonly version: number;
  readonly trainedAt: number;
  readonly thread: ModelThread;
  readonly summary: TrainingSummary;
  readonly truncated: boolean;
}

export interface ModelRef {
  readonly version: number;
  readonly trainedAt: number;
}

export type CustomerRecommendations = CustomerAnswer & {
  readonly customer: string;
  readonly site: string;
  readonly mode: 'discover' | 'buy-again';
  readonly model: ModelRef;
};

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
 * Recommendation in the hub (issue #9): trains a model from the POS baskets of every site (the
 * last `windowDays`, at most `maxBaskets`), at start and every `retrainEveryMs`, and serves it
 * with three filters: what the customer bought before (discover mode), what the site does not
 * carry or has run out of *right now* (`LiveStock`, moved by every stored batch of shelf levels),
 * and the business rule `rules.excludeCategories`.
 *
 * The model lives in its own thread (`ModelThread`, `model-worker.ts`): each training starts a new
 * thread, which trains while the old one keeps answering, then takes over; the old one ends once
 * its calls are answered. So neither EASE's inverse (tens of seconds on a large catalogue) nor
 * scoring a catalogue per request runs on the main thread with ingest and HTTP. Out-of-stock lists
 * are forwarded to the threads as they change. A failed training keeps serving the old model; a
 * serving thread that dies is counted and retrained.
 */
@Injectable()
export class RecommendationService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly #stock = new LiveStock();
  #serving: Serving | undefined;
  /** The thread training now, if any: it gets stock updates too. */
  #next: ModelThread | undefined;
  #training: Promise<Serving> | undefined;
  #followUp: Promise<Serving> | undefined;
  #lastError: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #stopping = false;
  readonly #metrics: {
    requests: Counter<'endpoint' | 'outcome'>;
    filtered: Counter<'reason'>;
    trainings: Counter<'outcome'>;
    truncated: Counter;
    threadDeaths: Counter;
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
      threadDeaths: new Counter({
        name: 'aisle_hub_recommendation_thread_deaths_total',
        help: 'Serving model threads that died (the model is trained again)',
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
      const before = this.#stock.version(site);
      this.#stock.onItems(site, items);
      this.#metrics.lanes.set(this.#stock.lanes());
      if (this.#stock.version(site) !== before) this.#forwardStock(site);
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
    this.#stopping = true;
    clearInterval(this.#timer);
    this.#unsubscribe?.();
    await this.#next?.close();
    await this.#training?.catch(() => undefined);
    await this.#serving?.thread.close();
  }

  /**
   * Trains now and serves the result. While a training runs, one more follows it (its baskets may
   * predate the request); callers arriving meanwhile share that one.
   */
  async retrain(): Promise<RecommenderStatus> {
    const running = this.#training;
    if (running === undefined) await this.#train();
    else {
      this.#followUp ??= running
        .catch(() => undefined)
        .then(() => {
          this.#followUp = undefined;
          return this.#train();
        });
      await this.#followUp;
    }
    return this.status();
  }

  status(): RecommenderStatus {
    const t = this.#serving;
    return {
      trained: t !== undefined,
      training: this.#training !== undefined,
      ...(t === undefined
        ? {}
        : { version: t.version, trainedAt: t.trainedAt, summary: t.summary, truncated: t.truncated }),
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
    };
  }

  async customer(
    customer: string,
    site: string,
    n: number,
    mode: 'discover' | 'buy-again',
  ): Promise<CustomerRecommendations> {
    const { answer, model } = await this.#call<CustomerAnswer>('customer', { op: 'customer', customer, site, n, mode });
    this.#count(answer.skipped);
    return { customer, site, mode, ...answer, model };
  }

  /** The site's best sellers (recency-weighted), filtered like a customer's list: the cold-start answer. */
  async popular(site: string, n: number) {
    const { answer, model } = await this.#call<PopularAnswer>('popular', { op: 'popular', site, n });
    this.#count(answer.skipped);
    return { site, model, ...answer };
  }

  async together(sku: string, site: string | undefined, n: number) {
    const call: SessionCall = { op: 'together', sku, n, ...(site === undefined ? {} : { site }) };
    const { answer, model } = await this.#call<TogetherAnswer>('together', call);
    return { ...answer, ...(site === undefined ? {} : { site }), model };
  }

  async insights(site: string): Promise<StoreInsights & { model: ModelRef }> {
    const { answer, model } = await this.#call<StoreInsights>('insights', { op: 'insights', site });
    return { ...answer, model };
  }

  async #call<T>(endpoint: string, call: SessionCall): Promise<{ answer: T; model: ModelRef }> {
    const serving = this.#serving;
    if (serving === undefined)
      throw this.#refuse(endpoint, 'RECOMMENDER_NOT_TRAINED', this.#lastError ?? 'the first training has not ended');
    try {
      const answer = await serving.thread.call<T>(call);
      this.#metrics.requests.inc({ endpoint, outcome: 'ok' });
      return { answer, model: { version: serving.version, trainedAt: serving.trainedAt } };
    } catch (error) {
      if (error instanceof ModelCallError) throw this.#refuse(endpoint, error.code, error.message);
      // The thread was replaced between the call and its answer, or died: ask the one serving now.
      if (this.#serving !== undefined && this.#serving !== serving) return this.#call(endpoint, call);
      throw this.#refuse(endpoint, 'RECOMMENDER_NOT_TRAINED', (error as Error).message);
    }
  }

  #refuse(endpoint: string, code: RecommendationApiError, message: string): HttpException {
    this.#metrics.requests.inc({ endpoint, outcome: code });
    return apiError(RECOMMENDATION_API_ERRORS[code].status, code, message);
  }

  #count(skipped: Readonly<Record<FilterReason, number>>): void {
    for (const reason of FILTER_REASONS)
      if (skipped[reason] > 0) this.#metrics.filtered.inc({ reason }, skipped[reason]);
  }

  #forwardStock(site: string): void {
    const skus = [...this.#stock.outOfStock(site)];
    this.#serving?.thread.setOutOfStock(site, skus);
    this.#next?.setOutOfStock(site, skus);
  }

  #train(): Promise<Serving> {
    const run = this.#trainOnce().finally(() => {
      this.#training = undefined;
    });
    this.#training = run;
    return run;
  }

  async #trainOnce(): Promise<Serving> {
    const started = performance.now();
    const config = this.config.recommendation;
    const thread = new ModelThread();
    this.#next = thread;
    try {
      const now = Date.now();
      const sites = [
        ...new Set([...(await this.registry.sites()).map((s) => s.site), ...(await this.pos.sites())]),
      ].sort();
      // Page by page, newest first, each page handed to the model thread at once: a single read of
      // the window (120,000 baskets) held the main thread for seconds in SQLite and JSON.parse.
      const skus = new Set<string>();
      let read = 0;
      let truncated = false;
      for (const site of sites) {
        let before: { ts: number; basket: string } | undefined;
        for (;;) {
          const room = config.maxBaskets - read;
          if (room <= 0) {
            truncated = true;
            break;
          }
          const limit = Math.min(room, config.readPageBaskets);
          const rows = await this.pos.baskets(site, {
            from: now - config.windowDays * DAY_MS,
            to: now + DAY_MS,
            limit,
            newest: true,
            ...(before === undefined ? {} : { before }),
          });
          const page: TrainingBasket[] = rows.map((b) => ({
            site: b.site,
            ts: b.ts,
            skus: b.lines.map((l) => l.sku),
            ...(b.customer === undefined ? {} : { customer: b.customer }),
          }));
          for (const b of page) for (const sku of b.skus) skus.add(sku);
          thread.addBaskets(page);
          read += rows.length;
          const oldest = rows[0];
          if (rows.length < limit || oldest === undefined) break;
          before = { ts: oldest.ts, basket: oldest.basket };
          await setImmediate();
        }
        if (truncated) break;
      }
      const shelves = await this.#shelves(sites, skus);
      for (const site of sites) thread.setOutOfStock(site, [...this.#stock.outOfStock(site)]);
      const m = config.model;
      const summary = await thread.train({
        shelves,
        options: {
          popularityHalfLifeDays: m.popularityHalfLifeDays,
          collaborative: { kind: m.collaborative, lambda: m.lambda, maxItems: m.maxItems },
          weights: m.weights,
          repeatHalfLifeDays: m.repeatHalfLifeDays,
          together: config.together,
          nowMs: now,
        },
        excludeCategories: config.rules.excludeCategories,
        insights: config.insights,
      });
      if (this.#stopping) throw new Error('the hub is stopping');
      const serving: Serving = {
        version: (this.#serving?.version ?? 0) + 1,
        trainedAt: now,
        thread,
        summary,
        truncated,
      };
      const old = this.#serving;
      this.#serving = serving;
      this.#next = undefined;
      thread.onExit((error) => this.#died(serving, error));
      void old?.thread.close(30_000);
      this.#lastError = undefined;
      if (truncated) this.#metrics.truncated.inc();
      this.#metrics.trainings.inc({ outcome: 'ok' });
      this.#metrics.trainSeconds.set((performance.now() - started) / 1000);
      this.#metrics.items.set(summary.items);
      this.#metrics.customers.set(summary.customers);
      this.logger.info({ version: serving.version, ...summary, truncated }, 'recommendation: model trained');
      return serving;
    } catch (error) {
      if (this.#next === thread) this.#next = undefined;
      await thread.close();
      this.#lastError = error instanceof Error ? error.message : String(error);
      this.#metrics.trainings.inc({ outcome: 'failed' });
      if (!this.#stopping)
        this.logger.error({ err: error }, 'recommendation: training failed; the previous model stays');
      throw error;
    }
  }

  /** The serving thread died: nothing serves until a new model is trained, which starts now. */
  #died(serving: Serving, error: Error): void {
    if (this.#serving !== serving || this.#stopping) return;
    this.#serving = undefined;
    this.#lastError = error.message;
    this.#metrics.threadDeaths.inc();
    this.logger.error({ err: error }, 'recommendation: the model thread died; training a new one');
    if (this.#training === undefined) void this.#train().catch(() => undefined);
  }

  async #shelves(sites: readonly string[], sold: ReadonlySet<string>): Promise<SiteShelves> {
    const carried: Record<string, string[]> = {};
    const places: SiteShelves['places'] = {};
    const ids = new Set<string>();
    for (const site of sites) {
      const planogram = await this.registry.planogram(site);
      if (planogram === undefined || planogram.lanes.length === 0) continue;
      carried[site] = [...new Set(planogram.lanes.map((l) => l.sku))];
      (places as Record<string, SiteShelves['places'][string]>)[site] = planogram.lanes.map((l) => ({
        sku: l.sku,
        aisle: l.aisle,
        capacity: l.capacity,
      }));
      for (const l of planogram.lanes) ids.add(l.sku);
    }
    for (const sku of sold) ids.add(sku);
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
    for (const skus of Object.values(carried)) for (const sku of skus) if (!catalog.has(sku)) catalog.set(sku, { sku });
    return { carried, places, catalog: [...catalog.values()] };
  }
}
