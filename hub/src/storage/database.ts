import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { migrate } from './migrations.js';
import type { Database } from './schema.js';

export type HubDatabase = Kysely<Database>;

const sqliteFiles = new WeakMap<HubDatabase, SQLite.Database>();

/**
 * The better-sqlite3 handle behind an embedded database (undefined for PostgreSQL). Kysely has no
 * statement cache, and building and preparing a multi-row INSERT costs more than running it: the
 * ingest hot path runs cached prepared statements on this handle instead. Kysely's SQLite driver
 * has this one connection, so statements run inside a Kysely transaction on `db` belong to it.
 */
export function sqliteFile(db: HubDatabase): SQLite.Database | undefined {
  return sqliteFiles.get(db);
}

/** One prepared statement per database handle and SQL text. */
const statements = new WeakMap<SQLite.Database, Map<string, SQLite.Statement>>();

export function prepared(file: SQLite.Database, sql: string): SQLite.Statement {
  let cache = statements.get(file);
  if (cache === undefined) {
    cache = new Map();
    statements.set(file, cache);
  }
  let statement = cache.get(sql);
  if (statement === undefined) {
    statement = file.prepare(sql);
    cache.set(sql, statement);
  }
  return statement;
}

/**
 * The embedded relational store: one SQLite file in WAL mode under `dataDir`, migrated to the
 * latest schema before use. `synchronous=FULL`: the hub acks a batch only after its commit, and
 * that promise must survive a power cut, not only a process crash.
 */
export async function openSqlite(dataDir: string): Promise<HubDatabase> {
  mkdirSync(dataDir, { recursive: true });
  const file = new SQLite(join(dataDir, 'hub.db'));
  file.pragma('journal_mode = WAL');
  file.pragma('synchronous = FULL');
  file.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: file }) });
  sqliteFiles.set(db, file);
  try {
    await migrate(db as Kysely<unknown>);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}
