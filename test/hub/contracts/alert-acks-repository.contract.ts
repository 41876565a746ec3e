import { expect, it } from 'vitest';
import type { AlertAck, AlertAcksRepository } from '../../../hub/src/alerts/alert-acks.repository.js';
import type { MakeStoreFixture } from './fixture.js';

/** The `AlertAcksRepository` contract, run by every relational backend. */

const AT = 1_767_225_600_000;
const ack = (key: string, raisedAt: number, by: string, at = AT, site = 'store-a'): AlertAck => ({
  site,
  key: `alert:low-stock:lane:${key}`,
  raisedAt,
  at,
  by,
});

const lane = (a: AlertAck) => a.key.split(':').at(-1);

export function alertAcksRepositoryContract(make: MakeStoreFixture<AlertAcksRepository>): void {
  it('keeps the first acknowledgement of a raising; a later raising replaces it, an earlier one does not', async () => {
    const { repository, reopen } = await make();
    expect(await repository.put({ ...ack('a01', AT - 10, 'ann'), note: 'on it' })).toEqual({
      held: { ...ack('a01', AT - 10, 'ann'), note: 'on it' },
      stored: true,
    });
    expect(await repository.put(ack('a01', AT - 10, 'ben', AT + 5))).toEqual({
      held: { ...ack('a01', AT - 10, 'ann'), note: 'on it' },
      stored: false,
    });
    expect(await repository.put(ack('a01', AT - 20, 'ben', AT + 6))).toMatchObject({ stored: false });
    expect(await repository.put(ack('a01', AT + 100, 'ben', AT + 200))).toEqual({
      held: ack('a01', AT + 100, 'ben', AT + 200),
      stored: true,
    });
    expect(await (await reopen()).list('store-a')).toEqual([ack('a01', AT + 100, 'ben', AT + 200)]);
  });

  it('lists a site’s acknowledgements newest first, and only that site’s', async () => {
    const { repository } = await make();
    await repository.put(ack('a01', AT, 'ann', AT + 1));
    await repository.put(ack('a02', AT, 'ann', AT + 3));
    await repository.put(ack('a03', AT, 'ann', AT + 2));
    await repository.put(ack('a01', AT, 'bea', AT + 9, 'store-b'));
    expect((await repository.list('store-a')).map(lane)).toEqual(['a02', 'a03', 'a01']);
    expect(await repository.list('store-b')).toEqual([ack('a01', AT, 'bea', AT + 9, 'store-b')]);
    expect(await repository.list('store-c')).toEqual([]);
  });

  it('prunes the oldest acknowledgements beyond the newest `keep` of a site, leaving other sites alone', async () => {
    const { repository } = await make();
    for (let i = 0; i < 12; i++) await repository.put(ack(`a${i}`, AT, 'ann', AT + i));
    await repository.put(ack('b0', AT, 'bea', AT - 1, 'store-b'));
    expect(await repository.prune('store-a', 20)).toBe(0);
    expect(await repository.prune('store-a', 5)).toBe(7);
    expect((await repository.list('store-a')).map(lane)).toEqual(['a11', 'a10', 'a9', 'a8', 'a7']);
    expect(await repository.list('store-b')).toHaveLength(1);
  });
}
