import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Item } from '@aisle/protocols';
import { afterEach, describe, expect, it } from 'vitest';
import { telemetryDataset } from '../../hub/src/forecasting/telemetry-dataset.js';
import { KyselySeriesRepository, toSeriesItem } from '../../hub/src/ingest/series.repository.js';
import { openSqlite } from '../../hub/src/storage/database.js';

/**
 * Forecasting datasets from stored telemetry, on the embedded store (the repository contract runs
 * the hourly reads on PostgreSQL and InfluxDB too): items written as ingest writes them, series
 * checked hour by hour on a Berlin store across both daylight-saving changes of 2024.
 */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function store(): Promise<KyselySeriesRepository> {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-telemetry-dataset-'));
  const db = await openSqlite(dir);
  cleanups.push(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  return new KyselySeriesRepository(db);
}

const HOUR = 3_600_000;
const ZONE = 'Europe/Berlin';
const utc = (iso: string) => Date.parse(iso);
const NaN_ = Number.NaN;

let seq = 0;
/** The envelope every test item shares: a new seq (and id) per item. */
function envelope(ts: number, site: string, device: string) {
  seq++;
  return {
    id: `0190a000-0000-7000-8000-${String(seq).padStart(12, '0')}`,
    src: { site, device },
    boot: 1,
    seq,
    ts,
    tq: 'ntp' as const,
  };
}

const weight = (ts: number, site = 'berlin-1'): Item => ({
  ...envelope(ts, site, 'scale-1'),
  type: 'shelf.weight',
  data: { lane: 'lane-a01', grams: 900, stable: true },
});
const shelfEvent = (
  ts: number,
  lane: string,
  units: number,
  event: 'pick' | 'put' = 'pick',
  site = 'berlin-1',
): Item => ({
  ...envelope(ts, site, 'gw-1'),
  type: 'shelf.event',
  data: { lane, sku: 'sku-1', event, units, grams: units * 100 },
});
const level = (ts: number, lane: string, units: number): Item => ({
  ...envelope(ts, 'berlin-1', 'gw-1'),
  type: 'shelf.level',
  data: { lane, sku: 'sku-1', units, grams: units * 100, capacity: 20 },
});
const interval = (ts: number, door: string, entered: number): Item => ({
  ...envelope(ts, 'berlin-1', 'gw-1'),
  type: 'footfall.interval',
  data: { door, in: entered, out: 0, intervalMs: 60_000, occupancy: 1 },
});

async function write(repo: KyselySeriesRepository, items: readonly Item[]): Promise<void> {
  await repo.write(items.map((i) => toSeriesItem(i, 'gw-1', 'live')));
}

/** A scale reading in every hour of [from, to) but the ones listed: the gateway was up. */
function heartbeats(from: number, to: number, except: readonly number[] = []): Item[] {
  const out: Item[] = [];
  for (let h = from; h < to; h += HOUR) if (!except.includes(h)) out.push(weight(h + 5 * 60_000));
  return out;
}

const values = (s: { values: Float64Array } | undefined) => Array.from(s?.values ?? []);

describe('telemetryDataset: lane sales', () => {
  // 27 Oct 2024, Berlin: 03:00 CEST falls back to 02:00 CET at 01:00 UTC, so the local hour 02:00
  // happens twice (00:00 and 01:00 UTC). The range is local 00:00 to 07:00 (8 UTC hours, 7 steps).
  const from = utc('2024-10-26T22:00:00Z');
  const to = utc('2024-10-27T06:00:00Z');

  it('sums picks per local hour, 0 in hours the gateway was up, NaN where it was not or the lane stood empty', async () => {
    const repo = await store();
    await write(repo, [
      // The gateway is silent in the UTC hour 04:00 (local 05:00).
      ...heartbeats(from, to, [utc('2024-10-27T04:00:00Z')]),
      // lane-a01: 2 + 1 at local 00; a put is not a sale; one pick in each 02:00 (CEST, then CET).
      shelfEvent(utc('2024-10-26T22:10:00Z'), 'lane-a01', 2),
      shelfEvent(utc('2024-10-26T22:40:00Z'), 'lane-a01', 1),
      shelfEvent(utc('2024-10-26T22:50:00Z'), 'lane-a01', 5, 'put'),
      shelfEvent(utc('2024-10-27T00:15:00Z'), 'lane-a01', 1),
      shelfEvent(utc('2024-10-27T01:20:00Z'), 'lane-a01', 2),
      // lane-a02: sells out at local 01:30 and is restocked at local 03:20 (02:20 UTC).
      level(utc('2024-10-26T21:00:00Z'), 'lane-a02', 2),
      shelfEvent(utc('2024-10-26T22:20:00Z'), 'lane-a02', 1),
      shelfEvent(utc('2024-10-26T23:30:00Z'), 'lane-a02', 1),
      level(utc('2024-10-26T23:30:00Z'), 'lane-a02', 0),
      shelfEvent(utc('2024-10-27T02:20:00Z'), 'lane-a02', 10, 'put'),
      level(utc('2024-10-27T02:20:00Z'), 'lane-a02', 10),
      shelfEvent(utc('2024-10-27T03:30:00Z'), 'lane-a02', 1),
      // Another store's pick in the silent hour observes nothing here.
      shelfEvent(utc('2024-10-27T04:10:00Z'), 'lane-a01', 7, 'pick', 'hamburg-1'),
      weight(utc('2024-10-27T04:10:00Z'), 'hamburg-1'),
    ]);

    const dataset = await telemetryDataset(repo, {
      site: 'berlin-1',
      task: 'lane-depletion',
      from,
      to,
      timeZone: ZONE,
      granularity: 'hour',
    });

    expect(dataset.series.map((s) => s.name)).toEqual(['lane:lane-a01', 'lane:lane-a02']);
    const [a01, a02] = dataset.series;
    // Steps run on the local clock from local midnight.
    expect(a01?.start).toBe(Date.UTC(2024, 9, 27, 0));
    //                    00 01 02 03 04  05    06
    expect(values(a01)).toEqual([3, 0, 3, 0, 0, NaN_, 0]);
    // Empty from 01:30 until the restock in 03:00: 01, 02 (both of them) and 03 are censored.
    expect(values(a02)).toEqual([1, NaN_, NaN_, NaN_, 1, NaN_, 0]);
    expect(dataset.rows).toBe(7);
  });

  it('starts a lane censored when it stood empty before the range', async () => {
    const repo = await store();
    await write(repo, [
      ...heartbeats(from, to),
      level(utc('2024-10-20T12:00:00Z'), 'lane-a03', 0),
      level(utc('2024-10-27T00:30:00Z'), 'lane-a03', 8),
      shelfEvent(utc('2024-10-27T02:10:00Z'), 'lane-a03', 2),
    ]);
    const [a03] = (
      await telemetryDataset(repo, {
        site: 'berlin-1',
        task: 'lane-depletion',
        from,
        to,
        timeZone: ZONE,
        granularity: 'hour',
      })
    ).series;
    expect(a03?.name).toBe('lane:lane-a03');
    // Restocked in the first 02:00 (CEST), which shares its step with the second.
    expect(values(a03)).toEqual([NaN_, NaN_, NaN_, 2, 0, 0, 0]);
  });
});

describe('telemetryDataset: footfall', () => {
  it('leaves the spring-forward hour a gap', async () => {
    const repo = await store();
    // 31 Mar 2024, Berlin: 02:00 CET jumps to 03:00 CEST at 01:00 UTC.
    const from = utc('2024-03-30T23:00:00Z');
    const to = utc('2024-03-31T03:00:00Z');
    const items: Item[] = [];
    for (let h = from; h < to; h += HOUR)
      items.push(interval(h + 60_000, 'north', 1), interval(h + 120_000, 'north', 2));
    await write(repo, items);
    const dataset = await telemetryDataset(repo, {
      site: 'berlin-1',
      task: 'footfall',
      from,
      to,
      timeZone: ZONE,
      granularity: 'hour',
    });
    expect(dataset.series.map((s) => s.name)).toEqual(['door:north']);
    //                    00 01 02    03 04
    expect(values(dataset.series[0])).toEqual([3, 3, NaN_, 3, 3]);
    expect(dataset.series[0]?.start).toBe(Date.UTC(2024, 2, 31, 0));
  });

  it('sums local days, the 25-hour one included; a day with an unknown hour or cut by the range is NaN', async () => {
    const repo = await store();
    // Local 26 Oct 00:00 (22:00 UTC the day before) to 29 Oct 00:00, plus 6 hours of 29 Oct.
    const from = utc('2024-10-25T22:00:00Z');
    const to = utc('2024-10-28T23:00:00Z') + 6 * HOUR;
    const silent = utc('2024-10-28T10:00:00Z');
    const items: Item[] = [];
    for (let h = from; h < to; h += HOUR) if (h !== silent) items.push(interval(h + 60_000, 'north', 2));
    items.push(interval(utc('2024-10-26T09:30:00Z'), 'south', 4));
    await write(repo, items);
    const dataset = await telemetryDataset(repo, {
      site: 'berlin-1',
      task: 'footfall',
      from,
      to,
      timeZone: ZONE,
      granularity: 'day',
    });
    const [north, south] = dataset.series;
    expect(north?.start).toBe(Date.UTC(2024, 9, 26));
    //                     26 Oct   27 Oct (25 h)  28 Oct  29 Oct (6 of 24 h)
    expect(values(north)).toEqual([48, 50, NaN_, NaN_]);
    expect(values(south)).toEqual([4, 0, NaN_, NaN_]);
  });

  it('refuses a zone whose hours are not whole UTC hours', async () => {
    const repo = await store();
    await expect(
      telemetryDataset(repo, {
        site: 'berlin-1',
        task: 'footfall',
        from: utc('2024-10-27T00:00:00Z'),
        to: utc('2024-10-28T00:00:00Z'),
        timeZone: 'Asia/Kolkata',
        granularity: 'hour',
      }),
    ).rejects.toThrow(/Asia\/Kolkata is not a whole number of hours/);
  });
});
