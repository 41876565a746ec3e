import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { topics } from '@aisle/protocols';
import { connectAsync, type MqttClient } from 'mqtt';
import { shelfReadings } from '../../parts/shelf-readings.js';

/**
 * The shelf scales of `edge/drain` (bench/edge/drain.ts): the readings they send, and the child
 * process that sends them live. The same generator makes the outage's backlog rows and the
 * anchor's batches, so all of them share devices, lanes and sizes.
 */

export const SITE = 'store-a';
export const DEVICES = 50;
export const LANES = 4;
export const UNIT_GRAMS = 412.5;
/** Live readings per second, all scales together (20/s each). */
export const LIVE_RATE = 1_000;
export const PASSWORD = 'bench-secret';
/** Publishing timer period: LIVE_RATE spread over it, so readings leave a few at a time. */
const TICK_MS = 5;

type DevicesRequest = { readonly cmd: 'start' } | { readonly cmd: 'stop' };
interface DevicesReply {
  readonly ready?: boolean;
  readonly started?: boolean;
  readonly published?: number;
}

export const deviceName = (d: number): string => `scale-${String(d + 1).padStart(3, '0')}`;
export const laneOf = (device: string, lane: number): string => `${device}-l${lane}`;

/** Reading `seq` of scale `d` (see `shelfReadings`). */
export const reading = shelfReadings({
  site: SITE,
  scales: DEVICES,
  lanesPerScale: LANES,
  unitGrams: UNIT_GRAMS,
  scaleName: deviceName,
});

/**
 * Row `i` of an outage's backlog as the gateway's pipeline stores it (`rx` and `src.gateway`
 * added, stream `shelf-weight`): the scales' readings at LIVE_RATE, round robin, from
 * `outageStart` on.
 */
export function storedRow(
  i: number,
  outageStart: number,
  gateway: string,
): { stream: string; ts: number; payload: string } {
  const r = reading(i % DEVICES, Math.floor(i / DEVICES) + 1, outageStart + Math.floor((i * 1000) / LIVE_RATE));
  const stored = { ...r, rx: r.ts + 2, src: { ...r.src, gateway } };
  return { stream: 'shelf-weight', ts: r.ts, payload: JSON.stringify(stored) };
}

/**
 * The child's body: logs every scale in at the gateway's broker on `port` (client id = username,
 * the shared bench password), then publishes at QoS 1 at LIVE_RATE in total between `start` and
 * `stop`, open-loop: scales do not slow down for a busy gateway. Each reading is stamped
 * `ts = Date.now()` as it is published. Scales reconnect by themselves (the gateway restarts
 * once); `start` waits until every one is connected.
 */
export async function serveDevices(port: number, firstSeq: number): Promise<void> {
  const clients = await Promise.all(
    Array.from({ length: DEVICES }, (_, d) =>
      connectAsync({
        host: '127.0.0.1',
        port,
        clientId: `${SITE}.${deviceName(d)}`,
        username: `${SITE}.${deviceName(d)}`,
        password: PASSWORD,
        keepalive: 60,
        reconnectPeriod: 100,
      }),
    ),
  );
  for (const client of clients) client.on('error', () => undefined); // refused while the gateway restarts
  const topicOf = clients.map((_, d) => topics.dt(SITE, deviceName(d), 'weight'));
  let published = 0;
  let timer: NodeJS.Timeout | undefined;
  const connected = (c: MqttClient): Promise<void> =>
    c.connected ? Promise.resolve() : new Promise((resolve) => c.once('connect', () => resolve()));
  process.on('message', async (request: DevicesRequest) => {
    if (request.cmd === 'start') {
      await Promise.all(clients.map(connected));
      const t0 = performance.now();
      const base = published;
      timer = setInterval(() => {
        const due = base + Math.floor(((performance.now() - t0) * LIVE_RATE) / 1000) - published;
        for (let i = 0; i < due; i++) {
          const d = published % DEVICES;
          const item = reading(d, firstSeq + Math.floor(published / DEVICES), Date.now());
          (clients[d] as MqttClient).publish(topicOf[d] as string, JSON.stringify(item), { qos: 1 });
          published++;
        }
      }, TICK_MS);
      process.send?.({ started: true } satisfies DevicesReply);
    } else {
      clearInterval(timer);
      // Wait (bounded) for the PUBACKs of what is in flight, so nothing is resent after a restart.
      const until = performance.now() + 2_000;
      while (clients.some((c) => Object.keys(c.outgoing).length > 0) && performance.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      process.send?.({ published } satisfies DevicesReply);
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  process.send?.({ ready: true } satisfies DevicesReply);
}

/** The parent's side of the devices child: one request at a time over IPC. */
export class ScalesHandle {
  readonly #child: ChildProcess;

  constructor(child: ChildProcess) {
    this.#child = child;
  }

  /** Resolves once every scale is logged in. */
  async ready(): Promise<void> {
    await once(this.#child, 'message');
  }

  /** Starts publishing (once every scale is connected). */
  async start(): Promise<void> {
    await this.#ask({ cmd: 'start' });
  }

  /** Stops publishing; resolves with the readings published so far, once their PUBACKs are in. */
  async stop(): Promise<number> {
    return (await this.#ask({ cmd: 'stop' })).published ?? 0;
  }

  async #ask(request: DevicesRequest): Promise<DevicesReply> {
    const reply = once(this.#child, 'message') as Promise<[DevicesReply]>;
    this.#child.send(request);
    return (await reply)[0];
  }
}
