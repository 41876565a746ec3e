import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { io, type Socket } from 'socket.io-client';
import { parseHubConfig } from '../../hub/src/config.js';
import { type RunningHub, startHub } from '../../hub/src/server.js';
import { waitForMatch } from '../helpers/planner-screen.js';

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
export async function watch(hub: RunningHub, token: string, site: string, channel: 'tasks' | 'orders') {
  const socket: Socket = io(hub.httpUrl, { transports: ['websocket'], reconnection: false, auth: { token } });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const answer = await socket.emitWithAck('subscribe', { site, channels: [channel] });
  if (answer?.ok !== true) throw new Error(`subscribe ${site}/${channel}: ${JSON.stringify(answer)}`);
  const changes: Array<{ key: string; value: { state: string } & Record<string, unknown> }> = [];
  const waiters = new Set<() => void>();
  socket.on('delta', (delta: { site: string; changes: typeof changes }) => {
    changes.push(...delta.changes);
    for (const w of [...waiters]) w();
  });
  return {
    socket,
    changes,
    /** The first change (received or coming) that `match` accepts. */
    next(match: (change: (typeof changes)[number]) => boolean, timeoutMs = 3000) {
      return waitForMatch(
        changes,
        waiters,
        match,
        timeoutMs,
        () => `no matching ${channel} change on ${site} within ${timeoutMs} ms`,
      );
    },
  };
}
