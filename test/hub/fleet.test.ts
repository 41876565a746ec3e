/**
 * The Fleet dashboard's aggregates on a real hub: the ingest rate (stored items per interval, kept
 * in a ring bounded by `fleet.ingestRate.buckets`) and a site's devices with when each last
 * reported; admins only. The ring itself is checked with known samples first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '@aisle/edge/credentials';
import { newId } from '@aisle/protocols';
import { connectAsync } from 'mqtt';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/src/config.js';
import { IngestRateRing } from '../../hub/src/fleet/ingest-rate.js';
import { startHub } from '../../hub/src/server.js';

describe('fleet ingest-rate ring', () => {
  it('keeps the increase per interval, the newest `bound` intervals, and survives a counter reset', () => {
    const ring = new IngestRateRing(2);
    expect(ring.sample(1000, { live: 5, hist: 0 })).toBe(0); // the base, no interval yet
    expect(ring.points()).toEqual([]);
    ring.sample(2000, { live: 12, hist: 3 });
    ring.sample(3000, { live: 12, hist: 3 });
    expect(ring.points()).toEqual([
      { at: 2000, live: 7, hist: 3 },
      { at: 3000, live: 0, hist: 0 },
    ]);
    expect(ring.sample(4000, { live: 4, hist: 3 })).toBe(1); // reset to 0, then 4 stored; oldest dropped
    expect(ring.points()).toEqual([
      { at: 3000, live: 0, hist: 0 },
      { at: 4000, live: 4, hist: 0 },
    ]);
    expect(ring.points(3000)).toEqual([{ at: 4000, live: 4, hist: 0 }]);
    expect(() => new IngestRateRing(0)).toThrow(RangeError);
  });
});

describe('hub fleet endpoints', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-hub-fleet-'));
  const hub = await startHub(
    parseHubConfig({
      dataDir: dir,
      http: { host: '127.0.0.1', port: 0 },
      broker: { host: '127.0.0.1', port: 0 },
      auth: { admin: { username: 'root', password: 'root-secret-1' } },
      fleet: { ingestRate: { intervalMs: 100, buckets: 3 } },
      gateways: [{ site: 'store-a', gateway: 'gw-a', passwordHash: await hashPassword('gw-secret') }],
    }),
    pino({ level: 'silent' }),
  );
  const gateway = await connectAsync(hub.brokerUrl, { clientId: 'gw-a', username: 'gw-a', password: 'gw-secret' });
  afterAll(async () => {
    await gateway.endAsync();
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const login = async (username: string, password: string) => {
    const response = await fetch(`${hub.httpUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    return ((await response.json()) as { token: string }).token;
  };
  const get = async (path: string, token: string) => {
    const response = await fetch(`${hub.httpUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as unknown };
  };
  const admin = await login('root', 'root-secret-1');
  await fetch(`${hub.httpUrl}/api/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'pat', password: 'pat-secret-1', role: 'planner' }),
  });
  const planner = await login('pat', 'pat-secret-1');

  const ts = Date.now() - 60_000;
  const reading = (seq: number, device: string) => ({
    oseq: seq,
    id: newId(),
    type: 'shelf.weight',
    src: { site: 'store-a', device, gateway: 'gw-a' },
    boot: 1,
    seq,
    // A device clock a year off (unsynced): last seen follows the gateway's receive time.
    ts: ts + seq - 365 * 86_400_000,
    rx: ts + seq,
    tq: 'unsynced',
    data: { lane: `a0${seq}`, grams: 100 * seq, stable: true },
  });
  const items = [reading(1, 'scale-1'), reading(2, 'scale-1'), reading(3, 'scale-2')];

  it('counts the stored items per interval and keeps only the last `buckets` intervals', async () => {
    await gateway.publishAsync(
      'up/store-a/gw-a/batch',
      JSON.stringify({
        v: 1,
        site: 'store-a',
        gateway: 'gw-a',
        epoch: newId(),
        boot: 1,
        lane: 'live',
        firstSeq: 1,
        lastSeq: 3,
        sentAt: Date.now(),
        items,
      }),
      { qos: 1 },
    );
    type Rate = { intervalMs: number; buckets: number; points: Array<{ at: number; live: number; hist: number }> };
    // The three items appear in one interval within a few of them.
    await expect
      .poll(async () => ((await get('/api/fleet/ingest-rate', admin)).body as Rate).points.some((p) => p.live === 3), {
        timeout: 5000,
        interval: 50,
      })
      .toBe(true);
    // Intervals keep coming (zeros when nothing is stored), never more than the bound.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rate = (await get('/api/fleet/ingest-rate', admin)).body as Rate;
    expect(rate).toMatchObject({ intervalMs: 100, buckets: 3 });
    expect(rate.points).toHaveLength(3);
    expect(rate.points.every((p) => p.live === 0 && p.hist === 0)).toBe(true);
    // `since` gives only what is newer: a client's delta.
    const last = rate.points.at(-1)?.at ?? 0;
    const newer = (await get(`/api/fleet/ingest-rate?since=${last}`, admin)).body as Rate;
    expect(newer.points.every((p) => p.at > last)).toBe(true);
    expect((await get('/api/fleet/ingest-rate?since=yesterday', admin)).body).toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    const metrics = await (await fetch(`${hub.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^aisle_hub_fleet_ingest_rate_buckets 3$/m);
    expect(metrics).toMatch(/^aisle_hub_fleet_ingest_rate_dropped_total [1-9]/m);
  });

  it("lists a site's devices with when their gateway last heard from each", async () => {
    const { status, body } = await get('/api/fleet/sites/store-a/devices', admin);
    expect(status).toBe(200);
    expect(body).toEqual([
      { device: 'scale-1', kind: null, gateway: null, revoked: false, lastSeen: ts + 2 },
      { device: 'scale-2', kind: null, gateway: null, revoked: false, lastSeen: ts + 3 },
    ]);
  });

  it('is for admins only', async () => {
    expect((await get('/api/fleet/ingest-rate', planner)).status).toBe(403);
    expect((await get('/api/fleet/sites/store-a/devices', planner)).status).toBe(403);
  });
});
