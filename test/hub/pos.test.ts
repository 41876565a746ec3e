/** The POS batch endpoint on a real hub: idempotent per basket id, scoped by site and role. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '@aisle/protocols';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/src/config.js';
import { startHub } from '../../hub/src/server.js';

describe('POS baskets over REST', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-hub-pos-'));
  const hub = await startHub(
    parseHubConfig({
      dataDir: dir,
      http: { host: '127.0.0.1', port: 0 },
      broker: { host: '127.0.0.1', port: 0 },
      auth: { admin: { username: 'root', password: 'root-secret-1' } },
    }),
    pino({ level: 'silent' }),
  );
  afterAll(async () => {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const call = async (method: string, path: string, token: string | undefined, body?: unknown) => {
    const response = await fetch(`${hub.httpUrl}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const login = async (username: string, password: string) =>
    (await call('POST', '/api/auth/login', undefined, { username, password })).body.token as string;
  const admin = await login('root', 'root-secret-1');
  await call('POST', '/api/users', admin, {
    username: 'ann',
    password: 'ann-secret-1',
    role: 'staff',
    sites: ['store-a'],
  });
  await call('POST', '/api/users', admin, { username: 'pat', password: 'pat-secret-1', role: 'planner' });
  const staffA = await login('ann', 'ann-secret-1');
  const planner = await login('pat', 'pat-secret-1');
  const baskets = Array.from({ length: 50 }, (_, i) => ({
    basket: newId(),
    register: 'till-1',
    ts: 1_767_600_000_000 + i * 60_000,
    lines: [{ sku: `sku-${i % 7}`, qty: 1 + (i % 3), unitPriceCents: 199 }],
  }));

  it('stores a batch once: sending it again inserts nothing', async () => {
    expect((await call('POST', '/api/sites/store-a/baskets', staffA, { baskets })).body).toEqual({
      received: 50,
      inserted: 50,
      duplicates: 0,
    });
    expect((await call('POST', '/api/sites/store-a/baskets', staffA, { baskets })).body).toEqual({
      received: 50,
      inserted: 0,
      duplicates: 50,
    });
    const stored = (await call('GET', '/api/sites/store-a/baskets?limit=100', planner)).body as unknown as Array<{
      basket: string;
      source: string;
    }>;
    expect(stored.map((b) => b.basket)).toEqual(baskets.map((b) => b.basket));
    expect(new Set(stored.map((b) => b.source))).toEqual(new Set(['rest']));
  });

  it('refuses other sites, planners and malformed baskets', async () => {
    expect((await call('POST', '/api/sites/store-b/baskets', staffA, { baskets })).body.code).toBe('FORBIDDEN_SITE');
    expect((await call('POST', '/api/sites/store-a/baskets', planner, { baskets })).body.code).toBe('FORBIDDEN_ROLE');
    const bad = await call('POST', '/api/sites/store-a/baskets', staffA, { baskets: [{ basket: 'x', lines: [] }] });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
  });

  it('takes a batch as large as its schema allows, not only what fits in 100 kB', async () => {
    const big = Array.from({ length: 5000 }, (_, i) => ({
      basket: newId(),
      register: 'till-2',
      ts: 1_767_700_000_000 + i * 1000,
      lines: Array.from({ length: 4 }, (_, k) => ({ sku: `sku-${(i + k) % 97}`, qty: 1, unitPriceCents: 250 })),
    }));
    expect(JSON.stringify({ baskets: big }).length).toBeGreaterThan(1_000_000);
    expect((await call('POST', '/api/sites/store-a/baskets', staffA, { baskets: big })).body).toEqual({
      received: 5000,
      inserted: 5000,
      duplicates: 0,
    });
  });
});
