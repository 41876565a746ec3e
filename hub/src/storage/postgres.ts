import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { HubDatabase } from './database.js';
import { migrate } from './migrations.js';
import type { Database } from './schema.js';

/**
 * `bigint` columns hold epoch milliseconds, seqs and boots, which the schema types as numbers (and
 * SQLite returns as numbers). pg returns int8 as a string by default, because it may not fit a
 * double; every value the hub stores does (seq ≤ 2^53 − 1 by the wire schema), and one that did not
 * would be corrupt data, so it fails loudly here instead of being rounded.
 */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`bigint ${text} is outside the safe integer range`);
  return value;
}

/** int8 (`bigint`, and what `count(*)` returns) as numbers; per pool, so the hub never changes the parsers of other pg users in the process. */
const types: pg.CustomTypesConfig = {
  getTypeParser: (oid, format) =>
    oid === pg.types.builtins.INT8 && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format),
};

export interface PostgresOptions {
  /** Connections in the pool (pg's default is 10). */
  readonly maxConnections?: number;
  /**
   * An idle pooled connection failed (the server restarted, or a proxy cut it). The pool drops it
   * and the next query opens a new one; without a listener pg's pool would crash the process.
   */
  readonly onIdleConnectionError?: (error: Error) => void;
}

/**
 * The production relational store: PostgreSQL through a pg pool, migrated with the same Kysely
 * migrations as the embedded SQLite store. Several hub replicas may share one database; Kysely's
 * PostgreSQL migrator takes an advisory lock, so replicas starting together migrate once.
 * `url` is a libpq URL (`postgres://user:password@host:port/database`).
 */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<HubDatabase> {
  const pool = new pg.Pool({ connectionString: url, types, max: options.maxConnections ?? 10 });
  pool.on('error', options.onIdleConnectionError ?? (() => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrate(db as Kysely<unknown>);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}
