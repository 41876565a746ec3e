import { expect, it } from 'vitest';
import type { SeriesItem, SeriesRepository } from '../../../hub/src/ingest/series.repository.js';
import type { MakeStoreFixture } from './fixture.js';

/**
 * The `SeriesRepository` contract, run by every time-series backend: each item is held once,
 * keyed by its origin's (boot, seq), however often and by whichever lane it arrives; `count`
 * filters by site and type. What `write` reports about duplicates is checked only where the backend
 * says it can know (`countsDuplicates`).
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
}
