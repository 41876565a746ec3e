import Database from 'better-sqlite3';
import { type OutboxDropReason, OutboxError, type OutboxRow, type ResolvedOutboxOptions } from './options.js';

/**
 * The outbox's SQLite file: opening it safely, recognising it, and its versioned migrations.
 *
 * - `PRAGMA application_id` marks the file as an aisle outbox, so a path pointing at some other
 *   SQLite database is refused instead of being converted to WAL and filled with our tables.
 * - `PRAGMA user_version` is the schema version; migration N takes a database from N - 1 to N in
 *   one transaction, so a crash mid-migration leaves the previous version intact.
 */

/** "AISL" in ASCII: the SQLite header's application id for aisle outboxes. */
const APPLICATION_ID = 0x4149_534c;

export interface MetaRow {
  readonly epoch: string;
  readonly created_at: number;
  /** Exact next oseq, valid only when `clean_close` is 1 (written by `close()`). */
  readonly next_seq: number;
  /** Every oseq ever handed out is below this; committed with an fsync before use. */
  readonly seq_reserved: number;
  readonly acked_seq: number;
  readonly clean_close: number;
}

type Migration = (db: Database.Database, options: ResolvedOutboxOptions) => void;

const MIGRATIONS: readonly Migration[] = [
  // 1: the rows, the single meta row and the persisted drop counters.
  (db, options) => {
    db.exec(`
      CREATE TABLE meta (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        epoch TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        next_seq INTEGER NOT NULL,
        seq_reserved INTEGER NOT NULL,
        acked_seq INTEGER NOT NULL,
        clean_close INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE outbox (
        oseq INTEGER PRIMARY KEY,
        stream TEXT NOT NULL,
        ts INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        payload TEXT NOT NULL
      ) STRICT;
      -- drop-oldest looks up a stream's oldest rows; max-age looks up rows by entry time.
      CREATE INDEX outbox_by_stream ON outbox (stream, oseq);
      CREATE INDEX outbox_by_created_at ON outbox (created_at);
      -- total: since the database was created; pending: since the last takeDrops().
      CREATE TABLE drops (
        stream TEXT NOT NULL,
        reason TEXT NOT NULL,
        total INTEGER NOT NULL,
        pending INTEGER NOT NULL,
        pending_oldest_ts INTEGER,
        pending_newest_ts INTEGER,
        PRIMARY KEY (stream, reason)
      ) STRICT, WITHOUT ROWID;
    `);
    // oseq starts at 1 so that ack cursor 0 (the hub's ContiguousCursor start) means "nothing yet".
    db.prepare(
      `INSERT INTO meta (id, epoch, created_at, next_seq, seq_reserved, acked_seq, clean_close)
       VALUES (1, ?, ?, 1, 1, 0, 1)`,
    ).run(options.newEpoch(), options.now());
  },
];

function isSqliteError(error: unknown, ...codes: string[]): boolean {
  return error instanceof Error && 'code' in error && codes.some((c) => String(error.code).startsWith(c));
}

/** An error met while opening, as the `OutboxError` the caller can act on. */
export function toOpenError(path: string, error: unknown): OutboxError {
  if (error instanceof OutboxError) return error;
  if (isSqliteError(error, 'SQLITE_BUSY', 'SQLITE_LOCKED')) {
    return new OutboxError('OUTBOX_LOCKED', `${path} is open in another connection or process`, { cause: error });
  }
  const detail = isSqliteError(error, 'SQLITE_NOTADB', 'SQLITE_CORRUPT')
    ? 'not a SQLite database, or corrupt'
    : error instanceof Error
      ? error.message
      : String(error);
  return new OutboxError('OUTBOX_OPEN_FAILED', `cannot open outbox ${path}: ${detail}`, { cause: error });
}

/** Opens (creating if needed) and migrates the outbox database at `path`; throws `OutboxError`. */
export function openOutboxDatabase(path: string, options: ResolvedOutboxOptions): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: options.lockTimeoutMs });
    // One writer per outbox: the in-memory oseq counter must not race another process. EXCLUSIVE
    // keeps the file lock from the first write until close; with WAL it also means no -shm file.
    db.pragma('locking_mode = EXCLUSIVE');
    checkIdentity(db, path);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    migrate(db, options);
    return db;
  } catch (error) {
    db?.close();
    throw toOpenError(path, error);
  }
}

/** Refuses files that are not ours, or are ours from a newer schema, before writing anything. */
function checkIdentity(db: Database.Database, path: string): void {
  const applicationId = db.pragma('application_id', { simple: true });
  const version = db.pragma('user_version', { simple: true });
  if (applicationId === 0 && version === 0) {
    const objects = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sqlite_schema').get()?.n ?? 0;
    if (objects === 0) return; // a new, empty database
  }
  if (applicationId !== APPLICATION_ID) {
    throw new OutboxError('OUTBOX_FOREIGN_DATABASE', `${path} is a SQLite database but not an aisle outbox`);
  }
  if (typeof version !== 'number' || version > MIGRATIONS.length) {
    throw new OutboxError(
      'OUTBOX_SCHEMA_TOO_NEW',
      `${path} has outbox schema ${String(version)}; this gateway knows up to ${MIGRATIONS.length}`,
    );
  }
}

function migrate(db: Database.Database, options: ResolvedOutboxOptions): void {
  const from = db.pragma('user_version', { simple: true }) as number;
  for (let version = from + 1; version <= MIGRATIONS.length; version++) {
    const migration = MIGRATIONS[version - 1] as Migration;
    db.transaction(() => {
      migration(db, options);
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${version}`);
    })();
  }
}

/** A row considered for deletion by drop-oldest. */
export interface Victim {
  readonly oseq: number;
  readonly stream: string;
  readonly ts: number;
  readonly bytes: number;
}

type Statement<P extends unknown[], R = unknown> = Database.Statement<P, R>;
type DropRow = { stream: string; reason: OutboxDropReason; count: number; oldestTs: number; newestTs: number };
type ExpiredGroup = { stream: string; n: number; oldestTs: number; newestTs: number; bytes: number };

/** Every statement the outbox runs, with its parameters and row shape. */
export interface OutboxStatements {
  readonly insert: Statement<
    [oseq: number, stream: string, ts: number, createdAt: number, bytes: number, payload: string]
  >;
  readonly deleteOne: Statement<[oseq: number]>;
  readonly oldestOfStream: Statement<[stream: string], Victim>;
  readonly oldest: Statement<[], Victim>;
  readonly expired: Statement<[cutoff: number], ExpiredGroup>;
  readonly deleteExpired: Statement<[cutoff: number]>;
  readonly acked: Statement<[seq: number], { n: number; bytes: number }>;
  readonly deleteAcked: Statement<[seq: number]>;
  readonly setAcked: Statement<[seq: number]>;
  readonly peek: Statement<[afterSeq: number, limit: number], OutboxRow>;
  readonly addDrops: Statement<[{ stream: string; reason: string; count: number; oldestTs: number; newestTs: number }]>;
  readonly pendingDrops: Statement<[], DropRow>;
  readonly clearPending: Statement<[]>;
  readonly totals: Statement<[], { stream: string; reason: OutboxDropReason; total: number }>;
  readonly oldestCreatedAt: Statement<[], { at: number | null }>;
  readonly size: Statement<[], { n: number; bytes: number; maxSeq: number | null }>;
  readonly meta: Statement<[], MetaRow>;
  readonly reserve: Statement<[nextSeq: number, reserved: number]>;
  readonly closeClean: Statement<[nextSeq: number]>;
}

/** Prepares every statement once per connection; the types come from {@link OutboxStatements}. */
export function prepareOutboxStatements(db: Database.Database): OutboxStatements {
  const prepare = <P extends unknown[], R>(sql: string): Statement<P, R> => db.prepare<P, R>(sql);
  return {
    insert: prepare('INSERT INTO outbox (oseq, stream, ts, created_at, bytes, payload) VALUES (?, ?, ?, ?, ?, ?)'),
    deleteOne: prepare('DELETE FROM outbox WHERE oseq = ?'),
    oldestOfStream: prepare('SELECT oseq, stream, ts, bytes FROM outbox WHERE stream = ? ORDER BY oseq'),
    oldest: prepare('SELECT oseq, stream, ts, bytes FROM outbox ORDER BY oseq'),
    // Runs on every append. Without INDEXED BY (and without ANALYZE statistics) SQLite prefers
    // outbox_by_stream for the GROUP BY and scans the whole table: O(rows) per append.
    expired: prepare(
      `SELECT stream, count(*) AS n, min(ts) AS oldestTs, max(ts) AS newestTs, sum(bytes) AS bytes
       FROM outbox INDEXED BY outbox_by_created_at WHERE created_at < ? GROUP BY stream`,
    ),
    deleteExpired: prepare('DELETE FROM outbox INDEXED BY outbox_by_created_at WHERE created_at < ?'),
    acked: prepare('SELECT count(*) AS n, coalesce(sum(bytes), 0) AS bytes FROM outbox WHERE oseq <= ?'),
    deleteAcked: prepare('DELETE FROM outbox WHERE oseq <= ?'),
    setAcked: prepare('UPDATE meta SET acked_seq = ? WHERE id = 1'),
    peek: prepare(
      'SELECT oseq, stream, ts, created_at AS createdAt, payload FROM outbox WHERE oseq > ? ORDER BY oseq LIMIT ?',
    ),
    // `pending` is updated last: the CASEs read its value from before this upsert.
    addDrops: prepare(
      `INSERT INTO drops (stream, reason, total, pending, pending_oldest_ts, pending_newest_ts)
       VALUES (@stream, @reason, @count, @count, @oldestTs, @newestTs)
       ON CONFLICT (stream, reason) DO UPDATE SET
         total = total + excluded.total,
         pending_oldest_ts = CASE WHEN pending = 0 THEN excluded.pending_oldest_ts
                                  ELSE min(pending_oldest_ts, excluded.pending_oldest_ts) END,
         pending_newest_ts = CASE WHEN pending = 0 THEN excluded.pending_newest_ts
                                  ELSE max(pending_newest_ts, excluded.pending_newest_ts) END,
         pending = pending + excluded.pending`,
    ),
    pendingDrops: prepare(
      `SELECT stream, reason, pending AS count, pending_oldest_ts AS oldestTs, pending_newest_ts AS newestTs
       FROM drops WHERE pending > 0 ORDER BY stream, reason`,
    ),
    clearPending: prepare(
      'UPDATE drops SET pending = 0, pending_oldest_ts = NULL, pending_newest_ts = NULL WHERE pending > 0',
    ),
    totals: prepare('SELECT stream, reason, total FROM drops ORDER BY stream, reason'),
    oldestCreatedAt: prepare('SELECT min(created_at) AS at FROM outbox'),
    size: prepare('SELECT count(*) AS n, coalesce(sum(bytes), 0) AS bytes, max(oseq) AS maxSeq FROM outbox'),
    meta: prepare('SELECT * FROM meta WHERE id = 1'),
    reserve: prepare('UPDATE meta SET next_seq = ?, seq_reserved = ?, clean_close = 0 WHERE id = 1'),
    closeClean: prepare('UPDATE meta SET next_seq = ?, clean_close = 1 WHERE id = 1'),
  };
}
