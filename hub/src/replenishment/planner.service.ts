import { type Forecast, localClockMs } from '@aisle/protocols';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { HubConfig } from '../config.js';
import { holtWinters } from '../forecasting/engine/baselines.js';
import { telemetryDataset } from '../forecasting/telemetry-dataset.js';
import type { IngestRepository } from '../ingest/ingest.repository.js';
import type { SeriesRepository } from '../ingest/series.repository.js';
import type { PosRepository } from '../pos/pos.repository.js';
import type { RegistryRepository } from '../registry/registry.repository.js';
import {
  HUB_CONFIG,
  INGEST_REPOSITORY,
  LOGGER,
  METRICS,
  POS_REPOSITORY,
  REGISTRY_REPOSITORY,
  SERIES_REPOSITORY,
} from '../tokens.js';
import { type OrderItem, type SkuPacking, suggestOrders } from './engine/order-up-to.js';
import { detectPhantomInventory, type LaneObservation } from './engine/phantom.js';
import type { Rejection } from './engine/reasons.js';
import { type BackroomStock, type LaneStock, planShelfRefills } from './engine/shelf-refill.js';
import { classifyVelocity } from './engine/velocity.js';
import { OrdersService } from './orders.service.js';
import type { ReplenishmentRepository } from './replenishment.repository.js';
import { REPLENISHMENT_REPOSITORY } from './replenishment.tokens.js';
import type { StoreOrder } from './replenishment.types.js';
import { TasksService } from './tasks.service.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export interface RefillRun {
  readonly site: string;
  readonly created: number;
  readonly refreshed: number;
  readonly kept: number;
  readonly rejected: readonly Rejection[];
  /** Lanes left out: no level yet, or a level older than `staleLevelMs` (its scale is silent). */
  readonly stale: readonly string[];
}

export interface OrderReview {
  readonly site: string;
  /** The order proposed (approved at once when within bounds); absent when no line orders anything. */
  readonly order?: StoreOrder;
  readonly lines: number;
  readonly rejected: readonly Rejection[];
}

export interface PhantomCheck {
  readonly site: string;
  /** SKUs whose shelf weight and POS disagreed: each got a `phantom-check` task (unless one is open). */
  readonly flagged: readonly string[];
  /** SKUs not checked: a lane of theirs unobserved or empty for part of the window. */
  readonly unchecked: readonly string[];
  readonly tasks: number;
  /** The POS read stopped at `phantom.maxBaskets`: nothing was checked. */
  readonly truncated: boolean;
}

interface ShelfLevel {
  readonly units: number;
  readonly ts: number;
}

/**
 * The replenishment engine on the hub's live data (issue #7), for each site in
 * `replenishment.planner.sites`:
 *
 * - **Refills**, every `refillEveryMs`: lanes from the site's planogram, units from each lane's
 *   latest `shelf.level`, time to empty from its latest lane `forecast` (the edge's depletion
 *   forecast; none: the lane is planned on its level alone), backroom units from the stock ledger
 *   (delivered order lines − units moved by done refill tasks) → `planShelfRefills` →
 *   `TasksService.suggest` (one open task per lane, refreshed in place).
 * - **Store orders**, once a local day at `review.hour`: each SKU's daily demand from the hub's
 *   telemetry (lane sales, censored while the lane stood empty, `telemetryDataset`), a Holt-Winters
 *   forecast of the days the order must cover (the van lands before opening: L − 1 waiting days
 *   and R) and σ from its one-step errors, the velocity class from the history's
 *   sales, on hand = shelf + backroom, on order from open orders → `suggestOrders` →
 *   `OrdersService.propose` (approved at once within bounds, else a planner decides).
 *
 * - **Phantom inventory**, once a local day at `phantom.hour` (an hour the store is closed, so no
 *   basket is open): per SKU, units gone from its lanes by shelf weight (lane picks, as the edge
 *   derives them) against units the POS sold over the last 24 h (`detectPhantomInventory`); a
 *   disagreement beyond 1 unit + 2 % becomes a `phantom-check` task to count the shelf.
 *
 * An item the engine refuses (an unknown SKU, a negative level, …) gets no task or order line and
 * is counted by its code (`aisle_hub_replenishment_engine_refusals_total{code}`); the rest go on.
 * A site reviewed today (an order proposed by the hub since local midnight) is not reviewed again,
 * so a restart does not order twice.
 */
@Injectable()
export class ReplenishmentPlanner implements OnApplicationBootstrap, OnApplicationShutdown {
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  readonly #runs: Counter;
  /** Site → the local day its phantom check last ran (this process). */
  readonly #checked = new Map<string, number>();
  readonly #refusals: Counter;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(REGISTRY_REPOSITORY) private readonly registry: RegistryRepository,
    @Inject(INGEST_REPOSITORY) private readonly ingest: IngestRepository,
    @Inject(SERIES_REPOSITORY) private readonly series: SeriesRepository,
    @Inject(POS_REPOSITORY) private readonly pos: PosRepository,
    @Inject(REPLENISHMENT_REPOSITORY) private readonly repository: ReplenishmentRepository,
    @Inject(TasksService) private readonly tasks: TasksService,
    @Inject(OrdersService) private readonly orders: OrdersService,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) metrics: Registry,
  ) {
    this.#runs = new Counter({
      name: 'aisle_hub_replenishment_planner_runs_total',
      help: 'Planner runs per site, by kind (refill, review) and outcome (ok, failed)',
      labelNames: ['kind', 'outcome'],
      registers: [metrics],
    });
    this.#refusals = new Counter({
      name: 'aisle_hub_replenishment_engine_refusals_total',
      help: 'Lanes or SKUs the replenishment engine refused on live data, by reason code',
      labelNames: ['code'],
      registers: [metrics],
    });
  }

  onApplicationBootstrap(): void {
    const planner = this.config.replenishment.planner;
    if (Object.keys(planner.sites).length === 0) return;
    this.#timer = setInterval(() => void this.tick(), planner.refillEveryMs);
    this.#timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.#timer);
  }

  /** One planner step for every site: refills, and the order review when it is due. Never throws. */
  tick(now = Date.now()): Promise<void> {
    return this.#serial(async () => {
      for (const [site, { timeZone }] of Object.entries(this.config.replenishment.planner.sites)) {
        await this.#guard('refill', site, () => this.#refill(site, now));
        const local = localClockMs(now, timeZone);
        const hour = Math.floor((local % DAY_MS) / HOUR_MS);
        const day = Math.floor(local / DAY_MS);
        if (hour === this.config.replenishment.planner.phantom.hour && this.#checked.get(site) !== day) {
          this.#checked.set(site, day);
          await this.#guard('phantom', site, () => this.#phantom(site, now));
        }
        if (hour >= this.config.replenishment.planner.review.hour)
          await this.#guard('review', site, async () => {
            if (!(await this.#reviewedToday(site, now, timeZone))) await this.#review(site, now);
          });
      }
    });
  }

  /** Plans the site's refill tasks now (also what `tick` runs). */
  refill(site: string, now = Date.now()): Promise<RefillRun> {
    return this.#serial(() => this.#refill(site, now));
  }

  /** Reviews the site's store order now, whatever the hour (also what `tick` runs once a day). */
  review(site: string, now = Date.now()): Promise<OrderReview> {
    return this.#serial(() => this.#review(site, now));
  }

  /** Checks the site's shelves against its POS over the last 24 h now (also what `tick` runs daily). */
  phantomCheck(site: string, now = Date.now()): Promise<PhantomCheck> {
    return this.#serial(() => this.#phantom(site, now));
  }

  #serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.#chain.then(run);
    this.#chain = next.catch(() => {});
    return next;
  }

  async #guard(kind: 'refill' | 'review' | 'phantom', site: string, run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
      this.#runs.inc({ kind, outcome: 'ok' });
    } catch (error) {
      this.#runs.inc({ kind, outcome: 'failed' });
      this.logger.error({ err: error, site, kind }, 'replenishment planner run failed');
    }
  }

  #count(rejected: readonly Rejection[]): void {
    for (const r of rejected) this.#refusals.inc({ code: r.reason });
  }

  async #levels(site: string): Promise<Map<string, ShelfLevel>> {
    const levels = new Map<string, ShelfLevel>();
    for (const row of await this.ingest.latest(site, 'shelf.level')) {
      const data = (JSON.parse(row.item) as { data?: { lane?: string; units?: number } }).data;
      if (typeof data?.lane === 'string' && typeof data.units === 'number')
        levels.set(data.lane, { units: data.units, ts: row.ts });
    }
    return levels;
  }

  async #refill(site: string, now: number): Promise<RefillRun> {
    const planner = this.config.replenishment.planner;
    const planogram = await this.registry.planogram(site);
    const levels = await this.#levels(site);
    const emptyAt = new Map<string, NonNullable<Forecast['emptyAt']>>();
    for (const row of await this.ingest.latest(site, 'forecast')) {
      const data = (JSON.parse(row.item) as { data?: Forecast }).data;
      if (data?.target.kind === 'lane' && data.emptyAt !== undefined) emptyAt.set(data.target.id, data.emptyAt);
    }
    const ledger = await this.repository.stockLedger(site);
    const stale: string[] = [];
    const lanes: LaneStock[] = [];
    for (const lane of planogram?.lanes ?? []) {
      const level = levels.get(lane.lane);
      if (level === undefined || now - level.ts > planner.staleLevelMs) {
        stale.push(lane.lane);
        continue;
      }
      const forecast = emptyAt.get(lane.lane);
      lanes.push({
        site,
        lane: lane.lane,
        sku: lane.sku,
        zone: lane.zone ?? lane.aisle,
        aisle: lane.position * 100 + lane.shelf,
        unitsOnShelf: level.units,
        capacityUnits: lane.capacity,
        expectedEmptyAt: forecast?.expected ?? null,
        earliestEmptyAt: forecast?.earliest ?? null,
      });
    }
    const backroom: BackroomStock[] = [...ledger].map(([sku, s]) => ({ site, sku, units: s.backroom }));
    const plan = planShelfRefills(lanes, backroom, {
      now,
      horizonMs: planner.refillHorizonMs,
      urgentMs: planner.refillUrgentMs,
      zoneOrder: [...new Set((planogram?.lanes ?? []).map((l) => l.zone ?? l.aisle))],
    });
    this.#count(plan.rejected);
    const outcome = await this.tasks.suggest(plan.tasks, now);
    return {
      site,
      created: outcome.created.length,
      refreshed: outcome.refreshed.length,
      kept: outcome.kept.length,
      rejected: plan.rejected,
      stale,
    };
  }

  async #phantom(site: string, now: number): Promise<PhantomCheck> {
    const { phantom, sites } = this.config.replenishment.planner;
    const to = Math.floor(now / HOUR_MS) * HOUR_MS;
    const from = to - 24 * HOUR_MS;
    const baskets = await this.pos.baskets(site, { from, to, limit: phantom.maxBaskets });
    if (baskets.length >= phantom.maxBaskets) {
      this.logger.warn({ site, maxBaskets: phantom.maxBaskets }, 'phantom check skipped: too many baskets to read');
      return { site, flagged: [], unchecked: [], tasks: 0, truncated: true };
    }
    const sold = new Map<string, number>();
    for (const b of baskets) for (const line of b.lines) sold.set(line.sku, (sold.get(line.sku) ?? 0) + line.qty);
    const planogram = await this.registry.planogram(site);
    const lanes = planogram?.lanes ?? [];
    const dataset = await telemetryDataset(this.series, {
      site,
      task: 'lane-depletion',
      from,
      to,
      timeZone: sites[site]?.timeZone ?? 'UTC',
      granularity: 'hour',
    });
    const picked = new Map<string, number>();
    for (const s of dataset.series) {
      let sum = 0;
      for (const v of s.values) sum += v;
      picked.set(s.name.replace(/^lane:/, ''), sum);
    }
    const levels = await this.#levels(site);
    const bySku = new Map<string, typeof lanes>();
    for (const lane of lanes) bySku.set(lane.sku, [...(bySku.get(lane.sku) ?? []), lane]);
    const observations: LaneObservation[] = [];
    const unchecked: string[] = [];
    for (const [sku, skuLanes] of bySku) {
      // A lane without picks in the window has no series: it sold nothing (the hours were seen).
      const weight = skuLanes.reduce((sum, l) => sum + (picked.get(l.lane) ?? 0), 0);
      if (Number.isNaN(weight)) {
        unchecked.push(sku);
        continue;
      }
      observations.push({
        site,
        lane: skuLanes[0]?.lane ?? sku,
        sku,
        systemUnits: skuLanes.reduce((sum, l) => sum + (levels.get(l.lane)?.units ?? 0), 0),
        // The no-sales test needs a sales forecast per hour; this check is the weight one alone.
        hourlyForecast: [0],
        posUnits: sold.get(sku) ?? 0,
        weightDepletionUnits: weight,
        inFlightUnits: 0,
      });
    }
    // No basket is open at the check's hour: nothing in flight.
    const report = detectPhantomInventory(observations, { ...phantom, inFlightZ: 0 });
    this.#count(report.rejected);
    const open = await this.tasks.list(site, ['open', 'claimed']);
    const zoneOf = new Map(lanes.map((l) => [l.sku, l.zone ?? l.aisle]));
    const fresh = report.flags.filter((f) => !open.some((t) => t.kind === 'phantom-check' && t.sku === f.sku));
    await this.tasks.suggest(
      fresh.map((f) => {
        const zone = zoneOf.get(f.sku);
        return {
          site,
          kind: 'phantom-check' as const,
          sku: f.sku,
          ...(zone === undefined ? {} : { zone }),
          units: Math.abs(f.discrepancyUnits ?? 0),
          priority: 800,
          explanation: f.explanation,
        };
      }),
      now,
    );
    return {
      site,
      flagged: report.flags.map((f) => f.sku),
      unchecked: unchecked.sort(),
      tasks: fresh.length,
      truncated: false,
    };
  }

  /** The hub proposed an order for the site since its local midnight (a review ran today). */
  async #reviewedToday(site: string, now: number, timeZone: string): Promise<boolean> {
    const local = localClockMs(now, timeZone);
    const sinceMidnightMs = local - Math.floor(local / DAY_MS) * DAY_MS;
    const [latest] = await this.repository.orders(site, { limit: 1 });
    return latest !== undefined && latest.createdAt > now - sinceMidnightMs;
  }

  async #review(site: string, now: number): Promise<OrderReview> {
    const planner = this.config.replenishment.planner;
    const { review } = planner;
    const timeZone = planner.sites[site]?.timeZone ?? 'UTC';
    const planogram = await this.registry.planogram(site);
    const lanes = planogram?.lanes ?? [];
    const localNow = localClockMs(now, timeZone);
    const today = Math.floor(localNow / DAY_MS) * DAY_MS;
    // Whole local days before today: [today − historyDays, today) on the local clock, in UTC.
    const to = now - (localNow - today);
    const from = to - review.historyDays * DAY_MS;
    const dataset = await telemetryDataset(this.series, {
      site,
      task: 'lane-depletion',
      from,
      to,
      timeZone,
      granularity: 'day',
    });
    const firstDay = today - review.historyDays * DAY_MS;
    const skuOfLane = new Map(lanes.map((l) => [l.lane, l.sku]));
    // Per SKU and day, its lanes' sales summed: NaN when no lane covered the day, or one was
    // unobserved or censored (a day with an empty lane is not a day's demand).
    const demand = new Map<string, { sum: Float64Array; lanes: Uint16Array }>();
    for (const s of dataset.series) {
      const sku = skuOfLane.get(s.name.replace(/^lane:/, ''));
      if (sku === undefined) continue;
      const entry = demand.get(sku) ?? {
        sum: new Float64Array(review.historyDays),
        lanes: new Uint16Array(review.historyDays),
      };
      const offset = Math.round((s.start - firstDay) / DAY_MS);
      for (let i = 0; i < s.values.length; i++) {
        const d = offset + i;
        if (d < 0 || d >= entry.sum.length) continue;
        entry.sum[d] = (entry.sum[d] as number) + (s.values[i] as number);
        entry.lanes[d] = (entry.lanes[d] as number) + 1;
      }
      demand.set(sku, entry);
    }
    const levels = await this.#levels(site);
    const ledger = await this.repository.stockLedger(site);
    const skus = [...new Set(lanes.map((l) => l.sku))].sort();
    const registered = new Map((await this.registry.skus(skus)).map((s) => [s.sku, s]));
    const catalog = new Map<string, SkuPacking>();
    for (const [sku, s] of registered) catalog.set(sku, { casePack: s.casePack ?? 1, moq: review.moq });
    const daily = new Map(
      skus.map((sku) => {
        const entry = demand.get(sku);
        const days = entry?.sum.map((v, d) => (entry.lanes[d] === 0 ? Number.NaN : v)) ?? new Float64Array(0);
        return [sku, days] as const;
      }),
    );
    const sold = (sku: string) => {
      let sum = 0;
      for (const v of daily.get(sku) ?? []) if (!Number.isNaN(v)) sum += v;
      return sum;
    };
    const classes = classifyVelocity(new Map(skus.map((sku) => [sku, sold(sku)])));
    const forecaster = holtWinters(7);
    // The van lands before the store opens: an order placed at today's close sells from the morning
    // of day + L, so it waits L − 1 selling days and covers R. Today is not in the history (not over).
    const waitDays = review.leadTimeDays - 1;
    const periods = waitDays + review.reviewDays;
    const items: OrderItem[] = skus.map((sku) => {
      // Days before the SKU's first observed day are not zeros (a new site, a new lane): left out.
      const full = daily.get(sku) ?? new Float64Array(0);
      const first = full.findIndex((v) => !Number.isNaN(v));
      const history = first < 0 ? new Float64Array(0) : full.subarray(first);
      const skuLanes = lanes.filter((l) => l.sku === sku);
      let squares = 0;
      let n = 0;
      for (let k = Math.max(7, history.length - review.errorWindowDays); k < history.length; k++) {
        const actual = history[k] as number;
        if (Number.isNaN(actual)) continue;
        squares += (actual - Math.max(0, forecaster.forecast(history.subarray(0, k), 1)[0] as number)) ** 2;
        n++;
      }
      const forecast = forecaster
        .forecast(history, 1 + Math.ceil(periods))
        .slice(1)
        .map((v) => (Number.isFinite(v) ? Math.max(0, v) : 0));
      const shelf = skuLanes.reduce((sum, l) => sum + (levels.get(l.lane)?.units ?? 0), 0);
      const stock = ledger.get(sku);
      const shelfCapacity = skuLanes.reduce((sum, l) => sum + l.capacity, 0);
      return {
        sku,
        site,
        velocityClass: classes.get(sku) ?? 'C',
        forecast,
        demandSdPerPeriod: n === 0 ? 0 : Math.sqrt(squares / n),
        leadTime: { meanPeriods: waitDays, sdPeriods: review.leadTimeSdDays },
        reviewPeriods: review.reviewDays,
        onHand: shelf + (stock?.backroom ?? 0),
        onOrder: stock?.onOrder ?? 0,
        facings: skuLanes.reduce((sum, l) => sum + l.facings, 0),
        unitsPerFacing: 1,
        shelfCapacity,
        backroomCapacity: review.backroomLanes * shelfCapacity,
      };
    });
    const outcomes = suggestOrders(items, {
      catalog,
      serviceLevels: review.serviceLevels,
      serviceMeasure: review.serviceMeasure,
    });
    const rejected = outcomes.filter((o): o is Rejection => !o.ok);
    this.#count(rejected);
    const lines = outcomes.flatMap((o) =>
      o.ok && o.units > 0 ? [{ sku: o.sku, quantity: o.units, explanation: o.explanation }] : [],
    );
    if (lines.length === 0) return { site, lines: 0, rejected };
    const order = await this.orders.propose(
      { site, lines, needBy: now - (localNow - today) + (review.leadTimeDays * 24 + review.deliveryHour) * HOUR_MS },
      now,
    );
    return { site, order, lines: lines.length, rejected };
  }
}
