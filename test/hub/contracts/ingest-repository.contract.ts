import { expect, it } from 'vitest';
import type { IngestRepository, LatestRow } from '../../../hub/src/ingest/ingest.repository.js';
import type { MakeStoreFixture } from './fixture.js';

/**
 * The `IngestRepository` contract, run by every relational backend: a gateway's ack cursor moves
 * over the contiguous prefix of stored ranges (ranges above a gap wait, persisted), latest values
 * move only forward in `ts`, gateway states are upserted.
 */

const AT = 1_767_225_600_000;
const MAX_PENDING = 1_000;

function latest(overrides: Partial<LatestRow> & { ts: number }): LatestRow {
  const row = { site: 'site-a', device: 'scale-1', key: 'shelf.level:lane-a01', type: 'shelf.level', ...overrides };
  return { ...row, item: JSON.stringify({ ts: row.ts, device: row.device }) };
}

export function ingestRepositoryContract(make: MakeStoreFixture<IngestRepository>): void {
  it('starts a cursor at 0 and advances it over contiguous ranges', async () => {
    const { repository } = await make();
    expect(await repository.cursor('gw-1', 'e1')).toBe(0);
    expect(await repository.advanceCursor('gw-1', 'e1', 1, 10, MAX_PENDING, AT)).toBe(10);
    expect(await repository.advanceCursor('gw-1', 'e1', 11, 20, MAX_PENDING, AT)).toBe(20);
    expect(await repository.cursor('gw-1', 'e1')).toBe(20);
  });

  it('holds a range above a gap until the gap is filled, and never moves back', async () => {
    const { repository } = await make();
    await repository.advanceCursor('gw-1', 'e1', 1, 10, MAX_PENDING, AT);
    expect(await repository.advanceCursor('gw-1', 'e1', 31, 40, MAX_PENDING, AT)).toBe(10);
    expect(await repository.advanceCursor('gw-1', 'e1', 21, 30, MAX_PENDING, AT)).toBe(10);
    expect(await repository.advanceCursor('gw-1', 'e1', 11, 20, MAX_PENDING, AT)).toBe(40);
    // Redelivered and overlapping ranges.
    expect(await repository.advanceCursor('gw-1', 'e1', 1, 10, MAX_PENDING, AT)).toBe(40);
    expect(await repository.advanceCursor('gw-1', 'e1', 35, 45, MAX_PENDING, AT)).toBe(45);
  });

  it('keeps the cursor and the ranges waiting above it for a new repository on the same database', async () => {
    const { repository, reopen } = await make();
    await repository.advanceCursor('gw-1', 'e1', 1, 10, MAX_PENDING, AT);
    await repository.advanceCursor('gw-1', 'e1', 21, 30, MAX_PENDING, AT);
    const second = await reopen();
    expect(await second.cursor('gw-1', 'e1')).toBe(10);
    expect(await second.advanceCursor('gw-1', 'e1', 11, 20, MAX_PENDING, AT)).toBe(30);
    expect(await repository.cursor('gw-1', 'e1')).toBe(30);
  });

  it('keeps cursors of other gateways and epochs apart', async () => {
    const { repository } = await make();
    await repository.advanceCursor('gw-1', 'e1', 1, 10, MAX_PENDING, AT);
    await repository.advanceCursor('gw-1', 'e2', 1, 3, MAX_PENDING, AT);
    await repository.advanceCursor('gw-2', 'e1', 1, 5, MAX_PENDING, AT);
    expect(await repository.cursor('gw-1', 'e1')).toBe(10);
    expect(await repository.cursor('gw-1', 'e2')).toBe(3);
    expect(await repository.cursor('gw-2', 'e1')).toBe(5);
    expect(await repository.cursor('gw-2', 'e2')).toBe(0);
  });

  it('refuses a range that would leave too many waiting, changing nothing', async () => {
    const { repository } = await make();
    await repository.advanceCursor('gw-1', 'e1', 1, 1, 2, AT);
    await repository.advanceCursor('gw-1', 'e1', 3, 3, 2, AT);
    await repository.advanceCursor('gw-1', 'e1', 5, 5, 2, AT);
    await expect(repository.advanceCursor('gw-1', 'e1', 7, 7, 2, AT)).rejects.toBeInstanceOf(RangeError);
    expect(await repository.advanceCursor('gw-1', 'e1', 2, 2, 2, AT)).toBe(3);
    // Had [7, 7] been kept, filling 4 and 6 would reach 7.
    expect(await repository.advanceCursor('gw-1', 'e1', 4, 4, 2, AT)).toBe(5);
    expect(await repository.advanceCursor('gw-1', 'e1', 6, 6, 2, AT)).toBe(6);
  });

  it('advances many cursors in one call, in order per gateway, refusing only the range past the bound', async () => {
    const { repository } = await make();
    const results = await repository.advanceCursors(
      [
        { gateway: 'gw-2', epoch: 'e1', firstSeq: 1, lastSeq: 5 },
        { gateway: 'gw-1', epoch: 'e1', firstSeq: 11, lastSeq: 20 },
        { gateway: 'gw-1', epoch: 'e1', firstSeq: 1, lastSeq: 10 },
        { gateway: 'gw-2', epoch: 'e1', firstSeq: 8, lastSeq: 8 },
        { gateway: 'gw-2', epoch: 'e1', firstSeq: 10, lastSeq: 10 },
        { gateway: 'gw-2', epoch: 'e1', firstSeq: 12, lastSeq: 12 },
      ],
      2,
      AT,
    );
    expect(results.slice(0, 5)).toEqual([5, 0, 20, 5, 5]);
    expect(results[5]).toBeInstanceOf(RangeError);
    expect(await repository.cursor('gw-1', 'e1')).toBe(20);
    // gw-2 kept [8, 8] and [10, 10] waiting, not the refused [12, 12].
    expect(await repository.advanceCursor('gw-2', 'e1', 6, 7, 2, AT)).toBe(8);
    expect(await repository.advanceCursor('gw-2', 'e1', 9, 9, 2, AT)).toBe(10);
    expect(await repository.advanceCursor('gw-2', 'e1', 11, 11, 2, AT)).toBe(11);
  });

  it('commits a group (latest values and cursor ranges) together, or nothing of it', async () => {
    const { repository } = await make();
    const group = {
      latest: [latest({ ts: AT + 5 })],
      ranges: [{ gateway: 'gw-1', epoch: 'e1', firstSeq: 1, lastSeq: 10 }],
    };
    await expect(
      repository.storeGroup({ ...group, maxPending: MAX_PENDING, at: AT }, async () => {
        throw new Error('the series write failed');
      }),
    ).rejects.toThrow('the series write failed');
    expect(await repository.cursor('gw-1', 'e1')).toBe(0);
    expect(await repository.latest('site-a')).toEqual([]);
    const done = await repository.storeGroup({ ...group, maxPending: MAX_PENDING, at: AT }, async () => 'written');
    expect(done).toMatchObject({ alongside: 'written', cursors: [10] });
    expect(done.moved.map((r) => r.ts)).toEqual([AT + 5]);
    expect(await repository.cursor('gw-1', 'e1')).toBe(10);
  });

  it('counts every range of concurrent advances on one repository', async () => {
    const { repository } = await make();
    // 50 ranges of 10, highest first, all in flight at once.
    const ranges = Array.from({ length: 50 }, (_, i) => 50 - i).map((n) => [n * 10 - 9, n * 10] as const);
    await Promise.all(
      ranges.map(([first, last]) => repository.advanceCursor('gw-1', 'e1', first, last, MAX_PENDING, AT)),
    );
    expect(await repository.cursor('gw-1', 'e1')).toBe(500);
    expect(await repository.advanceCursor('gw-1', 'e1', 501, 501, MAX_PENDING, AT)).toBe(501);
  });

  it('moves a latest value only to a newer ts', async () => {
    const { repository } = await make();
    expect(await repository.upsertLatest([latest({ ts: AT })])).toEqual([latest({ ts: AT })]);
    expect(await repository.upsertLatest([latest({ ts: AT - 1 })])).toEqual([]);
    expect(await repository.upsertLatest([latest({ ts: AT })])).toEqual([]);
    expect(await repository.latest('site-a')).toEqual([latest({ ts: AT })]);
    expect(await repository.upsertLatest([latest({ ts: AT + 1 })])).toEqual([latest({ ts: AT + 1 })]);
    expect(await repository.latest('site-a')).toEqual([latest({ ts: AT + 1 })]);
  });

  it('returns only the latest values of a batch that moved', async () => {
    const { repository } = await make();
    await repository.upsertLatest([latest({ ts: AT }), latest({ ts: AT, device: 'scale-2' })]);
    const moved = await repository.upsertLatest([
      latest({ ts: AT + 5 }),
      latest({ ts: AT - 5, device: 'scale-2' }),
      latest({ ts: AT, device: 'scale-3' }),
    ]);
    expect(moved).toEqual([latest({ ts: AT + 5 }), latest({ ts: AT, device: 'scale-3' })]);
    expect((await repository.latest('site-a')).map((r) => [r.device, r.ts])).toEqual([
      ['scale-1', AT + 5],
      ['scale-2', AT],
      ['scale-3', AT],
    ]);
  });

  it("lists a site's latest values by device and key, optionally of one type", async () => {
    const { repository } = await make();
    const weight = { type: 'shelf.weight', key: 'shelf.weight:lane-a01' };
    await repository.upsertLatest([
      latest({ ts: AT, device: 'scale-2' }),
      latest({ ts: AT, device: 'scale-1', ...weight }),
      latest({ ts: AT, device: 'scale-1' }),
      latest({ ts: AT, device: 'scale-1', key: 'shelf.level:lane-a02' }),
      latest({ ts: AT, site: 'site-b' }),
    ]);
    expect((await repository.latest('site-a')).map((r) => `${r.device} ${r.key}`)).toEqual([
      'scale-1 shelf.level:lane-a01',
      'scale-1 shelf.level:lane-a02',
      'scale-1 shelf.weight:lane-a01',
      'scale-2 shelf.level:lane-a01',
    ]);
    expect(await repository.latest('site-a', 'shelf.weight')).toEqual([
      latest({ ts: AT, device: 'scale-1', ...weight }),
    ]);
    expect(await repository.latest('site-c')).toEqual([]);
  });

  it("replaces a gateway's state when it is saved again", async () => {
    const { repository, reopen } = await make();
    const state = { site: 'site-a', status: 'online', boot: 1, state: '{"status":"online"}', updatedAt: AT };
    await repository.saveGatewayState({ gateway: 'gw-2', ...state });
    await repository.saveGatewayState({ gateway: 'gw-1', ...state });
    const offline = { ...state, status: 'offline', boot: 2, state: '{"status":"offline"}', updatedAt: AT + 60_000 };
    await repository.saveGatewayState({ gateway: 'gw-1', ...offline });
    const expected = [
      { gateway: 'gw-1', ...offline },
      { gateway: 'gw-2', ...state },
    ];
    expect(await repository.gatewayStates()).toEqual(expected);
    expect(await (await reopen()).gatewayStates()).toEqual(expected);
  });
}
