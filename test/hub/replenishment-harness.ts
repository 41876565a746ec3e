import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseHubConfig } from '../../hub/src/config.js';
import { type RunningHub, startHub } from '../../hub/src/server.js';
import { openScreen } from '../helpers/planner-screen.js';

/**
 * What the replenishment tests share: a real hub (SQLite, embedded broker) with delivery points
 * for store-a and store-b, short realtime flushes, and logged-in REST clients per user.
 */

export const WHY = {
  rule: 'time-to-empty',
  text: 'lane a01 empties in 2.0 h',
  values: { hoursToEmpty: 2, onShelf: 3 },
};

export interface ReplenishmentHub {
  readonly hub: RunningHub;
  close(): Promise<void>;
}

export async function startReplenishmentHub(
  autoApprove: Record<string, number> = {},
  planner: Record<string, unknown> = {},
): Promise<ReplenishmentHub> {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-hub-replenishment-'));
  const hub = await startHub(
    parseHubConfig({
      dataDir: dir,
      http: { host: '127.0.0.1', port: 0 },
      broker: { host: '127.0.0.1', port: 0 },
      auth: { admin: { username: 'root', password: 'root-secret-1' }, jwtSecret: 'x'.repeat(32) },
      realtime: { flushMs: 20 },
      replenishment: {
        autoApprove,
        delivery: {
          sites: { 'store-a': { lat: 52.52, lon: 13.405 }, 'store-b': { lat: 52.5, lon: 13.3 } },
          serviceMs: 600_000,
        },
        planner,
      },
    }),
    pino({ level: 'silent' }),
  );
  return {
    hub,
    async close() {
      await hub.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Client {
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of many shapes, each asserted by its test
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  readonly token: string;
}

export async function login(hub: RunningHub, username: string, password: string): Promise<Client> {
  const response = await fetch(`${hub.httpUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const { token } = (await response.json()) as { token: string };
  return {
    token,
    async call(method, path, body) {
      const answer = await fetch(`${hub.httpUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await answer.text();
      return { status: answer.status, body: text === '' ? undefined : JSON.parse(text) };
    },
  };
}

/** Creates a user (as the admin) and logs them in. */
export async function user(
  hub: RunningHub,
  admin: Client,
  username: string,
  role: 'staff' | 'planner' | 'admin',
  sites: string[] = [],
): Promise<Client> {
  const created = await admin.call('POST', '/api/users', { username, password: `${username}-secret-1`, role, sites });
  if (created.status !== 201) throw new Error(`user ${username}: ${JSON.stringify(created.body)}`);
  return login(hub, username, `${username}-secret-1`);
}

/** A socket.io client subscribed to `site`'s `channel`, collecting the changes it receives. */
export function watch(hub: RunningHub, token: string, site: string, channel: 'tasks' | 'orders') {
  return openScreen<{ state: string } & Record<string, unknown>>(hub.httpUrl, token, { site, channels: [channel] });
}
