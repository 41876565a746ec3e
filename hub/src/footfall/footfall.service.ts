import { type Forecast, STORE_API_ERRORS, type StoreApiError } from '@aisle/protocols';
import { Inject, Injectable } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { apiError } from '../auth/api-error.js';
import type { HubConfig } from '../config.js';
import type { IngestRepository } from '../ingest/ingest.repository.js';
import type { SeriesRepository } from '../ingest/series.repository.js';
import type { RegistryRepository } from '../registry/registry.repository.js';
import { HUB_CONFIG, INGEST_REPOSITORY, METRICS, REGISTRY_REPOSITORY, SERIES_REPOSITORY } from '../tokens.js';

const HOUR_MS = 3_600_000;

/** People in through one door in one UTC hour. */
export interface DoorHour {
  readonly door: string;
  /** Start of the UTC hour, ms. */
  readonly hour: number;
  readonly entries: number;
}

/** A door's newest traffic forecast (from `latest`), with the time it was made. */
export type DoorForecast = Pick<Forecast, 'start' | 'stepMs' | 'mean' | 'lower' | 'upper' | 'level'> & {
  readonly door: string;
  readonly ts: number;
};

export interface FootfallHistory {
  readonly site: string;
  /** [from, to) as served: the asked range rounded out to whole UTC hours. */
  readonly from: number;
  readonly to: number;
  /** The hub's clock when it read the counts: items later than this were not counted yet. */
  readonly asOf: number;
  /** By door, then hour; hours without counts have no entry. */
  readonly hours: DoorHour[];
  readonly forecasts: DoorForecast[];
}

/**
 * Foot traffic history for the Store view (issue #10): the `in` of the doors' `footfall.count`
 * readings summed per door and UTC hour by the time-series store (`hourlyField`, on SQLite,
 * PostgreSQL or InfluxDB alike), with the doors' newest forecasts from `latest`, so a reloaded chart
 * starts with its last two days instead of the last count. A range is at most
 * `footfall.maxRangeHours` long (`FOOTFALL_RANGE_TOO_LONG`): the store aggregates every item in it.
 */
@Injectable()
export class FootfallService {
  readonly #refusals: Counter<'code'>;

  constructor(
    @Inject(SERIES_REPOSITORY) private readonly series: SeriesRepository,
    @Inject(INGEST_REPOSITORY) private readonly ingest: IngestRepository,
    @Inject(REGISTRY_REPOSITORY) private readonly registry: RegistryRepository,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(METRICS) metrics: Registry,
  ) {
    this.#refusals = new Counter({
      name: 'aisle_hub_footfall_refusals_total',
      help: 'Foot-traffic history queries refused, by reason code',
      labelNames: ['code'],
      registers: [metrics],
    });
  }

  /** `from`/`to` in ms (either left out: the last `footfall.defaultRangeHours` up to now). */
  async history(site: string, range: { from?: number; to?: number }, now = Date.now()): Promise<FootfallHistory> {
    const { defaultRangeHours, maxRangeHours } = this.config.footfall;
    const to = range.to ?? now;
    const from = range.from ?? to - defaultRangeHours * HOUR_MS;
    if (from >= to) {
      this.#refusals.inc({ code: 'VALIDATION_FAILED' });
      throw apiError(400, 'VALIDATION_FAILED', `?from (${from}) must be before ?to (${to})`);
    }
    const hourFrom = Math.floor(from / HOUR_MS) * HOUR_MS;
    const hourTo = Math.ceil(to / HOUR_MS) * HOUR_MS;
    if (hourTo - hourFrom > maxRangeHours * HOUR_MS)
      throw this.#refuse(
        'FOOTFALL_RANGE_TOO_LONG',
        `${(hourTo - hourFrom) / HOUR_MS} h asked, at most ${maxRangeHours} h (footfall.maxRangeHours)`,
      );
    if ((await this.registry.site(site)) === undefined) throw this.#refuse('SITE_UNKNOWN', `no site ${site}`);
    const [rows, latest] = await Promise.all([
      this.series.hourlyField({ site, type: 'footfall.count', from: hourFrom, to: hourTo, key: 'door', field: 'in' }),
      this.ingest.latest(site, 'forecast'),
    ]);
    const forecasts: DoorForecast[] = [];
    for (const row of latest) {
      const f = (JSON.parse(row.item) as { data: Forecast }).data;
      if (f.target.kind !== 'door') continue;
      const { start, stepMs, mean, lower, upper, level } = f;
      forecasts.push({ door: f.target.id, ts: row.ts, start, stepMs, mean, lower, upper, level });
    }
    return {
      site,
      from: hourFrom,
      to: hourTo,
      asOf: now,
      hours: rows.map((r) => ({ door: r.key, hour: r.hour, entries: r.sum })),
      forecasts: forecasts.sort((a, b) => (a.door < b.door ? -1 : a.door > b.door ? 1 : 0)),
    };
  }

  #refuse(code: StoreApiError, message: string) {
    this.#refusals.inc({ code });
    return apiError(STORE_API_ERRORS[code].status, code, message);
  }
}
