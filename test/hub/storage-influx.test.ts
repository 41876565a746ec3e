import { afterAll, describe, expect, it } from 'vitest';
import { type InfluxSeriesOptions, InfluxSeriesRepository } from '../../hub/src/ingest/influx-series.repository.js';
import type { SeriesItem } from '../../hub/src/ingest/series.repository.js';
import { externalServer } from '../helpers/external-server.js';
import { seriesRepositoryContract } from './contracts/series-repository.contract.js';

/**
 * The time-series contract on a real InfluxDB 1.x (skipped with the reason when it cannot start
 * here; under CI=true that fails the run instead), a fresh database per test and batches smaller
 * than the contract's largest write. Plus what only InfluxDB has: retention policies and the
 * hourly rollups (continuous queries, and the backfill that runs the same queries).
 */

const influx = await externalServer('influxdb');
afterAll(async () => {
  if (influx.ok) await influx.server.stop();
});

const HOUR = 3_600_000;
let databases = 0;

async function repository(options: Partial<InfluxSeriesOptions> = {}): Promise<InfluxSeriesRepository> {
  if (!influx.ok) throw new Error('influxdb is not running');
  const repo = new InfluxSeriesRepository({
    url: influx.server.url,
    database: `aisle_test_${++databases}`,
    batchSize: 100,
    ...options,
  });
  await repo.ensureSchema();
  return repo;
}

interface Series {
  readonly name?: string;
  readonly tags?: Record<string, string>;
  readonly columns: string[];
  readonly values: unknown[][];
}

/** InfluxQL over the HTTP API, as an operator's dashboard would read it. */
async function series(database: string, q: string): Promise<Series[]> {
  if (!influx.ok) throw new Error('influxdb is not running');
  const url = new URL('/query', influx.server.url);
  url.search = new URLSearchParams({ db: database, q, epoch: 'ms' }).toString();
  const body = (await (await fetch(url)).json()) as { results: Array<{ error?: string; series?: Series[] }> };
  const result = body.results[0];
  if (result?.error !== undefined) throw new Error(result.error);
  return result?.series ?? [];
}

/** The rows of every series, each with the series' tags. */
async function query(database: string, q: string): Promise<Array<Record<string, unknown>>> {
  return (await series(database, q)).flatMap((s) =>
    s.values.map((v) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) })),
  );
}

/** This database's continuous queries (`SHOW CONTINUOUS QUERIES` lists every database's). */
async function continuousQueries(database: string): Promise<Array<{ name: unknown; query: unknown }>> {
  const own = (await series(database, 'SHOW CONTINUOUS QUERIES')).find((s) => s.name === database);
  return (own?.values ?? []).map(([name, query]) => ({ name, query }));
}

/** Polls until `read` returns what `expected` says, or fails with what it last saw. */
async function eventually<T>(read: () => Promise<T>, expected: T, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (JSON.stringify(last) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    last = await read();
  }
  expect(last).toEqual(expected);
}

let seqs = 0;
function reading(type: 'shelf.weight' | 'footfall.count', ts: number, data: object, device = 'scale-1'): SeriesItem {
  const seq = ++seqs;
  return {
    origin: `site-a/${device}`,
    boot: 1,
    seq,
    id: `id-${seq}`,
    type,
    site: 'site-a',
    device,
    gateway: 'gw-1',
    ts,
    rx: null,
    lane: 'hist',
    flags: null,
    data: JSON.stringify(data),
  };
}

const title = (what: string) => (influx.ok ? what : `${what} (skipped: ${influx.reason})`);

describe.skipIf(!influx.ok)(title('SeriesRepository contract: InfluxDB'), () => {
  seriesRepositoryContract(async () => {
    const first = await repository();
    const options = { url: influx.ok ? influx.server.url : '', database: `aisle_test_${databases}`, batchSize: 100 };
    return { repository: first, reopen: async () => new InfluxSeriesRepository(options) };
  });
});

describe.skipIf(!influx.ok)(title('InfluxDB retention and hourly rollups'), () => {
  it('keeps raw items under the default policy `raw` and aggregates under `hourly`; a restart applies new durations', async () => {
    const repo = await repository({ rawRetention: '7d', hourlyRetention: '520w' });
    const database = `aisle_test_${databases}`;
    const policies = async () =>
      (await query(database, 'SHOW RETENTION POLICIES'))
        .filter((p) => p.name !== 'autogen')
        .map((p) => [p.name, p.duration, p.default]);
    expect(await policies()).toEqual([
      ['raw', '168h0m0s', true],
      ['hourly', '87360h0m0s', false],
    ]);
    expect((await continuousQueries(database)).map((q) => q.name)).toEqual(['shelf_weight_1h', 'footfall_count_1h']);
    await repo.write([reading('shelf.weight', Date.now() - HOUR, { lane: 'lane-a01', grams: 1, stable: true })]);
    expect(await query(database, 'SELECT count("id") FROM "raw"."shelf.weight"')).toMatchObject([{ count: 1 }]);

    const restarted = new InfluxSeriesRepository({
      url: influx.ok ? influx.server.url : '',
      database,
      rawRetention: '14d',
      hourlyRetention: 'INF',
      resample: { every: '10m', for: '3h' },
    });
    await restarted.ensureSchema();
    expect(await policies()).toEqual([
      ['raw', '336h0m0s', true],
      ['hourly', '0s', false],
    ]);
    expect((await continuousQueries(database)).map((q) => String(q.query))).toEqual([
      expect.stringContaining('RESAMPLE EVERY 10m FOR 3h'),
      expect.stringContaining('RESAMPLE EVERY 10m FOR 3h'),
    ]);
    expect(await restarted.count({})).toBe(1);
    // Unchanged options: nothing to do, and no error.
    await restarted.ensureSchema();
    expect(await continuousQueries(database)).toHaveLength(2);
  });

  it('refuses items older than the raw retention as expired and stores the rest of the batch', async () => {
    const repo = await repository({ rawRetention: '1h' });
    const now = Date.now();
    const written = await repo.write([
      reading('shelf.weight', now - 3 * HOUR, { lane: 'lane-a01', grams: 1, stable: true }),
      reading('shelf.weight', now - 60_000, { lane: 'lane-a01', grams: 2, stable: true }),
      reading('shelf.weight', now - 4 * HOUR, { lane: 'lane-a01', grams: 3, stable: true }),
    ]);
    expect(written).toEqual({ inserted: 1, duplicates: 0, expired: 2 });
    expect(await repo.count({})).toBe(1);
  });

  it('writes hourly shelf-weight aggregates of recent items through the continuous query', async () => {
    const repo = await repository({ resample: { every: '1s', for: '2h' } });
    const database = `aisle_test_${databases}`;
    // Inside one UTC hour, at least 10 minutes old (the query looks back 2 hours).
    const hour = Math.floor((Date.now() - 10 * 60_000) / HOUR) * HOUR;
    const weights = { 'lane-a01': [900, 1_000, 1_100], 'lane-a02': [400, 500] };
    await repo.write(
      Object.entries(weights).flatMap(([lane, grams]) =>
        grams.map((g, i) => reading('shelf.weight', hour + i * 1_000, { lane, grams: g, stable: true })),
      ),
    );
    await eventually(
      () => query(database, 'SELECT * FROM "hourly"."shelf_weight_1h" GROUP BY "lane"'),
      [
        {
          lane: 'lane-a01',
          time: hour,
          device: 'scale-1',
          max_grams: 1_100,
          mean_grams: 1_000,
          min_grams: 900,
          readings: 3,
          site: 'site-a',
        },
        {
          lane: 'lane-a02',
          time: hour,
          device: 'scale-1',
          max_grams: 500,
          mean_grams: 450,
          min_grams: 400,
          readings: 2,
          site: 'site-a',
        },
      ],
      15_000,
    );
    // Aggregates are not items.
    expect(await repo.count({})).toBe(5);
  }, 20_000);

  it('backfills the hourly aggregates of late data with downsample(from, to)', async () => {
    const repo = await repository();
    const database = `aisle_test_${databases}`;
    const day = Math.floor(Date.now() / HOUR) * HOUR - 72 * HOUR;
    const door = (d: string, inCount: number, outCount: number, ts: number) =>
      reading('footfall.count', ts, { door: d, in: inCount, out: outCount, intervalMs: 60_000 }, 'door-1');
    await repo.write([
      reading('shelf.weight', day + 60_000, { lane: 'lane-a01', grams: 100, stable: true }),
      reading('shelf.weight', day + 120_000, { lane: 'lane-a01', grams: 300, stable: false }),
      reading('shelf.weight', day + HOUR + 60_000, { lane: 'lane-a01', grams: 50, stable: true }),
      door('north', 3, 1, day + 60_000),
      door('north', 4, 2, day + 120_000),
      door('south', 7, 0, day + 60_000),
      door('north', 1, 1, day + HOUR + 60_000),
    ]);
    expect(await query(database, 'SELECT * FROM "hourly"."shelf_weight_1h"')).toEqual([]);

    await repo.downsample(day + 30 * 60_000, day + HOUR + 30 * 60_000);

    expect(
      await query(database, 'SELECT "mean_grams", "readings" FROM "hourly"."shelf_weight_1h" GROUP BY "lane"'),
    ).toEqual([
      { lane: 'lane-a01', time: day, mean_grams: 200, readings: 2 },
      { lane: 'lane-a01', time: day + HOUR, mean_grams: 50, readings: 1 },
    ]);
    expect(
      await query(database, 'SELECT "in", "out", "intervals" FROM "hourly"."footfall_count_1h" GROUP BY "door"'),
    ).toEqual([
      { door: 'north', time: day, in: 7, out: 3, intervals: 2 },
      { door: 'north', time: day + HOUR, in: 1, out: 1, intervals: 1 },
      { door: 'south', time: day, in: 7, out: 0, intervals: 1 },
    ]);
  });
});
