/**
 * The newcomer's path (issue acceptance): `npm start` runs the hub, a gateway per store and per van
 * of the demo world and the simulator, on embedded defaults; prints where to go and how to log in;
 * the printed logins work at the printed URL, where the stores' shelf levels arrive and the store
 * gateways are online; Ctrl-C stops everything (exit code 0, no process left, data removed).
 *
 * scripts/start.js runs here from the TypeScript sources, like every other test that starts real
 * processes: with `--conditions=aisle-source` and test/helpers/ts-register.mjs it starts each of
 * its processes from `src/main.ts` with the same flags (`npm start` runs dist/ after building). So
 * `npm test` on a fresh clone needs no build, and a stale or broken dist/ cannot fail this test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const REGISTER = fileURLToPath(new URL('../helpers/ts-register.mjs', import.meta.url));
const READY_MS = 75_000;
const DATA_MS = 30_000;
const STOP_MS = 25_000;

interface Banner {
  readonly hubUrl: string;
  readonly gateways: readonly string[];
  readonly dataDir: string;
  readonly pids: ReadonlyMap<string, number>;
  readonly logins: readonly { username: string; password: string; role: string }[];
}

/** What start.js printed once ready, read as a newcomer would: URLs, logins, processes. */
function parseBanner(text: string): Banner {
  const hubUrl = /^ {2}hub API +(http:\/\/\S+)/m.exec(text)?.[1];
  const dataDir = /^ {2}data +(\S+) \(removed on exit\)/m.exec(text)?.[1];
  const processes = /^ {2}processes +(.+)$/m.exec(text)?.[1];
  if (hubUrl === undefined || dataDir === undefined || processes === undefined)
    throw new Error(`no URLs in what npm start printed:\n${text}`);
  return {
    hubUrl,
    dataDir,
    gateways: [...text.matchAll(/^ {2}(gw-\S+) +http:\/\//gm)].map((m) => m[1] as string),
    pids: new Map([...processes.matchAll(/(\S+) (\d+)/g)].map((m) => [m[1] as string, Number(m[2])])),
    logins: [...text.matchAll(/^ {4}(\S+) \/ (\S+) +\((\w+):/gm)].map((m) => ({
      username: m[1] as string,
      password: m[2] as string,
      role: m[3] as string,
    })),
  };
}

/** True while any process of the group `pgid` exists (start.js starts each child as a group leader). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves when `child` has exited; rejects with `message` after `ms`. */
async function exitWithin(child: ChildProcess, ms: number, message: () => string): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const timeout = new AbortController();
  try {
    await Promise.race([
      once(child, 'exit'),
      delay(ms, undefined, { signal: timeout.signal }).then(() => {
        throw new Error(message());
      }),
    ]);
  } finally {
    timeout.abort();
  }
}

/** Re-checks `check` until it returns a value, or fails after `ms` naming what it waited for. */
async function until<T>(check: () => Promise<T | undefined>, what: string, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(250);
  }
}

describe('npm start: the whole stack on embedded defaults', () => {
  let demo: ChildProcess | undefined;
  let out = '';
  let banner: Banner | undefined;

  afterAll(async () => {
    // A failed run must not leave the stack behind: Ctrl-C, then kill what is left.
    if (demo !== undefined && demo.exitCode === null && demo.signalCode === null) {
      demo.kill('SIGINT');
      await exitWithin(demo, STOP_MS, () => 'npm start ignored Ctrl-C').catch(() => demo?.kill('SIGKILL'));
    }
    for (const pid of banner?.pids.values() ?? []) if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
  }, STOP_MS + 5_000);

  it('prints URLs and logins that work, shows shelf levels and online gateways, and stops on Ctrl-C', async () => {
    // Free ports for everything: other tests run beside this one.
    demo = spawn(process.execPath, ['--conditions=aisle-source', '--import', REGISTER, 'scripts/start.js'], {
      cwd: REPO,
      env: { ...process.env, AISLE_DEMO_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    demo.stderr?.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-10_000);
    });
    const lines = createInterface({ input: demo.stdout as NodeJS.ReadableStream });
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready after ${READY_MS} ms:\n${out}${err}`)), READY_MS);
      demo?.once('exit', (code) => reject(new Error(`npm start exited ${code} before it was ready:\n${out}${err}`)));
      lines.on('line', (line) => {
        out += `${line}\n`;
        if (line !== 'Ctrl-C stops everything.') return;
        clearTimeout(timer);
        resolve();
      });
    });
    await ready;
    banner = parseBanner(out);
    const { hubUrl } = banner;

    expect(banner.gateways).toEqual(expect.arrayContaining(['gw-store-a', 'gw-store-b', 'gw-van-1']));
    expect(banner.logins.map((l) => l.role).sort()).toEqual(['admin', 'planner', 'staff']);
    expect([...banner.pids.keys()]).toEqual(expect.arrayContaining(['hub', 'simulator', ...banner.gateways]));
    expect((await fetch(`${hubUrl}/health`)).status).toBe(200);
    expect(await (await fetch(`${hubUrl}/metrics`)).text()).toMatch(/^aisle_hub_items_total/m);

    // Every printed login logs in.
    const tokens = new Map<string, string>();
    for (const login of banner.logins) {
      const response = await fetch(`${hubUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: login.username, password: login.password }),
      });
      expect(response.status, login.username).toBe(200);
      tokens.set(login.role, ((await response.json()) as { token: string }).token);
    }
    const get = (path: string, role: string) =>
      fetch(`${hubUrl}${path}`, { headers: { authorization: `Bearer ${tokens.get(role)}` } });

    // The simulated shelves of store-a reach the hub through store-a's gateway.
    const levels = await until(
      async () => {
        const rows = (await (await get('/api/sites/store-a/latest?type=shelf.level', 'admin')).json()) as Array<{
          item: { data: { lane: string; units: number } };
        }>;
        return rows.length >= 20 ? rows : undefined;
      },
      "store-a's shelf levels at the hub",
      DATA_MS,
    );
    expect(levels.every((l) => Number.isInteger(l.item.data.units) && l.item.data.units >= 0)).toBe(true);
    const online = await until(
      async () => {
        const states = (await (await get('/api/gateways', 'admin')).json()) as Array<{
          gateway: string;
          status: string;
        }>;
        const up = states.filter((s) => s.status === 'online').map((s) => s.gateway);
        return up.includes('gw-store-a') && up.includes('gw-store-b') ? up : undefined;
      },
      'the store gateways online at the hub',
      DATA_MS,
    );
    expect(online).toEqual(expect.arrayContaining(['gw-store-a', 'gw-store-b']));
    // The staff login is scoped to store-a, as printed.
    expect((await get('/api/sites/store-a/latest?type=shelf.level', 'staff')).status).toBe(200);
    expect((await get('/api/sites/store-b/latest?type=shelf.level', 'staff')).status).toBe(403);

    // Ctrl-C: everything stops, in order, within the bound; nothing is left behind.
    const stopping = Date.now();
    demo.kill('SIGINT');
    await exitWithin(demo, STOP_MS, () => `npm start still running ${STOP_MS} ms after Ctrl-C:\n${out}${err}`);
    expect(demo.exitCode, `${out}${err}`).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(STOP_MS);
    expect(out).toMatch(/all stopped in/);
    expect(out).not.toMatch(/killed after/);
    for (const [name, pid] of banner.pids) expect(groupAlive(pid), `${name} (pid ${pid})`).toBe(false);
    expect(existsSync(banner.dataDir)).toBe(false);
  });
});
