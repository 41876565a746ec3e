import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import type { DeviceKind } from '@aisle/protocols';
import { Aedes, type AuthenticateError } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { MqttFleet, MqttFleetError } from '../../device-sim/src/outputs/mqtt-fleet.js';
import type { DeviceIdentity } from '../../device-sim/src/outputs/output.js';

/**
 * The fleet against a real aedes broker in this process, on a free loopback port: every device is
 * its own client, checked by the broker's authenticate hook; a second real client observes what
 * the broker delivers. Waits are on events, each with a timeout.
 */

const WAIT_MS = 4_000;
const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);

interface Received {
  readonly topic: string;
  readonly payload: string;
}

/** Subscribes `check` to some event source and returns how to unsubscribe it. */
type Watch = (check: () => void) => () => void;

const messagesOf =
  (client: MqttClient): Watch =>
  (check) => {
    client.on('message', check);
    return () => client.off('message', check);
  };

const disconnectsOf =
  (broker: Aedes): Watch =>
  (check) => {
    broker.on('clientDisconnect', check);
    return () => broker.off('clientDisconnect', check);
  };

/** Resolves when `ready()` holds, re-checked on every event `watch` reports; rejects after `ms`. */
function until(watch: Watch, ready: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
  if (ready()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!ready()) return;
      stop();
      resolve();
    };
    const unwatch = watch(check);
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const stop = (): void => {
      clearTimeout(timer);
      unwatch();
    };
  });
}

interface TestBroker {
  readonly broker: Aedes;
  readonly url: string;
  /** Authentication attempts per client id. */
  readonly attempts: Map<string, number>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An aedes broker on a free port that accepts exactly the given id → password pairs. */
async function startBroker(credentials: ReadonlyMap<string, string>): Promise<TestBroker> {
  const attempts = new Map<string, number>();
  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      attempts.set(client.id, (attempts.get(client.id) ?? 0) + 1);
      const expected = credentials.get(client.id);
      if (expected !== undefined && username === client.id && password?.toString() === expected) {
        done(null, true);
        return;
      }
      // 4 = bad user name or password (MQTT-3.2.2-3, return codes table).
      done(Object.assign(new Error('bad credentials'), { returnCode: 4 }) as AuthenticateError, false);
    },
  });
  const server = createServer(broker.handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  cleanups.push(async () => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { broker, url: `mqtt://127.0.0.1:${port}`, attempts };
}

function identities(site: string, count: number, kind: DeviceKind = 'shelf-scale'): DeviceIdentity[] {
  return Array.from({ length: count }, (_, i) => {
    const device = `scale-${i}`;
    return { site, device, kind, username: `${site}.${device}`, password: `pw-${site}-${i}` };
  });
}

function credentialsOf(devices: readonly DeviceIdentity[]): Map<string, string> {
  return new Map([...devices.map((d): [string, string] => [d.username, d.password]), ['observer', 'observer-pw']]);
}

/** A real MQTT client subscribed to `filter`, recording every message in arrival order. */
async function observe(url: string, filter: string): Promise<{ client: MqttClient; received: Received[] }> {
  const client = await connectAsync(url, {
    clientId: 'observer',
    username: 'observer',
    password: 'observer-pw',
    reconnectPeriod: 0,
  });
  cleanups.push(() => client.endAsync());
  const received: Received[] = [];
  client.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
  await client.subscribeAsync(filter, { qos: 1 });
  return { client, received };
}

function newFleet(url: string, devices: DeviceIdentity[], extra: { maxQueuedPerDevice?: number } = {}): MqttFleet {
  const fleet = new MqttFleet({
    brokerUrl: url,
    devices,
    connectConcurrency: 8,
    keepaliveS: 30,
    reconnectPeriodMs: 50,
    now: () => T0,
    ...extra,
  });
  cleanups.push(() => fleet.close());
  return fleet;
}

function reading(device: DeviceIdentity, seq: number, qos: 0 | 1 = 0) {
  return {
    kind: 'mqtt' as const,
    device: `${device.site}/${device.device}`,
    topic: `dt/${device.site}/${device.device}/weight`,
    payload: JSON.stringify({ seq, grams: 412 * seq }),
    qos,
    retain: false,
    at: T0 + seq,
  };
}

const seqOf = (m: Received): number => (JSON.parse(m.payload) as { seq: number }).seq;

describe('MQTT fleet: every simulated device is its own client of a real broker', () => {
  it('refuses options with every bad field named', () => {
    const devices = identities('store-a', 2);
    expect(
      () =>
        new MqttFleet({
          brokerUrl: 'http://x',
          devices: [...devices, devices[0] as DeviceIdentity],
          connectConcurrency: 0,
          maxQueuedPerDevice: -1,
        }),
    ).toThrow(
      /brokerUrl=http:\/\/x, connectConcurrency=0, maxQueuedPerDevice=-1, devices\[store-a\/scale-0\]=duplicate/,
    );
  });

  it('enforces per-device credentials: start() rejects naming the refused device, which is never retried', async () => {
    const devices = identities('store-a', 3);
    const { url, attempts } = await startBroker(credentialsOf(devices));
    const wrong = devices.map((d) => (d.device === 'scale-1' ? { ...d, password: 'guessed' } : d));
    const fleet = newFleet(url, wrong);

    const failure = await fleet.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(MqttFleetError);
    const error = failure as MqttFleetError;
    expect(error.code).toBe('FLEET_START_FAILED');
    expect(error.message).toMatch(
      /1 of 3 devices failed to connect: store-a\/scale-1 \(Connection refused: Bad username/,
    );
    expect(error.failures.map((f) => f.device)).toEqual(['store-a/scale-1']);
    expect(fleet.stats()).toMatchObject({ connected: 2, failed: 1 });

    // Give the refused device the chance to retry: cut the others and wait for them to come back,
    // which takes longer than a reconnect period. The refused one has still tried only once.
    const { client: observer, received } = await observe(url, 'state/store-a/+');
    fleet.disconnectStorm(['store-a/scale-0', 'store-a/scale-2']);
    const onlineAgain = () => received.filter((m) => m.payload.includes('"online"')).length >= 4;
    await until(messagesOf(observer), onlineAgain, 'scale-0 and scale-2 online again');
    expect(attempts.get('store-a.scale-1')).toBe(1);
    expect(attempts.get('store-a.scale-0')).toBe(2);
    fleet.write(reading(devices[1] as DeviceIdentity, 0));
    expect(fleet.stats().dropped['device-failed']).toBe(1);
  });

  it("delivers every device's messages on its own topics, in order per device, at the QoS asked", async () => {
    const devices = identities('store-b', 24);
    const { url } = await startBroker(credentialsOf(devices));
    const { client: observer, received } = await observe(url, 'dt/store-b/#');
    const fleet = newFleet(url, devices);
    await fleet.start();
    expect(fleet.stats().connected).toBe(24);

    // One QoS per device, as a device kind would have: aedes forwards a client's QoS 0 and QoS 1
    // messages through different paths, so it keeps order within a QoS, not across them.
    const perDevice = 40;
    const qosOf = (i: number): 0 | 1 => (i % 4 === 0 ? 1 : 0);
    for (let seq = 0; seq < perDevice; seq++) {
      for (const [i, device] of devices.entries()) fleet.write(reading(device, seq, qosOf(i)));
    }
    fleet.write({ ...reading(devices[0] as DeviceIdentity, 99), device: 'store-b/scale-999' });
    fleet.write({ kind: 'serial', line: 'scale-0', data: '$AISW', at: T0 });
    const total = devices.length * perDevice;
    await until(messagesOf(observer), () => received.length >= total, `${total} messages`);

    for (const device of devices) {
      const mine = received.filter((m) => m.topic === `dt/store-b/${device.device}/weight`);
      expect(mine.map(seqOf)).toEqual(Array.from({ length: perDevice }, (_, i) => i));
    }
    expect(received.length).toBe(total);
    expect(fleet.stats()).toMatchObject({
      published: { qos0: total - total / 4, qos1: total / 4 },
      dropped: { 'unknown-device': 1, 'not-mqtt': 1, 'publish-error': 0 },
    });
  });

  it('QoS 0 frames the fleet encodes itself arrive intact at every Remaining Length size, in UTF-8', async () => {
    const devices = identities('store-f', 1);
    const { url } = await startBroker(credentialsOf(devices));
    const { client: observer, received } = await observe(url, 'dt/store-f/#');
    const fleet = newFleet(url, devices);
    await fleet.start();
    const device = devices[0] as DeviceIdentity;
    const topic = `dt/store-f/${device.device}/weight`;
    // Remaining Length = 2 + topic bytes + payload bytes; its encoding grows at 128, 16,384 and
    // 2,097,152 (MQTT-2.2.3). Payloads mix 2-byte characters so bytes ≠ string length.
    const payloadOfBytes = (bytes: number): string =>
      'é'.repeat(Math.floor(bytes / 4)) + 'x'.repeat(bytes - 2 * Math.floor(bytes / 4));
    const remaining = [2 + topic.length, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152];
    const payloads = remaining.map((r) => payloadOfBytes(r - 2 - topic.length));
    for (const payload of payloads) {
      fleet.write({
        kind: 'mqtt',
        device: `${device.site}/${device.device}`,
        topic,
        payload,
        qos: 0,
        retain: false,
        at: T0,
      });
    }
    await until(messagesOf(observer), () => received.length >= payloads.length, 'every frame');
    expect(received.map((m) => Buffer.byteLength(m.payload) + 2 + m.topic.length)).toEqual(remaining);
    expect(received.map((m) => m.payload)).toEqual(payloads);
  });

  it('a disconnect storm makes the broker publish each cut device\'s will, exactly {"status":"lost"}, then online again', async () => {
    const devices = identities('store-c', 4, 'door-counter');
    const { url } = await startBroker(credentialsOf(devices));
    const fleet = newFleet(url, devices);
    await fleet.start();
    const { client: observer, received } = await observe(url, 'state/+/+');
    // The retained online states arrive first, one per device.
    await until(messagesOf(observer), () => received.length >= 4, 'retained online states');
    expect(received.map((m) => JSON.parse(m.payload))).toEqual(
      Array.from({ length: 4 }, () => ({ status: 'online', kind: 'door-counter', ts: T0 })),
    );

    expect(fleet.disconnectStorm(['store-c/scale-1', 'store-c/scale-3', 'store-c/scale-404'])).toBe(2);
    const sinceStorm = () => received.slice(4);
    await until(
      messagesOf(observer),
      () => sinceStorm().filter((m) => m.payload.includes('"online"')).length >= 2,
      'cut devices online again',
    );

    const events = sinceStorm().map((m) => `${m.topic} ${m.payload}`);
    for (const device of ['scale-1', 'scale-3']) {
      const lost = events.indexOf(`state/store-c/${device} {"status":"lost"}`);
      const online = events.indexOf(`state/store-c/${device} {"status":"online","kind":"door-counter","ts":${T0}}`);
      expect(lost).toBeGreaterThanOrEqual(0);
      expect(online).toBeGreaterThan(lost);
    }
    expect(events.some((e) => e.startsWith('state/store-c/scale-0 ') || e.startsWith('state/store-c/scale-2 '))).toBe(
      false,
    );
    expect(fleet.stats()).toMatchObject({ connected: 4, reconnects: 2, disconnects: 2 });
  });

  it('queues what a disconnected device writes, up to maxQueuedPerDevice, and sends it after reconnecting', async () => {
    const devices = identities('store-d', 2);
    const { url } = await startBroker(credentialsOf(devices));
    const { client: observer, received } = await observe(url, 'dt/store-d/#');
    const fleet = newFleet(url, devices, { maxQueuedPerDevice: 5 });
    await fleet.start();
    const [cut, steady] = devices as [DeviceIdentity, DeviceIdentity];

    fleet.disconnectStorm([`store-d/${cut.device}`]);
    for (let seq = 0; seq < 8; seq++) fleet.write(reading(cut, seq, 1));
    fleet.write(reading(steady, 100));
    expect(fleet.stats()).toMatchObject({ queued: 5, dropped: { 'queue-full': 3 } });

    await until(messagesOf(observer), () => received.length >= 6, 'queued messages after reconnect');
    const fromCut = received.filter((m) => m.topic === `dt/store-d/${cut.device}/weight`);
    expect(fromCut.map(seqOf)).toEqual([0, 1, 2, 3, 4]);
    expect(received.filter((m) => m.topic.includes(steady.device)).map(seqOf)).toEqual([100]);
    expect(fleet.stats()).toMatchObject({ queued: 0, dropped: { 'queue-full': 3 }, reconnects: 1 });
  });

  it('close() says offline (retained) and disconnects cleanly: no will, and the broker has no clients left', async () => {
    const devices = identities('store-e', 6);
    const { url, broker } = await startBroker(credentialsOf(devices));
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const timersBefore = timers();
    const fleet = newFleet(url, devices);
    await fleet.start();
    fleet.disconnectStorm(['store-e/scale-5']);
    const gone = new Set<string>();
    broker.on('clientDisconnect', (client) => gone.add(client.id));

    await fleet.close();
    await until(disconnectsOf(broker), () => broker.connectedClients === 0, 'the broker to see no clients');
    // No socket is left on either side, and no keepalive or reconnect timer of the fleet.
    expect(process.getActiveResourcesInfo()).not.toContain('TCPSocketWrap');
    expect(timers()).toBeLessThanOrEqual(timersBefore);
    fleet.write(reading(devices[0] as DeviceIdentity, 1));
    expect(fleet.stats()).toMatchObject({ connected: 0, queued: 0, dropped: { closed: 1 } });

    // What a newcomer learns from the retained states: offline for every device closed while
    // connected; scale-5 was cut by the storm (lost) and closed before or after reconnecting.
    const { client: observer, received } = await observe(url, 'state/store-e/+');
    await until(messagesOf(observer), () => received.length >= 6, 'six retained states');
    const states = new Map(received.map((m) => [m.topic, (JSON.parse(m.payload) as { status: string }).status]));
    for (let i = 0; i < 5; i++) expect(states.get(`state/store-e/scale-${i}`)).toBe('offline');
    expect(['lost', 'offline']).toContain(states.get('state/store-e/scale-5'));
    for (let i = 0; i < 5; i++) expect(gone.has(`store-e.scale-${i}`)).toBe(true);
  });
});
