import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type IngestRepository, KyselyIngestRepository } from '../../hub/src/ingest/ingest.repository.js';
import { KyselySeriesRepository } from '../../hub/src/ingest/series.repository.js';
import { KyselyRegistryRepository } from '../../hub/src/registry/registry.repository.js';
import type { HubDatabase } from '../../hub/src/storage/database.js';
import { openPostgres } from '../../hub/src/storage/postgres.js';
import { externalServer } from '../helpers/external-server.js';
import type { MakeStoreFixture } from './contracts/fixture.js';
import { ingestRepositoryContract } from './contracts/ingest-repository.contract.js';
import { registryRepositoryContract } from './contracts/registry-repository.contract.js';
import { seriesRepositoryContract } from './contracts/series-repository.contract.js';

/**
 * The storage contracts on a real PostgreSQL (skipped with the reason when it cannot start here;
 * under CI=true that fails the run instead): a fresh database per test, migrated by `openPostgres`
 * with the same migrations as SQLite. The relational series table runs the series contract here
 * too. Plus what only a server has: hub replicas migrating together, advancing one gateway's
 * cursor from two pools at once, and a server restart under idle pooled connections.
 */

const postgres = await externalServer('postgres');
const admin = postgres.ok ? new pg.Pool({ connectionString: postgres.server.url, max: 1 }) : undefined;
// One test restarts the server under the idle admin connection.
admin?.on('error', () => {});
afterAll(async () => {
  await admin?.end();
  if (postgres.ok) await postgres.server.stop();
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let databases = 0;
/** The URL of a new, empty database on the server. */
async function freshDatabase(): Promise<string> {
  if (!postgres.ok || admin === undefined) throw new Error('postgres is not running');
  const name = `aisle_test_${++databases}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(postgres.server.url);
  url.pathname = `/${name}`;
  return url.toString();
}

async function open(url: string): Promise<HubDatabase> {
  const db = await openPostgres(url);
  cleanups.push(() => db.destroy());
  return db;
}

function onPostgres<R>(repository: (db: HubDatabase) => R): MakeStoreFixture<R> {
  return async () => {
    const url = await freshDatabase();
    const reopen = async () => repository(await open(url));
    return { repository: await reopen(), reopen };
  };
}

const title = (what: string) => (postgres.ok ? what : `${what} (skipped: ${postgres.reason})`);

describe.skipIf(!postgres.ok)(title('IngestRepository contract: PostgreSQL'), () => {
  ingestRepositoryContract(onPostgres((db) => new KyselyIngestRepository(db, { lockRows: true })));

  it('ends at the right cursor when two replicas advance one gateway concurrently from two pools', async () => {
    const url = await freshDatabase();
    const replicas: IngestRepository[] = [
      new KyselyIngestRepository(await open(url), { lockRows: true }),
      new KyselyIngestRepository(await open(url), { lockRows: true }),
    ];
    // 200 ranges of 5 in a scrambled order (stride 77 is coprime with 200), alternating replicas,
    // all in flight at once: both pools' 10 connections contend for the cursor row, from its first
    // insert on.
    const ranges = Array.from({ length: 200 }, (_, i) => ((i * 77) % 200) + 1).map((n) => [n * 5 - 4, n * 5] as const);
    const results = await Promise.all(
      ranges.map(([first, last], i) =>
        (replicas[i % 2] as IngestRepository).advanceCursor('gw-1', 'e1', first, last, 1_000, 0),
      ),
    );
    expect(Math.max(...results)).toBe(1_000);
    expect(await (replicas[0] as IngestRepository).cursor('gw-1', 'e1')).toBe(1_000);
    // Nothing is left waiting above it: the next range moves it by exactly its length.
    expect(await (replicas[1] as IngestRepository).advanceCursor('gw-1', 'e1', 1_001, 1_003, 1_000, 0)).toBe(1_003);
  });

  it('survives a server restart under idle connections and queries again once it is back', async () => {
    if (!postgres.ok) throw new Error('postgres is not running');
    const url = await freshDatabase();
    let idleFailed: (error: Error) => void = () => {};
    const failed = new Promise<Error>((resolve) => {
      idleFailed = resolve;
    });
    const db = await openPostgres(url, { onIdleConnectionError: (error) => idleFailed(error) });
    cleanups.push(() => db.destroy());
    const ingest = new KyselyIngestRepository(db, { lockRows: true });
    await ingest.advanceCursor('gw-1', 'e1', 1, 10, 1_000, 0);
    await postgres.server.halt();
    try {
      expect((await failed).message).toMatch(/terminat/);
    } finally {
      await postgres.server.restart();
    }
    expect(await ingest.advanceCursor('gw-1', 'e1', 11, 20, 1_000, 0)).toBe(20);
  }, 30_000);

  it('comes up migrated when two replicas start together on an empty database', async () => {
    const url = await freshDatabase();
    const [a, b] = await Promise.all([open(url), open(url)]);
    const registry = new KyselyRegistryRepository(a);
    expect(
      await registry.ensureGateway({ gateway: 'gw-1', site: 'site-a', passwordHash: 'scrypt$x', createdAt: 1 }),
    ).toBe(true);
    expect(await new KyselyRegistryRepository(b).gateways()).toHaveLength(1);
  });
});

describe.skipIf(!postgres.ok)(title('RegistryRepository contract: PostgreSQL'), () =>
  registryRepositoryContract(onPostgres((db) => new KyselyRegistryRepository(db))),
);

describe.skipIf(!postgres.ok)(title('SeriesRepository contract: the relational series table on PostgreSQL'), () =>
  seriesRepositoryContract(onPostgres((db) => new KyselySeriesRepository(db))),
);
