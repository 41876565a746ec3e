/**
 * Issue #4's loss-and-duplication acceptance, on real processes and real servers: 100,000 shelf
 * readings from 20 devices (their own credentials, QoS 1) go into a gateway running as its own
 * process (`aisle-edge --config`, from the TypeScript sources), whose uplink reaches a real
 * Mosquitto (the hub's broker) through a loopback relay that can cut the link. While the readings
 * flow, the gateway is `kill -9`ed 10 times at random points of the stream, Mosquitto is stopped
 * for a while, and the link is cut (silently: no reset, each side finds out by its own timeouts)
 * and restored. The hub stand-in must end up with every reading exactly once after deduplication
 * on the reading's identity (device, boot, seq), none missing, none invented, payloads intact; and
 * since no bound was exceeded, the gateway must report no drop.
 *
 * Why duplicates exist before dedupe: a reading committed to the outbox whose PUBACK was lost with
 * the killed process is sent again by its device (at-least-once, by design), and rows the hub
 * stored but whose ack never reached the gateway are sent again from the cursor.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { IdGenerator, topics } from '@aisle/protocols';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../edge/src/broker/credentials.js';
import { AckingConsumer } from '../helpers/ack-consumer.js';
import { externalServer, freePort } from '../helpers/external-server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const REGISTER = fileURLToPath(new URL('../helpers/ts-register.mjs', import.meta.url));
const MAIN = fileURLToPath(new URL('../../edge/src/main.ts', import.meta.url));
const SITE = 'store-a';
const GATEWAY = 'gw-chaos';
const DEVICES = 20;
const READINGS = 100_000;
const KILLS = 10;
/** Unacked publishes per device: enough to keep the gateway busy, small enough to pace the stream. */
const WINDOW = 40;

/** Seeded, so a failing schedule can be replayed (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The grams a device reports in its n-th reading: the test checks every payload arrived intact. */
const gramsOf = (device: number, seq: number) => ((device * 7919 + seq * 104_729) % 1_000_000) / 100;

const available = await externalServer('mosquitto');

describe.skipIf(!available.ok)('edge gateway under kill -9, a stopped hub broker and a cut network', async () => {
  if (!available.ok) return;
  const mosquitto = available.server;
  const dir = mkdtempSync(join(tmpdir(), 'aisle-edge-chaos-'));
  const proxy = await TcpProxy.start({ host: '127.0.0.1', port: mosquitto.port });
  const hub = await AckingConsumer.start(mosquitto.url);
  const brokerPort = await freePort();
  const httpPort = await freePort();
  const devices = Array.from({ length: DEVICES }, (_, i) => ({
    device: `scale-${String(i).padStart(2, '0')}`,
    password: `secret-${i}-${process.pid}`,
  }));
  const configPath = join(dir, 'site.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      site: SITE,
      gateway: GATEWAY,
      dataDir: join(dir, 'data'),
      broker: { host: '127.0.0.1', port: brokerPort, publishesPerSecond: 100_000, publishBurst: 100_000 },
      devices: await Promise.all(
        devices.map(async (d) => ({
          device: d.device,
          kind: 'shelf-scale',
          username: d.device,
          passwordHash: await hashPassword(d.password),
        })),
      ),
      uplink: {
        url: proxy.url,
        flushIntervalMs: 50,
        ackTimeoutMs: 2000,
        stallTimeoutMs: 6000,
        keepaliveSec: 2,
        connectTimeoutMs: 2000,
        reconnectMs: 200,
        histItemsPerSecond: 20_000,
      },
      http: { host: '127.0.0.1', port: httpPort },
      log: { level: 'info' },
    }),
  );

  let gateway: ChildProcess | undefined;
  const exits: Array<{ code: number | null; signal: NodeJS.Signals | null }> = [];
  let stderr = '';

  /** Starts the gateway process; resolves once it logged "gateway started". */
  async function startGateway(): Promise<ChildProcess> {
    const child = spawn(
      process.execPath,
      ['--conditions=aisle-source', '--import', REGISTER, MAIN, '--config', configPath],
      {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-20_000);
    });
    child.on('exit', (code, signal) => exits.push({ code, signal }));
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`gateway did not start in 30 s:\n${stderr}`)), 30_000);
      child.once('exit', () => reject(new Error(`gateway exited before it started:\n${stderr}`)));
      lines.on('line', (line) => {
        if (line.includes('"msg":"gateway started"')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    gateway = child;
    return child;
  }

  /** SIGKILL to exactly the process we started, by PID; waits for the OS to report it dead. */
  async function killHard(child: ChildProcess): Promise<void> {
    const exited = once(child, 'exit');
    if (child.pid === undefined) throw new Error('gateway has no pid');
    process.kill(child.pid, 'SIGKILL');
    await exited;
  }

  afterAll(async () => {
    const child = gateway;
    if (child !== undefined && child.exitCode === null && child.signalCode === null && child.pid !== undefined)
      process.kill(child.pid, 'SIGKILL');
    await hub.close();
    await proxy.close();
    await mosquitto.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  await startGateway();

  // The devices: each publishes its readings QoS 1, at most WINDOW unacked, and keeps a reading
  // until it is PUBACKed: mqtt.js resends what was in flight after every reconnect, and a publish it
  // fails ("Connection closed" while it was resending) is published again by the device.
  const clients: MqttClient[] = await Promise.all(
    devices.map((d) =>
      connectAsync(`mqtt://127.0.0.1:${brokerPort}`, {
        clientId: d.device,
        username: d.device,
        password: d.password,
        clean: true,
        reconnectPeriod: 100,
        // Generous: twenty scrypt checks on a loaded 2-core machine can take seconds.
        connectTimeout: 15_000,
        keepalive: 5,
      }),
    ),
  );
  let pubacked = 0;
  let republished = 0;
  const perDevice = READINGS / DEVICES;
  const ids = new IdGenerator();
  const streams = clients.map(
    (client, i) =>
      new Promise<void>((resolve) => {
        const device = devices[i]?.device as string;
        const topic = topics.dt(SITE, device, 'weight');
        const todo: number[] = Array.from({ length: perDevice }, (_, n) => n + 1);
        let inFlight = 0;
        let done = 0;
        const publish = () => {
          while (todo.length > 0 && inFlight < WINDOW) {
            const seq = todo.shift() as number;
            inFlight++;
            const ts = Date.now();
            const reading = {
              id: ids.next(ts),
              type: 'shelf.weight',
              src: { site: SITE, device },
              boot: 1,
              seq,
              ts,
              tq: 'ntp',
              data: { lane: `${device}-l1`, grams: gramsOf(i, seq), stable: true },
            };
            client.publish(topic, JSON.stringify(reading), { qos: 1 }, (error) => {
              inFlight--;
              if (error !== undefined && error !== null) {
                republished++;
                todo.unshift(seq);
                setTimeout(publish, 100);
                return;
              }
              done++;
              pubacked++;
              if (done === perDevice) resolve();
              else publish();
            });
          }
        };
        publish();
      }),
  );

  // The chaos: kills at random points of the stream, the hub broker stopped once, the link cut once.
  const random = rng(20_261_201);
  const killAt = Array.from({ length: KILLS }, (_, k) =>
    Math.floor(((k + 0.1 + 0.8 * random()) / KILLS) * READINGS * 0.95),
  );
  const outages: Array<Promise<void>> = [];
  const schedule = { kills: 0, brokerStoppedMs: 0, linkCutMs: 0 };
  for (let k = 0; k < KILLS; k++) {
    while (pubacked < (killAt[k] as number)) await sleep(5);
    if (k === 2) {
      outages.push(
        (async () => {
          const from = Date.now();
          await mosquitto.halt();
          await sleep(4000);
          await mosquitto.restart();
          schedule.brokerStoppedMs = Date.now() - from;
        })(),
      );
    }
    if (k === 5) {
      outages.push(
        (async () => {
          const from = Date.now();
          proxy.cut();
          await sleep(8000);
          proxy.restore();
          schedule.linkCutMs = Date.now() - from;
        })(),
      );
    }
    await killHard(gateway as ChildProcess);
    schedule.kills++;
    await startGateway();
  }
  await Promise.all(streams);
  await Promise.all(outages);

  const readingsAtHub = () => {
    const seen = new Map<string, number>();
    for (const { payload } of hub.items.values()) {
      const item = payload as {
        type: string;
        src: { device: string };
        boot: number;
        seq: number;
        data: { grams: number };
      };
      if (item.type !== 'shelf.weight') continue;
      const key = `${item.src.device}/${item.boot}/${item.seq}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    return seen;
  };
  try {
    await hub.until(() => readingsAtHub().size >= READINGS, `${READINGS} distinct readings at the hub`, 120_000);
  } catch (error) {
    // Say where it stuck: what the hub holds, and what the gateway reports.
    const metrics = await fetch(`http://127.0.0.1:${httpPort}/metrics`).then((r) => r.text(), String);
    const figures = metrics.split('\n').filter((l) => /^aisle_edge_(outbox|uplink|rejected|ingested)/.test(l));
    throw new Error(
      `${(error as Error).message}: ${readingsAtHub().size} distinct, ${hub.batches.length} batches, pubacked ${pubacked}\n${figures.join('\n')}\n${stderr}`,
    );
  }

  it('went through the chaos it claims: 10 hard kills, the hub broker stopped, the link cut', () => {
    expect(schedule.kills).toBe(KILLS);
    expect(exits.filter((e) => e.signal === 'SIGKILL')).toHaveLength(KILLS);
    expect(schedule.brokerStoppedMs).toBeGreaterThanOrEqual(4000);
    expect(schedule.linkCutMs).toBeGreaterThanOrEqual(8000);
    expect(pubacked).toBe(READINGS);
  });

  it('the hub has every reading exactly once after dedupe on (device, boot, seq), none missing, none invented, intact', () => {
    const expected = new Set<string>();
    for (const d of devices) for (let seq = 1; seq <= perDevice; seq++) expected.add(`${d.device}/1/${seq}`);
    const distinct = new Map<string, number>();
    for (const { payload } of hub.items.values()) {
      const item = payload as {
        type: string;
        src: { device: string };
        boot: number;
        seq: number;
        data: { grams: number };
      };
      if (item.type !== 'shelf.weight') continue;
      const key = `${item.src.device}/${item.boot}/${item.seq}`;
      const i = Number(item.src.device.slice('scale-'.length));
      expect(item.data.grams, key).toBe(gramsOf(i, item.seq));
      distinct.set(key, (distinct.get(key) ?? 0) + 1);
    }
    const missing = [...expected].filter((k) => !distinct.has(k));
    const invented = [...distinct.keys()].filter((k) => !expected.has(k));
    expect(missing).toEqual([]);
    expect(invented).toEqual([]);
    expect(distinct.size).toBe(READINGS);
    // Duplicates are allowed before dedupe; say how many there were.
    const repeats = [...distinct.values()].reduce((sum, n) => sum + n - 1, 0);
    console.info(
      `edge chaos: ${READINGS} readings, ${republished} publishes failed by mqtt.js and repeated, ${repeats} readings stored twice by devices after kills, ${hub.duplicates} batch rows resent, ${proxy.accepted} uplink connections`,
    );
  });

  it('dropped nothing (no bound was exceeded), drains its outbox, and stops cleanly on SIGTERM', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    const dropped = metrics
      .split('\n')
      .filter((l) => l.startsWith('aisle_edge_outbox_dropped_total{'))
      .map((l) => Number(l.split(' ').at(-1)));
    expect(dropped.reduce((a, b) => a + b, 0)).toBe(0);
    expect(metrics).not.toMatch(/^aisle_edge_rejected_total\{/m);
    const depth = async () => {
      const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      return Number(/^aisle_edge_outbox_rows (\d+)/m.exec(text)?.[1]);
    };
    const deadline = Date.now() + 30_000;
    while ((await depth()) > 0 && Date.now() < deadline) await sleep(100);
    if ((await depth()) > 0) {
      const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      console.error(
        text
          .split('\n')
          .filter((l) => /^aisle_edge_(outbox|uplink)/.test(l))
          .join('\n'),
      );
      console.error(JSON.stringify(hub.batches.slice(-30)));
    }
    expect(await depth()).toBe(0);
    await Promise.all(clients.map((c) => c.endAsync()));
    const child = gateway as ChildProcess;
    const exited = once(child, 'exit');
    process.kill(child.pid as number, 'SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
  });
});
