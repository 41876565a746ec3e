/**
 * Realtime on a real hub: socket.io with the JWT on the handshake, subscriptions checked against
 * the caller's sites, deltas merged by key between flushes (what a slow client gets).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
      realtime: { flushMs: 200 },
    }),
    pino({ level: 'silent' }),
  );
  const sockets: Socket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.close();
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
});
