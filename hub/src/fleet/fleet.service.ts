import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { HubConfig } from '../config.js';
import { HUB_CONFIG, METRICS } from '../tokens.js';
import type { FleetDevice, KyselyFleetRepository } from './fleet.repository.js';
import { FLEET_REPOSITORY } from './fleet.tokens.js';
import { type IngestRatePoint, IngestRateRing, type LaneTotals } from './ingest-rate.js';

/** The counter IngestService keeps (items stored for the first time, by lane). */
const ITEMS_COUNTER = 'aisle_hub_items_total';

/**
 * Server-side aggregation for the Fleet dashboard (ARCHITECTURE §7): the ingest rate over time
 * (the stored-items counter sampled every `fleet.ingestRate.intervalMs` into a bounded ring, so a
 * browser gets a few hundred numbers instead of computing rates from raw data) and a site's
 * devices with their last-seen time. Gateway states and model rollouts have their own endpoints
 * (`/api/gateways`, `/api/rollouts`).
 *
 * With several replicas each one counts what it stored itself: the rate is per replica (the
 * Fleet view asks one; a total across replicas is Prometheus's job).
 */
@Injectable()
export class FleetService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly #ring: IngestRateRing;
  #timer: NodeJS.Timeout | undefined;
  readonly #dropped: Counter;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(METRICS) private readonly metrics: Registry,
    @Inject(FLEET_REPOSITORY) private readonly repository: KyselyFleetRepository,
  ) {
    this.#ring = new IngestRateRing(config.fleet.ingestRate.buckets);
    const registers = [metrics];
    new Gauge({
      name: 'aisle_hub_fleet_ingest_rate_buckets',
      help: 'Intervals of ingest rate kept for the Fleet view (fleet.ingestRate.buckets)',
      registers,
    }).set(config.fleet.ingestRate.buckets);
    this.#dropped = new Counter({
      name: 'aisle_hub_fleet_ingest_rate_dropped_total',
      help: 'Ingest-rate intervals dropped from the Fleet ring at its bound (oldest first)',
      registers,
    });
  }

  onApplicationBootstrap(): void {
    void this.#sample();
    this.#timer = setInterval(() => void this.#sample(), this.config.fleet.ingestRate.intervalMs);
    this.#timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.#timer);
  }

  ingestRate(since?: number): { intervalMs: number; buckets: number; points: readonly IngestRatePoint[] } {
    return {
      intervalMs: this.config.fleet.ingestRate.intervalMs,
      buckets: this.#ring.bound,
      points: this.#ring.points(since),
    };
  }

  devices(site: string): Promise<FleetDevice[]> {
    return this.repository.devices(site);
  }

  async #sample(): Promise<void> {
    const totals = await this.#totals();
    this.#dropped.inc(this.#ring.sample(Date.now(), totals));
  }

  async #totals(): Promise<LaneTotals> {
    const metric = this.metrics.getSingleMetric(ITEMS_COUNTER);
    const totals = { live: 0, hist: 0 };
    if (metric === undefined) return totals;
    for (const { value, labels } of (await metric.get()).values)
      if (labels.lane === 'live' || labels.lane === 'hist') totals[labels.lane] += value;
    return totals;
  }
}
