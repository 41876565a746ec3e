/**
 * Scale-out (issue #5): two hub replicas, each its own process, on one Mosquitto (shared
 * subscription `$share/hub/up/…`), one PostgreSQL and one Redis. Four gateways (the real uplink
 * over real SQLite outboxes) send batches; the load splits between the replicas; a socket.io client
 * on either replica sees every change, whichever replica ingested it; then one replica is
 * `kill -9`ed mid-stream and nothing is lost: every item is stored exactly once and every outbox
 * drains, through the surviving replica.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { newId } from '@aisle/protocols';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { Outbox } from '../../edge/src/outbox/outbox.js';
import { Uplink } from '../../edge/src/uplink/uplink.js';
import { externalServer, freePort } from '../helpers/external-server.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const REGISTER = fileURLToPath(new URL('../helpers/ts-register.mjs', import.meta.url));
const MAIN = fileURLToPath(new URL('../../hub/src/main.ts', import.meta.url));
const SITE = 'store-a';
const GATEWAYS = ['gw-1', 'gw-2', 'gw-3', 'gw-4'];
const PHASE1_BATCHES = 10;
const PER_BATCH = 100;
const PHASE2_ITEMS = 20_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const servers = await Promise.all([externalServer('mosquitto'), externalServer('postgres'), externalServer('redis')]);
const missing = servers.flatMap((s) => (s.ok ? [] : [s.reason])).join('; ');

describe.skipIf(missing !== '')(`hub scale-out${missing === '' ? '' : ` (skipped: ${missing})`}`, async () => {
  const [mosquitto, postgres, redis] = servers.map((s) => (s.ok ? s.server : undefined));
  if (mosquitto === undefined || postgres === undefined || redis === undefined) return;
  const dir = mkdtempSync(join(tmpdir(), 'aisle-scale-out-'));
  const replicas: Array<{ name: string; child: ChildProcess; http: string; stderr: string }> = [];
  const uplinks: Uplink[] = [];
  const outboxes: Outbox[] = [];
  const sockets: Socket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const u of uplinks) await u.close();
    for (const o of outboxes) o.close();
    for (const r of replicas)
      if (r.child.exitCode === null && r.child.signalCode === null && r.child.pid !== undefined) {
        const exited = once(r.child, 'exit');
        process.kill(r.child.pid, 'SIGTERM');
        await exited;
      }
    for (const s of servers) if (s.ok) await s.server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A replica: `aisle-hub serve` from the sources, configured by environment. */
  async function startReplica(name: string) {
    const port = await freePort();
    const config = join(dir, `${name}.json`);
    writeFileSync(
      config,
      JSON.stringify({
        dataDir: join(dir, name),
        http: { host: '127.0.0.1', port },
        broker: { external: { url: mosquitto?.url } },
        storage: { relational: { kind: 'postgres', url: postgres?.url } },
        realtime: { redisUrl: redis?.url, flushMs: 50 },
        auth: {
          jwtSecret: 'a-shared-secret-of-at-least-32-characters',
          admin: { username: 'root', password: 'root-secret-1' },
        },
        log: { level: 'warn' },
      }),
    );
    const child = spawn(
      process.execPath,
      ['--conditions=aisle-source', '--import', REGISTER, MAIN, 'serve', '--config', config],
      {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, AISLE_HUB__LOG__LEVEL: 'info' },
      },
    );
    const replica = { name, child, http: `http://127.0.0.1:${port}`, stderr: '' };
    child.stderr?.on('data', (chunk: Buffer) => {
      replica.stderr = (replica.stderr + chunk.toString()).slice(-10_000);
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${replica.stderr}`)), 60_000);
      child.once('exit', () => reject(new Error(`${name} exited:\n${replica.stderr}`)));
      lines.on('line', (line) => {
        if (!line.includes('"msg":"hub started"')) return;
        clearTimeout(timer);
        resolve();
      });
    });
    replicas.push(replica);
    return replica;
  }

  // One replica first, so the schema is migrated once; then the second.
  const a = await startReplica('replica-a');
  const b = await startReplica('replica-b');
  const token = (
    (await (
      await fetch(`${a.http}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'root', password: 'root-secret-1' }),
      })
    ).json()) as { token: string }
  ).token;

  /** A store tablet on a replica: the lane keys whose changes reached it. */
  async function watch(replica: { http: string }) {
    const socket = io(replica.http, { transports: ['websocket'], auth: { token } });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    await socket.emitWithAck('subscribe', { site: SITE, channels: ['latest'] });
    const keys = new Set<string>();
    socket.on('delta', (d: { changes: Array<{ key: string }> }) => {
      for (const c of d.changes) keys.add(c.key);
    });
    return keys;
  }
  const seenOnA = await watch(a);
  const seenOnB = await watch(b);

  // Four gateways: real outboxes, real uplinks to Mosquitto.
  const now = 1_767_600_000_000;
  let next = 0;
  const item = (gateway: string, lane: string) => {
    next++;
    return {
      stream: 'shelf-weight',
      ts: now + next,
      payload: JSON.stringify({
        id: newId(),
        type: 'shelf.weight',
        src: { site: SITE, device: `${gateway}-scale`, gateway },
        boot: 1,
        seq: next,
        ts: now + next,
        rx: now + next,
        tq: 'ntp',
        data: { lane, grams: next % 5000, stable: true },
      }),
    };
  };
  for (const gateway of GATEWAYS) {
    const outbox = Outbox.open(join(dir, `${gateway}.db`));
    outboxes.push(outbox);
    const uplink = new Uplink({
      url: mosquitto.url,
      site: SITE,
      gateway,
      boot: 1,
      outbox,
      batchMaxItems: PER_BATCH,
      batchMaxBytes: 1 << 20,
      flushIntervalMs: 20,
      histItemsPerSecond: 100_000,
      ackTimeoutMs: 2000,
      state: () => ({ status: 'lost', site: SITE, gateway, boot: 1 }),
    });
    uplinks.push(uplink);
    uplink.start();
  }
  // Phase 1, once every uplink is connected (a backlog would go on the hist lane, which never moves
  // "latest"): each batch carries one lane of its own, so each delta key belongs to one batch.
  const waitUntil = async (ready: () => boolean, what: string, ms: number) => {
    const deadline = Date.now() + ms;
    while (!ready()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(50);
    }
  };
  await waitUntil(() => uplinks.every((u) => u.stats.connected), 'the uplinks to connect', 30_000);
  outboxes.forEach((outbox, g) => {
    const gateway = GATEWAYS[g] as string;
    for (let batch = 0; batch < PHASE1_BATCHES; batch++)
      outbox.append(Array.from({ length: PER_BATCH }, () => item(gateway, `${gateway}-l${batch}`)));
    uplinks[g]?.flush();
  });
  const drained = () => outboxes.every((o) => o.stats().depth === 0);
  await waitUntil(drained, 'phase 1 acked', 60_000);
  await sleep(300); // a flush interval or two for the last deltas
  const batchesOf = async (replica: { http: string }) => {
    const text = await (await fetch(`${replica.http}/metrics`)).text();
    return [...text.matchAll(/^aisle_hub_batches_total\{lane="(?:live|hist)"\} (\d+)/gm)].reduce(
      (n, m) => n + Number(m[1]),
      0,
    );
  };
  const phase1 = { a: await batchesOf(a), b: await batchesOf(b) };

  // Phase 2: 20,000 more items; replica A is killed once a quarter of them are acked.
  const perGateway = PHASE2_ITEMS / GATEWAYS.length;
  const phase2Start = outboxes.map((o) => o.stats().ackedSeq);
  // Appended as a stream (250 per gateway every 50 ms), so the kill falls in the middle of it.
  const appending = (async () => {
    for (let i = 0; i < perGateway; i += 250) {
      for (const [g, outbox] of outboxes.entries())
        outbox.append(Array.from({ length: 250 }, (_, k) => item(GATEWAYS[g] as string, `p2-${(i + k) % 40}`)));
      await sleep(50);
    }
  })();
  const ackedInPhase2 = () => outboxes.reduce((n, o, g) => n + o.stats().ackedSeq - (phase2Start[g] ?? 0), 0);
  await waitUntil(() => ackedInPhase2() >= PHASE2_ITEMS / 4, 'a quarter of phase 2 acked', 60_000);
  const killed = once(a.child, 'exit');
  process.kill(a.child.pid as number, 'SIGKILL');
  const [, signal] = (await killed) as [number | null, NodeJS.Signals | null];
  const ackedAtKill = ackedInPhase2();
  await appending;
  await waitUntil(drained, 'every outbox drained through replica B', 90_000);

  it('splits the load between the replicas (shared subscription)', () => {
    expect(phase1.a).toBeGreaterThan(0);
    expect(phase1.b).toBeGreaterThan(0);
    expect(phase1.a + phase1.b).toBeGreaterThanOrEqual(GATEWAYS.length * PHASE1_BATCHES);
  });

  it('a socket.io client on either replica receives every change, whichever replica ingested it', () => {
    const expected = GATEWAYS.flatMap((g) =>
      Array.from({ length: PHASE1_BATCHES }, (_, b) => `${g}-scale shelf.weight:${g}-l${b}`),
    );
    for (const key of expected) {
      expect(seenOnA.has(key), `replica A's client missed ${key}`).toBe(true);
      expect(seenOnB.has(key), `replica B's client missed ${key}`).toBe(true);
    }
  });

  it('loses nothing when a replica is killed mid-stream: every item stored exactly once', async () => {
    expect(signal).toBe('SIGKILL');
    expect(ackedAtKill).toBeLessThan(PHASE2_ITEMS);
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string; distinct_seq: string }>(
        "SELECT count(*) AS n, count(DISTINCT (origin, boot, seq)) AS distinct_seq FROM series_items WHERE type = 'shelf.weight'",
      );
      const total = GATEWAYS.length * PHASE1_BATCHES * PER_BATCH + PHASE2_ITEMS;
      expect(Number(rows[0]?.n)).toBe(total);
      expect(Number(rows[0]?.distinct_seq)).toBe(total);
      const cursors = await client.query<{ gateway: string; acked_seq: string }>(
        'SELECT gateway, acked_seq FROM uplink_cursors ORDER BY gateway',
      );
      expect(cursors.rows.map((r) => [r.gateway, Number(r.acked_seq)])).toEqual(
        outboxes.map((o, g) => [GATEWAYS[g], o.stats().ackedSeq]),
      );
    } finally {
      await client.end();
    }
  });
});
