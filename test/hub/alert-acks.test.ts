/**
 * Store alert acknowledgements on a real hub (issue #10): staff acknowledge the raising of an
 * alert the gateway holds, every screen of the site hears who and when over socket.io, another
 * store's staff are refused, a cleared or re-raised alert is not covered by an old acknowledgement,
 * and each acknowledgement is audited and counted.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { user } from './replenishment-harness.js';
import { lowStock, startStoreHub, watchChannel } from './store-harness.js';

describe('store alert acknowledgements', async () => {
  const store = await startStoreHub({ alerts: { maxAcksPerSite: 2 } });
  const { hub, admin } = store;
  const ann = await user(hub, admin, 'ann', 'staff', ['store-a']);
  const ben = await user(hub, admin, 'ben', 'staff', ['store-a']);
  const bea = await user(hub, admin, 'bea', 'staff', ['store-b']);
  const planner = await user(hub, admin, 'pat', 'planner');
  const bensScreen = await watchChannel(hub, ben.token, 'store-a', 'alert-acks');
  afterAll(async () => {
    bensScreen.socket.close();
    await store.close();
  });

  const t0 = Date.now() - 600_000;
  const a01 = 'alert:low-stock:lane:a01';
  const first = lowStock('a01', 'raised', t0);
  await store.ingest('store-a', [{ type: 'alert', ts: t0, data: first }]);

  it('stores who acknowledged the raising and pushes it to a colleague’s screen', async () => {
    const acked = await ann.call('POST', '/api/sites/store-a/alerts/ack', { key: a01, raisedAt: t0, note: 'on it' });
    expect(acked).toMatchObject({ status: 200, body: { key: a01, raisedAt: t0, by: 'ann', note: 'on it' } });
    expect(acked.body.at).toBeGreaterThanOrEqual(t0);
    const pushed = await bensScreen.next((c) => c.key === a01);
    expect(pushed).toMatchObject({ channel: 'alert-acks', value: { key: a01, raisedAt: t0, by: 'ann' } });
    const listed = await ben.call('GET', '/api/sites/store-a/alerts/acks');
    expect(listed).toMatchObject({ status: 200, body: [{ key: a01, raisedAt: t0, by: 'ann', note: 'on it' }] });
    // A second click (or a colleague a moment later) keeps the first acknowledgement.
    expect((await ben.call('POST', '/api/sites/store-a/alerts/ack', { key: a01, raisedAt: t0 })).body).toMatchObject({
      by: 'ann',
    });
    const audit = await admin.call('GET', '/api/audit');
    expect(audit.body.filter((e: { action: string }) => e.action === 'alert.ack')).toEqual([
      expect.objectContaining({
        actor: 'ann',
        target: a01,
        detail: { site: 'store-a', rule: 'low-stock', raisedAt: t0, note: 'on it' },
      }),
    ]);
  });

  it('acknowledges by the latest row’s ts too, and an update of the same raising stays acknowledged', async () => {
    await store.ingest('store-a', [{ type: 'alert', ts: t0 + 60_000, data: { ...first, state: 'updated' } }]);
    expect((await ann.call('GET', '/api/sites/store-a/alerts/acks')).body).toHaveLength(1);
    const b02 = lowStock('b02', 'raised', t0 + 1000);
    await store.ingest('store-a', [
      { type: 'alert', ts: t0 + 1000, data: b02 },
      { type: 'alert', ts: t0 + 90_000, data: { ...b02, state: 'updated' } },
    ]);
    const acked = await admin.call('POST', '/api/sites/store-a/alerts/ack', {
      key: 'alert:low-stock:lane:b02',
      raisedAt: t0 + 90_000,
    });
    expect(acked).toMatchObject({ status: 200, body: { raisedAt: t0 + 1000, by: 'root' } });
  });

  it('shows a re-raised alert unacknowledged: the old acknowledgement does not cover it', async () => {
    await store.ingest('store-a', [{ type: 'alert', ts: t0 + 120_000, data: { ...first, state: 'cleared' } }]);
    expect((await ann.call('GET', '/api/sites/store-a/alerts/acks')).body.map((a: { key: string }) => a.key)).toEqual([
      'alert:low-stock:lane:b02',
    ]);
    expect(await ann.call('POST', '/api/sites/store-a/alerts/ack', { key: a01, raisedAt: t0 })).toMatchObject({
      status: 409,
      body: { code: 'ALERT_NOT_HELD' },
    });
    const again = lowStock('a01', 'raised', t0 + 180_000);
    await store.ingest('store-a', [{ type: 'alert', ts: t0 + 180_000, data: again }]);
    expect((await ann.call('GET', '/api/sites/store-a/alerts/acks')).body.map((a: { key: string }) => a.key)).toEqual([
      'alert:low-stock:lane:b02',
    ]);
    // A screen still showing the first raising is told it was raised again.
    expect(await ben.call('POST', '/api/sites/store-a/alerts/ack', { key: a01, raisedAt: t0 })).toMatchObject({
      status: 409,
      body: { code: 'ALERT_RAISED_AGAIN' },
    });
    const acked = await ben.call('POST', '/api/sites/store-a/alerts/ack', { key: a01, raisedAt: t0 + 180_000 });
    expect(acked).toMatchObject({ status: 200, body: { by: 'ben', raisedAt: t0 + 180_000 } });
    expect((await bensScreen.next((c) => c.key === a01 && c.value.by === 'ben')).value.raisedAt).toBe(t0 + 180_000);
  });

  it('refuses staff of another store, planners, unknown sites and bad bodies with their codes', async () => {
    expect(await bea.call('POST', '/api/sites/store-a/alerts/ack', { key: a01, raisedAt: t0 })).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN_SITE' },
    });
    expect(await bea.call('GET', '/api/sites/store-a/alerts/acks')).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN_SITE' },
    });
    expect(await planner.call('POST', '/api/sites/store-a/alerts/ack', { key: a01, raisedAt: t0 })).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN_ROLE' },
    });
    expect(await admin.call('POST', '/api/sites/store-z/alerts/ack', { key: a01, raisedAt: t0 })).toMatchObject({
      status: 404,
      body: { code: 'SITE_UNKNOWN' },
    });
    for (const body of [{ key: a01 }, { key: 'lane:a01', raisedAt: t0 }, { key: a01, raisedAt: -1 }])
      expect(await ann.call('POST', '/api/sites/store-a/alerts/ack', body), JSON.stringify(body)).toMatchObject({
        status: 400,
        body: { code: 'VALIDATION_FAILED' },
      });
  });

  it('keeps at most alerts.maxAcksPerSite per site, pruning the oldest, and counts it', async () => {
    const c03 = lowStock('c03', 'raised', t0 + 200_000);
    await store.ingest('store-a', [{ type: 'alert', ts: t0 + 200_000, data: c03 }]);
    const acked = await ann.call('POST', '/api/sites/store-a/alerts/ack', {
      key: 'alert:low-stock:lane:c03',
      raisedAt: t0 + 200_000,
    });
    expect(acked.status).toBe(200);
    // Three raisings acknowledged, two kept: b02's (the oldest) went.
    expect(
      (await ann.call('GET', '/api/sites/store-a/alerts/acks')).body.map((a: { key: string }) => a.key).sort(),
    ).toEqual([a01, 'alert:low-stock:lane:c03']);
    const metrics = await (await fetch(`${hub.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^aisle_hub_alert_acks_pruned_total 1$/m);
    expect(metrics).toMatch(/^aisle_hub_alert_acks_total 4$/m);
    expect(metrics).toMatch(/^aisle_hub_alert_ack_refusals_total\{code="ALERT_RAISED_AGAIN"\} 1$/m);
  });
});
