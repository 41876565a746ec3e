import { InfluxDB, type IPoint, escape as influxql } from 'influx';
import {
  byKeyAndHour,
  type HourlyCountQuery,
  type HourlyCountRow,
  type HourlyFieldQuery,
  type HourlyFieldRow,
  hourBounds,
  type SeriesItem,
  type SeriesRepository,
  type SeriesWrite,
} from './series.repository.js';

export interface InfluxSeriesOptions {
  /** `http://[user:password@]host:port`. */
  readonly url: string;
  readonly database: string;
  /** Points per HTTP write request, at most. */
  readonly batchSize?: number;
  /**
   * Write requests in flight at once: a write of many points is split into this many requests
   * (of at least 500 points each), which InfluxDB serves on several cores.
   */
  readonly writeConcurrency?: number;
  /** How long raw items are kept (InfluxQL duration, e.g. `30d`; `INF` keeps them forever). */
  readonly rawRetention?: string;
  /** How long hourly aggregates are kept. */
  readonly hourlyRetention?: string;
  /**
   * How often the continuous queries run and how far back each run recomputes (`RESAMPLE EVERY …
   * FOR …`). Each run reads every raw point of the last `for`, so `every` below 1h buys fresher
   * aggregates of the current hour with repeated work. Late data (the hist lane) older than `for`
   * reaches the aggregates only through `downsample(from, to)`.
   */
  readonly resample?: { readonly every: string; readonly for: string };
}

export const INFLUX_DEFAULTS = {
  batchSize: 5_000,
  writeConcurrency: 4,
  rawRetention: '30d',
  hourlyRetention: 'INF',
  resample: { every: '1h', for: '2h' },
} as const;

const RAW = 'raw';
/** A write is split over concurrent requests only down to this many points each. */
const MIN_POINTS_PER_REQUEST = 500;
const HOURLY = 'hourly';
/** How long one write request may take. */
const WRITE_TIMEOUT_MS = 30_000;

/** ns per ms: the room below each millisecond that `seq` fills. */
const SUB_MS = 1_000_000n;

/** Tags from the item's data: what the rollups group by. */
const DATA_TAGS = ['lane', 'door'] as const;
/** Names the point already uses; a data field with one of them is only in the `data` JSON. */
const RESERVED = new Set([
  'time',
  'site',
  'device',
  'origin',
  'boot',
  'id',
  'seq',
  'gateway',
  'rx',
  'via',
  'flags',
  'data',
]);

interface Rollup {
  /** The continuous query's name, and the measurement it writes in `hourly`. */
  readonly name: string;
  /** The item type it reads in `raw`. */
  readonly measurement: string;
  readonly select: string;
  readonly groupBy: readonly string[];
}

/** Hourly aggregates, each from one item type, grouped by site, device and what it measures. */
const ROLLUPS: readonly Rollup[] = [
  {
    name: 'shelf_weight_1h',
    measurement: 'shelf.weight',
    select:
      'mean("grams") AS "mean_grams", min("grams") AS "min_grams", max("grams") AS "max_grams", count("grams") AS "readings"',
    groupBy: ['site', 'device', 'lane'],
  },
  {
    name: 'footfall_count_1h',
    measurement: 'footfall.count',
    select: 'sum("in") AS "in", sum("out") AS "out", count("in") AS "intervals"',
    groupBy: ['site', 'device', 'door'],
  },
];

/** The InfluxDB error text of points refused for being older than the retention policy. */
const EXPIRED = /partial write: points beyond retention policy dropped=(\d+)/;

/**
 * The production time series: InfluxDB 1.x through the `influx` client, batched line-protocol
 * writes.
 *
 * Layout: one measurement per item type (`shelf.weight`, `footfall.count`, …) in the retention
 * policy `raw`, so each measurement's fields have one schema (a type's numeric `data` fields as
 * floats, its boolean ones as booleans) and a rollup reads only its own type.
 *
 * - tags: `site`, `device`, `origin`, `boot`, and `lane` / `door` when the item's data names one
 *   (what the hourly rollups group by). Every tag is a function of the item, so a redelivery has
 *   the same tag set.
 * - time: `ts` in ms × 10⁶ + `seq mod 10⁶` ns. InfluxDB keeps one point per (measurement, tag
 *   set, time) and overwrites it on a second write, so the same (origin, boot, seq) lands on the
 *   same point: idempotent writes without a read. Two different items of one origin and boot
 *   collide only with the same type, the same `ts` to the millisecond and seqs 10⁶ apart (a clock
 *   stuck for a million readings). The price: an item whose `ts` the hub clamped (future `ts`, no
 *   `rx`) gets the receive time, so a redelivery of it is a second point.
 * - fields: `id`, `seq`, `gateway`, `rx`, `via` (`live`/`hist`: not identity, the same item may
 *   come by both), `flags` and `data` (the JSON, so nothing is lost), plus the top-level numeric
 *   and boolean `data` fields for InfluxQL (a data field named like a tag or envelope field is
 *   only in `data`).
 *
 * Cardinality: one series per (type, origin, boot, device, lane/door). `boot` adds a series per
 * source restart, not per reading, and `raw`'s retention drops the shards of old boots with their
 * data; `seq`, `id` and `ts` never become tags.
 *
 * Duplicates: InfluxDB does not say whether a point existed, so `write` reports every stored item
 * as inserted and `countsDuplicates` is false. Points older than `raw` keeps are refused by the
 * server (a partial write) and reported as `expired`.
 *
 * Downsampling: continuous queries write hourly aggregates (UTC hours) of shelf weights and
 * footfall counts into the retention policy `hourly`, one measurement per rollup named after it
 * (`shelf_weight_1h`, `footfall_count_1h`: not the item type, since InfluxDB indexes tags per
 * measurement across retention policies and the raw tags `origin`/`boot` would show there).
 */
export class InfluxSeriesRepository implements SeriesRepository {
  readonly countsDuplicates = false;
  readonly #influx: InfluxDB;
  readonly #database: string;
  /** `…/write?db=…&rp=raw&precision=n`: points are posted as line protocol built by `toLine`. */
  readonly #writeUrl: string;
  readonly #writeHeaders: Record<string, string>;
  readonly #batchSize: number;
  readonly #writeConcurrency: number;
  readonly #rawRetention: string;
  readonly #hourlyRetention: string;
  readonly #resample: { readonly every: string; readonly for: string };

  constructor(options: InfluxSeriesOptions) {
    const url = new URL(options.url);
    this.#influx = new InfluxDB({
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      protocol: url.protocol === 'https:' ? 'https' : 'http',
      database: options.database,
      ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
      ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
    });
    this.#database = options.database;
    const write = new URL('/write', `${url.protocol}//${url.host}`);
    write.search = new URLSearchParams({ db: options.database, rp: RAW, precision: 'n' }).toString();
    this.#writeUrl = write.toString();
    this.#writeHeaders = { 'content-type': 'text/plain; charset=utf-8' };
    if (url.username !== '')
      this.#writeHeaders.authorization = `Basic ${Buffer.from(
        `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`,
      ).toString('base64')}`;
    this.#batchSize = options.batchSize ?? INFLUX_DEFAULTS.batchSize;
    if (!Number.isInteger(this.#batchSize) || this.#batchSize < 1)
      throw new RangeError(`batchSize must be a positive integer, got ${this.#batchSize}`);
    this.#writeConcurrency = options.writeConcurrency ?? INFLUX_DEFAULTS.writeConcurrency;
    if (!Number.isInteger(this.#writeConcurrency) || this.#writeConcurrency < 1)
      throw new RangeError(`writeConcurrency must be a positive integer, got ${this.#writeConcurrency}`);
    this.#rawRetention = options.rawRetention ?? INFLUX_DEFAULTS.rawRetention;
    this.#hourlyRetention = options.hourlyRetention ?? INFLUX_DEFAULTS.hourlyRetention;
    this.#resample = options.resample ?? INFLUX_DEFAULTS.resample;
  }

  /**
   * Creates or updates the database, the retention policies (`raw` the default) and the continuous
   * queries. Safe to run at every start, from several replicas.
   */
  async ensureSchema(): Promise<void> {
    const database = this.#database;
    await this.#influx.createDatabase(database);
    const existing = new Set((await this.#influx.showRetentionPolicies(database)).map((p) => p.name));
    const policies = [
      { name: RAW, duration: this.#rawRetention, isDefault: true },
      { name: HOURLY, duration: this.#hourlyRetention, isDefault: false },
    ];
    for (const p of policies) {
      const options = { database, duration: p.duration, replication: 1, isDefault: p.isDefault };
      if (existing.has(p.name)) await this.#influx.alterRetentionPolicy(p.name, options);
      else await this.#influx.createRetentionPolicy(p.name, options);
    }
    const resample = `RESAMPLE EVERY ${this.#resample.every} FOR ${this.#resample.for}`;
    for (const rollup of ROLLUPS) {
      const query = this.#rollupQuery(rollup);
      try {
        await this.#influx.createContinuousQuery(rollup.name, query, database, resample);
      } catch (error) {
        // Same name, another definition (options changed since the last start): replace it.
        if (!/continuous query already exists/.test((error as Error).message)) throw error;
        await this.#influx.dropContinuousQuery(rollup.name, database);
        await this.#influx.createContinuousQuery(rollup.name, query, database, resample);
      }
    }
  }

  async write(items: readonly SeriesItem[]): Promise<SeriesWrite> {
    const parts = Math.max(1, Math.min(this.#writeConcurrency, Math.ceil(items.length / MIN_POINTS_PER_REQUEST)));
    const size = Math.min(this.#batchSize, Math.ceil(items.length / parts));
    const chunks: Array<readonly SeriesItem[]> = [];
    for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
    let expired = 0;
    let next = 0;
    const writer = async (): Promise<void> => {
      for (let chunk = chunks[next++]; chunk !== undefined; chunk = chunks[next++]) {
        try {
          await this.#post(chunk.map(toLine).join('\n'));
        } catch (error) {
          // The other points of the request were written; any other partial write is an error.
          const refused = EXPIRED.exec((error as Error).message);
          if (refused === null) throw error;
          expired += Number(refused[1]);
        }
      }
    };
    // All requests settle before the write does: a failure rejects it only once nothing is in flight.
    const results = await Promise.allSettled(Array.from({ length: Math.min(parts, chunks.length) }, writer));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    return { inserted: items.length - expired, duplicates: 0, expired };
  }

  /**
   * One line-protocol write. The `influx` client's `writePoints` builds the same text from point
   * objects, at about 4 µs more per point (sorting, coercing and concatenating field by field).
   */
  async #post(body: string): Promise<void> {
    const response = await fetch(this.#writeUrl, {
      method: 'POST',
      headers: this.#writeHeaders,
      body,
      signal: AbortSignal.timeout(WRITE_TIMEOUT_MS),
    });
    if (response.status === 204 || response.status === 200) {
      await response.body?.cancel();
      return;
    }
    const text = await response.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      // not JSON: the text as it is
    }
    throw new Error(`InfluxDB write failed (${response.status}): ${message}`);
  }

  async count(filter: { site?: string; type?: string }): Promise<number> {
    const from =
      filter.type === undefined
        ? `${influxql.quoted(RAW)}./.*/`
        : `${influxql.quoted(RAW)}.${influxql.quoted(filter.type)}`;
    const where = filter.site === undefined ? '' : ' WHERE "site" = $site';
    const placeholders = filter.site === undefined ? {} : { site: filter.site };
    // One row per measurement; no time bounds, so future-dated items count too.
    const rows = await this.#influx.query<{ count: number }>(`SELECT count("id") FROM ${from}${where}`, {
      placeholders,
    });
    return rows.reduce((sum, row) => sum + row.count, 0);
  }

  /**
   * InfluxQL's `GROUP BY time(1h), "<key>"` over the raw points: the key is a tag (`DATA_TAGS`), the
   * field a float field. A `where` on string data values matches the `data` JSON field, since
   * string data values are not fields of their own.
   */
  async hourlyField(query: HourlyFieldQuery): Promise<HourlyFieldRow[]> {
    const { from, to } = hourBounds(query);
    const field = influxql.quoted(query.field);
    const data = Object.entries(query.where ?? {})
      .map(([name, value]) => ` AND "data" =~ /${influxRegex(`${JSON.stringify(name)}:${JSON.stringify(value)}`)}/`)
      .join('');
    const rows = await this.#influx.query<Record<string, unknown>>(
      `SELECT count(${field}) AS "count", sum(${field}) AS "sum", min(${field}) AS "min", last(${field}) AS "last" ` +
        `FROM ${influxql.quoted(RAW)}.${influxql.quoted(query.type)} ` +
        `WHERE "site" = $site${data} AND time >= ${from}ms AND time < ${to}ms ` +
        `GROUP BY time(1h), ${influxql.quoted(query.key)} fill(none)`,
      { placeholders: { site: query.site } },
    );
    return byKeyAndHour(
      rows
        .filter((r) => typeof r[query.key] === 'string' && r[query.key] !== '')
        .map((r) => ({
          key: r[query.key] as string,
          hour: (r.time as Date).getTime(),
          count: Number(r.count),
          sum: Number(r.sum),
          min: Number(r.min),
          last: Number(r.last),
        })),
    );
  }

  async hourlyCounts(query: HourlyCountQuery): Promise<HourlyCountRow[]> {
    const { from, to } = hourBounds(query);
    const measurements = query.type === undefined ? '/.*/' : influxql.quoted(query.type);
    // One series per measurement: summed per hour here.
    const rows = await this.#influx.query<{ time: Date; count: number }>(
      `SELECT count("id") AS "count" FROM ${influxql.quoted(RAW)}.${measurements} ` +
        `WHERE "site" = $site AND time >= ${from}ms AND time < ${to}ms GROUP BY time(1h) fill(none)`,
      { placeholders: { site: query.site } },
    );
    const byHour = new Map<number, number>();
    for (const r of rows) byHour.set(r.time.getTime(), (byHour.get(r.time.getTime()) ?? 0) + Number(r.count));
    return [...byHour].sort(([a], [b]) => a - b).map(([hour, count]) => ({ hour, count }));
  }

  /**
   * Recomputes the hourly aggregates of [fromMs, toMs) from the raw items: for data that arrived
   * later than the continuous queries look back (a gateway's backlog on the hist lane). Both
   * bounds are rounded out to whole hours.
   */
  async downsample(fromMs: number, toMs: number): Promise<void> {
    const hour = 3_600_000;
    const from = Math.floor(fromMs / hour) * hour;
    const to = Math.ceil(toMs / hour) * hour;
    for (const rollup of ROLLUPS)
      await this.#influx.query(this.#rollupQuery(rollup, `time >= ${from}ms AND time < ${to}ms`), {
        method: 'POST',
      });
  }

  #rollupQuery(rollup: Rollup, where?: string): string {
    const db = influxql.quoted(this.#database);
    const into = `${db}.${influxql.quoted(HOURLY)}.${influxql.quoted(rollup.name)}`;
    const from = `${db}.${influxql.quoted(RAW)}.${influxql.quoted(rollup.measurement)}`;
    const groupBy = ['time(1h)', ...rollup.groupBy.map((t) => influxql.quoted(t))].join(', ');
    return (
      `SELECT ${rollup.select} INTO ${into} FROM ${from}` +
      `${where === undefined ? '' : ` WHERE ${where}`} GROUP BY ${groupBy}`
    );
  }
}

/** Text matched literally inside an InfluxQL regex literal (RE2 metacharacters and the `/`). */
function influxRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}/]/g, (c) => `\\${c}`);
}

/**
 * The line an item is written as: exactly what the `influx` client's `writePoints` makes of
 * `toPoint(item)` (tags in that order, fields sorted by name, strings quoted, numbers as floats),
 * built directly.
 */
export function toLine(item: SeriesItem): string {
  const data = JSON.parse(item.data) as unknown;
  let tags = `,site=${influxql.tag(item.site)},device=${influxql.tag(item.device)},origin=${influxql.tag(item.origin)},boot=${item.boot}`;
  const fields: Array<[string, string]> = [
    ['id', influxql.quoted(item.id)],
    ['seq', String(item.seq)],
    ['gateway', influxql.quoted(item.gateway)],
    ['via', influxql.quoted(item.lane)],
    ['data', influxql.quoted(item.data)],
  ];
  if (item.rx !== null) fields.push(['rx', String(item.rx)]);
  if (item.flags !== null) fields.push(['flags', influxql.quoted(item.flags)]);
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
    for (const [key, value] of Object.entries(data)) {
      if ((DATA_TAGS as readonly string[]).includes(key)) {
        if (typeof value === 'string' && value !== '') tags += `,${influxql.tag(key)}=${influxql.tag(value)}`;
      } else if (!RESERVED.has(key) && (typeof value === 'number' || typeof value === 'boolean')) {
        fields.push([key, String(value)]);
      }
    }
  }
  fields.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let line = `${influxql.measurement(item.type)}${tags}`;
  for (let i = 0; i < fields.length; i++) {
    const [key, value] = fields[i] as [string, string];
    line += `${i === 0 ? ' ' : ','}${influxql.tag(key)}=${value}`;
  }
  // ts ms × 10⁶ + seq mod 10⁶, as digits (the same as the BigInt sum for ts, seq ≥ 0).
  return `${line} ${item.ts}${String(item.seq % 1_000_000).padStart(6, '0')}`;
}

/** The point an item is written as (exported for the benchmark's raw-client anchor). */
export function toPoint(item: SeriesItem): IPoint {
  const data = JSON.parse(item.data) as unknown;
  const tags: Record<string, string> = {
    site: item.site,
    device: item.device,
    origin: item.origin,
    boot: String(item.boot),
  };
  const fields: Record<string, string | number | boolean> = {
    id: item.id,
    seq: item.seq,
    gateway: item.gateway,
    via: item.lane,
    data: item.data,
  };
  if (item.rx !== null) fields.rx = item.rx;
  if (item.flags !== null) fields.flags = item.flags;
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
    for (const [key, value] of Object.entries(data)) {
      if ((DATA_TAGS as readonly string[]).includes(key)) {
        // Line protocol has no empty tag values.
        if (typeof value === 'string' && value !== '') tags[key] = value;
      } else if (!RESERVED.has(key) && (typeof value === 'number' || typeof value === 'boolean')) {
        fields[key] = value;
      }
    }
  }
  const time = BigInt(item.ts) * SUB_MS + (BigInt(item.seq) % SUB_MS);
  return { measurement: influxql.measurement(item.type), tags, fields, timestamp: time.toString() };
}
