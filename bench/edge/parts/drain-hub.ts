import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { type AckCursor, batchCodec, ContiguousCursor, type Item, topics } from '@aisle/protocols';
import { Aedes } from 'aedes';
import { connectAsync } from 'mqtt';

/**
 * The hub side of `edge/drain` (bench/edge/drain.ts), in a child process of its own: a real aedes
 * broker (`concurrency` 1000, as hub/src/broker/embedded-broker.ts) and, in the same process, a
 * small real acking consumer (as test/helpers/ack-consumer.ts): an mqtt.js client subscribed to
 * `up/+/+/batch` and `up/+/+/hist` at QoS 1 that decodes every batch with `batchCodec` (schema
 * checks of every item, as the hub does), advances a `ContiguousCursor` per (gateway, epoch) and
 * publishes the cursor on `down/{site}/{gateway}/ack` after each batch.
 *
 * The broker listens twice. The consumer's listener opens at once; the real hub has no such hop
 * (it subscribes in process), so both ends of it have Nagle's algorithm off. The listener
 * gateways use (`uplinkPort`, chosen by the parent) is set up as the hub's (`createServer` with
 * defaults); it opens on `open`, and `cut` closes it and destroys its connections: the outage.
 * Meanwhile a gateway's uplink gets "connection refused" and retries.
 *
 * Measured for the one gateway the parent names (others, like the anchor's, are acked, not
 * counted): items per lane, hist items per second since the first hist batch, and for each live
 * `shelf.weight` reading its latency on arrival, `Date.now() - ts` (the devices child stamps `ts`
 * with `Date.now()` as it publishes; same machine, same clock) and the part after the gateway
 * received it, `Date.now() - rx`. `take` summarizes the readings published in a window of `ts`,
 * so a reading that waited long is counted in the window it was sent in, not dropped from it.
 * Samples published before the window's end are discarded after a `take`.
 */

export type HubRequest =
  | { readonly cmd: 'open' }
  | { readonly cmd: 'cut' }
  | { readonly cmd: 'stats' }
  /** Latencies of the live readings published (`ts`) in [from, to), whenever they arrived. */
  | { readonly cmd: 'take'; readonly from: number; readonly to: number };

export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly samples: number;
}

export interface HubStats {
  readonly items: { readonly live: number; readonly hist: number };
  readonly batches: { readonly live: number; readonly hist: number };
  /** Batches entirely at or below the cursor when they arrived (go-back-N resends). */
  readonly redelivered: number;
  readonly rejected: number;
  /** Hist items received in each whole second since the first hist batch (since the last `stats`). */
  readonly histPerSecond: readonly number[];
  readonly rss: number;
  /** Highest RSS sampled (every RSS_SAMPLE_MS) since the last `stats`. */
  readonly maxRss: number;
  readonly cpuMs: number;
  /** The main thread's schedstat (see `schedstat`), cumulative. */
  readonly mainThread: { readonly cpuMs: number; readonly waitMs: number };
  /** Event-loop utilization since the last `stats`. */
  readonly elu: number;
}

export interface HubReply {
  readonly port?: number;
  readonly done?: true;
  readonly stats?: HubStats;
  readonly latency?: { readonly total: LatencySummary; readonly afterRx: LatencySummary };
}

const RSS_SAMPLE_MS = 50;

/**
 * The main thread's CPU time and the time it was runnable but waiting for a CPU, in ms since it
 * started (Linux `/proc/self/schedstat`; zeros elsewhere). On a shared machine the second tells
 * how much of a busy event loop was other tenants' load.
 */
export function schedstat(): { cpuMs: number; waitMs: number } {
  try {
    const [cpu, wait] = readFileSync('/proc/self/schedstat', 'utf8').split(' ').map(Number);
    return { cpuMs: (cpu ?? 0) / 1e6, waitMs: (wait ?? 0) / 1e6 };
  } catch {
    return { cpuMs: 0, waitMs: 0 };
  }
}

function summarize(ms: number[]): LatencySummary {
  ms.sort((a, b) => a - b);
  const at = (q: number): number => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? Number.NaN;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: ms.at(-1) ?? Number.NaN, samples: ms.length };
}

async function listen(server: Server, port: number): Promise<number> {
  server.listen({ port, host: '127.0.0.1', backlog: 1024 });
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** The child's body: `gateway` is the one measured, `uplinkPort` where gateways connect. */
export async function serveHub(gateway: string, uplinkPort: number): Promise<void> {
  const broker = await Aedes.createBroker({ concurrency: 1000 });
  // The real hub subscribes in process; this TCP hop is the stand-in's own, so Nagle is off on it.
  const consumer = await connectAsync({
    host: '127.0.0.1',
    port: await listen(createServer({ noDelay: true }, broker.handle), 0),
    clientId: 'hub-consumer',
    clean: true,
    keepalive: 60,
    reconnectPeriod: 0,
  });
  (consumer.stream as Socket).setNoDelay(true);
  const cursors = new Map<string, ContiguousCursor>();
  const items = { live: 0, hist: 0 };
  const batches = { live: 0, hist: 0 };
  let redelivered = 0;
  let rejected = 0;
  let firstHistAt = 0;
  let histPerSecond: number[] = [];
  /** Per live reading: its ts, its latency, and the part of it after the gateway's receive. */
  let samples: Array<[ts: number, total: number, afterRx: number]> = [];

  consumer.on('message', (topic, payload) => {
    const decoded = batchCodec.decode(payload, { maxBytes: 256 * 1024 * 1024 });
    const at = Date.now();
    if (!decoded.ok) {
      rejected++;
      return;
    }
    const batch = decoded.value;
    const key = `${batch.gateway}/${batch.epoch}`;
    const cursor = cursors.get(key) ?? new ContiguousCursor();
    cursors.set(key, cursor);
    if (batch.gateway === gateway) {
      if (batch.lastSeq <= cursor.value) redelivered++;
      const lane = topic.endsWith('/hist') ? 'hist' : 'live';
      batches[lane]++;
      items[lane] += batch.items.length;
      if (lane === 'hist') {
        if (firstHistAt === 0) firstHistAt = at;
        const second = Math.floor((at - firstHistAt) / 1000);
        while (histPerSecond.length <= second) histPerSecond.push(0);
        histPerSecond[second] = (histPerSecond[second] ?? 0) + batch.items.length;
      } else {
        for (const item of batch.items as readonly Item[]) {
          if (item.type !== 'shelf.weight') continue;
          samples.push([item.ts, at - item.ts, at - (item.rx ?? at)]);
        }
      }
    }
    const seq = cursor.add(batch.firstSeq, batch.lastSeq);
    const ack: AckCursor = { v: 1, gateway: batch.gateway, epoch: batch.epoch, seq, at };
    consumer.publish(topics.down(batch.site, batch.gateway, 'ack'), JSON.stringify(ack), { qos: 1 });
  });
  await consumer.subscribeAsync(['up/+/+/batch', 'up/+/+/hist'], { qos: 1 });

  let maxRss = 0;
  setInterval(() => {
    maxRss = Math.max(maxRss, process.memoryUsage.rss());
  }, RSS_SAMPLE_MS).unref();
  let elu = performance.eventLoopUtilization();
  const uplinkServer = createServer(broker.handle);
  const sockets = new Set<Socket>();
  uplinkServer.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const handlers: { [C in HubRequest['cmd']]: (r: Extract<HubRequest, { cmd: C }>) => Promise<HubReply> | HubReply } = {
    open: async () => {
      await listen(uplinkServer, uplinkPort);
      return { done: true };
    },
    cut: async () => {
      const closed = once(uplinkServer, 'close');
      uplinkServer.close();
      for (const socket of sockets) socket.destroy();
      await closed;
      return { done: true };
    },
    take: ({ from, to }) => {
      const inWindow = samples.filter(([ts]) => ts >= from && ts < to);
      samples = samples.filter(([ts]) => ts >= to);
      return {
        latency: {
          total: summarize(inWindow.map(([, total]) => total)),
          afterRx: summarize(inWindow.map(([, , afterRx]) => afterRx)),
        },
      };
    },
    stats: () => {
      const rss = process.memoryUsage.rss();
      const cpu = process.cpuUsage();
      const stats: HubStats = {
        items: { ...items },
        batches: { ...batches },
        redelivered,
        rejected,
        histPerSecond,
        rss,
        maxRss: Math.max(maxRss, rss),
        cpuMs: (cpu.user + cpu.system) / 1000,
        mainThread: schedstat(),
        elu: performance.eventLoopUtilization(elu).utilization,
      };
      maxRss = 0;
      elu = performance.eventLoopUtilization();
      histPerSecond = [];
      firstHistAt = 0;
      return { stats };
    },
  };
  process.on('message', async (request: HubRequest) => {
    const handler = handlers[request.cmd] as (r: HubRequest) => Promise<HubReply> | HubReply;
    process.send?.(await handler(request));
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  process.send?.({ port: await listen(uplinkServer, uplinkPort) } satisfies HubReply);
}

/** The parent's side of the hub child: one request at a time over IPC. */
export class HubHandle {
  readonly #child: ChildProcess;

  constructor(child: ChildProcess) {
    this.#child = child;
  }

  /** Opens the gateways' listener: the link is back. */
  async open(): Promise<void> {
    await this.#ask({ cmd: 'open' });
  }

  /** Closes the gateways' listener and drops their connections: the outage. */
  async cut(): Promise<void> {
    await this.#ask({ cmd: 'cut' });
  }

  async stats(): Promise<HubStats> {
    const { stats } = await this.#ask({ cmd: 'stats' });
    if (stats === undefined) throw new Error('hub sent no stats');
    return stats;
  }

  /** Latencies of the live readings published in [from, to) (wall clock). */
  async take(from: number, to: number): Promise<NonNullable<HubReply['latency']>> {
    const { latency } = await this.#ask({ cmd: 'take', from, to });
    if (latency === undefined) throw new Error('hub sent no latency');
    return latency;
  }

  async #ask(request: HubRequest): Promise<HubReply> {
    const reply = once(this.#child, 'message') as Promise<[HubReply]>;
    this.#child.send(request);
    return (await reply)[0];
  }
}
