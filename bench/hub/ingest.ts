import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashPassword } from '@aisle/edge/credentials';
import { batchCodec } from '@aisle/protocols';
import { report } from '../harness.js';
import { type Spawn as BenchSpawn, runBench } from './parts/bench-main.js';
import { type AnchorCommand, type AnchorReply, seriesDdl, serveAnchor } from './parts/ingest-anchor.js';
import { GatewayReadings, gatewayOf, LANES_PER_SCALE, SCALES, siteOf } from './parts/ingest-batches.js';
import { type HubCommand, type HubReply, serveHub, utilization } from './parts/ingest-hub.js';
import { type LoadCommand, type LoadReply, serveLoad } from './parts/ingest-load.js';
import { type BenchServer, startServer, treeCpuMs } from './parts/ingest-servers.js';

/**
 * Hub ingest: shelf readings per second that the hub takes from gateway batches, stores and acks,
 * against raw writes of the same data into the same store, for the production storage (PostgreSQL
 * + InfluxDB) and the embedded one (SQLite).
 *
 * Processes (children are this file started with a role, their code in `parts/`; the servers are
 * started by `scripts/servers/*.sh` on free loopback ports, data in temp dirs, and stopped at the
 * end):
 *
 * | side   | load                                    | under test                    | store             |
 * | ------ | --------------------------------------- | ----------------------------- | ----------------- |
 * | figure | `load` child: GATEWAYS mqtt.js gateways | `hub` child: `startHub`       | influxd + postgres, or the hub's SQLite file |
 * | anchor | —                                       | `anchor` child: raw client    | influxd (another database), or another SQLite file |
 *
 * Figure: the `hub` child runs `startHub(parseHubConfig(…))` (embedded aedes broker, the
 * gateways bootstrapped with a scrypt hash, logs silent). The `load` child logs GATEWAYS gateways
 * in (client id = username = gateway id) and publishes valid live batches of BATCH `shelf.weight`
 * items each (parts/ingest-batches.ts: the envelopes as a gateway stores and sends them, the text
 * assembled as the uplink assembles it; 200 lanes per gateway, so 200 distinct latest-value keys
 * per batch), QoS 1, closed loop: at most WINDOW_BATCHES batches per gateway beyond the hub's ack
 * cursor. Per batch the hub decodes and validates it, writes the series, upserts the latest
 * values, advances and persists the gateway's cursor, publishes the ack, and emits realtime
 * deltas (no socket subscribed). Counted: items the acks' cursors moved past, over MEASURE_MS
 * after WARMUP_MS; then the load stops and what is in flight drains (bounded).
 *
 * Anchors (the `anchor` child, parts/ingest-anchor.ts), measured in the same run just before and
 * just after the figure (their mean is the anchor; both are in the JSON line), same window:
 * - InfluxDB: the `influx` client the hub uses, `writePoints` of the same points (built by the hub's
 *   own `toPoint`; the run checks that both databases end with the same field and tag keys),
 *   BATCH points per write, GATEWAYS concurrent writers (the hub handles one batch per gateway at
 *   a time), precision ns, retention policy `raw` as the hub sets it up. The hub's series batch
 *   size is the config default (5,000 points per request), so each gateway batch is one request.
 * - SQLite: better-sqlite3 (the hub's build), one transaction of BATCH prepared inserts per batch
 *   into the hub's own `series_items` DDL (read from its file), same pragmas (WAL,
 *   `synchronous=FULL`), same filesystem.
 * The anchors write only the series: what the hub does besides (MQTT, decoding, latest values,
 * the cursor, the ack) is what the ratio prices.
 *
 * PostgreSQL runs as scripts/servers/postgres.sh starts it: `fsync=off`, `synchronous_commit=off`
 * (a test server). Its commits are cheaper than a production server's; InfluxDB fsyncs its WAL per
 * write as configured by default, SQLite per commit (`synchronous=FULL`).
 *
 * Also reported: CPU µs per item of every process involved (from /proc, children and servers
 * alike), the hub's event-loop utilization, the publish → ack latency of the window's batches, the
 * load average. A whole-run bound kills the children by PID, stops the servers and exits.
 *
 * Target (issue #5): InfluxDB ≥ 0.7 of the raw client; SQLite's ratio is reported.
 */

const GATEWAYS = 4;
const BATCH = 1_000;
const WINDOW_BATCHES = 2;
const WARMUP_MS = 2_000;
const MEASURE_MS = 8_000;
/** After a phase, how long in-flight batches get to be acked. */
const DRAIN_MS = 40_000;
/** Whole-run bound: whatever happens, children are killed, servers stopped, and the process exits. */
const RUN_LIMIT_MS = 180_000;
const PASSWORD = 'bench-gateway-secret';
const INFLUX_RETENTION = '30d';

type Role = 'hub' | 'load' | 'anchor';
type Command = HubCommand | LoadCommand | AnchorCommand;
type Reply = HubReply & LoadReply & AnchorReply;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const round1 = (x: number): number => Math.round(x * 10) / 10;

/** Asks a child and waits for its answer (one question at a time per child). */
async function ask(child: ChildProcess, command: Command): Promise<Reply> {
  const answer = once(child, 'message') as Promise<[Reply]>;
  child.send(command);
  return (await answer)[0];
}

function percentiles(values: number[]): { p50: number; p99: number; max: number; n: number } {
  values.sort((a, b) => a - b);
  const at = (q: number) => round1(values[Math.min(values.length - 1, Math.floor(q * values.length))] ?? Number.NaN);
  return { p50: at(0.5), p99: at(0.99), max: round1(values.at(-1) ?? Number.NaN), n: values.length };
}

/** The processes whose CPU a phase accounts for, by name. */
type Pids = Record<string, number | undefined>;

function cpuOf(pids: Pids): Record<string, number> {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, treeCpuMs(pid)]));
}

function cpuPerItem(from: Record<string, number>, to: Record<string, number>, items: number) {
  return Object.fromEntries(
    Object.keys(from).map((name) => [
      name,
      round1((((to[name] ?? 0) - (from[name] ?? 0)) * 1000) / Math.max(1, items)),
    ]),
  );
}

interface AnchorResult {
  readonly rate: number;
  /** Share of the anchor's window spent building batches (summed over writers / writers). */
  readonly buildShare: number;
  readonly cpuUsPerItem: Record<string, number>;
}

async function anchorPhase(anchor: ChildProcess, writers: number, pids: Pids): Promise<AnchorResult> {
  await ask(anchor, { kind: 'start' });
  await sleep(WARMUP_MS);
  const c0 = cpuOf(pids);
  const m0 = await ask(anchor, { kind: 'mark' });
  await sleep(MEASURE_MS);
  const m1 = await ask(anchor, { kind: 'mark' });
  const c1 = cpuOf(pids);
  await ask(anchor, { kind: 'stop' });
  const items = (m1.written ?? 0) - (m0.written ?? 0);
  const ms = (m1.at ?? 0) - (m0.at ?? 0);
  return {
    rate: (items * 1000) / ms,
    buildShare: Math.round((((m1.buildMs ?? 0) - (m0.buildMs ?? 0)) / writers / ms) * 1000) / 1000,
    cpuUsPerItem: cpuPerItem(c0, c1, items),
  };
}

interface FigureResult {
  readonly rate: number;
  readonly ackedInWindow: number;
  readonly unacked: number;
  readonly ackLatencyMs: ReturnType<typeof percentiles>;
  readonly hubEventLoopUtilization: number;
  readonly hubRssMiB: number;
  readonly cpuUsPerItem: Record<string, number>;
}

async function figurePhase(load: ChildProcess, hub: ChildProcess, pids: Pids): Promise<FigureResult> {
  await ask(load, { kind: 'start' });
  await sleep(WARMUP_MS);
  const c0 = cpuOf(pids);
  const [m0, h0] = await Promise.all([ask(load, { kind: 'mark' }), ask(hub, { kind: 'stats' })]);
  await sleep(MEASURE_MS);
  const [m1, h1] = await Promise.all([ask(load, { kind: 'mark' }), ask(hub, { kind: 'stats' })]);
  const c1 = cpuOf(pids);
  const stop = await ask(load, { kind: 'stop', drainMs: DRAIN_MS });
  const items = (m1.acked ?? 0) - (m0.acked ?? 0);
  const from = m0.at ?? 0;
  const to = m1.at ?? 0;
  const latencies = (stop.batches ?? []).filter(([sent]) => sent >= from && sent < to).map(([s, a]) => a - s);
  return {
    rate: (items * 1000) / (to - from),
    ackedInWindow: items,
    unacked: stop.unacked ?? 0,
    ackLatencyMs: percentiles(latencies.map((ms) => (Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms))),
    hubEventLoopUtilization: Math.round(utilization(h0.elu, h1.elu) * 1000) / 1000,
    hubRssMiB: round1((h1.rss ?? 0) / 1048576),
    cpuUsPerItem: cpuPerItem(c0, c1, items),
  };
}

/** Field and tag keys of `shelf.weight` in a database (InfluxDB's HTTP API). */
async function influxKeys(url: string, database: string): Promise<string> {
  const keys: string[] = [];
  for (const q of ['SHOW FIELD KEYS FROM "raw"."shelf.weight"', 'SHOW TAG KEYS FROM "raw"."shelf.weight"']) {
    const response = await fetch(`${url}/query?${new URLSearchParams({ db: database, q })}`);
    const body = (await response.json()) as { results: Array<{ series?: Array<{ values: string[][] }> }> };
    keys.push(...(body.results[0]?.series?.[0]?.values ?? []).map((v) => v.join(':')).sort());
  }
  return keys.join(',');
}

type Spawn = BenchSpawn<Role, Reply>;

/** Ends a child this bench started, by its PID, and waits for it to exit. */
async function retire(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  process.kill(child.pid, 'SIGTERM');
  await exited;
}

interface Backend {
  readonly name: string;
  readonly storage: Record<string, unknown>;
  readonly anchorName: string;
  readonly anchorUnit: string;
  readonly anchor: (hubDataDir: string) => AnchorCommand;
  readonly writers: number;
  readonly servers: Pids;
  /** After the phases: checks the hub's and the anchor's data have the same layout. */
  readonly sameLayout?: () => Promise<boolean>;
}

async function measure(spawn: Spawn, backend: Backend, dataDir: string, batchBytes: number): Promise<void> {
  const passwordHash = await hashPassword(PASSWORD);
  const [[hub], [load], [anchor]] = await Promise.all([spawn('hub'), spawn('load'), spawn('anchor')]);
  const { brokerUrl } = await ask(hub, {
    kind: 'start',
    config: {
      dataDir,
      http: { host: '127.0.0.1', port: 0 },
      broker: { host: '127.0.0.1', port: 0 },
      storage: backend.storage,
      gateways: Array.from({ length: GATEWAYS }, (_, g) => ({ site: siteOf(g), gateway: gatewayOf(g), passwordHash })),
      log: { level: 'silent' },
    },
  });
  if (brokerUrl === undefined) throw new Error('hub child sent no broker URL');
  await ask(load, {
    kind: 'connect',
    brokerUrl,
    gateways: GATEWAYS,
    password: PASSWORD,
    batch: BATCH,
    window: WINDOW_BATCHES,
  });
  await ask(anchor, backend.anchor(dataDir));

  const anchorPids = { anchor: anchor.pid, ...backend.servers };
  const before = await anchorPhase(anchor, backend.writers, anchorPids);
  const figure = await figurePhase(load, hub, { hub: hub.pid, load: load.pid, ...backend.servers });
  const after = await anchorPhase(anchor, backend.writers, anchorPids);
  const sameLayout = await backend.sameLayout?.();

  load.send({ kind: 'end' } satisfies LoadCommand);
  await ask(hub, { kind: 'close' });
  await Promise.all([load, hub, anchor].map(retire));

  const anchorRate = (before.rate + after.rate) / 2;
  const ratio = figure.rate / anchorRate;
  report({
    bench: 'hub/ingest',
    figure: `${backend.name}: ${GATEWAYS} gateways (own process, mqtt.js, QoS 1, ≤ ${WINDOW_BATCHES} batches each beyond the ack) → hub (own process: embedded broker, decode, series, latest, cursor, ack): shelf readings acked`,
    value: Math.round(figure.rate),
    unit: 'readings/s',
    anchor: { name: backend.anchorName, value: Math.round(anchorRate), unit: backend.anchorUnit },
    ratio: Number(ratio.toFixed(2)),
    target: backend.name.includes('InfluxDB') ? 'ratio ≥ 0.7' : 'reported (issue #5)',
    ...(backend.name.includes('InfluxDB') ? { met: ratio >= 0.7 } : {}),
    anchorBefore: Math.round(before.rate),
    anchorAfter: Math.round(after.rate),
    anchorBuildShare: { before: before.buildShare, after: after.buildShare },
    batchItems: BATCH,
    batchBytes,
    gateways: GATEWAYS,
    lanesPerGateway: SCALES * LANES_PER_SCALE,
    windowS: MEASURE_MS / 1000,
    ackedInWindow: figure.ackedInWindow,
    unackedAfterDrain: figure.unacked,
    ackLatencyMs: figure.ackLatencyMs,
    hubEventLoopUtilization: figure.hubEventLoopUtilization,
    hubRssMiB: figure.hubRssMiB,
    cpuUsPerItem: figure.cpuUsPerItem,
    anchorCpuUsPerItem: { before: before.cpuUsPerItem, after: after.cpuUsPerItem },
    ...(sameLayout === undefined ? {} : { sameLayout }),
    loadAvg1m: round1(loadavg()[0] ?? 0),
  });
}

async function run(spawn: Spawn, servers: BenchServer[], tempDir: string): Promise<void> {
  const sample = new GatewayReadings(0);
  const text = sample.batchText(sample.next(BATCH, Date.now()), Date.now());
  const check = batchCodec.decode(text);
  if (!check.ok) throw new Error(`bench batch does not decode: ${JSON.stringify(check.error)}`);
  const batchBytes = Buffer.byteLength(text);

  // AISLE_BENCH_BACKEND=postgres (or sqlite) runs one backend only, for profiling and iterating.
  const only = process.env.AISLE_BENCH_BACKEND;
  // 1. Production storage: PostgreSQL (relational) + InfluxDB (series).
  if (only === undefined || only === 'postgres') await production(spawn, servers, tempDir, batchBytes);
  // 2. Embedded storage: SQLite.
  if (only === undefined || only === 'sqlite') await embedded(spawn, tempDir, batchBytes);
}

async function production(spawn: Spawn, servers: BenchServer[], tempDir: string, batchBytes: number): Promise<void> {
  const started = await Promise.allSettled([startServer('postgres'), startServer('influxdb')]);
  for (const s of started) if (s.status === 'fulfilled') servers.push(s.value);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  const [postgres, influx] = servers as [BenchServer, BenchServer];
  await measure(
    spawn,
    {
      name: 'PostgreSQL + InfluxDB',
      storage: {
        relational: { kind: 'postgres', url: postgres.url },
        series: { kind: 'influx', url: influx.url, database: 'aisle_bench', rawRetention: INFLUX_RETENTION },
      },
      anchorName: `raw influx client writePoints of the same points, ${BATCH} per write, ${GATEWAYS} concurrent writers (own process), mean of before and after the figure`,
      anchorUnit: 'points/s',
      anchor: () => ({
        kind: 'influx',
        url: influx.url,
        database: 'aisle_anchor',
        retention: INFLUX_RETENTION,
        writers: GATEWAYS,
        batch: BATCH,
      }),
      writers: GATEWAYS,
      servers: { influxd: influx.pid, postgres: postgres.pid },
      sameLayout: async () =>
        (await influxKeys(influx.url, 'aisle_bench')) === (await influxKeys(influx.url, 'aisle_anchor')),
    },
    join(tempDir, 'hub-influx'),
    batchBytes,
  );
  for (const server of servers.splice(0)) server.stop();
}

async function embedded(spawn: Spawn, tempDir: string, batchBytes: number): Promise<void> {
  await measure(
    spawn,
    {
      name: 'SQLite',
      storage: {},
      anchorName: `raw better-sqlite3: the same rows, one transaction of ${BATCH} inserts each, the hub's series_items DDL and pragmas (own process), mean of before and after the figure`,
      anchorUnit: 'rows/s',
      anchor: (hubDataDir) => ({
        kind: 'sqlite',
        file: join(tempDir, 'anchor.db'),
        ddl: seriesDdl(join(hubDataDir, 'hub.db')),
        batch: BATCH,
      }),
      writers: 1,
      servers: {},
    },
    join(tempDir, 'hub-sqlite'),
    batchBytes,
  );
}

async function main(): Promise<void> {
  await runBench<Role, Reply>('ingest', fileURLToPath(import.meta.url), RUN_LIMIT_MS, run);
}

// Last, so every module above is initialised before any role runs.
const role = process.argv[2];
if (role === 'hub') serveHub();
else if (role === 'load') serveLoad();
else if (role === 'anchor') serveAnchor();
else await main();
