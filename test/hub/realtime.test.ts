/**
 * Realtime on a real hub: socket.io with the JWT on the handshake, subscriptions checked against
 * the caller's sites, deltas merged by key between flushes (what a slow client gets).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '@aisle/edge/credentials';
import { newId } from '@aisle/protocols';
import { connectAsync } from 'mqtt';
import { pino } from 'pino';
import { io, type Socket } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/src/config.js';
import { RealtimeService } from '../../hub/src/realtime/realtime.service.js';
import { startHub } from '../../hub/src/server.js';

describe('hub realtime', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-hub-realtime-'));
  const hub = await startHub(
    parseHubConfig({
      dataDir: dir,
      http: { host: '127.0.0.1', port: 0 },
      broker: { host: '127.0.0.1', port: 0 },
      auth: { admin: { username: 'root', password: 'root-secret-1' } },
      realtime: { flushMs: 200, maxScopedLanes: 100 },
      gateways: [{ site: 'store-a', gateway: 'gw-a', passwordHash: await hashPassword('gw-secret-1') }],
    }),
    pino({ level: 'silent' }),
  );
  const sockets: Socket[] = [];
  const gateway = await connectAsync(hub.brokerUrl, { clientId: 'gw-a', username: 'gw-a', password: 'gw-secret-1' });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await gateway.endAsync();
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const post = async (path: string, body: unknown, token?: string) =>
    (await (
      await fetch(`${hub.httpUrl}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
        body: JSON.stringify(body),
      })
    ).json()) as { token: string };
  const admin = (await post('/api/auth/login', { username: 'root', password: 'root-secret-1' })).token;
  await post('/api/users', { username: 'ann', password: 'ann-secret-1', role: 'staff', sites: ['store-a'] }, admin);
  const staffA = (await post('/api/auth/login', { username: 'ann', password: 'ann-secret-1' })).token;
  const realtime = hub.app.get(RealtimeService);

  const open = (token?: string) => {
    const socket = io(hub.httpUrl, {
      transports: ['websocket'],
      reconnection: false,
      ...(token === undefined ? {} : { auth: { token } }),
    });
    sockets.push(socket);
    return socket;
  };
  const connected = (socket: Socket) =>
    new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (error) => reject(error));
    });

  it('refuses a handshake without a token or with a bad one', async () => {
    await expect(connected(open())).rejects.toThrow('AUTH_REQUIRED');
    await expect(connected(open('not.a.token'))).rejects.toThrow('AUTH_INVALID');
  });

  it('lets staff subscribe to their own site only', async () => {
    const socket = open(staffA);
    await connected(socket);
    expect(await socket.emitWithAck('subscribe', { site: 'store-a', channels: ['latest'] })).toMatchObject({
      ok: true,
    });
    expect(await socket.emitWithAck('subscribe', { site: 'store-b' })).toEqual({ ok: false, code: 'FORBIDDEN_SITE' });
  });

  it('sends deltas only for subscribed sites and channels, merged by key between flushes', async () => {
    const socket = open(staffA);
    await connected(socket);
    await socket.emitWithAck('subscribe', { site: 'store-a', channels: ['latest'] });
    const received: Array<{ site: string; changes: Array<{ key: string; value: unknown }> }> = [];
    socket.on('delta', (d) => received.push(d));
    for (let units = 1; units <= 10; units++)
      realtime.publish('store-a', [{ channel: 'latest', key: 'scale-1 shelf.level:a01', value: { units } }]);
    realtime.publish('store-a', [{ channel: 'gateways', key: 'gw-a', value: { status: 'online' } }]);
    realtime.publish('store-b', [{ channel: 'latest', key: 'scale-9 shelf.level:b01', value: { units: 3 } }]);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(received).toEqual([
      { site: 'store-a', changes: [{ channel: 'latest', key: 'scale-1 shelf.level:a01', value: { units: 10 } }] },
    ]);
    const metrics = await (await fetch(`${hub.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^aisle_hub_realtime_coalesced_total [1-9]/m);
  });

  /** Shelf levels of lanes `l1`…`ln` of store-a through the real ingest path (MQTT → hub). */
  const epoch = newId();
  let seq = 0;
  const publishLevels = async (levels: ReadonlyArray<readonly [lane: string, units: number]>) => {
    const ts = Date.now();
    const items = levels.map(([lane, units]) => {
      seq += 1;
      return {
        oseq: seq,
        id: newId(),
        type: 'shelf.level',
        src: { site: 'store-a', device: `scale-${lane}`, gateway: 'gw-a' },
        boot: 1,
        seq,
        ts,
        rx: ts,
        tq: 'ntp',
        data: { lane, sku: `sku-${lane}`, units, grams: units * 100, capacity: 20 },
      };
    });
    const batch = {
      ...{ v: 1, site: 'store-a', gateway: 'gw-a', epoch, boot: 1, lane: 'live' },
      ...{ firstSeq: seq - items.length + 1, lastSeq: seq, sentAt: ts, items },
    };
    await gateway.publishAsync('up/store-a/gw-a/batch', JSON.stringify(batch), { qos: 1 });
  };

  it('sends a screen scoped to some lanes only their shelf changes, and alerts of any lane', async () => {
    const scoped = open(staffA);
    const whole = open(staffA);
    await Promise.all([connected(scoped), connected(whole)]);
    expect(
      await scoped.emitWithAck('subscribe', { site: 'store-a', channels: ['latest'], lanes: ['l1', 'l2'] }),
    ).toMatchObject({ ok: true, lanes: 2 });
    await whole.emitWithAck('subscribe', { site: 'store-a', channels: ['latest'] });
    const lanesOf = (socket: Socket) => {
      const seen = new Set<string>();
      socket.on('delta', (d: { changes: Array<{ value: { item: { data: { lane?: string } } } }> }) => {
        for (const c of d.changes) if (c.value.item.data.lane !== undefined) seen.add(c.value.item.data.lane);
      });
      return seen;
    };
    const onScoped = lanesOf(scoped);
    const onWhole = lanesOf(whole);
    await publishLevels([
      ['l1', 5],
      ['l2', 6],
      ['l3', 7],
      ['l4', 8],
    ]);
    for (let i = 0; i < 100 && onWhole.size < 4; i++) await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, 400));
    expect([...onWhole].sort()).toEqual(['l1', 'l2', 'l3', 'l4']);
    expect([...onScoped].sort()).toEqual(['l1', 'l2']);
    // Scrolling: the screen now shows l3 and l4; their next changes come, l1's no longer do.
    await scoped.emitWithAck('subscribe', { site: 'store-a', channels: ['latest'], lanes: ['l3', 'l4'] });
    onScoped.clear();
    await publishLevels([
      ['l1', 1],
      ['l3', 2],
    ]);
    for (let i = 0; i < 100 && onScoped.size < 1; i++) await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, 400));
    expect([...onScoped]).toEqual(['l3']);
    // A change about no lane (an alert) reaches the scoped screen too.
    const alert = new Promise((resolve) =>
      scoped.on('delta', (d: { changes: Array<{ key: string }> }) => {
        if (d.changes.some((c) => c.key === 'cam-1 alert:door-open:door:d1')) resolve(true);
      }),
    );
    realtime.publish('store-a', [
      { channel: 'latest', key: 'cam-1 alert:door-open:door:d1', value: { item: { data: { state: 'raised' } } } },
    ]);
    expect(await alert).toBe(true);
    // What scrolled into view is read once over REST, only those lanes.
    const response = await fetch(`${hub.httpUrl}/api/sites/store-a/latest?type=shelf.level&lanes=l3,l4`, {
      headers: { authorization: `Bearer ${staffA}` },
    });
    const rows = (await response.json()) as Array<{ item: { data: { lane: string; units: number } } }>;
    expect(rows.map((r) => [r.item.data.lane, r.item.data.units]).sort()).toEqual([
      ['l3', 2],
      ['l4', 8],
    ]);
    const metrics = await (await fetch(`${hub.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^aisle_hub_realtime_out_of_scope_total [1-9]/m);
  });

  it('refuses a scope that is not a list of lanes or longer than realtime.maxScopedLanes', async () => {
    const socket = open(staffA);
    await connected(socket);
    expect(await socket.emitWithAck('subscribe', { site: 'store-a', lanes: 'l1' })).toMatchObject({
      ok: false,
      code: 'VALIDATION_FAILED',
    });
    const many = Array.from({ length: 101 }, (_, k) => `l${k}`);
    expect(await socket.emitWithAck('subscribe', { site: 'store-a', lanes: many })).toMatchObject({
      ok: false,
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('realtime.maxScopedLanes'),
    });
  });

  it('counts every aisle of the store on the hub, for a screen that follows only some lanes', async () => {
    await post('/api/sites', { site: 'store-a', name: 'Store A', kind: 'store' }, admin);
    const put = await fetch(`${hub.httpUrl}/api/sites/store-a/planogram`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({
        skus: ['l1', 'l2', 'l3', 'l4', 'l5'].map((l) => ({ sku: `sku-${l}`, name: l, category: 'c' })),
        lanes: ['l1', 'l2', 'l3', 'l4', 'l5'].map((lane, k) => ({
          ...{ lane, device: `scale-${lane}`, sku: `sku-${lane}`, unitGrams: 100, capacity: 20, facings: 1 },
          ...{ aisle: k < 2 ? 'a1' : 'a2', shelf: 1, position: k },
        })),
      }),
    });
    expect(put.status).toBeLessThan(300);
    await publishLevels([
      ['l1', 0],
      ['l2', 20],
      ['l3', 4],
    ]);
    const read = async () =>
      (await (
        await fetch(`${hub.httpUrl}/api/sites/store-a/inventory/aisles`, {
          headers: { authorization: `Bearer ${staffA}` },
        })
      ).json()) as { aisles: Array<{ aisle: string; empty: number }> };
    let answer = await read();
    for (let i = 0; i < 100 && answer.aisles[0]?.empty !== 1; i++) {
      await new Promise((r) => setTimeout(r, 25));
      answer = await read();
    }
    // l5 is in the planogram and has not reported; l4 reported 8 of 20 in the test above.
    expect(answer.aisles).toEqual([
      { aisle: 'a1', lanes: 2, reporting: 2, empty: 1, belowQuarter: 1 },
      { aisle: 'a2', lanes: 3, reporting: 2, empty: 0, belowQuarter: 1 },
    ]);
  });
});
