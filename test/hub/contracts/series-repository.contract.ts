import { expect, it } from 'vitest';
import type { SeriesItem, SeriesRepository } from '../../../hub/src/ingest/series.repository.js';
import type { MakeStoreFixture } from './fixture.js';

/**
 * The `SeriesRepository` contract, run by every time-series backend: each item is held once,
 * keyed by its origin's (boot, seq), however often and by whichever lane it arrives; `count`
 * filters by site and type; `hourlyField` and `hourlyCounts` aggregate per UTC hour in the store.
 * What `write` reports about duplicates is checked only where the backend says it can know
 * (`countsDuplicates`).
 */

/** Recent enough for any retention policy a backend keeps raw items under. */
const T0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;

function item(overrides: Partial<SeriesItem> & { seq: number }): SeriesItem {
  const site = overrides.site ?? 'site-a';
  const device = overrides.device ?? 'scale-1';
  return {
    origin: `${site}/${device}`,
    boot: 1,
    id: `id-${overrides.origin ?? `${site}/${device}`}-${overrides.boot ?? 1}-${overrides.seq}`,
    type: 'shelf.weight',
    site,
    device,
    gateway: 'gw-1',
    ts: T0 + overrides.seq * 1000,
    rx: T0 + overrides.seq * 1000 + 40,
    lane: 'live',
    flags: null,
    data: JSON.stringify({ lane: 'lane-a01', grams: 1000 + overrides.seq, stable: true }),
    ...overrides,
  };
}

const HOUR = 3_600_000;
/** A whole UTC hour a few hours back: the hourly reads cover it and the hour after. */
const H = Math.floor(T0 / HOUR) * HOUR - 3 * HOUR;

const pick = (seq: number, ts: number, lane: string, units: number, event = 'pick', site = 'site-a') =>
  item({
    seq,
    ts,
    site,
    origin: `${site}/gw-1`,
    device: 'scale-1',
    type: 'shelf.event',
    data: JSON.stringify({ lane, sku: 'sku-1', event, units, grams: units * 100 }),
  });

const seqs = (first: number, last: number) => Array.from({ length: last - first + 1 }, (_, i) => first + i);

export function seriesRepositoryContract(make: MakeStoreFixture<SeriesRepository>): void {
  it('holds an item once however often it is written, and says what it stored', async () => {
    const { repository } = await make();
    const first = seqs(1, 3).map((seq) => item({ seq }));
    expect(await repository.write(first)).toEqual({ inserted: 3, duplicates: 0, expired: 0 });

    const again = [...first, item({ seq: 4 })];
    const written = await repository.write(again);
    expect(written.inserted + written.duplicates + written.expired).toBe(again.length);
    if (repository.countsDuplicates) expect(written).toEqual({ inserted: 1, duplicates: 3, expired: 0 });
    expect(await repository.count({})).toBe(4);
  });

  it('holds an item written twice in one call once', async () => {
    const { repository } = await make();
    const written = await repository.write([item({ seq: 7 }), item({ seq: 7 })]);
    if (repository.countsDuplicates) expect(written).toEqual({ inserted: 1, duplicates: 1, expired: 0 });
    expect(await repository.count({})).toBe(1);
  });

  it('keys items by (origin, boot, seq): the same seq of another boot or origin is another item', async () => {
    const { repository } = await make();
    const ts = T0 + 5_000;
    await repository.write([
      item({ seq: 5, ts }),
      item({ seq: 5, ts, boot: 2 }),
      item({ seq: 5, ts, origin: 'site-a/gw-1', device: 'scale-9' }),
    ]);
    expect(await repository.count({})).toBe(3);
  });

  it('keeps items of one origin with the same timestamp apart', async () => {
    const { repository } = await make();
    await repository.write(seqs(1, 50).map((seq) => item({ seq, ts: T0 })));
    expect(await repository.count({})).toBe(50);
  });

  it('treats a hist redelivery of a live item as the same item', async () => {
    const { repository } = await make();
    await repository.write([item({ seq: 9 })]);
    await repository.write([item({ seq: 9, lane: 'hist', rx: null })]);
    expect(await repository.count({})).toBe(1);
  });

  it('counts by site, by type, by both and in all', async () => {
    const { repository } = await make();
    const temperature = { type: 'temperature', data: JSON.stringify({ probe: 'p1', celsius: 4.5 }) };
    await repository.write([
      ...seqs(1, 3).map((seq) => item({ seq })),
      ...seqs(4, 5).map((seq) => item({ seq, ...temperature })),
      ...seqs(1, 4).map((seq) => item({ seq, site: 'site-b' })),
      item({ seq: 5, site: 'site-b', ...temperature }),
    ]);
    expect(await repository.count({})).toBe(10);
    expect(await repository.count({ site: 'site-a' })).toBe(5);
    expect(await repository.count({ type: 'shelf.weight' })).toBe(7);
    expect(await repository.count({ site: 'site-b', type: 'temperature' })).toBe(1);
    expect(await repository.count({ site: 'site-c' })).toBe(0);
    expect(await repository.count({ type: 'gps.fix' })).toBe(0);
  });

  it('stores every item of a write larger than one batch', async () => {
    const { repository } = await make();
    const many = seqs(1, 1_234).map((seq) => item({ seq, ts: T0 + seq }));
    expect(await repository.write(many)).toMatchObject({ inserted: 1_234, expired: 0 });
    expect(await repository.count({ site: 'site-a' })).toBe(1_234);
  });

  it('stores nothing for an empty write', async () => {
    const { repository } = await make();
    expect(await repository.write([])).toEqual({ inserted: 0, duplicates: 0, expired: 0 });
    expect(await repository.count({})).toBe(0);
  });

  it('keeps what it stored for a new repository on the same store, which stays idempotent', async () => {
    const { repository, reopen } = await make();
    await repository.write(seqs(1, 20).map((seq) => item({ seq })));
    const second = await reopen();
    expect(await second.count({})).toBe(20);
    await second.write(seqs(11, 30).map((seq) => item({ seq })));
    expect(await second.count({})).toBe(30);
    expect(await repository.count({ site: 'site-a' })).toBe(30);
  });

  it('sums a data field per UTC hour and key, counting only items of the site, type, event and hours asked for', async () => {
    const { repository } = await make();
    await repository.write([
      pick(1, H + 60_000, 'lane-a01', 2),
      pick(2, H + 30 * 60_000, 'lane-a01', 3),
      pick(3, H + 40 * 60_000, 'lane-a01', 5, 'put'),
      pick(4, H + 50 * 60_000, 'lane-a02', 1),
      pick(5, H + HOUR + 10_000, 'lane-a01', 4),
      pick(6, H + HOUR, 'lane-a01', 1, 'pick', 'site-b'),
      pick(7, H - 1, 'lane-a01', 10),
      pick(8, H + 2 * HOUR, 'lane-a01', 10),
      item({ seq: 9, ts: H + 60_000, data: JSON.stringify({ lane: 'lane-a01', grams: 1000, stable: true }) }),
    ]);
    const rows = await repository.hourlyField({
      site: 'site-a',
      type: 'shelf.event',
      from: H,
      to: H + 2 * HOUR,
      key: 'lane',
      field: 'units',
      where: { event: 'pick' },
    });
    expect(rows).toEqual([
      { key: 'lane-a01', hour: H, count: 2, sum: 5, min: 2, last: 3 },
      { key: 'lane-a01', hour: H + HOUR, count: 1, sum: 4, min: 4, last: 4 },
      { key: 'lane-a02', hour: H, count: 1, sum: 1, min: 1, last: 1 },
    ]);
    // Without the event filter the put counts too.
    const all = await repository.hourlyField({
      site: 'site-a',
      type: 'shelf.event',
      from: H,
      to: H + HOUR,
      key: 'lane',
      field: 'units',
    });
    expect(all.find((r) => r.key === 'lane-a01')).toEqual({
      key: 'lane-a01',
      hour: H,
      count: 3,
      sum: 10,
      min: 2,
      last: 5,
    });
  });

  it("takes an hour's last value by timestamp, not by write order, and rounds bounds out to whole hours", async () => {
    const { repository } = await make();
    const level = (seq: number, ts: number, units: number) =>
      item({
        seq,
        ts,
        type: 'shelf.level',
        data: JSON.stringify({ lane: 'lane-a01', sku: 'sku-1', units, grams: units * 100, capacity: 20 }),
      });
    await repository.write([level(3, H + 50 * 60_000, 12), level(1, H + 10 * 60_000, 5), level(2, H + 20 * 60_000, 0)]);
    const rows = await repository.hourlyField({
      site: 'site-a',
      type: 'shelf.level',
      from: H + 30 * 60_000,
      to: H + 31 * 60_000,
      key: 'lane',
      field: 'units',
    });
    expect(rows).toEqual([{ key: 'lane-a01', hour: H, count: 3, sum: 17, min: 0, last: 12 }]);
  });

  it('groups footfall by door', async () => {
    const { repository } = await make();
    const interval = (seq: number, ts: number, door: string, entered: number) =>
      item({
        seq,
        ts,
        type: 'footfall.interval',
        device: 'door-1',
        data: JSON.stringify({ door, in: entered, out: 0, intervalMs: 60_000, occupancy: 3 }),
      });
    await repository.write([
      interval(1, H, 'north', 3),
      interval(2, H + 60_000, 'north', 4),
      interval(3, H, 'south', 0),
    ]);
    expect(
      await repository.hourlyField({
        site: 'site-a',
        type: 'footfall.interval',
        from: H,
        to: H + HOUR,
        key: 'door',
        field: 'in',
      }),
    ).toEqual([
      { key: 'north', hour: H, count: 2, sum: 7, min: 3, last: 4 },
      { key: 'south', hour: H, count: 1, sum: 0, min: 0, last: 0 },
    ]);
  });

  it('counts items of a site per UTC hour, of every type or of one', async () => {
    const { repository } = await make();
    await repository.write([
      item({ seq: 1, ts: H + 1_000 }),
      item({ seq: 2, ts: H + 2_000 }),
      pick(3, H + 3_000, 'lane-a01', 1),
      pick(4, H + 2 * HOUR + 5_000, 'lane-a01', 1),
      item({ seq: 5, ts: H + HOUR, site: 'site-b' }),
    ]);
    expect(await repository.hourlyCounts({ site: 'site-a', from: H, to: H + 3 * HOUR })).toEqual([
      { hour: H, count: 3 },
      { hour: H + 2 * HOUR, count: 1 },
    ]);
    expect(await repository.hourlyCounts({ site: 'site-a', type: 'shelf.weight', from: H, to: H + 3 * HOUR })).toEqual([
      { hour: H, count: 2 },
    ]);
    expect(await repository.hourlyCounts({ site: 'site-c', from: H, to: H + 3 * HOUR })).toEqual([]);
  });
}
