/**
 * The replenishment repository contract on the embedded SQLite store and on a real PostgreSQL
 * (skipped with the reason when it cannot start here; under CI=true that fails instead): a fresh
 * database per test, migrated by the same migrations.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe } from 'vitest';
import { KyselyReplenishmentRepository } from '../../hub/src/replenishment/replenishment.repository.js';
import { openSqlite } from '../../hub/src/storage/database.js';
import { openPostgres } from '../../hub/src/storage/postgres.js';
import { externalServer } from '../helpers/external-server.js';
import type { MakeStoreFixture } from './contracts/fixture.js';
import { replenishmentRepositoryContract } from './contracts/replenishment-repository.contract.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const onSqlite: MakeStoreFixture<KyselyReplenishmentRepository> = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-hub-replenishment-sqlite-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const open = async () => {
    const db = await openSqlite(dir);
    cleanups.push(() => db.destroy());
    return new KyselyReplenishmentRepository(db);
  };
  return { repository: await open(), reopen: open };
};

describe('ReplenishmentRepository contract: SQLite', () => replenishmentRepositoryContract(onSqlite));

const postgres = await externalServer('postgres');
const admin = postgres.ok ? new pg.Pool({ connectionString: postgres.server.url, max: 1 }) : undefined;
afterAll(async () => {
  await admin?.end();
  if (postgres.ok) await postgres.server.stop();
});
let databases = 0;
const onPostgres: MakeStoreFixture<KyselyReplenishmentRepository> = async () => {
  if (!postgres.ok || admin === undefined) throw new Error('postgres is not running');
  const name = `aisle_replenishment_${++databases}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(postgres.server.url);
  url.pathname = `/${name}`;
  const open = async () => {
    const db = await openPostgres(url.toString());
    cleanups.push(() => db.destroy());
    return new KyselyReplenishmentRepository(db);
  };
  return { repository: await open(), reopen: open };
};

describe.skipIf(!postgres.ok)(
  postgres.ok
    ? 'ReplenishmentRepository contract: PostgreSQL'
    : `ReplenishmentRepository contract: PostgreSQL (skipped: ${postgres.reason})`,
  () => replenishmentRepositoryContract(onPostgres),
);
