import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '@aisle/edge/config';
import { hashPassword } from '@aisle/edge/credentials';
import { Gateway } from '@aisle/edge/gateway';
import type { Outbox } from '@aisle/edge/outbox';
import { decodeMessage, type ItemOf, newId, topics } from '@aisle/protocols';
import { Aedes } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { report } from '../harness.js';
import { freePort } from '../parts/free-port.js';

/**
 * Edge ingest: device readings durably committed to the gateway's outbox per second.
 *
 * Process layout, the same shape on both sides: the load generator never shares an event loop
 * with what it measures, and what is counted is counted in this (the bench) process.
 * - Figure: N mqtt.js publishers in the `load` child → the gateway in this process (its embedded
 *   broker, the pipeline and the SQLite outbox, on one event loop, as in production); the count
 *   is taken here, where the outbox commits.
 * - Anchor: the same N publishers in the same `load` child → raw aedes in the `broker` child → one
 *   mqtt.js subscriber on `dt/#` in this process, where the count is taken.
 * The anchor has one more busy process than the figure (aedes forwards each message over a second
 * socket to its subscriber; the gateway's broker hands readings to the pipeline in-process), so on
 * this 2-core machine it gets the same two cores, spread over three processes. CPU µs per counted
 * message are reported for every process, to tell work from parallelism.
 *
 * Figure: `Gateway.start` in this process (embedded broker on a free loopback port, no uplink,
 * publish rate limits far above the load, a temp data dir, lanes configured for every published
 * lane so the pipeline settles levels and derives events); the load child's N clients log in as
 * their shelf scales (scrypt hashes, client id = username) and publish valid `shelf.weight`
 * readings on their own `dt/...` topic. Counted: `shelf-weight` rows committed to the outbox
 * (derived rows are reported beside, not counted).
 * Anchor: aedes with defaults and no hooks, N publishers → 1 subscriber on `dt/#`, the same
 * payloads, the same QoS (publish and subscription), the same in-flight bound; msgs/s at the
 * subscriber. At QoS 1 the anchor therefore carries two acknowledged hops (publisher → aedes →
 * subscriber) where the gateway has one, plus its commit: compare the QoS 1 ratios with that in mind.
 *
 * Rounds: the machine is shared and its load moves on the scale of seconds, so each (N, QoS) is
 * measured as ROUNDS pairs of windows, anchor and figure back to back (alternating which goes
 * first), each window WINDOW_MS after a WARMUP_MS ramp. Reported: the median rate of each side,
 * the ratio as the median of the per-pair ratios (each pair saw about the same machine), every
 * round's numbers, latency percentiles and CPU per message pooled over the rounds. One unreported
 * phase per side first warms the JIT.
 *
 * Closed loop: at most IN_FLIGHT readings published and not yet counted. This process tells the
 * load child its count (one IPC message per event-loop turn in which the count moved), and the
 * child sleeps while the bound holds, so the figures are sustained rates, not bursts into socket
 * buffers. The count the child sees is a little stale, which only makes the bound tighter.
 *
 * Latency publish → commit (publish → receive for the anchor): the child stamps every reading
 * whose seq is a multiple of 16 (its id's last hex digit is 0) published in the window; this
 * process stamps those ids when their rows are committed (the bench wraps `gateway.outbox.append`,
 * called by the gateway's append buffer, one SQLite transaction per call: when it returns, its rows
 * are committed) or received. The stamps come from two processes, so both use the wall clock with
 * sub-millisecond resolution, `performance.timeOrigin + performance.now()`; the offset between the
 * two processes' clocks is measured by IPC ping at start and reported (`clockOffsetMs`).
 *
 * Target (issue acceptance): ≥ 70% of raw aedes.
 */

const SITE = 'store-a';
const PUBLISHERS = [10, 100] as const;
const QOS_LEVELS = [0, 1] as const;
const MAX_PUBLISHERS = 100;
const LANES = 4;
const UNIT_GRAMS = 412.5;
/** Each configuration is measured in ROUNDS pairs of windows (anchor, figure), interleaved. */
const ROUNDS = 3;
const WARMUP_MS = 500;
const WINDOW_MS = 2_000;
/** At most this many readings published and not yet counted (≥ the append buffer's 500 per commit). */
const IN_FLIGHT = 2_000;
/** Readings written per event-loop turn at most, so the client sockets get turns. */
const PER_TURN = 250;
/** Latency samples: readings whose seq is a multiple of 16, i.e. whose id ends in hex `0`. */
const SAMPLE_EVERY = 16;
const DRAIN_TIMEOUT_MS = 5_000;
/** Whole-run bound: whatever happens, the children are killed and the process exits by then. */
const RUN_LIMIT_MS = 150_000;
const PASSWORD = 'bench-secret';

type Qos = (typeof QOS_LEVELS)[number];
type Target = 'gateway' | 'anchor';

/** This process → the load child. */
type LoadCommand =
  | { readonly kind: 'connect'; readonly target: Target; readonly port: number }
  | { readonly kind: 'start'; readonly target: Target; readonly publishers: number; readonly qos: Qos }
  | { readonly kind: 'counted'; readonly total: number }
  | { readonly kind: 'sampling'; readonly on: boolean }
  | { readonly kind: 'stop' }
  | { readonly kind: 'clock' }
  | { readonly kind: 'end' };

/** The children's answers. */
interface ChildReply {
  readonly port?: number;
  readonly cpuMs?: number;
  readonly rss?: number;
  readonly at?: number;
  readonly published?: number;
  readonly sent?: ReadonlyArray<readonly [string, number]>;
}

/** Wall-clock milliseconds with sub-ms resolution, comparable across processes on one machine. */
const wallMs = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function cpuMs(): number {
  const cpu = process.cpuUsage();
  return (cpu.user + cpu.system) / 1000;
}

function stats(): ChildReply {
  return { cpuMs: cpuMs(), rss: process.memoryUsage().rss };
}

function reply(message: ChildReply): void {
  process.send?.(message);
}

function deviceName(i: number): string {
  return `scale-${String(i + 1).padStart(3, '0')}`;
}

function laneOf(device: string, lane: number): string {
  return `${device}-l${lane}`;
}

/** The id of a sampled reading from its JSON (which starts with `{"id":"`), or undefined. */
function sampledId(json: string): string | undefined {
  // 7 = '{"id":"'.length; a UUID has 36 characters; its last one is the seq's last hex digit.
  return json.charCodeAt(42) === 0x30 && json.startsWith('{"id":"') ? json.slice(7, 43) : undefined;
}

/**
 * Valid shelf readings, one sequence per device (unique across the whole run, so the gateway's
 * duplicate check never drops one). Each reading is for lane seq % LANES; a lane's weight moves by
 * whole units every 16 of its readings and one reading in 13 is unstable, so levels settle, change
 * and produce `shelf.level` / `shelf.event` rows.
 */
class Readings {
  readonly #seq: number[] = Array.from({ length: MAX_PUBLISHERS }, () => 0);
  /** A UUIDv7 head per device, the last 12 hex digits being the seq (as in device-sim/fleet). */
  readonly #idHead: string[] = Array.from({ length: MAX_PUBLISHERS }, () => newId().slice(0, 24));

  next(d: number, now: number): ItemOf<'shelf.weight'> {
    const seq = (this.#seq[d] ?? 0) + 1;
    this.#seq[d] = seq;
    const device = deviceName(d);
    const units = 3 + (Math.floor(seq / (LANES * 16)) % 8);
    return {
      id: `${this.#idHead[d] ?? ''}${seq.toString(16).padStart(12, '0')}`,
      type: 'shelf.weight',
      src: { site: SITE, device },
      boot: 1,
      seq,
      ts: now,
      tq: 'ntp',
      data: {
        lane: laneOf(device, seq % LANES),
        grams: Math.round((units * UNIT_GRAMS + (seq % 7) - 3) * 10) / 10,
        stable: seq % 13 !== 0,
        raw: 800_000 + seq,
      },
    };
  }
}

/** The child: a raw aedes broker (defaults, no auth) on a free loopback port; any message asks for stats. */
async function serveBroker(): Promise<void> {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  server.listen({ port: 0, host: '127.0.0.1', backlog: 1024 });
  await once(server, 'listening');
  process.on('message', () => reply(stats()));
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  reply({ port: (server.address() as AddressInfo).port });
}

/** The child: the publishers of both sides, driven closed-loop by this process's counts. */
function serveLoad(): void {
  const readings = new Readings();
  const clients: Record<Target, MqttClient[]> = { gateway: [], anchor: [] };
  let counted = 0;
  let published = 0;
  let running = false;
  let driving: Promise<void> = Promise.resolve();
  let sampling = false;
  let sent: Array<readonly [string, number]> = [];

  const drive = async (pool: readonly MqttClient[], qos: Qos): Promise<void> => {
    const topicOf = pool.map((_, c) => topics.dt(SITE, deviceName(c), 'weight'));
    let next = 0;
    while (running) {
      const budget = Math.min(PER_TURN, IN_FLIGHT - (published - counted));
      if (budget <= 0) {
        await sleep(1);
        continue;
      }
      for (let i = 0; i < budget; i++) {
        const c = next;
        next = next + 1 === pool.length ? 0 : next + 1;
        const item = readings.next(c, Date.now());
        if (sampling && item.seq % SAMPLE_EVERY === 0) sent.push([item.id, wallMs()]);
        (pool[c] as MqttClient).publish(topicOf[c] as string, JSON.stringify(item), { qos });
        published++;
      }
      await turn();
    }
  };

  const handle = async (command: LoadCommand): Promise<void> => {
    switch (command.kind) {
      case 'connect':
        clients[command.target] = await Promise.all(
          Array.from({ length: MAX_PUBLISHERS }, (_, i) => {
            const identity =
              command.target === 'gateway'
                ? { clientId: `${SITE}.${deviceName(i)}`, username: `${SITE}.${deviceName(i)}`, password: PASSWORD }
                : { clientId: `anchor-pub-${i}` };
            return connectAsync({
              host: '127.0.0.1',
              port: command.port,
              keepalive: 60,
              reconnectPeriod: 0,
              ...identity,
            });
          }),
        );
        return reply({});
      case 'start':
        counted = 0;
        published = 0;
        sent = [];
        running = true;
        driving = drive(clients[command.target].slice(0, command.publishers), command.qos);
        return;
      case 'counted':
        counted = command.total;
        return;
      case 'sampling':
        sampling = command.on;
        return reply(stats());
      case 'stop':
        running = false;
        await driving;
        return reply({ published, sent });
      case 'clock':
        return reply({ at: wallMs() });
      case 'end':
        await Promise.all([...clients.gateway, ...clients.anchor].map((c) => c.endAsync(true)));
        process.exit(0);
    }
  };
  process.on('message', (command: LoadCommand) => {
    handle(command).catch((error: unknown) => {
      process.stderr.write(`edge ingest bench, load child: ${String(error)}\n`);
      process.exit(1);
    });
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  reply({});
}

/** Asks a child and waits for its answer (one question at a time per child). */
function ask(child: ChildProcess, command: LoadCommand | 'stats'): Promise<ChildReply> {
  const answer = once(child, 'message') as Promise<[ChildReply]>;
  child.send(command);
  return answer.then(([message]) => message);
}

/**
 * What this process counted in the current phase (committed rows, or messages received), fed to
 * the load child at most once per event-loop turn, and the arrival times of sampled ids.
 */
class Count {
  total = 0;
  readonly arrived = new Map<string, number>();
  readonly #load: ChildProcess;
  #base = 0;
  #scheduled = false;

  constructor(load: ChildProcess) {
    this.#load = load;
  }

  get inPhase(): number {
    return this.total - this.#base;
  }

  begin(): void {
    this.#base = this.total;
    this.arrived.clear();
  }

  add(n: number): void {
    this.total += n;
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#load.send({ kind: 'counted', total: this.inPhase } satisfies LoadCommand);
    });
  }
}

/** Counts committed `shelf-weight` rows (and derived ones) by wrapping the outbox's `append`. */
function watchCommits(outbox: Outbox, count: Count): { derived: number } {
  const derived = { derived: 0 };
  const append = outbox.append.bind(outbox);
  outbox.append = (items) => {
    const result = append(items);
    const at = wallMs();
    let readings = 0;
    for (const [i, item] of items.entries()) {
      if (result.perItem[i] === null) continue;
      if (item.stream !== 'shelf-weight') {
        derived.derived++;
        continue;
      }
      readings++;
      const id = sampledId(item.payload);
      if (id !== undefined) count.arrived.set(id, at);
    }
    count.add(readings);
    return result;
  };
  return derived;
}

/** One measured window of one side, raw, so that rounds can be pooled. */
interface Phase {
  readonly windowMs: number;
  /** Counted (committed / received) in the window. */
  readonly inWindow: number;
  readonly published: number;
  readonly lost: number;
  /** Publish → commit (→ receive) of the sampled readings published in the window. */
  readonly latenciesMs: readonly number[];
  readonly unmatched: number;
  /** CPU ms of each process over the window. */
  readonly cpuMs: { readonly here: number; readonly load: number; readonly broker: number };
  readonly rssMiB: { readonly here: number; readonly load: number; readonly broker: number };
}

const rateOf = (p: Phase): number => (p.inWindow * 1000) / p.windowMs;

/**
 * One phase: the load child drives `publishers` clients of `target` closed-loop for WARMUP_MS +
 * WINDOW_MS, then this process waits (bounded) until everything published was counted.
 */
async function phase(
  load: ChildProcess,
  broker: ChildProcess | undefined,
  count: Count,
  target: Target,
  publishers: number,
  qos: Qos,
): Promise<Phase> {
  count.begin();
  load.send({ kind: 'start', target, publishers, qos } satisfies LoadCommand);
  await sleep(WARMUP_MS);
  const mark = async (on: boolean) => {
    const [l, b] = await Promise.all([
      ask(load, { kind: 'sampling', on }),
      broker === undefined ? undefined : ask(broker, 'stats'),
    ]);
    return { counted: count.inPhase, at: performance.now(), cpu: cpuMs(), load: l, broker: b };
  };
  const w0 = await mark(true);
  await sleep(WINDOW_MS);
  const w1 = await mark(false);
  const { published = 0, sent = [] } = await ask(load, { kind: 'stop' });
  const deadline = performance.now() + DRAIN_TIMEOUT_MS;
  while (count.inPhase < published && performance.now() < deadline) await sleep(10);

  const latenciesMs: number[] = [];
  for (const [id, at] of sent) {
    const arrived = count.arrived.get(id);
    if (arrived !== undefined) latenciesMs.push(arrived - at);
  }
  return {
    windowMs: w1.at - w0.at,
    inWindow: w1.counted - w0.counted,
    published,
    lost: published - count.inPhase,
    latenciesMs,
    unmatched: sent.length - latenciesMs.length,
    cpuMs: {
      here: w1.cpu - w0.cpu,
      load: (w1.load.cpuMs ?? 0) - (w0.load.cpuMs ?? 0),
      broker: (w1.broker?.cpuMs ?? 0) - (w0.broker?.cpuMs ?? 0),
    },
    rssMiB: { here: mib(process.memoryUsage().rss), load: mib(w1.load.rss ?? 0), broker: mib(w1.broker?.rss ?? 0) },
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** The rounds of one side: median rate, pooled latency percentiles, pooled CPU per message. */
function pool(phases: readonly Phase[]) {
  const ms = phases.flatMap((p) => p.latenciesMs).sort((a, b) => a - b);
  const at = (q: number): number => round1(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? Number.NaN);
  const counted = Math.max(
    1,
    phases.reduce((sum, p) => sum + p.inWindow, 0),
  );
  const us = (process: keyof Phase['cpuMs']): number =>
    round1((phases.reduce((sum, p) => sum + p.cpuMs[process], 0) * 1000) / counted);
  return {
    rate: median(phases.map(rateOf)),
    rounds: phases.map((p) => Math.round(rateOf(p))),
    inWindow: phases.reduce((sum, p) => sum + p.inWindow, 0),
    lost: phases.reduce((sum, p) => sum + p.lost, 0),
    latencyMs: {
      p50: at(0.5),
      p99: at(0.99),
      samples: ms.length,
      unmatched: phases.reduce((sum, p) => sum + p.unmatched, 0),
    },
    cpuUs: { here: us('here'), load: us('load'), broker: us('broker') },
    rssMiB: phases.at(-1)?.rssMiB,
  };
}

/** Offset of the load child's clock from this one's (ms), from the IPC ping with the shortest round trip. */
async function clockOffset(load: ChildProcess): Promise<{ offset: number; uncertainty: number }> {
  let best = { offset: 0, uncertainty: Number.POSITIVE_INFINITY };
  for (let i = 0; i < 20; i++) {
    const t0 = wallMs();
    const { at = Number.NaN } = await ask(load, { kind: 'clock' });
    const t1 = wallMs();
    if ((t1 - t0) / 2 < best.uncertainty) best = { offset: at - (t0 + t1) / 2, uncertainty: (t1 - t0) / 2 };
  }
  return { offset: Math.round(best.offset * 1000) / 1000, uncertainty: Math.round(best.uncertainty * 1000) / 1000 };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function mib(bytes: number): number {
  return Math.round((bytes / 1048576) * 10) / 10;
}

async function main(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const children = ['broker', 'load'].map((role) =>
    fork(self, [role], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  ) as [ChildProcess, ChildProcess];
  const kill = (): void => {
    for (const child of children) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid, 'SIGTERM');
      }
    }
  };
  const dataDir = mkdtempSync(join(tmpdir(), 'aisle-bench-ingest-'));
  const limit = setTimeout(() => {
    process.stderr.write(`edge ingest bench: over ${RUN_LIMIT_MS} ms, stopping\n`);
    kill();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(1);
  }, RUN_LIMIT_MS);
  limit.unref();
  try {
    await run(...children, dataDir);
  } finally {
    kill();
    clearTimeout(limit);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function run(broker: ChildProcess, load: ChildProcess, dataDir: string): Promise<void> {
  const [[{ port: anchorPort }]] = (await Promise.all([once(broker, 'message'), once(load, 'message')])) as [
    [ChildReply],
    unknown,
  ];
  if (anchorPort === undefined) throw new Error('broker child sent no port');

  const devices = Array.from({ length: MAX_PUBLISHERS }, (_, i) => deviceName(i));
  // One scrypt hash for every device (same secret): setup stays fast; each login still verifies.
  const passwordHash = await hashPassword(PASSWORD);
  const config = parseConfig({
    site: SITE,
    gateway: 'gw-store-a',
    dataDir,
    broker: { host: '127.0.0.1', port: await freePort(), publishesPerSecond: 1e6, publishBurst: 1_000_000 },
    devices: devices.map((device) => ({ device, kind: 'shelf-scale', username: `${SITE}.${device}`, passwordHash })),
    lanes: devices.flatMap((device) =>
      Array.from({ length: LANES }, (_, l) => ({
        lane: laneOf(device, l),
        device,
        sku: `sku-${l}`,
        unitGrams: UNIT_GRAMS,
        capacity: 12,
      })),
    ),
    http: { host: '127.0.0.1', port: 0 },
    log: { level: 'silent' },
  });
  const sample = new Readings().next(MAX_PUBLISHERS - 1, Date.now());
  const check = decodeMessage(topics.dt(SITE, sample.src.device, 'weight'), JSON.stringify(sample));
  if (!check.ok) throw new Error(`bench reading does not decode: ${JSON.stringify(check.error)}`);

  const gateway = await Gateway.start(config, pino({ level: 'silent' }));
  const count = new Count(load);
  const commits = watchCommits(gateway.outbox, count);
  await ask(load, { kind: 'connect', target: 'gateway', port: config.broker.port });
  await ask(load, { kind: 'connect', target: 'anchor', port: anchorPort });
  const subscriber = await connectAsync({
    host: '127.0.0.1',
    port: anchorPort,
    clientId: 'anchor-sub',
    keepalive: 60,
    reconnectPeriod: 0,
  });
  subscriber.on('message', (_topic, payload) => {
    // The payload's bytes are ASCII up to the id's end: latin1 reads them as they are.
    if (payload[42] === 0x30) count.arrived.set(payload.toString('latin1', 7, 43), wallMs());
    count.add(1);
  });
  const clock = await clockOffset(load);

  const anchorPhase = async (n: number, qos: Qos): Promise<Phase> => {
    await subscriber.subscribeAsync('dt/#', { qos });
    const result = await phase(load, broker, count, 'anchor', n, qos);
    await subscriber.unsubscribeAsync('dt/#');
    return result;
  };
  const gatewayPhase = (n: number, qos: Qos): Promise<Phase> => phase(load, undefined, count, 'gateway', n, qos);

  try {
    // JIT warm-up of both sides, not reported.
    await anchorPhase(MAX_PUBLISHERS, 0);
    await gatewayPhase(MAX_PUBLISHERS, 0);
    for (const n of PUBLISHERS) {
      for (const qos of QOS_LEVELS) {
        const anchors: Phase[] = [];
        const ingests: Phase[] = [];
        const derived0 = commits.derived;
        for (let round = 0; round < ROUNDS; round++) {
          // Alternate which side goes first, so neither always meets the other's after-effects.
          if (round % 2 === 0) anchors.push(await anchorPhase(n, qos));
          ingests.push(await gatewayPhase(n, qos));
          if (round % 2 === 1) anchors.push(await anchorPhase(n, qos));
        }
        const anchor = pool(anchors);
        const ingest = pool(ingests);
        const ratios = ingests.map((p, i) => rateOf(p) / rateOf(anchors[i] as Phase));
        const ratio = median(ratios);
        report({
          bench: 'edge/ingest',
          figure: `${n} shelf-scale publishers (own process) → edge gateway (embedded broker, pipeline, SQLite outbox; one process): shelf.weight readings durably committed, QoS ${qos}`,
          value: Math.round(ingest.rate),
          unit: 'readings/s',
          anchor: {
            name: `raw aedes pub→sub: ${n} mqtt.js publishers (own process) → aedes (own process) → 1 subscriber on dt/# (bench process), same payloads, QoS ${qos}`,
            value: Math.round(anchor.rate),
            unit: 'msgs/s',
          },
          ratio: Number(ratio.toFixed(2)),
          target: 'ratio ≥ 0.7',
          met: ratio >= 0.7,
          publishers: n,
          qos,
          rounds: { figure: ingest.rounds, anchor: anchor.rounds, ratio: ratios.map((r) => Number(r.toFixed(2))) },
          latencyMs: { ...ingest.latencyMs, sampleEvery: SAMPLE_EVERY },
          anchorLatencyMs: anchor.latencyMs,
          clockOffsetMs: clock,
          windowS: WINDOW_MS / 1000,
          inFlightLimit: IN_FLIGHT,
          payloadBytes: Buffer.byteLength(JSON.stringify(sample)),
          committedInWindows: ingest.inWindow,
          derivedRows: commits.derived - derived0,
          lost: { ingest: ingest.lost, anchor: anchor.lost },
          rejected: gateway.pipeline.rejects.snapshot(),
          cpuUsPerMsg: {
            gatewayProcess: ingest.cpuUs.here,
            gatewayLoad: ingest.cpuUs.load,
            anchorBroker: anchor.cpuUs.broker,
            anchorSubscriber: anchor.cpuUs.here,
            anchorLoad: anchor.cpuUs.load,
          },
          rssMiB: {
            gatewayProcess: ingest.rssMiB?.here,
            load: ingest.rssMiB?.load,
            anchorBroker: anchor.rssMiB?.broker,
          },
          outboxDepth: gateway.outbox.stats().depth,
          loadAvg1m: round1(loadavg()[0] ?? 0),
        });
      }
    }
  } finally {
    await subscriber.endAsync(true);
    load.send({ kind: 'end' } satisfies LoadCommand);
    await once(load, 'exit');
    await gateway.close();
  }
}

// Last, so every class above is initialised before any role runs.
const role = process.argv[2];
if (role === 'broker') await serveBroker();
else if (role === 'load') serveLoad();
else await main();
