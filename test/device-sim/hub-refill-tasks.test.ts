/**
 * The loop closed (ARCHITECTURE §6): `aisle-sim run --hub` against a real hub (SQLite, embedded
 * broker, REST + socket.io). A planner asks for a refill task, store staff claim and complete it
 * on the hub, and the simulated lane fills by the units moved: in ground truth and in the lane's
 * scale readings. The simulator reaches the hub through a relay that can drop the link: a task
 * completed while the link is down is applied once it is back, and the done tasks it lists again
 * then move nothing twice. A done task on a lane the store does not have is counted and ignored.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeMessage } from '@aisle/protocols';
import { afterAll, describe, expect, it } from 'vitest';
import { loadWorld, runCommand } from '../../device-sim/src/run-command.js';
import { World } from '../../device-sim/src/world/world.js';
import { login, startReplenishmentHub, user } from '../hub/replenishment-harness.js';
import { smallScenario, twoStoreScenario } from './scenarios.js';

/** A loopback relay to the hub that can drop every connection and refuse new ones until it is back up. */
class DroppingRelay {
  readonly #server: Server;
  readonly #open = new Set<Socket>();
  #down = false;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(port: number): Promise<DroppingRelay> {
    const server = createServer();
    const relay = new DroppingRelay(server);
    server.on('connection', (client) => {
      if (relay.#down) return void client.destroy();
      const upstream = createConnection({ host: '127.0.0.1', port });
      for (const socket of [client, upstream]) {
        relay.#open.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => relay.#open.delete(socket));
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as { port: number }).port}`;
  }

  drop(): void {
    this.#down = true;
    for (const socket of this.#open) socket.destroy();
  }

  up(): void {
    this.#down = false;
  }

  async close(): Promise<void> {
    this.drop();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** Resolves when a line `match` accepts has been logged (or is logged later); rejects after `timeoutMs`. */
function waitForLine(lines: string[], waiters: Set<() => void>, match: RegExp, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const line = lines.find((l) => match.test(l));
      if (line === undefined) return false;
      waiters.delete(check);
      clearTimeout(timer);
      resolve(line);
      return true;
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`no log line ${match} after ${timeoutMs} ms; got:\n${lines.join('\n')}`));
    }, timeoutMs);
    if (!check()) waiters.add(check);
  });
}

/**
 * Once more if the first try met a connection the hub had just closed: fetch reuses an idle
 * keep-alive socket, and one the server times out at that moment resets (nothing reached the hub).
 */
async function again<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw error;
    return call();
  }
}

interface Reading {
  t: number;
  lane: string;
  grams: number;
  stable: boolean;
}

describe('aisle-sim run --hub: the simulated staff act on the hub’s completed refill tasks', async () => {
  const { hub, close } = await startReplenishmentHub();
  const dir = mkdtempSync(join(tmpdir(), 'aisle-sim-hub-tasks-'));
  const relay = await DroppingRelay.start(Number(new URL(hub.httpUrl).port));
  afterAll(async () => {
    await relay.close();
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fills the lane by the units moved, once per task, across a dropped connection', async () => {
    const admin = await again(() => login(hub, 'root', 'root-secret-1'));
    const ann = await again(() => user(hub, admin, 'ann', 'staff', ['store-a']));
    await again(() => user(hub, admin, 'sim-staff', 'staff', ['store-a']));
    // Nothing restocks by itself under `tasks`: every unit that comes back is a task's.
    const scenarioPath = join(dir, 'scenario.json');
    const base = smallScenario();
    const [first, second] = new World(base).layout('store-a')?.lanes ?? [];
    if (first === undefined || second === undefined) throw new Error('no lanes');
    // The two lanes are emptied in the first simulated minute and held empty for 3 minutes: room
    // for the tasks' units, which then fit whole.
    const emptyLane = [first, second].map((l) => ({ site: 'store-a', lane: l.lane, afterMinutes: 1, hours: 0.05 }));
    writeFileSync(
      scenarioPath,
      JSON.stringify({
        ...base,
        restock: { belowShare: 0.25, policy: 'tasks' },
        faults: { ...base.faults, emptyLane },
      }),
    );
    const { world } = await loadWorld({ scenarioPath, mqttOnly: true });
    const skuOf = (index: number) => world.catalog.skus[index]?.sku ?? '';

    const lines: string[] = [];
    const waiters = new Set<() => void>();
    const abort = new AbortController();
    const running = runCommand(
      {
        scenarioPath,
        mqttOnly: true,
        // 10 simulated minutes a second (faster, a loaded machine falls behind: each step grows).
        durationMs: 24 * 3_600_000,
        speed: 600,
        progress: false,
        outPath: join(dir, 'out.jsonl'),
        truthPath: join(dir, 'truth.jsonl'),
        hub: { url: relay.url, username: 'sim-staff', password: 'sim-staff-secret-1' },
        log: (line) => {
          lines.push(line);
          for (const w of [...waiters]) w();
        },
      },
      abort.signal,
    );
    const completeTask = async (lane: string, sku: string, unitsMoved: number) => {
      const created = await again(() =>
        admin.call('POST', '/api/sites/store-a/tasks', {
          kind: 'refill',
          sku,
          lane,
          units: unitsMoved,
          text: `Fill lane ${lane}`,
        }),
      );
      expect(created.status).toBe(200);
      const id = created.body.id as string;
      expect((await again(() => ann.call('POST', `/api/sites/store-a/tasks/${id}/claim`))).status).toBe(200);
      const done = await again(() => ann.call('POST', `/api/sites/store-a/tasks/${id}/complete`, { unitsMoved }));
      expect(done.body).toMatchObject({ state: 'done', unitsMoved });
      return id;
    };

    let summary: Awaited<typeof running> | undefined;
    try {
      await waitForLine(lines, waiters, /^staff: following the tasks of store-a at /);
      // Past the hold (4 simulated minutes in).
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const live = await completeTask(first.lane, skuOf(first.sku), 2);
      await waitForLine(lines, waiters, new RegExp(`^staff: task ${live} put \\d+ units on store-a/${first.lane}`));
      const ghost = await completeTask('a99-s9-p99', skuOf(first.sku), 1);
      await waitForLine(lines, waiters, new RegExp(`^staff: task ${ghost} ignored: unknown-lane`));

      // The link drops; a task is completed meanwhile; the link comes back.
      relay.drop();
      await waitForLine(lines, waiters, /^staff: hub connection lost/);
      const offline = await completeTask(second.lane, skuOf(second.sku), 3);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(lines.some((l) => l.includes(offline))).toBe(false);
      relay.up();
      await waitForLine(lines, waiters, new RegExp(`^staff: task ${offline} put \\d+ units on store-a/${second.lane}`));
      await waitForLine(lines, waiters, /^staff: following the tasks/);
      // Scale readings of the refilled lanes after the refills.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      abort.abort();
      summary = await running;

      const truth = readFileSync(join(dir, 'truth.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { t: number; kind: string; lane?: string; units?: number; reason?: string });
      const restocks = truth.filter((e) => e.kind === 'restock');
      // Only the two tasks restocked, each once (the catch-up listed the first one again: redelivered).
      expect(restocks.map((r) => r.reason)).toEqual([`task:${live}`, `task:${offline}`]);
      // Empty lanes: every unit moved fits.
      expect(restocks.map((r) => [r.lane, r.units])).toEqual([
        [first.lane, 2],
        [second.lane, 3],
      ]);
      expect(summary.staff).toMatchObject({ applied: 2, ignored: { 'unknown-lane': 1 } });
      expect(summary.staff?.redelivered).toBeGreaterThanOrEqual(2);
      expect(summary.staff?.hub.connects).toBeGreaterThanOrEqual(2);

      // What the lane's scale reported: up by the units put on it, less what shoppers took in between.
      const readings: Reading[] = [];
      for (const line of readFileSync(join(dir, 'out.jsonl'), 'utf8').trim().split('\n')) {
        const o = JSON.parse(line) as { kind: string; at: number; topic: string; payload: string; retain?: boolean };
        if (o.kind !== 'mqtt' || o.retain === true) continue;
        const r = decodeMessage(o.topic, o.payload);
        if (!r.ok || !('item' in r.value) || r.value.item.type !== 'shelf.weight') continue;
        readings.push({ t: o.at, ...(r.value.item.data as Omit<Reading, 't'>) });
      }
      for (const [restock, lane] of [
        [restocks[0], first],
        [restocks[1], second],
      ] as const) {
        if (restock === undefined) throw new Error('missing restock');
        const units = restock.units as number;
        expect(units).toBeGreaterThan(0);
        const stable = readings.filter((r) => r.lane === lane.lane && r.stable);
        const before = stable.filter((r) => r.t < restock.t).at(-1);
        const after = stable.find((r) => r.t > restock.t);
        if (before === undefined || after === undefined)
          throw new Error(`no readings of ${lane.lane} around the refill`);
        const picked = truth
          .filter((e) => e.kind === 'pick' && e.lane === lane.lane && e.t > before.t && e.t < after.t)
          .reduce((n, e) => n + (e.units as number), 0);
        const rose = (after.grams - before.grams) / lane.unitGrams;
        expect(rose, `${lane.lane}: ${units} units put on it, ${picked} picked`).toBeCloseTo(units - picked, 0);
      }
    } finally {
      abort.abort();
      await running.catch(() => undefined);
    }
  }, 120_000);

  it('keeps signing in until the hub knows its user (npm start creates it after the simulator starts), and follows the stores it may read', async () => {
    const admin = await again(() => login(hub, 'root', 'root-secret-1'));
    const scenarioPath = join(dir, 'scenario-late.json');
    // Two stores; the user is staff of store-a only: store-b's tasks are not followed, store-a's are.
    writeFileSync(scenarioPath, JSON.stringify(twoStoreScenario()));
    const lines: string[] = [];
    const waiters = new Set<() => void>();
    const abort = new AbortController();
    const running = runCommand(
      {
        scenarioPath,
        mqttOnly: true,
        durationMs: 3_600_000,
        speed: 60,
        progress: false,
        hub: { url: hub.httpUrl, username: 'late', password: 'late-secret-1' },
        log: (line) => {
          lines.push(line);
          for (const w of [...waiters]) w();
        },
      },
      abort.signal,
    );
    try {
      await waitForLine(lines, waiters, /^staff: sign-in: 401 .*; retrying in \d+ ms$/);
      await again(() => user(hub, admin, 'late', 'staff', ['store-a']));
      await waitForLine(lines, waiters, /^staff: late may not read the tasks of store-b$/);
      await waitForLine(lines, waiters, /^staff: following the tasks of store-a at /);
    } finally {
      abort.abort();
    }
    const summary = await running;
    expect(summary.staff?.hub).toMatchObject({ connects: 1, forbiddenSites: ['store-b'] });
    expect(summary.staff?.hub.failures).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
