import { expect, it } from 'vitest';
import type { ReplenishmentRepository } from '../../../hub/src/replenishment/replenishment.repository.js';
import type { StaffTask, StoreOrder } from '../../../hub/src/replenishment/replenishment.types.js';
import type { DeliveryJob } from '../../../protocols/src/index.js';
import type { MakeStoreFixture } from './fixture.js';

/** The `ReplenishmentRepository` contract, run by every relational backend. */

const AT = 1_767_225_600_000;
const why = { rule: 'order-up-to', text: 'below the reorder point', values: { onHand: 3, target: 12.5 } };

const task = (id: string, overrides: Partial<StaffTask> = {}): StaffTask => ({
  id,
  site: 'store-a',
  kind: 'refill',
  state: 'open',
  sku: 'SKU-1',
  lane: 'a01',
  units: 6,
  priority: 512.25,
  createdAt: AT,
  updatedAt: AT,
  explanation: why,
  ...overrides,
});

const order = (id: string, overrides: Partial<StoreOrder> = {}): StoreOrder => ({
  id,
  site: 'store-a',
  state: 'proposed',
  lines: [
    { sku: 'SKU-1', quantity: 24, explanation: why },
    { sku: 'SKU-2', quantity: 12, explanation: { rule: 'min', text: 'presentation floor', values: {} } },
  ],
  totalUnits: 36,
  review: [{ code: 'NO_HISTORY', sku: 'SKU-1', quantity: 24, limit: 3 }],
  createdAt: AT,
  updatedAt: AT,
  ...overrides,
});

const job = (id: string, orderId: string, windows: DeliveryJob['timeWindows'] = []): DeliveryJob => ({
  id,
  kind: 'store-order',
  site: 'store-a',
  order: orderId,
  location: { lat: 52.52, lon: 13.405 },
  demand: [36],
  timeWindows: windows,
  serviceMs: 900_000,
  createdAt: AT,
});

export function replenishmentRepositoryContract(make: MakeStoreFixture<ReplenishmentRepository>): void {
  it('stores tasks as given and keeps one open or claimed refill task per lane', async () => {
    const { repository, reopen } = await make();
    expect(await repository.createTask(task('t-1', { zone: 'front', dueBy: AT + 3_600_000 }))).toBe(true);
    expect(await repository.createTask(task('t-2'))).toBe(false);
    // Other lanes, and tasks of other kinds on the same lane, are not refills of that lane.
    expect(await repository.createTask(task('t-3', { lane: 'a02', priority: 900 }))).toBe(true);
    expect(await repository.createTask(task('t-4', { kind: 'phantom-check' }))).toBe(true);
    const second = await reopen();
    expect(await second.task('t-1')).toEqual({
      value: task('t-1', { zone: 'front', dueBy: AT + 3_600_000 }),
      revision: 0,
    });
    expect((await second.activeRefill('store-a', 'a01'))?.value.id).toBe('t-1');
    expect(await second.task('t-2')).toBeUndefined();
    expect((await second.tasks('store-a', { limit: 10 })).map((t) => t.id)).toEqual(['t-3', 't-1', 't-4']);
    expect(await second.tasks('store-b', { limit: 10 })).toEqual([]);
  });

  it('updates a task only at the revision it was read at; a closed refill frees its lane', async () => {
    const { repository, reopen } = await make();
    await repository.createTask(task('t-1'));
    const claimed = task('t-1', { state: 'claimed', claimedBy: 'ann', claimedAt: AT + 1, updatedAt: AT + 1 });
    expect(await repository.updateTask(claimed, 0)).toBe(true);
    const other = await reopen();
    expect(await other.updateTask(task('t-1', { state: 'claimed', claimedBy: 'bob' }), 0)).toBe(false);
    expect(await other.task('t-1')).toEqual({ value: claimed, revision: 1 });
    expect(await other.createTask(task('t-2'))).toBe(false);
    const done = { ...claimed, state: 'done' as const, closedBy: 'ann', closedAt: AT + 2, unitsMoved: 5 };
    expect(await other.updateTask(done, 1)).toBe(true);
    expect(await other.activeRefill('store-a', 'a01')).toBeUndefined();
    expect(await other.createTask(task('t-2'))).toBe(true);
    expect((await repository.tasks('store-a', { states: ['done'], limit: 10 })).map((t) => t.id)).toEqual(['t-1']);
    expect((await repository.tasks('store-a', { states: ['open', 'claimed'], limit: 10 })).map((t) => t.id)).toEqual([
      't-2',
    ]);
    expect(await repository.tasks('store-a', { limit: 1 })).toHaveLength(1);
  });

  it('stores an order with its lines, and its approval with the delivery job in one update', async () => {
    const { repository, reopen } = await make();
    await repository.createOrder(order('o-1'));
    await repository.createOrder(order('o-2', { createdAt: AT + 10, state: 'rejected', closedReason: 'no' }));
    const second = await reopen();
    expect(await second.order('o-1')).toEqual({ value: order('o-1'), revision: 0 });
    expect((await second.orders('store-a', { limit: 10 })).map((o) => o.id)).toEqual(['o-2', 'o-1']);
    expect((await second.orders('store-a', { states: ['proposed'], limit: 10 })).map((o) => o.id)).toEqual(['o-1']);
    const approved = order('o-1', { state: 'approved', approval: 'manual', decidedBy: 'pat', decidedAt: AT + 5 });
    expect(await second.updateOrder(approved, 0, { createJob: job('j-1', 'o-1') })).toBe(true);
    // A writer still at revision 0 loses, and its job is not created.
    expect(
      await repository.updateOrder(order('o-1', { state: 'cancelled' }), 0, { createJob: job('j-2', 'o-1') }),
    ).toBe(false);
    expect(await repository.order('o-1')).toEqual({ value: approved, revision: 1 });
    expect(await repository.jobs('o-1')).toEqual([{ job: job('j-1', 'o-1'), status: 'pending' }]);
    expect(await repository.order('o-9')).toBeUndefined();
  });

  it('counts undelivered units as on order and delivered lines as the typical-quantity history', async () => {
    const { repository } = await make();
    await repository.createOrder(order('o-1'));
    await repository.createOrder(order('o-2', { lines: [{ sku: 'SKU-1', quantity: 10, explanation: why }] }));
    await repository.createOrder(
      order('o-3', { state: 'rejected', lines: [{ sku: 'SKU-1', quantity: 99, explanation: why }] }),
    );
    await repository.createOrder(
      order('o-4', { site: 'store-b', lines: [{ sku: 'SKU-1', quantity: 7, explanation: why }] }),
    );
    expect(await repository.onOrder('store-a', 'SKU-1')).toBe(34);
    expect(await repository.onOrder('store-a', 'SKU-2')).toBe(12);
    expect(await repository.onOrder('store-a', 'SKU-9')).toBe(0);
    expect((await repository.recentDelivered('store-a', ['SKU-1'], 5)).get('SKU-1')).toEqual([]);
    const delivered = (id: string, at: number) =>
      order(id, {
        state: 'delivered',
        deliveredAt: at,
        updatedAt: at,
        approval: 'auto',
        decidedBy: 'hub',
        decidedAt: AT,
      });
    expect(await repository.updateOrder(delivered('o-1', AT + 100), 0, { jobStatus: 'delivered' })).toBe(true);
    expect(
      await repository.updateOrder(
        { ...delivered('o-2', AT + 200), lines: [{ sku: 'SKU-1', quantity: 10, explanation: why }] },
        0,
      ),
    ).toBe(true);
    expect(await repository.onOrder('store-a', 'SKU-1')).toBe(0);
    const recent = await repository.recentDelivered('store-a', ['SKU-1', 'SKU-2', 'SKU-1'], 5);
    expect(Object.fromEntries(recent)).toEqual({ 'SKU-1': [10, 24], 'SKU-2': [12] });
    expect((await repository.recentDelivered('store-a', ['SKU-1'], 1)).get('SKU-1')).toEqual([10]);
    expect((await repository.recentDelivered('store-b', ['SKU-1'], 5)).get('SKU-1')).toEqual([]);
  });

  it('keeps the stock ledger: delivered lines less units moved by done refills, and what is on order', async () => {
    const { repository } = await make();
    const delivered = order('o-1', { state: 'delivered', deliveredAt: AT + 100, approval: 'auto', decidedBy: 'hub' });
    await repository.createOrder(order('o-1'));
    expect(await repository.updateOrder(delivered, 0)).toBe(true);
    await repository.createOrder(
      order('o-2', { state: 'approved', lines: [{ sku: 'SKU-1', quantity: 5, explanation: why }] }),
    );
    await repository.createOrder(order('o-3', { site: 'store-b', state: 'delivered' }));
    // Done refills move stock out of the backroom; open and skipped ones do not.
    await repository.createTask(task('t-1', { state: 'done', unitsMoved: 20, closedAt: AT + 200 }));
    await repository.createTask(task('t-2', { lane: 'a02', state: 'done', sku: 'SKU-2', unitsMoved: 15 }));
    await repository.createTask(task('t-3', { lane: 'a03', state: 'skipped', skipReason: 'aisle blocked' }));
    await repository.createTask(task('t-4', { lane: 'a04' }));
    expect(Object.fromEntries(await repository.stockLedger('store-a'))).toEqual({
      // 24 delivered − 20 moved; 5 on the approved order.
      'SKU-1': { backroom: 4, onOrder: 5 },
      // 12 delivered − 15 moved (a recount is due): floored at 0.
      'SKU-2': { backroom: 0, onOrder: 0 },
    });
    expect((await repository.stockLedger('store-c')).size).toBe(0);
  });

  it('lists pending jobs whose window overlaps the range, or that have none', async () => {
    const { repository } = await make();
    const windowed = [
      ['o-1', AT + 1000, AT + 2000],
      ['o-2', AT + 5000, AT + 6000],
    ] as const;
    for (const [id, start, end] of windowed) {
      await repository.createOrder(order(id, { state: 'approved' }), {
        createJob: job(`j-${id}`, id, [{ start, end }]),
      });
    }
    await repository.createOrder(order('o-3', { state: 'approved' }), { createJob: job('j-o-3', 'o-3') });
    await repository.createOrder(order('o-4', { state: 'approved' }), { createJob: job('j-o-4', 'o-4') });
    expect(await repository.updateOrder(order('o-4', { state: 'dispatched' }), 0, { jobStatus: 'dispatched' })).toBe(
      true,
    );
    const ids = async (from: number, to: number) => (await repository.pendingJobs(from, to)).map((j) => j.id);
    expect(await ids(AT, AT + 3000)).toEqual(['j-o-1', 'j-o-3']);
    expect(await ids(AT + 2000, AT + 5000)).toEqual(['j-o-3']);
    expect(await ids(AT + 1500, AT + 5500)).toEqual(['j-o-1', 'j-o-2', 'j-o-3']);
    expect(await repository.jobs('o-4')).toEqual([{ job: job('j-o-4', 'o-4'), status: 'dispatched' }]);
  });
}
