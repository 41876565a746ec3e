import type { AlertAck } from '@aisle/protocols';
import type { HubDatabase } from '../storage/database.js';

export type { AlertAck };

/** Store alert acknowledgements: one per alert key and site, for the newest raising acknowledged. */
export interface AlertAcksRepository {
  /**
   * Stores `ack` unless the key holds an acknowledgement of the same or a later raising already;
   * returns the acknowledgement held afterwards (the first one wins for a raising) and whether it
   * is `ack`.
   */
  put(ack: AlertAck): Promise<{ held: AlertAck; stored: boolean }>;
  /** The site's acknowledgements, newest first. */
  list(site: string): Promise<AlertAck[]>;
  /** Deletes the site's oldest acknowledgements beyond the newest `keep`; returns how many went. */
  prune(site: string, keep: number): Promise<number>;
}

type Row = {
  site: string;
  key: string;
  raised_at: number;
  acked_at: number;
  acked_by: string;
  note: string | null;
};

const toAck = (r: Row): AlertAck => ({
  site: r.site,
  key: r.key,
  raisedAt: Number(r.raised_at),
  at: Number(r.acked_at),
  by: r.acked_by,
  ...(r.note === null ? {} : { note: r.note }),
});

/** Portable Kysely only: the same table on SQLite and PostgreSQL (migration `0009-alert-acks`). */
export class KyselyAlertAcksRepository implements AlertAcksRepository {
  readonly #db: HubDatabase;

  constructor(db: HubDatabase) {
    this.#db = db;
  }

  async put(ack: AlertAck): Promise<{ held: AlertAck; stored: boolean }> {
    const row = {
      site: ack.site,
      key: ack.key,
      raised_at: ack.raisedAt,
      acked_at: ack.at,
      acked_by: ack.by,
      note: ack.note ?? null,
    };
    const result = await this.#db
      .insertInto('alert_acks')
      .values(row)
      .onConflict((c) =>
        c
          .columns(['site', 'key'])
          .doUpdateSet({ raised_at: row.raised_at, acked_at: row.acked_at, acked_by: row.acked_by, note: row.note })
          // A later raising replaces an earlier one's acknowledgement; the same raising keeps its first.
          .where('alert_acks.raised_at', '<', row.raised_at),
      )
      .executeTakeFirst();
    const stored = Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    const held = await this.#db
      .selectFrom('alert_acks')
      .selectAll()
      .where('site', '=', ack.site)
      .where('key', '=', ack.key)
      .executeTakeFirstOrThrow();
    return { held: toAck(held), stored };
  }

  async list(site: string): Promise<AlertAck[]> {
    const rows = await this.#db
      .selectFrom('alert_acks')
      .selectAll()
      .where('site', '=', site)
      .orderBy('acked_at', 'desc')
      .orderBy('key')
      .execute();
    return rows.map(toAck);
  }

  async prune(site: string, keep: number): Promise<number> {
    const { n } = await this.#db
      .selectFrom('alert_acks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('site', '=', site)
      .executeTakeFirstOrThrow();
    const excess = Number(n) - keep;
    if (excess <= 0) return 0;
    const oldest = await this.#db
      .selectFrom('alert_acks')
      .select('key')
      .where('site', '=', site)
      .orderBy('acked_at')
      .orderBy('key')
      .limit(excess)
      .execute();
    let deleted = 0;
    // Chunks well under SQLite's bound parameters.
    for (let i = 0; i < oldest.length; i += 500) {
      const result = await this.#db
        .deleteFrom('alert_acks')
        .where('site', '=', site)
        .where(
          'key',
          'in',
          oldest.slice(i, i + 500).map((r) => r.key),
        )
        .executeTakeFirst();
      deleted += Number(result.numDeletedRows);
    }
    return deleted;
  }
}
