import { ContiguousCursor } from '@aisle/protocols';
import { sql } from 'kysely';
import { type HubDatabase, prepared, sqliteFile } from '../storage/database.js';

/** A latest-value row: moves only when `ts` is newer than what it holds. */
export interface LatestRow {
  readonly site: string;
  readonly device: string;
  readonly key: string;
  readonly type: string;
  readonly ts: number;
  readonly item: string;
}

/** A range of a gateway's uplink sequence, stored. */
export interface CursorRange {
  readonly gateway: string;
  readonly epoch: string;
  readonly firstSeq: number;
  readonly lastSeq: number;
}

export interface GatewayStateRow {
  readonly gateway: string;
  readonly site: string;
  readonly status: string;
  readonly boot: number;
  readonly state: string;
  readonly updatedAt: number;
}

/** What one group commit moved: the latest rows, and one cursor (or refusal) per range. */
export interface GroupCommit<T> {
  readonly alongside: T;
  readonly moved: LatestRow[];
  readonly cursors: Array<number | RangeError>;
}

/** Ingest bookkeeping in the relational store: ack cursors, latest values, gateway states. */
export interface IngestRepository {
  /** The relational database it keeps them in. */
  readonly database?: HubDatabase;
  /**
   * One transaction: `alongside` first (the time series' write when it lives in this database),
   * then the latest upsert (`upsertLatest`), then the cursor ranges (`advanceCursors`).
   */
  storeGroup<T>(
    group: { latest: readonly LatestRow[]; ranges: readonly CursorRange[]; maxPending: number; at: number },
    alongside: (tx: HubDatabase) => Promise<T>,
  ): Promise<GroupCommit<T>>;
  /**
   * Marks [firstSeq, lastSeq] of (gateway, epoch) stored and returns the new contiguous cursor,
   * atomically (read, add, write in one transaction). Throws RangeError when more than
   * `maxPending` disjoint ranges would wait above the cursor.
   */
  advanceCursor(
    gateway: string,
    epoch: string,
    firstSeq: number,
    lastSeq: number,
    maxPending: number,
    at: number,
  ): Promise<number>;
  /**
   * Marks many ranges stored in one transaction (ingest's group commit), in order per (gateway,
   * epoch). Returns one result per range: the cursor after it, or the RangeError that refused it
   * (a refused range changes nothing; the others still count).
   */
  advanceCursors(ranges: readonly CursorRange[], maxPending: number, at: number): Promise<Array<number | RangeError>>;
  cursor(gateway: string, epoch: string): Promise<number>;
  /** Upserts each row unless the stored one has a `ts` at least as new; returns the rows that moved. */
  upsertLatest(rows: readonly LatestRow[]): Promise<LatestRow[]>;
  latest(site: string, type?: string): Promise<LatestRow[]>;
  saveGatewayState(row: GatewayStateRow): Promise<void>;
  gatewayStates(): Promise<GatewayStateRow[]>;
}

const UPSERT_LATEST_SQLITE =
  'INSERT INTO latest (site, device, key, type, ts, item) VALUES (?, ?, ?, ?, ?, ?) ' +
  'ON CONFLICT (site, device, key) DO UPDATE SET ts = excluded.ts, type = excluded.type, item = excluded.item ' +
  'WHERE latest.ts < excluded.ts';

/** Rows per latest-value upsert on PostgreSQL (six arrays of this length). */
const LATEST_CHUNK = 5000;

export class KyselyIngestRepository implements IngestRepository {
  readonly #db: HubDatabase;
  get database(): HubDatabase {
    return this.#db;
  }
  /** PostgreSQL: lock the cursor row while it moves (replicas share gateways). SQLite has one writer. */
  readonly #lockRows: boolean;

  constructor(db: HubDatabase, options: { lockRows?: boolean } = {}) {
    this.#db = db;
    this.#lockRows = options.lockRows ?? false;
  }

  async advanceCursor(
    gateway: string,
    epoch: string,
    firstSeq: number,
    lastSeq: number,
    maxPending: number,
    at: number,
  ): Promise<number> {
    const [result] = await this.advanceCursors([{ gateway, epoch, firstSeq, lastSeq }], maxPending, at);
    if (typeof result !== 'number') throw result;
    return result;
  }

  advanceCursors(ranges: readonly CursorRange[], maxPending: number, at: number): Promise<Array<number | RangeError>> {
    return this.#db.transaction().execute((tx) => this.#advanceCursors(tx, ranges, maxPending, at));
  }

  storeGroup<T>(
    group: { latest: readonly LatestRow[]; ranges: readonly CursorRange[]; maxPending: number; at: number },
    alongside: (tx: HubDatabase) => Promise<T>,
  ): Promise<GroupCommit<T>> {
    return this.#db.transaction().execute(async (tx) => {
      const done = await alongside(tx);
      const moved = group.latest.length === 0 ? [] : await this.#upsertLatest(tx, group.latest);
      const cursors = await this.#advanceCursors(tx, group.ranges, group.maxPending, group.at);
      return { alongside: done, moved, cursors };
    });
  }

  async #advanceCursors(
    tx: HubDatabase,
    ranges: readonly CursorRange[],
    maxPending: number,
    at: number,
  ): Promise<Array<number | RangeError>> {
    const results = new Array<number | RangeError>(ranges.length);
    const byCursor = new Map<string, number[]>();
    ranges.forEach((range, i) => {
      const key = `${range.gateway}\u0000${range.epoch}`;
      const held = byCursor.get(key);
      if (held === undefined) byCursor.set(key, [i]);
      else held.push(i);
    });
    // Rows are locked in key order, so two replicas advancing the same gateways cannot deadlock.
    const keys = [...byCursor.keys()].sort();
    for (const key of keys) {
      const indices = byCursor.get(key) as number[];
      const { gateway, epoch } = ranges[indices[0] as number] as CursorRange;
      if (this.#lockRows) {
        // FOR UPDATE locks only a row that exists: two transactions advancing a new cursor would
        // both read "no row", and the later upsert would overwrite the earlier range. Create the
        // row first; a concurrent insert waits for ours to commit, then its FOR UPDATE reads ours.
        await tx
          .insertInto('uplink_cursors')
          .values({ gateway, epoch, acked_seq: 0, pending: '[]', updated_at: at })
          .onConflict((c) => c.columns(['gateway', 'epoch']).doNothing())
          .execute();
      }
      let select = tx
        .selectFrom('uplink_cursors')
        .select(['acked_seq', 'pending'])
        .where('gateway', '=', gateway)
        .where('epoch', '=', epoch);
      if (this.#lockRows) select = select.forUpdate();
      const row = await select.executeTakeFirst();
      const pending = row === undefined ? [] : (JSON.parse(row.pending) as Array<[number, number]>);
      const cursor = new ContiguousCursor(row === undefined ? 0 : Number(row.acked_seq), maxPending, pending);
      let value = cursor.value;
      for (const i of indices) {
        const range = ranges[i] as CursorRange;
        try {
          value = cursor.add(range.firstSeq, range.lastSeq);
          results[i] = value;
        } catch (error) {
          if (!(error instanceof RangeError)) throw error;
          results[i] = error;
        }
      }
      const values = { acked_seq: value, pending: JSON.stringify(cursor.pending), updated_at: at };
      await tx
        .insertInto('uplink_cursors')
        .values({ gateway, epoch, ...values })
        .onConflict((c) => c.columns(['gateway', 'epoch']).doUpdateSet(values))
        .execute();
    }
    return results;
  }

  async cursor(gateway: string, epoch: string): Promise<number> {
    const row = await this.#db
      .selectFrom('uplink_cursors')
      .select('acked_seq')
      .where('gateway', '=', gateway)
      .where('epoch', '=', epoch)
      .executeTakeFirst();
    return row === undefined ? 0 : Number(row.acked_seq);
  }

  async upsertLatest(rows: readonly LatestRow[]): Promise<LatestRow[]> {
    // One transaction for the batch's rows: one commit (one fsync) instead of one per row.
    return this.#db.transaction().execute((tx) => this.#upsertLatest(tx, rows));
  }

  /**
   * One multi-row upsert per chunk (a statement per row cost a round trip each on PostgreSQL):
   * `RETURNING` names the rows that were inserted or moved. Keys must be distinct within a call (the
   * ingest service keeps the newest per key), as PostgreSQL refuses to touch a row twice in one
   * statement.
   */
  async #upsertLatest(db: HubDatabase, rows: readonly LatestRow[]): Promise<LatestRow[]> {
    const moved: LatestRow[] = [];
    const file = sqliteFile(this.#db);
    if (file !== undefined) {
      // SQLite: one cached prepared statement per row (see `sqliteFile`), within `db`'s transaction;
      // a row changed exactly when it was inserted or moved forward.
      const upsert = prepared(file, UPSERT_LATEST_SQLITE);
      for (const r of rows) if (upsert.run(r.site, r.device, r.key, r.type, r.ts, r.item).changes > 0) moved.push(r);
      return moved;
    }
    // PostgreSQL: the rows as six arrays through `unnest`, one statement of six parameters whatever
    // the count, so the server parses and plans a short text instead of thousands of placeholders.
    // `RETURNING` names the rows that were inserted or moved. Keys must be distinct within a call
    // (the ingest service keeps the newest per key): PostgreSQL refuses to touch a row twice.
    for (let i = 0; i < rows.length; i += LATEST_CHUNK) {
      const chunk = rows.slice(i, i + LATEST_CHUNK);
      const column = <K extends keyof LatestRow>(k: K) => chunk.map((r) => r[k]);
      const { rows: returned } = await sql<{ site: string; device: string; key: string }>`
        INSERT INTO latest (site, device, key, type, ts, item)
        SELECT * FROM unnest(${column('site')}::text[], ${column('device')}::text[], ${column('key')}::text[],
          ${column('type')}::text[], ${column('ts')}::bigint[], ${column('item')}::text[])
        ON CONFLICT (site, device, key) DO UPDATE SET ts = excluded.ts, type = excluded.type, item = excluded.item
        WHERE latest.ts < excluded.ts
        RETURNING site, device, key`.execute(db);
      const hit = new Set(returned.map((r) => `${r.site}\u0000${r.device}\u0000${r.key}`));
      for (const row of chunk) if (hit.has(`${row.site}\u0000${row.device}\u0000${row.key}`)) moved.push(row);
    }
    return moved;
  }

  async latest(site: string, type?: string): Promise<LatestRow[]> {
    let query = this.#db.selectFrom('latest').selectAll().where('site', '=', site);
    if (type !== undefined) query = query.where('type', '=', type);
    const rows = await query.orderBy('device').orderBy('key').execute();
    return rows.map((r) => ({ ...r, ts: Number(r.ts) }));
  }

  async saveGatewayState(row: GatewayStateRow): Promise<void> {
    const values = {
      site: row.site,
      status: row.status,
      boot: row.boot,
      state: row.state,
      updated_at: row.updatedAt,
    };
    await this.#db
      .insertInto('gateway_states')
      .values({ gateway: row.gateway, ...values })
      .onConflict((c) => c.column('gateway').doUpdateSet(values))
      .execute();
  }

  async gatewayStates(): Promise<GatewayStateRow[]> {
    const rows = await this.#db.selectFrom('gateway_states').selectAll().orderBy('gateway').execute();
    return rows.map((r) => ({
      gateway: r.gateway,
      site: r.site,
      status: r.status,
      boot: Number(r.boot),
      state: r.state,
      updatedAt: Number(r.updated_at),
    }));
  }
}
