import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '@aisle/edge/config';
import { hashPassword } from '@aisle/edge/credentials';
import { Gateway } from '@aisle/edge/gateway';
import { itemCodec } from '@aisle/protocols';
import { pino } from 'pino';
import { report } from '../harness.js';
import { freePort } from '../parts/free-port.js';
import { type AnchorOptions, type AnchorReply, transportAnchor } from './parts/drain-anchor.js';
import {
  DEVICES,
  deviceName,
  LANES,
  LIVE_RATE,
  laneOf,
  PASSWORD,
  ScalesHandle,
  SITE,
  serveDevices,
  storedRow,
  UNIT_GRAMS,
} from './parts/drain-devices.js';
import { HubHandle, type HubReply, schedstat, serveHub } from './parts/drain-hub.js';

/**
 * Edge drain: a backlog of 1,000,000 readings kept through an outage, sent to the hub once the
 * link is back while live readings keep coming (issue acceptance: drain rate and live-lane p99
 * latency while draining; RSS stays bounded throughout).
 *
 * Processes. The hub (child `hub`, drain-hub.ts): a real aedes broker and a real acking consumer
 * (decodes every batch, advances a contiguous cursor, publishes the ack after each batch). The
 * scales (child `devices`, drain-devices.ts): DEVICES mqtt.js clients logged in with their
 * credentials (scrypt hashes), publishing valid `shelf.weight` readings at QoS 1, LIVE_RATE in
 * total, open-loop, each stamped `ts = Date.now()`. The gateway: `Gateway.start` in this process
 * (embedded broker, pipeline with the scales' lanes configured, SQLite outbox, uplink to the hub).
 * Live latency is taken at the hub, `Date.now() - ts` once the consumer has decoded the batch, and
 * summarized per phase over the readings *published* in the phase, whenever they arrived (a
 * settle or grace period after the phase lets late ones in).
 *
 * 1. Baseline: link up, no backlog, live load for BASELINE_MS (after SETTLE_MS): live p50/p99
 *    and the gateway process's max RSS. These are the anchors of the latency and RSS figures.
 * 2. Outage: the hub closes the gateway's listener and drops its connection. BACKLOG rows, the
 *    envelopes as the pipeline stores them (`rx`, `src.gateway`, ~275 B of JSON), go into the
 *    gateway's own outbox, FILL_BATCH rows per `append` transaction, yielding to the event loop
 *    after each (live readings keep arriving and join the backlog). RSS is sampled throughout.
 * 3. Drain at the default `histItemsPerSecond` (2,000/s): the listener opens, the uplink
 *    reconnects; WINDOW_MS of live p99, acked rows per second and RSS. (A full drain at 2,000/s
 *    takes over 8 minutes: this is a window, not a drain.)
 * 4. Drain with the cap at the config's maximum (HIST_CAP): the scales pause, the gateway is
 *    closed and started again with that cap (same data dir: the restart path), the scales resume.
 *    Figure: rows of the backlog (every oseq that existed at the uplink's connect) / seconds from
 *    the connect until the hub's ack cursor covers them (polled every POLL_MS); live p99 of the
 *    readings published in that time; RSS of this process sampled every POLL_MS (at the start,
 *    at half, at the end, max), the hub's max, and this event loop's longest stall.
 * Transport anchor for the drain rate, measured before phase 1 and after phase 4 (the figure is
 *    compared with the mean): child `anchor` (drain-anchor.ts), one mqtt.js client publishing
 *    ANCHOR_BATCHES precomputed hist batches (text built exactly as the uplink builds it,
 *    BATCH_ITEMS rows of the same envelopes each) at QoS 1 to the same hub listener, keeping at
 *    most ANCHOR_WINDOW batches beyond the hub's ack cursor; items acked per second. The ratio
 *    prices the gateway's side (SQLite reads, batch building, deleting acked rows, live traffic
 *    beside it) against moving and acking the same bytes.
 *
 * This VM is shared: the JSON lines carry the load average, and for the drain the main threads'
 * CPU time and run-queue wait per second (`/proc/self/schedstat`), so a slow drain can be told
 * apart from a machine busy with other work. A whole-run bound kills the children this process
 * started and exits, whatever happens.
 */

const GATEWAY = 'gw-store-a';
const BACKLOG = 1_000_000;
const FILL_BATCH = 500;
/** The config's maximum `histItemsPerSecond`: far above what this machine drains. */
const HIST_CAP = 1_000_000;
/** Uplink batch size (the config default). */
const BATCH_ITEMS = 1_000;
const POLL_MS = 20;
const SETTLE_MS = 1_000;
/** After a phase, how long readings published in it get to reach the hub before they are summarized. */
const GRACE_MS = 1_000;
const BASELINE_MS = 8_000;
const WINDOW_MS = 8_000;
const DRAIN_LIMIT_MS = 90_000;
const ANCHOR_BATCHES = 120;
const ANCHOR_WINDOW = 32;
const RUN_LIMIT_MS = 360_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const round1 = (x: number): number => Math.round(x * 10) / 10;
const mib = (bytes: number): number => round1(bytes / 1048576);

async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

class RssTrack {
  max = 0;
  sample(): number {
    const rss = process.memoryUsage.rss();
    this.max = Math.max(this.max, rss);
    return rss;
  }
}

/** Phase 2: the outage's backlog, appended to the running gateway's outbox while the link is down. */
async function fill(gateway: Gateway): Promise<{ rowsPerSecond: number; maxRss: number; payloadBytes: number }> {
  const rss = new RssTrack();
  const outageStart = Date.now() - (BACKLOG * 1000) / LIVE_RATE;
  const sample = storedRow(0, outageStart, GATEWAY);
  const check = itemCodec.decode(sample.payload);
  if (!check.ok) throw new Error(`backlog row does not decode: ${JSON.stringify(check.error)}`);
  const t0 = performance.now();
  for (let i = 0; i < BACKLOG; i += FILL_BATCH) {
    const rows = Array.from({ length: Math.min(FILL_BATCH, BACKLOG - i) }, (_, k) =>
      storedRow(i + k, outageStart, GATEWAY),
    );
    gateway.outbox.append(rows);
    rss.sample();
    await turn();
  }
  return {
    rowsPerSecond: Math.round(BACKLOG / ((performance.now() - t0) / 1000)),
    maxRss: rss.max,
    payloadBytes: Buffer.byteLength(sample.payload),
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'aisle-bench-drain-'));
  const children: ChildProcess[] = [];
  const killChildren = (): void => {
    for (const child of children) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid, 'SIGTERM');
      }
    }
  };
  const limit = setTimeout(() => {
    process.stderr.write(`edge drain bench: over ${RUN_LIMIT_MS} ms, stopping\n`);
    killChildren();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(1);
  }, RUN_LIMIT_MS);
  limit.unref();
  const gateways: Gateway[] = [];
  try {
    await run(
      dataDir,
      (args) => {
        const child = fork(fileURLToPath(import.meta.url), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        children.push(child);
        return child;
      },
      gateways,
    );
  } finally {
    killChildren();
    await Promise.all(gateways.map((g) => g.close().catch(() => undefined)));
    clearTimeout(limit);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** What the hub's latency, this process's RSS and its event loop showed over one phase. */
interface Phase {
  readonly latency: NonNullable<HubReply['latency']>;
  readonly maxRss: number;
  readonly loopDelayMaxMs: number;
}

/** A phase's RSS (sampled by the caller), its event loop's longest stall, and its wall-clock start. */
class PhaseWatch {
  readonly #rss = new RssTrack();
  readonly #loop = monitorEventLoopDelay({ resolution: 10 });
  from = 0;

  constructor() {
    this.#loop.enable();
  }

  start(): number {
    this.#rss.max = 0;
    this.#loop.reset();
    this.from = Date.now();
    return this.#rss.sample();
  }

  sample(): number {
    return this.#rss.sample();
  }

  /** Ends the phase at `to` (wall clock); the latencies are taken later, once stragglers are in. */
  end(): { to: number; maxRss: number; loopDelayMaxMs: number } {
    return { to: Date.now(), maxRss: this.#rss.max, loopDelayMaxMs: round1(this.#loop.max / 1e6) };
  }

  stop(): void {
    this.#loop.disable();
  }
}

async function run(dataDir: string, spawn: (args: string[]) => ChildProcess, gateways: Gateway[]): Promise<void> {
  const uplinkPort = await freePort();
  const hubChild = spawn(['hub', String(uplinkPort)]);
  await once(hubChild, 'message');
  const hub = new HubHandle(hubChild);
  const measureAnchor = async (): Promise<AnchorReply> => {
    const options: AnchorOptions = {
      uplinkPort,
      batches: ANCHOR_BATCHES,
      batchItems: BATCH_ITEMS,
      window: ANCHOR_WINDOW,
    };
    const [reply] = (await once(spawn(['anchor', JSON.stringify(options)]), 'message')) as [AnchorReply];
    return reply;
  };
  const anchorBefore = await measureAnchor();

  const devices = Array.from({ length: DEVICES }, (_, d) => deviceName(d));
  const passwordHash = await hashPassword(PASSWORD);
  const brokerPort = await freePort();
  const configWith = (histItemsPerSecond?: number) =>
    parseConfig({
      site: SITE,
      gateway: GATEWAY,
      dataDir,
      broker: { host: '127.0.0.1', port: brokerPort, publishesPerSecond: 100, publishBurst: 200 },
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
      uplink: {
        url: `mqtt://127.0.0.1:${uplinkPort}`,
        batchMaxItems: BATCH_ITEMS,
        reconnectMs: 100,
        ...(histItemsPerSecond === undefined ? {} : { histItemsPerSecond }),
      },
      http: { host: '127.0.0.1', port: 0 },
      log: { level: 'silent' },
    });
  const startGateway = async (config: ReturnType<typeof configWith>): Promise<Gateway> => {
    const started = await Gateway.start(config, pino({ level: 'silent' }));
    gateways.push(started);
    return started;
  };
  const stopGateway = async (stopping: Gateway): Promise<void> => {
    gateways.splice(gateways.indexOf(stopping), 1);
    await stopping.close();
  };
  const connected = (g: Gateway): boolean => g.uplink?.stats.connected === true;
  const watch = new PhaseWatch();
  /** Samples RSS until `ms` have passed. */
  const hold = async (ms: number): Promise<void> => {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      await sleep(POLL_MS);
      watch.sample();
    }
  };
  /** The phase's latencies, once every row that existed a grace period after its end is acked. */
  const settledPhase = async (g: Gateway, end: ReturnType<PhaseWatch['end']>): Promise<Phase> => {
    await sleep(GRACE_MS);
    const mark = g.outbox.lastSeq();
    await until(() => g.outbox.ackedSeq() >= mark, 'the live rows of the phase to be acked', 20_000);
    return { ...end, latency: await hub.take(watch.from, end.to) };
  };

  // 1. Baseline.
  const defaultConfig = configWith();
  let gateway = await startGateway(defaultConfig);
  // Live readings continue the scales' sequences after the backlog's.
  const scales = new ScalesHandle(spawn(['devices', String(brokerPort), String(BACKLOG / DEVICES + 1)]));
  await scales.ready();
  await scales.start();
  await until(() => connected(gateway), 'the uplink to connect');
  await sleep(SETTLE_MS);
  watch.start();
  await hold(BASELINE_MS);
  const base = await settledPhase(gateway, watch.end());

  // 2. Outage.
  await hub.cut();
  await until(() => !connected(gateway), 'the uplink to notice the outage');
  const filled = await fill(gateway);

  // 3. The link is back; the default hist cap. Live rows wait for the backlog before they are
  // acked (the cursor is contiguous), so stragglers get a grace period instead of a settle.
  await hub.open();
  await until(() => connected(gateway), 'the uplink to reconnect');
  const windowHub0 = await hub.stats();
  watch.start();
  const acked0 = gateway.outbox.ackedSeq();
  await hold(WINDOW_MS);
  const windowEnd = watch.end();
  const ackedPerSecond = Math.round(((gateway.outbox.ackedSeq() - acked0) * 1000) / WINDOW_MS);
  const windowHub = await hub.stats();
  await sleep(GRACE_MS);
  const atDefaultCap: Phase = { ...windowEnd, latency: await hub.take(watch.from, windowEnd.to) };

  // 4. Restart with the cap at its maximum; drain to the end.
  await scales.stop();
  await stopGateway(gateway);
  gateway = await startGateway(configWith(HIST_CAP));
  const uplink = gateway.uplink;
  if (uplink === undefined) throw new Error('the gateway has no uplink');
  await until(() => uplink.stats.connected, 'the uplink to connect after the restart');
  const tConnect = performance.now();
  const rssAt = { start: watch.start(), half: 0, end: 0 };
  const backlog = gateway.outbox.lastSeq() - gateway.outbox.ackedSeq();
  const backlogEnd = gateway.outbox.lastSeq();
  const resumed = scales.start();
  const hub0 = await hub.stats();
  const cpu0 = process.cpuUsage();
  const sched0 = schedstat();
  const elu0 = performance.eventLoopUtilization();
  await resumed;
  let tDone = 0;
  while (performance.now() - tConnect < DRAIN_LIMIT_MS) {
    await sleep(POLL_MS);
    const now = watch.sample();
    const left = backlogEnd - gateway.outbox.ackedSeq();
    if (rssAt.half === 0 && left <= backlog / 2) rssAt.half = now;
    if (left <= 0) {
      tDone = performance.now();
      rssAt.end = now;
      break;
    }
  }
  if (tDone === 0) throw new Error(`backlog not drained in ${DRAIN_LIMIT_MS} ms`);
  const drainEnd = watch.end();
  const drainSeconds = (tDone - tConnect) / 1000;
  const drainCpu = process.cpuUsage(cpu0);
  const sched1 = schedstat();
  const drainElu = performance.eventLoopUtilization(elu0).utilization;
  const drainHub = await hub.stats();
  const drainUplink = uplink.stats;
  const drain = await settledPhase(gateway, drainEnd);
  const published = await scales.stop();
  await stopGateway(gateway);
  watch.stop();
  const dbMiB = mib(statSync(join(dataDir, 'outbox.db')).size);

  // 5. The transport anchor again; the figure is compared with the mean of both.
  const anchorAfter = await measureAnchor();
  const anchorRate = Math.round((anchorBefore.itemsPerSecond + anchorAfter.itemsPerSecond) / 2);

  const drainRate = backlog / drainSeconds;
  const common = {
    backlog,
    batchItems: BATCH_ITEMS,
    liveRate: LIVE_RATE,
    scales: DEVICES,
    payloadBytes: filled.payloadBytes,
    loadAvg1m: round1(loadavg()[0] ?? 0),
  };
  report({
    bench: 'edge/drain',
    figure: `backlog of ${backlog} readings drained (acked by the hub) after an outage, histItemsPerSecond ${HIST_CAP}, ${LIVE_RATE}/s live readings beside`,
    value: Math.round(drainRate),
    unit: 'rows/s',
    anchor: {
      name: `raw transport, mean of before and after: ${ANCHOR_BATCHES} precomputed ${BATCH_ITEMS}-item hist batches (same envelopes), mqtt.js QoS 1 → same hub broker and consumer, ≤ ${ANCHOR_WINDOW} batches beyond the ack cursor`,
      value: anchorRate,
      unit: 'items/s',
    },
    ratio: Number((drainRate / anchorRate).toFixed(2)),
    ...common,
    histCap: HIST_CAP,
    drainS: round1(drainSeconds),
    anchorItemsPerSecond: { before: anchorBefore.itemsPerSecond, after: anchorAfter.itemsPerSecond },
    hubHistPerSecond: drainHub.histPerSecond.slice(0, -1),
    uplink: {
      batches: drainUplink.batches,
      items: drainUplink.items,
      resends: drainUplink.resends,
      stalls: drainUplink.stalls,
    },
    hubDuplicateBatches: drainHub.redelivered - hub0.redelivered,
    hubRejectedBatches: drainHub.rejected,
    cpuMsPerS: {
      gateway: Math.round((drainCpu.user + drainCpu.system) / 1000 / drainSeconds),
      hub: Math.round((drainHub.cpuMs - hub0.cpuMs) / drainSeconds),
    },
    eventLoopUtilization: { gateway: Number(drainElu.toFixed(2)), hub: Number(drainHub.elu.toFixed(2)) },
    // Per second of drain: the main thread on a CPU, and runnable but waiting for one.
    mainThreadMsPerS: {
      gateway: {
        cpu: Math.round((sched1.cpuMs - sched0.cpuMs) / drainSeconds),
        runQueueWait: Math.round((sched1.waitMs - sched0.waitMs) / drainSeconds),
      },
      hub: {
        cpu: Math.round((drainHub.mainThread.cpuMs - hub0.mainThread.cpuMs) / drainSeconds),
        runQueueWait: Math.round((drainHub.mainThread.waitMs - hub0.mainThread.waitMs) / drainSeconds),
      },
    },
    gatewayLoopDelayMaxMs: drain.loopDelayMaxMs,
    fillRowsPerSecond: filled.rowsPerSecond,
    outboxFileMiB: dbMiB,
  });
  const phases = [
    [HIST_CAP, drain, `the whole drain (${round1(drainSeconds)} s)`, { livePublishedInRun: published }],
    [
      defaultConfig.uplink.histItemsPerSecond,
      atDefaultCap,
      `its first ${WINDOW_MS / 1000} s`,
      {
        ackedRowsPerSecond: ackedPerSecond,
        hubHistPerSecond: windowHub.histPerSecond.slice(0, -1),
        hubHistBatches: windowHub.batches.hist - windowHub0.batches.hist,
      },
    ],
  ] as const;
  for (const [cap, phase, what, extra] of phases) {
    report({
      bench: 'edge/drain',
      figure: `live-lane latency p99 (scale publish → hub consumer) of readings published while draining, histItemsPerSecond ${cap}, over ${what}`,
      value: phase.latency.total.p99,
      unit: 'ms',
      anchor: { name: 'live p99, same run, same load, link up, no backlog', value: base.latency.total.p99, unit: 'ms' },
      ratio: Number((phase.latency.total.p99 / base.latency.total.p99).toFixed(2)),
      ...common,
      histCap: cap,
      draining: phase.latency,
      baseline: base.latency,
      gatewayLoopDelayMaxMs: { draining: phase.loopDelayMaxMs, baseline: base.loopDelayMaxMs },
      ...extra,
    });
  }
  report({
    bench: 'edge/drain',
    figure: `gateway process max RSS while draining, histItemsPerSecond ${HIST_CAP}`,
    value: mib(drain.maxRss),
    unit: 'MiB',
    anchor: {
      name: 'gateway process max RSS, same run, same live load, no backlog',
      value: mib(base.maxRss),
      unit: 'MiB',
    },
    ratio: Number((drain.maxRss / base.maxRss).toFixed(2)),
    ...common,
    rssMiB: {
      baselineMax: mib(base.maxRss),
      fillMax: mib(filled.maxRss),
      defaultCapWindowMax: mib(atDefaultCap.maxRss),
      atBacklogStart: mib(rssAt.start),
      atBacklogHalf: mib(rssAt.half),
      atBacklogEnd: mib(rssAt.end),
      drainMax: mib(drain.maxRss),
      hubDrainMax: mib(drainHub.maxRss),
      hubDefaultCapWindowMax: mib(windowHub.maxRss),
    },
  });
}

// Last, so everything above is initialised before any role runs.
const [role, arg1, arg2] = process.argv.slice(2);
if (role === 'hub') await serveHub(GATEWAY, Number(arg1));
else if (role === 'devices') await serveDevices(Number(arg1), Number(arg2));
else if (role === 'anchor') process.send?.(await transportAnchor(JSON.parse(arg1 ?? '{}')), () => process.exit(0));
else await main();
