import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type DeviceIdentity, MqttFleet } from '@aisle/device-sim/mqtt-fleet';
import { decodeMessage, newId, topics } from '@aisle/protocols';
import { Aedes } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import { report } from '../harness.js';

/**
 * A fleet of simulated devices, each its own MQTT client, publishing into a local aedes broker.
 *
 * The broker (aedes defaults, plus a password check per device) runs in a child process: this
 * file started with the argument `broker`. A separate broker script would be picked up by
 * `npm run bench`, which runs every file in bench/dist, and would never exit. Broker and fleet
 * each get an event loop of their own, as in production; the machine has two cores for both.
 *
 * Anchor: the broker's raw rate through the same broker, one mqtt.js publisher as fast as its
 * socket takes it → one mqtt.js subscriber on `dt/#`, QoS 0, 100,000 shelf readings of the same
 * size as the fleet's, msgs/s at the subscriber; measured before and after the fleet, and the
 * mean used, so the anchor sees the same machine as the figure (this one is shared and noisy).
 * Figure: 10,000 `MqttFleet` devices (shelf scales, each with its own credentials and will)
 * publishing one reading per lane per scan, counted at the same subscriber over a fixed window
 * after a warm-up. The load is closed-loop: at most IN_FLIGHT readings are on their way (written,
 * not yet received), so the figure is a sustained rate, not a burst into socket buffers; the
 * driver sleeps, never spins, while the limit holds.
 * Also reported: connect and close time of the fleet, messages lost (QoS 0: published − received
 * after a drain), RSS of both processes, memory per client, and CPU µs per message of the broker
 * and of this process in both phases (steadier than rates on a shared machine).
 * Target (issue acceptance): ≥ 20,000 msgs/s and ≥ 60% of the anchor.
 */

const DEVICES = 10_000;
const SITES = 100;
const LANES = 8;
const ANCHOR_MESSAGES = 100_000;
const WARMUP_MS = 2_000;
const WINDOW_MS = 10_000;
/**
 * At most this many readings on their way. With aedes's default `concurrency` (100 messages in
 * its emitter at once, the rest in an array drained with `shift()`), 20,000 in flight from
 * thousands of publishers made the broker spend 60 µs per message instead of 18.
 */
const IN_FLIGHT = 5_000;
/** Readings written per event-loop turn at most, so the subscriber's turn comes often. */
const PER_TURN = 2_000;
/** A drive stopped by the in-flight limit resumes when this many more have arrived. */
const REFILL = 1_000;
const DRAIN_TIMEOUT_MS = 10_000;
/** Whole-run bound: whatever happens, the broker is killed and the process exits by then. */
const RUN_LIMIT_MS = 150_000;
const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);

interface BrokerReply {
  readonly port?: number;
  readonly rss?: number;
  readonly cpuMs?: number;
  readonly clients?: number;
}

/** The child: an aedes broker on a free loopback port that checks each device's password. */
async function serveBroker(): Promise<void> {
  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) =>
      done(null, username === client.id && password?.toString() === passwordOf(client.id)),
  });
  const server = createServer(broker.handle);
  server.listen({ port: 0, host: '127.0.0.1', backlog: 2048 });
  await once(server, 'listening');
  process.on('message', () => {
    const cpu = process.cpuUsage();
    process.send?.({
      rss: process.memoryUsage().rss,
      cpuMs: (cpu.user + cpu.system) / 1000,
      clients: broker.connectedClients,
    } satisfies BrokerReply);
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  process.send?.({ port: (server.address() as AddressInfo).port } satisfies BrokerReply);
}

function passwordOf(device: string): string {
  return `pw-${device}`;
}

/** Asks the broker child for its figures. */
function askBroker(child: ChildProcess): Promise<BrokerReply> {
  const reply = once(child, 'message') as Promise<[BrokerReply]>;
  child.send('stats');
  return reply.then(([message]) => message);
}

/**
 * Shelf readings as the devices publish them on `dt/{site}/{device}/weight`: a template per device
 * and lane, with the id, seq, ts and grams filled in per reading.
 */
class ShelfReadings {
  readonly #head: string[] = [];
  readonly #lanes: string[][] = [];

  constructor(devices: readonly { site: string; device: string }[]) {
    for (const [d, { site, device }] of devices.entries()) {
      const idPrefix = newId(T0 + d).slice(0, 24);
      this.#head.push(
        `{"id":"${idPrefix}%ID%","type":"shelf.weight","src":{"site":"${site}","device":"${device}"},"boot":3,"seq":`,
      );
      this.#lanes.push(
        Array.from(
          { length: LANES },
          (_, lane) => `,"tq":"ntp","data":{"lane":"a${d % 12}-s${lane % 5}-l${lane}","grams":`,
        ),
      );
    }
  }

  payload(d: number, lane: number, seq: number, ts: number): string {
    const head = (this.#head[d] as string).replace('%ID%', seq.toString(16).padStart(12, '0'));
    const grams = 4123.5 - ((seq + lane) % 17) * 412.3;
    const laneText = (this.#lanes[d] as string[])[lane] as string;
    return `${head}${seq},"ts":${ts}${laneText}${grams.toFixed(1)},"stable":${seq % 9 !== 0},"raw":${812_345 + seq}}}`;
  }
}

/** Counts what arrives on `dt/#`; the clock starts at the first message after `reset()`. */
class Counter {
  received = 0;
  firstAt = 0;
  lastAt = 0;
  #wakeAt = Number.POSITIVE_INFINITY;
  #wake: () => void = () => {};

  constructor(client: MqttClient) {
    client.on('message', () => {
      const now = performance.now();
      if (this.received === 0) this.firstAt = now;
      this.lastAt = now;
      if (++this.received >= this.#wakeAt) {
        this.#wakeAt = Number.POSITIVE_INFINITY;
        setImmediate(this.#wake);
      }
    });
  }

  reset(): void {
    this.received = 0;
  }

  /** Calls `fn` (once, on a later turn) when `count` messages have arrived. */
  wakeAt(count: number, fn: () => void): void {
    this.#wake = fn;
    this.#wakeAt = count;
    if (this.received >= count) {
      this.#wakeAt = Number.POSITIVE_INFINITY;
      setImmediate(fn);
    }
  }

  /** Resolves when `count` have arrived or after `ms`. */
  async until(count: number, ms: number): Promise<void> {
    const deadline = performance.now() + ms;
    while (this.received < count && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

interface Phase {
  /** Messages per second at the subscriber. */
  readonly rate: number;
  /** CPU time per message received, µs: the broker child, and this process (publishers + subscriber). */
  readonly brokerUs: number;
  readonly benchUs: number;
}

/** CPU (ms) used by this process and the broker child since `start()`, per message received. */
class CpuMeter {
  readonly #self = process.cpuUsage();

  private constructor(
    private readonly child: ChildProcess,
    private readonly brokerMs: number,
  ) {}

  static async start(child: ChildProcess): Promise<CpuMeter> {
    return new CpuMeter(child, (await askBroker(child)).cpuMs ?? 0);
  }

  async perMessage(messages: number): Promise<{ brokerUs: number; benchUs: number }> {
    const self = process.cpuUsage(this.#self);
    const brokerMs = ((await askBroker(this.child)).cpuMs ?? 0) - this.brokerMs;
    return {
      brokerUs: round1((brokerMs * 1000) / messages),
      benchUs: round1((self.user + self.system) / messages),
    };
  }
}

/** The broker's raw rate: one publisher as fast as its socket takes it, one subscriber. */
async function measureAnchor(
  port: number,
  counter: Counter,
  readings: ShelfReadings,
  child: ChildProcess,
): Promise<Phase> {
  const publisher = await connectAsync({
    host: '127.0.0.1',
    port,
    clientId: 'anchor-pub',
    username: 'anchor-pub',
    password: passwordOf('anchor-pub'),
    keepalive: 60,
  });
  const topic = topics.dt('store-000', 'anchor-pub', 'weight');
  const payloads = Array.from({ length: 1000 }, (_, i) => readings.payload(i % DEVICES, i % LANES, i, T0 + i));
  counter.reset();
  const cpu = await CpuMeter.start(child);
  let sent = 0;
  const pump = (): void => {
    while (sent < ANCHOR_MESSAGES) {
      publisher.publish(topic, payloads[sent % payloads.length] as string, { qos: 0 });
      sent++;
      if (publisher.stream.writableNeedDrain) {
        publisher.stream.once('drain', pump);
        return;
      }
    }
  };
  pump();
  await counter.until(ANCHOR_MESSAGES, 60_000);
  const perMessage = await cpu.perMessage(counter.received);
  await publisher.endAsync();
  if (counter.received < ANCHOR_MESSAGES) {
    throw new Error(`anchor: ${counter.received} of ${ANCHOR_MESSAGES} messages arrived`);
  }
  return { rate: ((counter.received - 1) * 1000) / (counter.lastAt - counter.firstAt), ...perMessage };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function mib(bytes: number): number {
  return Math.round((bytes / 1048576) * 10) / 10;
}

async function main(): Promise<void> {
  const broker = fork(fileURLToPath(import.meta.url), ['broker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const killBroker = (): void => {
    if (broker.pid !== undefined && broker.exitCode === null) process.kill(broker.pid, 'SIGTERM');
  };
  const limit = setTimeout(() => {
    process.stderr.write(`fleet bench: over ${RUN_LIMIT_MS} ms, stopping\n`);
    killBroker();
    process.exit(1);
  }, RUN_LIMIT_MS);
  limit.unref();
  try {
    await run(broker);
  } finally {
    killBroker();
    clearTimeout(limit);
  }
}

async function run(brokerChild: ChildProcess): Promise<void> {
  const [{ port }] = (await once(brokerChild, 'message')) as [BrokerReply];
  if (port === undefined) throw new Error('broker child sent no port');

  const identities = Array.from({ length: DEVICES }, (_, i) => {
    const store = String(i % SITES).padStart(3, '0');
    const device = `s${store}-scale-${String(Math.floor(i / SITES)).padStart(3, '0')}`;
    return {
      site: `store-${store}`,
      device,
      kind: 'shelf-scale' as const,
      username: `store-${store}.${device}`,
      password: passwordOf(`store-${store}.${device}`),
    };
  });
  const readings = new ShelfReadings(identities);
  const topicOf = identities.map((d) => topics.dt(d.site, d.device, 'weight'));
  const sample = readings.payload(DEVICES - 1, LANES - 1, 123_456, T0 + 250);
  const check = decodeMessage(topicOf[DEVICES - 1] as string, sample);
  if (!check.ok) throw new Error(`bench reading does not decode: ${JSON.stringify(check.error)}`);

  const subscriber = await connectAsync({
    host: '127.0.0.1',
    port,
    clientId: 'bench-sub',
    username: 'bench-sub',
    password: passwordOf('bench-sub'),
    keepalive: 60,
  });
  const counter = new Counter(subscriber);
  await subscriber.subscribeAsync('dt/#', { qos: 0 });

  const anchorBefore = await measureAnchor(port, counter, readings, brokerChild);

  const rssBefore = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  const fleet = new MqttFleet({
    brokerUrl: `mqtt://127.0.0.1:${port}`,
    devices: identities,
    connectConcurrency: 200,
    keepaliveS: 60,
    maxQueuedPerDevice: 100,
    reconnectPeriodMs: 1000,
  });
  const connectStart = performance.now();
  await fleet.start();
  const connectMs = performance.now() - connectStart;
  const rssConnected = process.memoryUsage().rss;
  const heapConnected = process.memoryUsage().heapUsed;

  counter.reset();
  let seq = 0;
  let next = 0;
  let writing = true;
  const written = (): number => fleet.stats().published.qos0;
  // Each turn, devices in turn scan their lanes and publish one reading per lane, as long as
  // fewer than IN_FLIGHT readings are on their way; then the drive sleeps until REFILL have arrived
  // (no busy loop: on two cores it would take CPU from the broker).
  const drive = (): void => {
    if (!writing) return;
    const inFlight = written() - counter.received;
    const ts = T0 + seq * 250;
    for (let budget = Math.min(PER_TURN, IN_FLIGHT - inFlight); budget >= LANES; budget -= LANES) {
      const device = `${(identities[next] as DeviceIdentity).site}/${(identities[next] as DeviceIdentity).device}`;
      const topic = topicOf[next] as string;
      for (let lane = 0; lane < LANES; lane++) {
        const payload = readings.payload(next, lane, seq, ts);
        fleet.write({ kind: 'mqtt', device, topic, payload, qos: 0, retain: false, at: ts });
      }
      if (++next === DEVICES) {
        next = 0;
        seq++;
      }
    }
    if (written() - counter.received + PER_TURN <= IN_FLIGHT) setImmediate(drive);
    else counter.wakeAt(written() - IN_FLIGHT + REFILL, drive);
  };
  drive();

  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  const cpu = await CpuMeter.start(brokerChild);
  const windowStart = performance.now();
  const receivedStart = counter.received;
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
  const receivedInWindow = counter.received - receivedStart;
  const windowMs = performance.now() - windowStart;
  const perMessage = await cpu.perMessage(receivedInWindow);
  const rssFleet = process.memoryUsage().rss;
  const brokerAtEnd = await askBroker(brokerChild);
  writing = false;

  const published = written();
  await counter.until(published, DRAIN_TIMEOUT_MS);
  const received = counter.received;
  const closeStart = performance.now();
  await fleet.close();
  const closeMs = performance.now() - closeStart;
  const stats = fleet.stats();

  // Again after the fleet, so the anchor sees the same machine as the figure (the mean is used).
  const anchorAfter = await measureAnchor(port, counter, readings, brokerChild);
  await subscriber.endAsync();

  const rate = (receivedInWindow * 1000) / windowMs;
  const anchorRate = (anchorBefore.rate + anchorAfter.rate) / 2;
  report({
    bench: 'device-sim/fleet',
    figure: `${DEVICES} MqttFleet devices (each its own client, ${LANES} lane readings per scan) → aedes in a child process → 1 subscriber on dt/#, QoS 0`,
    value: Math.round(rate),
    unit: 'msgs/s',
    anchor: {
      name: `aedes raw pub→sub, same broker: 1 mqtt.js publisher → 1 subscriber, ${ANCHOR_MESSAGES} msgs, QoS 0 (mean of a run before and after the fleet)`,
      value: Math.round(anchorRate),
      unit: 'msgs/s',
    },
    ratio: Number((rate / anchorRate).toFixed(2)),
    target: '≥ 20,000 msgs/s and ratio ≥ 0.6',
    met: rate >= 20_000 && rate / anchorRate >= 0.6,
    anchorRuns: [Math.round(anchorBefore.rate), Math.round(anchorAfter.rate)],
    payloadBytes: Buffer.byteLength(sample),
    windowS: WINDOW_MS / 1000,
    inFlightLimit: IN_FLIGHT,
    connectMs: Math.round(connectMs),
    closeMs: Math.round(closeMs),
    published,
    received,
    lost: published - received,
    dropped: stats.dropped,
    rssMiB: { fleet: mib(rssFleet), broker: mib(brokerAtEnd.rss ?? 0) },
    perClientKiB: {
      rss: round1((rssConnected - rssBefore) / DEVICES / 1024),
      heap: round1((heapConnected - heapBefore) / DEVICES / 1024),
    },
    cpuUsPerMsg: {
      brokerFleet: perMessage.brokerUs,
      brokerAnchor: round1((anchorBefore.brokerUs + anchorAfter.brokerUs) / 2),
      benchFleet: perMessage.benchUs,
      benchAnchor: round1((anchorBefore.benchUs + anchorAfter.benchUs) / 2),
    },
    loadAvg1m: round1(loadavg()[0] ?? 0),
  });
}

// Last, so every class above is initialised before either role runs.
if (process.argv[2] === 'broker') await serveBroker();
else await main();
