/**
 * Who may do what over REST, on a real hub (NestJS, SQLite in a temp dir): tokens, roles, site
 * scope, rate limits and the audit log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/src/config.js';
import { startHub } from '../../hub/src/server.js';

describe('hub REST authorization', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-hub-auth-'));
  const hub = await startHub(
    parseHubConfig({
      dataDir: dir,
      http: { host: '127.0.0.1', port: 0 },
      broker: { host: '127.0.0.1', port: 0 },
      auth: { admin: { username: 'root', password: 'root-secret-1' }, loginAttemptsPerMinute: 5 },
    }),
    pino({ level: 'silent' }),
  );
  afterAll(async () => {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const response = await fetch(`${hub.httpUrl}${path}`, {
      method,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const login = async (username: string, password: string) => {
    const { status, body } = await call('POST', '/api/auth/login', undefined, { username, password });
    expect(status, JSON.stringify(body)).toBe(200);
    return body.token as string;
  };

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

  it('refuses requests without a token (401 AUTH_REQUIRED) or with a forged one (401 AUTH_INVALID)', async () => {
    expect(await call('GET', '/api/sites/store-a/latest')).toMatchObject({
      status: 401,
      body: { code: 'AUTH_REQUIRED' },
    });
    const [head, payload] = staffA.split('.');
    const forged = `${head}.${Buffer.from(JSON.stringify({ sub: 'ann', role: 'admin', sites: [] })).toString('base64url')}.${payload}`;
    expect(await call('GET', '/api/users', forged)).toMatchObject({ status: 401, body: { code: 'AUTH_INVALID' } });
  });

  it('lets staff read their own site and refuses another (403 FORBIDDEN_SITE)', async () => {
    expect((await call('GET', '/api/sites/store-a/latest', staffA)).status).toBe(200);
    expect(await call('GET', '/api/sites/store-b/latest', staffA)).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN_SITE' },
    });
    expect((await call('GET', '/api/sites/store-b/latest', planner)).status).toBe(200);
  });

  it('keeps user management to admins (403 FORBIDDEN_ROLE) and validates bodies field by field', async () => {
    expect(await call('GET', '/api/users', planner)).toMatchObject({ status: 403, body: { code: 'FORBIDDEN_ROLE' } });
    expect(
      await call('POST', '/api/users', staffA, { username: 'eve', password: 'eve-secret-1', role: 'admin' }),
    ).toMatchObject({ status: 403 });
    const bad = await call('POST', '/api/users', admin, { username: 'Bad Name', password: 'short', role: 'boss' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(String(bad.body.message)).toMatch(/\/username.*\/password.*\/role|\/username/s);
    const users = (await call('GET', '/api/users', admin)).body as unknown as Array<Record<string, unknown>>;
    expect(users.map((u) => u.username)).toEqual(['ann', 'pat', 'root']);
    expect(users.every((u) => !('passwordHash' in u))).toBe(true);
  });

  it('answers a wrong password with LOGIN_FAILED, and rate limits logins per user (429)', async () => {
    expect(await call('POST', '/api/auth/login', undefined, { username: 'pat', password: 'nope' })).toMatchObject({
      status: 401,
      body: { code: 'LOGIN_FAILED' },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await call('POST', '/api/auth/login', undefined, { username: 'ghost', password: 'x' })).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses[5]).toBe(429);
    const metrics = await (await fetch(`${hub.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/aisle_hub_auth_refusals_total\{reason="login-rate"\} [1-9]/);
  });
});
