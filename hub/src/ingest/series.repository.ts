import type { HubDatabase } from '../storage/database.js';

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

export interface SeriesWrite {
  readonly inserted: number;
  /** Items already held (same origin, boot and seq): redeliveries, stored once. */
  readonly duplicates: number;
}

/** Time series of items (SQLite tables embedded; InfluxDB in production). Writes are idempotent. */
export interface SeriesRepository {
  write(items: readonly SeriesItem[]): Promise<SeriesWrite>;
  count(filter: { site?: string; type?: string }): Promise<number>;
}

/** Rows per INSERT: 13 columns each, well under SQLite's 32,766 bound parameters. */
const CHUNK = 500;

export class SqliteSeriesRepository implements SeriesRepository {
  readonly #db: HubDatabase;

  constructor(db: HubDatabase) {
    this.#db = db;
  }

  async write(items: readonly SeriesItem[]): Promise<SeriesWrite> {
    if (items.length === 0) return { inserted: 0, duplicates: 0 };
    const inserted = await this.#db.transaction().execute(async (tx) => {
      let n = 0;
      for (let i = 0; i < items.length; i += CHUNK) {
        const result = await tx
          .insertInto('series_items')
          .values(items.slice(i, i + CHUNK))
          .onConflict((c) => c.columns(['origin', 'boot', 'seq']).doNothing())
          .executeTakeFirst();
        n += Number(result.numInsertedOrUpdatedRows ?? 0);
      }
      return n;
    });
    return { inserted, duplicates: items.length - inserted };
  }

  async count(filter: { site?: string; type?: string }): Promise<number> {
    let query = this.#db.selectFrom('series_items').select((eb) => eb.fn.countAll<number>().as('n'));
    if (filter.site !== undefined) query = query.where('site', '=', filter.site);
    if (filter.type !== undefined) query = query.where('type', '=', filter.type);
    const row = await query.executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
