import { CHANNEL_TYPES, type Item } from '@aisle/protocols';
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
}
