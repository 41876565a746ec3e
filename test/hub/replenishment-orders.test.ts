/**
 * Store orders on a real hub: an order within the SKU's usual quantities is approved by the hub at
 * once, an outlier waits for an admin or planner with the reason visible; approval creates the
 * delivery job routing reads through `DeliveryJobs` (and hears of as it is created); dispatch and
 * delivery move it along, delivered lines become the typical quantity and leave on-order; every
 * change is audited and pushed on the site's `orders` channel.
 */

import { afterAll, describe, expect, it } from 'vitest';
import { DeliveryJobs } from '../../hub/src/replenishment/delivery-jobs.service.js';
import { OrdersService } from '../../hub/src/replenishment/orders.service.js';
import { type DeliveryJob, deliveryJobCodec } from '../../protocols/src/index.js';
import { login, startReplenishmentHub, user, WHY, watch } from './replenishment-harness.js';

describe('replenishment store orders', async () => {
  const { hub, close } = await startReplenishmentHub({ maxFactor: 1.5, history: 4, minHistory: 2, maxOrderUnits: 500 });
  const admin = await login(hub, 'root', 'root-secret-1');
  const pat = await user(hub, admin, 'pat', 'planner');
  const ann = await user(hub, admin, 'ann', 'staff', ['store-a']);
  const orders = hub.app.get(OrdersService);
  const deliveryJobs = hub.app.get(DeliveryJobs);
  const announced: DeliveryJob[] = [];
  const stopListening = deliveryJobs.onJobCreated((job) => announced.push(job));
  const screen = await watch(hub, ann.token, 'store-a', 'orders');
  afterAll(async () => {
    stopListening();
    screen.socket.close();
    await close();
  });
  const line = (sku: string, quantity: number) => ({ sku, quantity, explanation: WHY });

  /** Proposes, approves (by pat when it waits), dispatches and delivers an order. */
  async function deliver(lines: ReturnType<typeof line>[]) {
    const order = await orders.propose({ site: 'store-a', lines });
    if (order.state === 'proposed') await pat.call('POST', `/api/sites/store-a/orders/${order.id}/approve`);
    await pat.call('POST', `/api/sites/store-a/orders/${order.id}/dispatch`);
    const delivered = await ann.call('POST', `/api/sites/store-a/orders/${order.id}/deliver`);
    expect(delivered.body.state).toBe('delivered');
    return order;
  }

  it('sends an order of SKUs never delivered here to a human, with the reason', async () => {
    const order = await orders.propose({ site: 'store-a', lines: [line('MILK-1', 24)] });
    expect(order).toMatchObject({ state: 'proposed', review: [{ code: 'NO_HISTORY', sku: 'MILK-1', quantity: 24 }] });
    const listed = await ann.call('GET', '/api/sites/store-a/orders?state=proposed');
    expect(listed.body.map((o: { id: string }) => o.id)).toEqual([order.id]);
    expect(await orders.onOrder('store-a', 'MILK-1')).toBe(24);
    // Staff may see it but not approve it.
    expect(await ann.call('POST', `/api/sites/store-a/orders/${order.id}/approve`)).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN_ROLE' },
    });
    expect(await pat.call('POST', `/api/sites/store-a/orders/${order.id}/reject`, { reason: 'test' })).toMatchObject({
      status: 200,
      body: { state: 'rejected', decidedBy: 'pat', closedReason: 'test' },
    });
    expect(await orders.onOrder('store-a', 'MILK-1')).toBe(0);
  });

  it('approves an order within bounds at once and creates its delivery job', async () => {
    await deliver([line('MILK-1', 20)]);
    await deliver([line('MILK-1', 24)]);
    // Typical: the median of 20 and 24 = 22; 1.5 × 22 = 33 units pass.
    const before = announced.length;
    const needBy = Date.now() + 86_400_000;
    const order = await orders.propose({ site: 'store-a', lines: [line('MILK-1', 30)], needBy });
    expect(order).toMatchObject({ state: 'approved', approval: 'auto', decidedBy: 'hub', review: [] });
    const job = announced[before] as DeliveryJob;
    expect(job).toMatchObject({
      kind: 'store-order',
      site: 'store-a',
      order: order.id,
      location: { lat: 52.52, lon: 13.405 },
      demand: [30],
      serviceMs: 600_000,
      timeWindows: [{ end: needBy }],
    });
    // What routing gets is a valid protocol DeliveryJob.
    expect(deliveryJobCodec.decode(deliveryJobCodec.encode(job))).toEqual({ ok: true, value: job });
    const pending = await deliveryJobs.pendingJobs(Date.now(), needBy + 1);
    expect(pending.map((j) => j.order)).toEqual([order.id]);
    expect(await deliveryJobs.pendingJobs(needBy + 10, needBy + 20)).toEqual([]);
    const rest = await pat.call('GET', `/api/delivery-jobs?from=${Date.now()}&to=${needBy}`);
    expect(rest).toMatchObject({ status: 200, body: [{ id: job.id, order: order.id }] });
    expect((await ann.call('GET', `/api/delivery-jobs?from=0&to=1`)).status).toBe(403);
    expect((await screen.next((c) => c.key === order.id)).value).toMatchObject({ state: 'approved', approval: 'auto' });
    expect(await orders.onOrder('store-a', 'MILK-1')).toBe(30);
    await pat.call('POST', `/api/sites/store-a/orders/${order.id}/cancel`, { reason: 'double' });
    expect(await deliveryJobs.pendingJobs(0, needBy + 1)).toEqual([]);
  });

  it('holds an outlier for approval with its typical quantity; approving creates the job', async () => {
    const order = await orders.propose({ site: 'store-a', lines: [line('MILK-1', 120)] });
    expect(order.state).toBe('proposed');
    expect(order.review).toEqual([{ code: 'ABOVE_TYPICAL', sku: 'MILK-1', quantity: 120, typical: 22, limit: 33 }]);
    const shown = await ann.call('GET', `/api/sites/store-a/orders/${order.id}`);
    expect(shown.body).toMatchObject({ review: [{ code: 'ABOVE_TYPICAL', typical: 22 }], jobs: [] });
    // Dispatching or delivering before approval is refused with the reason.
    expect(await pat.call('POST', `/api/sites/store-a/orders/${order.id}/dispatch`)).toMatchObject({
      status: 409,
      body: { code: 'ORDER_NOT_APPROVED' },
    });
    expect(await ann.call('POST', `/api/sites/store-a/orders/${order.id}/deliver`)).toMatchObject({
      status: 409,
      body: { code: 'ORDER_NOT_DISPATCHED' },
    });
    const before = announced.length;
    const approved = await pat.call('POST', `/api/sites/store-a/orders/${order.id}/approve`);
    expect(approved).toMatchObject({ status: 200, body: { state: 'approved', approval: 'manual', decidedBy: 'pat' } });
    expect(announced.slice(before).map((j) => j.order)).toEqual([order.id]);
    expect((await deliveryJobs.pendingJobs(0, Number.MAX_SAFE_INTEGER)).map((j) => j.order)).toEqual([order.id]);
    expect(await pat.call('POST', `/api/sites/store-a/orders/${order.id}/approve`)).toMatchObject({
      status: 409,
      body: { code: 'ORDER_NOT_PROPOSED' },
    });
    await pat.call('POST', `/api/sites/store-a/orders/${order.id}/dispatch`);
    expect(await deliveryJobs.pendingJobs(0, Number.MAX_SAFE_INTEGER)).toEqual([]);
    const detail = await pat.call('GET', `/api/sites/store-a/orders/${order.id}`);
    expect(detail.body.jobs).toMatchObject([{ status: 'dispatched', job: { order: order.id, demand: [120] } }]);
    expect(await pat.call('POST', `/api/sites/store-a/orders/${order.id}/cancel`, { reason: 'late' })).toMatchObject({
      status: 409,
      body: { code: 'ORDER_NOT_CANCELLABLE' },
    });
  });

  it('holds an order over the total cap even when every line is usual', async () => {
    await deliver([line('WATER-6', 350)]);
    await deliver([line('WATER-6', 350)]);
    // Lines within 1.5 × typical (MILK-1 30 ≤ 33, WATER-6 480 ≤ 525), 510 units in all.
    const order = await orders.propose({ site: 'store-a', lines: [line('MILK-1', 30), line('WATER-6', 480)] });
    expect(order.state).toBe('proposed');
    expect(order.review).toEqual([{ code: 'ABOVE_ORDER_CAP', quantity: 510, limit: 500 }]);
  });

  it('refuses an order for a site without a delivery point, and bad lines, storing nothing', async () => {
    await expect(orders.propose({ site: 'store-z', lines: [line('MILK-1', 1)] })).rejects.toMatchObject({
      response: { code: 'DELIVERY_SITE_UNKNOWN' },
    });
    await expect(orders.propose({ site: 'store-a', lines: [line('MILK-1', 0)] })).rejects.toMatchObject({
      response: { code: 'VALIDATION_FAILED' },
    });
    await expect(orders.propose({ site: 'store-a', lines: [] })).rejects.toMatchObject({
      response: { code: 'VALIDATION_FAILED' },
    });
  });

  it('audits every order change with who made it', async () => {
    const audit = (await admin.call('GET', '/api/audit')).body as Array<{ actor: string; action: string }>;
    const actions = audit.filter((a) => a.action.startsWith('order.')).map((a) => `${a.actor} ${a.action}`);
    expect(actions).toContain('hub order.propose');
    expect(actions).toContain('hub order.approve');
    expect(actions).toContain('pat order.approve');
    expect(actions).toContain('pat order.reject');
    expect(actions).toContain('pat order.dispatch');
    expect(actions).toContain('ann order.deliver');
    expect(actions).toContain('pat order.cancel');
  });
});
