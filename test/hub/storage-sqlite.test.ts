import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe } from 'vitest';
import { KyselyIngestRepository } from '../../hub/src/ingest/ingest.repository.js';
import { KyselySeriesRepository } from '../../hub/src/ingest/series.repository.js';
import { KyselyRegistryRepository } from '../../hub/src/registry/registry.repository.js';
import { type HubDatabase, openSqlite } from '../../hub/src/storage/database.js';
import type { MakeStoreFixture } from './contracts/fixture.js';
import { ingestRepositoryContract } from './contracts/ingest-repository.contract.js';
import { registryRepositoryContract } from './contracts/registry-repository.contract.js';
import { seriesRepositoryContract } from './contracts/series-repository.contract.js';

/** The storage contracts on the embedded SQLite store: a fresh database file per test. */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function sqlite<R>(repository: (db: HubDatabase) => R): MakeStoreFixture<R> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisle-hub-sqlite-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const open = async () => {
      const db = await openSqlite(dir);
      cleanups.push(() => db.destroy());
      return repository(db);
    };
    return { repository: await open(), reopen: open };
  };
}

describe('SeriesRepository contract: SQLite', () =>
  seriesRepositoryContract(sqlite((db) => new KyselySeriesRepository(db))));
describe('IngestRepository contract: SQLite', () =>
  ingestRepositoryContract(sqlite((db) => new KyselyIngestRepository(db))));
describe('RegistryRepository contract: SQLite', () =>
  registryRepositoryContract(sqlite((db) => new KyselyRegistryRepository(db))));
