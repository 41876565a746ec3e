import { CHANNEL_TYPES, type Item } from '@aisle/protocols';
import { sql } from 'kysely';
import { type HubDatabase, prepared, sqliteFile } from '../storage/database.js';

/** One item as the time series keeps it: identity (origin, boot, seq), then what it says. */
export interface SeriesItem {
  /** `{site}/{device}` for what a device made, `{site}/{gateway}` for what a gateway derived. */
  readonly origin: string;
  readonly boot: number;
  readonly seq: number;
  readonly id: string;
  readonly type: string;
  readonly site: string;
  readonly device: string;
  readonly gateway: string;
  readonly ts: number;
  readonly rx: number | null;
  readonly lane: 'live' | 'hist';
  readonly flags: string | null;
  /** The item's `data` (JSON). */
  readonly data: string;
}

/** Item types a device makes (its own boot and seq); every other type is derived by a gateway. */
const DEVICE_MADE = new Set<string>([...Object.values(CHANNEL_TYPES), 'device.event']);

/**
 * An uplinked item as the time series keeps it. `ts` and `flags` are the item's unless ingest
 * clamped its timestamp.
 */
export function toSeriesItem(
  item: Item,
  gateway: string,
  lane: 'live' | 'hist',
  ts: number = item.ts,
  flags: Item['flags'] = item.flags,
): SeriesItem {
  return {
    origin: `${item.src.site}/${DEVICE_MADE.has(item.type) ? item.src.device : gateway}`,
    boot: item.boot,
    seq: item.seq,
    id: item.id,
    type: item.type,
    site: item.src.site,
    device: item.src.device,
    gateway,
    ts,
    rx: item.rx ?? null,
    lane,
    flags: flags === undefined ? null : JSON.stringify(flags),
    // An inference output keeps its provenance (the envelope's `model`) with its data.
    data: JSON.stringify(item.model === undefined ? item.data : { ...item.data, model: item.model }),
  };
}

export interface SeriesWrite {
  /**
   * Items stored by this write. A backend that cannot tell a redelivery from a first write
   * (`countsDuplicates` false) counts every stored item here.
   */
  readonly inserted: number;
  /**
   * Items already held (same origin, boot and seq): redeliveries, stored once. Always 0 when the
   * backend does not count duplicates.
   */
  readonly duplicates: number;
  /**
   * Items refused because their `ts` is older than the store keeps (InfluxDB's retention policy):
   * not an error, since a resend would be refused again. Always 0 for stores that keep everything.
   */
  readonly expired: number;
}

const HOUR_MS = 3_600_000;

/** Data keys a series can be grouped by: the ones InfluxDB keeps as tags (`DATA_TAGS`). */
export type SeriesGroupKey = 'lane' | 'door';

/**
 * One numeric `data` field of one item type at one site, per UTC hour and per value of a data key:
 * what forecasting datasets are built from (units picked per lane, people in per door).
 */
export interface HourlyFieldQuery {
  readonly site: string;
  readonly type: string;
  /** [from, to) in ms UTC, rounded out to whole hours. */
  readonly from: number;
  readonly to: number;
  /** Rows are per value of this data key; items without a (non-empty string) value are left out. */
  readonly key: SeriesGroupKey;
  /** The numeric data field; items without it are left out. */
  readonly field: string;
  /** Only items whose data has these string values (`{ event: 'pick' }`). */
  readonly where?: Readonly<Record<string, string>>;
}

export interface HourlyFieldRow {
  /** The value of the query's `key` (`lane-a01`). */
  readonly key: string;
  /** Start of the UTC hour, ms. */
  readonly hour: number;
  /** Items in the hour with the field. */
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  /** The field of the hour's latest item (by `ts`, then `seq`). */
  readonly last: number;
}

export interface HourlyCountQuery {
  readonly site: string;
  /** Every type when left out. */
  readonly type?: string;
  /** [from, to) in ms UTC, rounded out to whole hours. */
  readonly from: number;
  readonly to: number;
}

export interface HourlyCountRow {
  /** Start of the UTC hour, ms. */
  readonly hour: number;
  /** Items of the site (and type) in the hour; hours without any have no row. */
  readonly count: number;
}

/** Data keys and fields are names, never text to splice into a query or a JSON path. */
const DATA_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A query's bounds as whole UTC hours, after checking its names: shared by every backend so they
 * read the same hours and refuse the same queries.
 */
export function hourBounds(query: HourlyCountQuery & { field?: string; where?: Readonly<Record<string, string>> }): {
  from: number;
  to: number;
} {
  for (const name of [query.field, ...Object.keys(query.where ?? {})])
    if (name !== undefined && !DATA_NAME.test(name)) throw new RangeError(`not a data field name: "${name}"`);
  if (!Number.isFinite(query.from) || !Number.isFinite(query.to))
    throw new RangeError(`hourly bounds must be finite ms, got ${query.from} and ${query.to}`);
  return { from: Math.floor(query.from / HOUR_MS) * HOUR_MS, to: Math.ceil(query.to / HOUR_MS) * HOUR_MS };
}

/** Rows in one order whatever the backend returned: by key (code units), then hour. */
export function byKeyAndHour<R extends { readonly key: string; readonly hour: number }>(rows: R[]): R[] {
  return rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.hour - b.hour));
}

/** Time series of items (SQLite tables embedded; InfluxDB in production). Writes are idempotent. */
export interface SeriesRepository {
  /**
   * Whether `write` can tell redeliveries apart (`duplicates`). Idempotency does not depend on it:
   * an item written twice is held once either way.
   */
  readonly countsDuplicates: boolean;
  write(items: readonly SeriesItem[]): Promise<SeriesWrite>;
  /** The relational database the series lives in, when it does (then `writeWithin` is there too). */
  readonly database?: HubDatabase;
  /** Writes within a transaction of `database`: ingest commits a group's items with its cursor. */
  writeWithin?(tx: HubDatabase, items: readonly SeriesItem[]): Promise<SeriesWrite>;
  count(filter: { site?: string; type?: string }): Promise<number>;
  /**
   * A numeric data field per UTC hour and key value: count, sum, min and the hour's last value,
   * computed by the store. Ordered by key, then hour; hours without items have no row.
   */
  hourlyField(query: HourlyFieldQuery): Promise<HourlyFieldRow[]>;
  /** Items of a site (and type) per UTC hour, ordered by hour; hours without items have no row. */
  hourlyCounts(query: HourlyCountQuery): Promise<HourlyCountRow[]>;
}

const INSERT_SQLITE =
  'INSERT INTO series_items (origin, boot, seq, id, type, site, device, gateway, ts, rx, lane, flags, data) ' +
  'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (origin, boot, seq) DO NOTHING';

/** Rows per INSERT: 13 columns each, well under SQLite's 32,766 bound parameters. */
const CHUNK = 500;

/**
 * The embedded time series: one relational table keyed (origin, boot, seq). Only portable Kysely,
 * so it runs on PostgreSQL too (the contract suite runs it there).
 */
export class KyselySeriesRepository implements SeriesRepository {
  readonly countsDuplicates = true;
  readonly database: HubDatabase;

  constructor(db: HubDatabase) {
    this.database = db;
  }

  async write(items: readonly SeriesItem[]): Promise<SeriesWrite> {
    if (items.length === 0) return { inserted: 0, duplicates: 0, expired: 0 };
    return this.database.transaction().execute((tx) => this.writeWithin(tx, items));
  }

  async writeWithin(tx: HubDatabase, items: readonly SeriesItem[]): Promise<SeriesWrite> {
    const file = sqliteFile(this.database);
    if (file !== undefined) {
      // SQLite: one cached prepared statement per row (see `sqliteFile`), within `tx`.
      const insert = prepared(file, INSERT_SQLITE);
      let inserted = 0;
      for (const r of items)
        inserted += insert.run(
          r.origin,
          r.boot,
          r.seq,
          r.id,
          r.type,
          r.site,
          r.device,
          r.gateway,
          r.ts,
          r.rx,
          r.lane,
          r.flags,
          r.data,
        ).changes;
      return { inserted, duplicates: items.length - inserted, expired: 0 };
    }
    let inserted = 0;
    for (let i = 0; i < items.length; i += CHUNK) {
      const result = await tx
        .insertInto('series_items')
        .values(items.slice(i, i + CHUNK))
        .onConflict((c) => c.columns(['origin', 'boot', 'seq']).doNothing())
        .executeTakeFirst();
      inserted += Number(result.numInsertedOrUpdatedRows ?? 0);
    }
    return { inserted, duplicates: items.length - inserted, expired: 0 };
  }

  async count(filter: { site?: string; type?: string }): Promise<number> {
    let query = this.database.selectFrom('series_items').select((eb) => eb.fn.countAll<number>().as('n'));
    if (filter.site !== undefined) query = query.where('site', '=', filter.site);
    if (filter.type !== undefined) query = query.where('type', '=', filter.type);
    const row = await query.executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async hourlyField(query: HourlyFieldQuery): Promise<HourlyFieldRow[]> {
    const { from, to } = hourBounds(query);
    const sqlite = sqliteFile(this.database) !== undefined;
    // JSON differs by dialect; names go in as parameters (a JSON path, a `->>` key), never as text.
    const text = (name: string) =>
      sqlite ? sql`json_extract(data, ${`$.${name}`})` : sql`(data::json ->> ${name}::text)`;
    const number = (name: string) =>
      sqlite ? sql`json_extract(data, ${`$.${name}`})` : sql`(data::json ->> ${name}::text)::double precision`;
    const where = Object.entries(query.where ?? {}).map(([name, value]) => sql` AND ${text(name)} = ${value}`);
    // Innermost: each item's key, hour and value; then the hour's last value beside each; then the
    // aggregates (PostgreSQL cannot tell that two parameters in SELECT and GROUP BY are the same).
    const result = await sql<{ key: string; hour: number; count: number; sum: number; min: number; last: number }>`
      SELECT key, hour, count(*) AS count, sum(v) AS sum, min(v) AS min, max(last) AS last FROM (
        SELECT key, hour, v,
          first_value(v) OVER (PARTITION BY key, hour ORDER BY ts DESC, seq DESC) AS last
        FROM (
          SELECT ${text(query.key)} AS key, (ts / ${sql.lit(HOUR_MS)}) * ${sql.lit(HOUR_MS)} AS hour, ${number(query.field)} AS v, ts, seq
          FROM series_items
          WHERE site = ${query.site} AND type = ${query.type} AND ts >= ${from} AND ts < ${to}${sql.join(where, sql``)}
        ) AS item
        WHERE v IS NOT NULL AND key IS NOT NULL AND key <> ''
      ) AS ranked
      GROUP BY key, hour`.execute(this.database);
    return byKeyAndHour(
      result.rows.map((r) => ({
        key: String(r.key),
        hour: Number(r.hour),
        count: Number(r.count),
        sum: Number(r.sum),
        min: Number(r.min),
        last: Number(r.last),
      })),
    );
  }

  async hourlyCounts(query: HourlyCountQuery): Promise<HourlyCountRow[]> {
    const { from, to } = hourBounds(query);
    const type = query.type === undefined ? sql`` : sql` AND type = ${query.type}`;
    const result = await sql<{ hour: number; count: number }>`
      SELECT hour, count(*) AS count FROM (
        SELECT (ts / ${sql.lit(HOUR_MS)}) * ${sql.lit(HOUR_MS)} AS hour FROM series_items
        WHERE site = ${query.site} AND ts >= ${from} AND ts < ${to}${type}
      ) AS item
      GROUP BY hour ORDER BY hour`.execute(this.database);
    return result.rows.map((r) => ({ hour: Number(r.hour), count: Number(r.count) }));
  }
}
