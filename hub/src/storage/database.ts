import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { migrate } from './migrations.js';
import type { Database } from './schema.js';

export type HubDatabase = Kysely<Database>;

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
  try {
    await migrate(db as Kysely<unknown>);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}
