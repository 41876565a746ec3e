import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe } from 'vitest';
import { type HubDatabase, openSqlite } from '../../../hub/src/storage/database.js';
import { openPostgres } from '../../../hub/src/storage/postgres.js';
import { externalServer } from '../../helpers/external-server.js';
import type { MakeStoreFixture } from './fixture.js';

/**
 * Runs a repository contract on the embedded SQLite store and on a real PostgreSQL (skipped with
 * the reason when it cannot start here; under CI=true that fails instead): a fresh database per
 * test, migrated by the same migrations, closed after each test. Call once per test file, at its
 * top level (it registers the file's hooks).
 */
export async function onRelationalBackends<R>(
  name: string,
  repository: (db: HubDatabase) => R,
  contract: (make: MakeStoreFixture<R>) => void,
): Promise<void> {
  const slug = name.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const fixture =
    (connect: () => Promise<HubDatabase>): MakeStoreFixture<R> =>
    async () => {
      const open = async () => {
        const db = await connect();
        cleanups.push(() => db.destroy());
        return repository(db);
      };
      return { repository: await open(), reopen: open };
    };

  describe(`${name} contract: SQLite`, () =>
    contract(async () => {
      const dir = mkdtempSync(join(tmpdir(), `aisle-hub-${slug}-sqlite-`));
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
      return fixture(() => openSqlite(dir))();
    }));

  const postgres = await externalServer('postgres');
  const admin = postgres.ok ? new pg.Pool({ connectionString: postgres.server.url, max: 1 }) : undefined;
  afterAll(async () => {
    await admin?.end();
    if (postgres.ok) await postgres.server.stop();
  });
  let databases = 0;
  describe.skipIf(!postgres.ok)(
    postgres.ok ? `${name} contract: PostgreSQL` : `${name} contract: PostgreSQL (skipped: ${postgres.reason})`,
    () =>
      contract(async () => {
        if (!postgres.ok || admin === undefined) throw new Error('postgres is not running');
        const database = `aisle_${slug}_${++databases}`;
        await admin.query(`CREATE DATABASE ${database}`);
        const url = new URL(postgres.server.url);
        url.pathname = `/${database}`;
        return fixture(() => openPostgres(url.toString()))();
      }),
  );
}
