import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { Registry } from 'prom-client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BrokerLogger } from '../../edge/src/broker/bounded-log.js';
import { SERVICE_USERNAME } from '../../edge/src/broker/broker-policy.js';
import { hashPassword } from '../../edge/src/broker/credentials.js';
import { type DeviceRecord, DeviceRegistry } from '../../edge/src/broker/device-registry.js';
import { EdgeBroker } from '../../edge/src/broker/edge-broker.js';
import type { EdgeBrokerOptions } from '../../edge/src/broker/edge-broker-options.js';

/**
 * The embedded broker end to end: real aedes on a free loopback port, real mqtt.js clients (and
 * mosquitto_pub), the gateway's side through `onPublish` / `publish`. Every wait is on an event,
 * with a timeout.
 */

const SITE = 'store-1';
const WAIT_MS = 3_000;
const SERVICE_SECRET = 'internal-secret-0123456789';
const SECRETS = { 'scale-1': 'pw-scale-1', 'scale-2': 'pw-scale-2', 'door-1': 'pw-door-1' } as const;
type Name = keyof typeof SECRETS;

let DEVICES: DeviceRecord[] = [];
beforeAll(async () => {
  DEVICES = await Promise.all(
    (Object.keys(SECRETS) as Name[]).map(async (name) => ({
      device: name,
      kind: name.startsWith('door') ? ('door-counter' as const) : ('shelf-scale' as const),
      username: name,
      passwordHash: await hashPassword(SECRETS[name]),
    })),
  );
});

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Received {
  readonly topic: string;
  readonly payload: string;
  readonly clientId: string | undefined;
}

interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

interface Harness {
  readonly broker: EdgeBroker;
  readonly devices: DeviceRegistry;
  readonly registry: Registry;
  readonly received: Received[];
  readonly logs: LogLine[];
  readonly url: string;
  /** Resolves with the first onPublish (already received or still to come) that `match` accepts. */
  next(match: (r: Received) => boolean, what: string): Promise<Received>;
  refusals(reason: string): Promise<number>;
}

function captureLogger(logs: LogLine[]): BrokerLogger {
  const at =
    (level: LogLine['level']) =>
    (fields: object, message: string): void => {
      logs.push({ level, fields: fields as Record<string, unknown>, message });
    };
  return { info: at('info'), warn: at('warn'), error: at('error') };
}

async function startBroker(overrides: Partial<EdgeBrokerOptions> = {}): Promise<Harness> {
  const devices = new DeviceRegistry(SITE, DEVICES);
  const registry = new Registry();
  const logs: LogLine[] = [];
  const broker = await EdgeBroker.start({
    devices,
    tcp: { host: '127.0.0.1', port: 0 },
    maxPayloadBytes: 1024,
    publishesPerSecond: 1000,
    burst: 1000,
    serviceSecret: SERVICE_SECRET,
    registry,
    logger: captureLogger(logs),
    ...overrides,
  });
  cleanups.push(() => broker.close());
  const received: Received[] = [];
  const waiters = new Set<(r: Received) => void>();
  broker.onPublish((topic, payload, clientId) => {
    const r = { topic, payload: payload.toString(), clientId };
    received.push(r);
    for (const waiter of waiters) waiter(r);
  });
  const next = (match: (r: Received) => boolean, what: string): Promise<Received> =>
    new Promise((resolve, reject) => {
      const seen = received.find(match);
      if (seen !== undefined) return resolve(seen);
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`));
      }, WAIT_MS);
      const waiter = (r: Received): void => {
        if (!match(r)) return;
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve(r);
      };
      waiters.add(waiter);
    });
  const refusals = async (reason: string): Promise<number> => {
    const metric = registry.getSingleMetric('aisle_edge_broker_refusals_total');
    const values = (await metric?.get())?.values ?? [];
    return values.find((v) => v.labels.reason === reason)?.value ?? Number.NaN;
  };
  const url = `mqtt://127.0.0.1:${broker.addresses.tcp.port}`;
  return { broker, devices, registry, received, logs, url, next, refusals };
}

/** A device client: client id = username (the broker's rule), no reconnects. */
async function device(url: string, name: Name, options: IClientOptions = {}): Promise<MqttClient> {
  const client = await connectAsync(url, {
    clientId: name,
    username: name,
    password: SECRETS[name],
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: WAIT_MS,
    ...options,
  });
  // A refused client's socket may reset under a write in flight: that is the expected outcome here.
  client.on('error', () => {});
  cleanups.push(() => client.endAsync(true));
  return client;
}

/** Resolves when the client's connection closes (a reset on the way is part of that, not a failure). */
function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${client.options.clientId} still connected`)), WAIT_MS);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The next message the client receives, as [topic, payload text]. */
function nextMessage(client: MqttClient): Promise<[string, string]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${client.options.clientId} got no message`)), WAIT_MS);
    client.once('message', (topic, payload) => {
      clearTimeout(timer);
      resolve([topic, payload.toString()]);
    });
  });
}

/** The CONNACK return code of a refused connection. */
async function refusedWith(url: string, options: IClientOptions): Promise<number | undefined> {
  const attempt = connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: WAIT_MS, ...options });
  const error = await attempt.then(
    (client) => {
      cleanups.push(() => client.endAsync(true));
      return undefined;
    },
    (e: unknown) => e as { code?: number },
  );
  return error?.code;
}

describe('connecting', () => {
  it('refuses a wrong password with CONNACK 4 and counts bad-credentials', async () => {
    const h = await startBroker();
    const code = await refusedWith(h.url, { clientId: 'scale-1', username: 'scale-1', password: 'nope' });
    expect(code).toBe(4);
    expect(await h.refusals('bad-credentials')).toBe(1);
    // The right password still works after a wrong one.
    await device(h.url, 'scale-1');
    expect(h.broker.stats().connections).toBe(1);
  });

  it('refuses an unknown username (CONNACK 4) and a client id other than the username (CONNACK 2)', async () => {
    const h = await startBroker();
    expect(await refusedWith(h.url, { clientId: 'ghost', username: 'ghost', password: 'x' })).toBe(4);
    expect(await refusedWith(h.url, { clientId: 'scale-2', username: 'scale-1', password: SECRETS['scale-1'] })).toBe(
      2,
    );
    expect(await h.refusals('unknown-client')).toBe(1);
    expect(await h.refusals('client-id-mismatch')).toBe(1);
  });

  it('refuses a will on another device’s topic at CONNECT (CONNACK 5)', async () => {
    const h = await startBroker();
    const will = { topic: `state/${SITE}/scale-2`, payload: Buffer.from('{"status":"lost"}'), qos: 1 as const };
    const code = await refusedWith(h.url, { clientId: 'scale-1', username: 'scale-1', password: 'pw-scale-1', will });
    expect(code).toBe(5);
    expect(await h.refusals('will-not-own-topic')).toBe(1);
  });

  it('lets service clients in with the internal secret only; their publishes are not device data', async () => {
    const h = await startBroker();
    const asService = { clientId: `${SERVICE_USERNAME}-ingest`, username: SERVICE_USERNAME };
    expect(await refusedWith(h.url, { ...asService, password: 'wrong-secret-0123456789' })).toBe(4);
    expect(await refusedWith(h.url, { ...asService, clientId: 'scale-1', password: SERVICE_SECRET })).toBe(2);
    const service = await connectAsync(h.url, { ...asService, password: SERVICE_SECRET, reconnectPeriod: 0 });
    cleanups.push(() => service.endAsync(true));
    await service.subscribeAsync(`dt/${SITE}/+/+`);
    const heard = nextMessage(service);
    await service.publishAsync(`dt/${SITE}/scale-9/weight`, 'from-service', { qos: 1 });
    const scale = await device(h.url, 'scale-1');
    const delivered = h.next((r) => r.payload === 'from-device', 'the device publish');
    await scale.publishAsync(`dt/${SITE}/scale-1/weight`, 'from-device', { qos: 1 });
    expect((await delivered).clientId).toBe('scale-1');
    expect(await heard).toEqual([`dt/${SITE}/scale-9/weight`, 'from-service']);
    expect(h.received.map((r) => r.payload)).toEqual(['from-device']);
  });
});

describe('publishing', () => {
  it('closes the connection of a device publishing on another device’s topic; the message never arrives', async () => {
    const h = await startBroker();
    const intruder = await device(h.url, 'scale-1');
    const other = await device(h.url, 'scale-2');
    intruder.publish(`dt/${SITE}/scale-2/weight`, 'forged', { qos: 1 });
    await closed(intruder);
    // Whatever the broker accepted before, it delivered before this later, legitimate message.
    await other.publishAsync(`dt/${SITE}/scale-2/weight`, 'genuine', { qos: 1 });
    await h.next((r) => r.payload === 'genuine', 'the genuine publish');
    expect(h.received.map((r) => r.payload)).toEqual(['genuine']);
    expect(await h.refusals('publish-not-own-topic')).toBe(1);
  });

  it('refuses a topic that does not parse as an aisle topic', async () => {
    const h = await startBroker();
    const scale = await device(h.url, 'scale-1');
    scale.publish(`dt/${SITE}/scale-1/Weight_Kg`, '1', { qos: 1 });
    await closed(scale);
    expect(await h.refusals('publish-topic-invalid')).toBe(1);
    expect(h.received).toEqual([]);
  });

  it('refuses a payload over maxPayloadBytes, and cuts a packet far over it before buffering it', async () => {
    const h = await startBroker();
    const first = await device(h.url, 'scale-1');
    first.publish(`dt/${SITE}/scale-1/weight`, Buffer.alloc(1025), { qos: 1 });
    await closed(first);
    expect(await h.refusals('payload-too-large')).toBe(1);

    const second = await device(h.url, 'scale-1');
    second.publish(`dt/${SITE}/scale-1/weight`, Buffer.alloc(1024 * 1024), { qos: 0 });
    await closed(second);
    expect(await h.refusals('packet-too-large')).toBe(1);
    expect(h.received).toEqual([]);

    const third = await device(h.url, 'scale-1');
    await third.publishAsync(`dt/${SITE}/scale-1/weight`, Buffer.alloc(1024), { qos: 1 });
    expect((await h.next(() => true, 'the 1024-byte publish')).payload).toHaveLength(1024);
  });

  it('refuses publishes beyond the burst, and refills at the configured rate (fake clock)', async () => {
    let nowMs = 0;
    const h = await startBroker({ publishesPerSecond: 2, burst: 3, clock: () => nowMs });
    const topic = `dt/${SITE}/scale-1/weight`;
    const will = { topic: `state/${SITE}/scale-1`, payload: Buffer.from('{"status":"lost"}'), qos: 1 as const };
    const scale = await device(h.url, 'scale-1', { will });
    for (const n of [1, 2, 3]) await scale.publishAsync(topic, `burst-${n}`, { qos: 1 });
    scale.publish(topic, 'over', { qos: 1 });
    await closed(scale);
    expect(await h.refusals('rate-limited')).toBe(1);
    // The will takes no token: the gateway still learns the device is gone.
    await h.next((r) => r.topic === will.topic, 'the will of the over-rate device');

    // Reconnecting gives no fresh burst; half a second at 2/s gives one token.
    nowMs += 500;
    const again = await device(h.url, 'scale-1');
    await again.publishAsync(topic, 'refilled', { qos: 1 });
    again.publish(topic, 'over-again', { qos: 1 });
    await closed(again);
    expect(await h.refusals('rate-limited')).toBe(2);
    expect(h.received.filter((r) => r.topic === topic).map((r) => r.payload)).toEqual([
      'burst-1',
      'burst-2',
      'burst-3',
      'refilled',
    ]);
  });

  it('delivers the will {"status":"lost"} of a device whose socket dies', async () => {
    const h = await startBroker();
    const will = { topic: `state/${SITE}/door-1`, payload: Buffer.from('{"status":"lost"}'), qos: 1 as const };
    const door = await device(h.url, 'door-1', { will });
    const lost = h.next((r) => r.topic === will.topic, 'the will');
    door.stream.destroy();
    expect(await lost).toEqual({ topic: will.topic, payload: '{"status":"lost"}', clientId: 'door-1' });
  });
});

describe('subscribing', () => {
  it('grants a device only its own commands: # and other devices’ get SUBACK 0x80 and are counted', async () => {
    const h = await startBroker();
    const scale = await device(h.url, 'scale-1');
    // mqtt.js turns a SUBACK failure code into a rejection carrying the SUBACK.
    const refused = { packet: { cmd: 'suback', granted: [0x80] } };
    await expect(scale.subscribeAsync('#')).rejects.toMatchObject(refused);
    await expect(scale.subscribeAsync(`cmd/${SITE}/scale-2/+`)).rejects.toMatchObject(refused);
    await expect(scale.subscribeAsync(`cmd/${SITE}/+/tare`)).rejects.toMatchObject(refused);
    expect(await h.refusals('subscribe-not-own-topic')).toBe(3);

    const granted = await scale.subscribeAsync(`cmd/${SITE}/scale-1/+`, { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1]);
    const command = nextMessage(scale);
    await h.broker.publish(`cmd/${SITE}/scale-1/tare`, '{"command":"tare"}', { qos: 1 });
    expect(await command).toEqual([`cmd/${SITE}/scale-1/tare`, '{"command":"tare"}']);
    // The gateway's own publish is not device data.
    expect(h.received).toEqual([]);
    await expect(h.broker.publish(`up/${SITE}/gw-1/batch`, 'x')).rejects.toMatchObject({ code: 'BUS_TOPIC_REFUSED' });
  });
});

describe('credentials at runtime', () => {
  it('disconnects a device revoked by setDevices and refuses its reconnect (CONNACK 5)', async () => {
    const h = await startBroker();
    const scale = await device(h.url, 'scale-1');
    const stays = await device(h.url, 'scale-2');
    const gone = closed(scale);
    h.devices.setDevices(DEVICES.map((d) => (d.username === 'scale-1' ? { ...d, revoked: true } : d)));
    await gone;
    expect(stays.connected).toBe(true);
    const code = await refusedWith(h.url, { clientId: 'scale-1', username: 'scale-1', password: SECRETS['scale-1'] });
    expect(code).toBe(5);
    expect(await h.refusals('device-revoked')).toBe(1);
  });
});

describe('observability', () => {
  it('exposes refusals by reason, accepted publishes and connected clients in the metrics text', async () => {
    const h = await startBroker();
    await refusedWith(h.url, { clientId: 'scale-1', username: 'scale-1', password: 'nope' });
    await refusedWith(h.url, { clientId: 'ghost', username: 'ghost', password: 'nope' });
    await refusedWith(h.url, { clientId: 'ghost', username: 'ghost', password: 'nope' });
    const scale = await device(h.url, 'scale-1');
    await scale.publishAsync(`dt/${SITE}/scale-1/weight`, '1', { qos: 1 });
    await scale.publishAsync(`evt/${SITE}/scale-1/tare-done`, '2', { qos: 1 });
    await h.next((r) => r.payload === '2', 'the second publish');
    const text = await h.registry.metrics();
    expect(text).toContain('aisle_edge_broker_refusals_total{reason="bad-credentials"} 1');
    expect(text).toContain('aisle_edge_broker_refusals_total{reason="unknown-client"} 2');
    expect(text).toContain('aisle_edge_broker_refusals_total{reason="rate-limited"} 0');
    expect(text).toContain('aisle_edge_broker_publishes_total{kind="dt"} 1');
    expect(text).toContain('aisle_edge_broker_publishes_total{kind="evt"} 1');
    expect(text).toContain('aisle_edge_broker_connected_clients 1');
    expect(text).toContain('aisle_edge_broker_auth_cache_total{outcome="miss"} 2');
    expect(h.broker.stats()).toEqual({
      kind: 'embedded',
      connections: 1,
      publishesDelivered: 2,
      refusals: { 'bad-credentials': 1, 'unknown-client': 2 },
    });
  });

  it('logs at most N refusal lines per reason per minute and counts the rest', async () => {
    let nowMs = 0;
    const h = await startBroker({ refusalLogLinesPerMinute: 2, clock: () => nowMs });
    for (let i = 0; i < 5; i++) await refusedWith(h.url, { clientId: 'ghost', username: 'ghost', password: 'x' });
    nowMs += 60_000;
    await refusedWith(h.url, { clientId: 'ghost', username: 'ghost', password: 'x' });
    const lines = h.logs.filter((l) => l.fields.reason === 'unknown-client');
    expect(lines).toHaveLength(3);
    expect(lines[2]?.fields.suppressedBefore).toBe(3);
    expect(await h.refusals('unknown-client')).toBe(6);
    expect(await h.registry.metrics()).toContain(
      'aisle_edge_broker_refusal_logs_suppressed_total{reason="unknown-client"} 3',
    );
  });
});

describe('transports', () => {
  it('carries a device publish over the WebSocket listener', async () => {
    const h = await startBroker({ websocket: { port: 0 } });
    const port = h.broker.addresses.websocket?.port;
    const scale = await device(`ws://127.0.0.1:${port}`, 'scale-1');
    await scale.publishAsync(`dt/${SITE}/scale-1/weight`, 'over-ws', { qos: 1 });
    expect((await h.next(() => true, 'the WebSocket publish')).payload).toBe('over-ws');
  });

  it('carries a device publish over the TLS listener', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisle-broker-tls-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const [certFile, keyFile] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
    await promisify(execFile)('openssl', [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost'],
      ...['-addext', 'subjectAltName=IP:127.0.0.1'],
    ]);
    const h = await startBroker({ tls: { port: 0, certFile, keyFile } });
    const url = `mqtts://127.0.0.1:${h.broker.addresses.tls?.port}`;
    const scale = await device(url, 'scale-1', { ca: readFileSync(certFile) });
    await scale.publishAsync(`dt/${SITE}/scale-1/weight`, 'over-tls', { qos: 1 });
    expect((await h.next(() => true, 'the TLS publish')).payload).toBe('over-tls');
  });

  const mosquittoPub = '/usr/bin/mosquitto_pub';
  it.skipIf(!existsSync(mosquittoPub) && process.env.CI !== 'true')(
    'accepts mosquitto_pub with a device’s credentials',
    async () => {
      const h = await startBroker();
      const arrived = h.next(() => true, 'the mosquitto_pub publish');
      await promisify(execFile)(mosquittoPub, [
        ...['-h', '127.0.0.1', '-p', String(h.broker.addresses.tcp.port), '-V', 'mqttv311'],
        ...['-i', 'door-1', '-u', 'door-1', '-P', SECRETS['door-1']],
        ...['-t', `evt/${SITE}/door-1/door-open`, '-m', '{"event":"door-open"}', '-q', '1'],
      ]);
      expect(await arrived).toEqual({
        topic: `evt/${SITE}/door-1/door-open`,
        payload: '{"event":"door-open"}',
        clientId: 'door-1',
      });
    },
  );
});

describe('lifecycle', () => {
  const sockets = () =>
    process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap').length;

  const settled = async (count: number): Promise<number> => {
    const deadline = Date.now() + WAIT_MS;
    while (sockets() !== count && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    return sockets();
  };

  it('close() ends clients, half-open connections and listeners, leaving no socket behind', async () => {
    // Earlier tests' clients release their sockets asynchronously.
    expect(await settled(0)).toBe(0);
    const h = await startBroker({ websocket: { port: 0 } });
    const scale = await device(h.url, 'scale-1');
    const halfOpen = connectTcp(h.broker.addresses.tcp.port, '127.0.0.1');
    await once(halfOpen, 'connect', { signal: AbortSignal.timeout(WAIT_MS) });
    const ends = [closed(scale), once(halfOpen, 'close', { signal: AbortSignal.timeout(WAIT_MS) })];
    await h.broker.close();
    await Promise.all(ends);
    await scale.endAsync(true);
    expect(await settled(0)).toBe(0);
    await expect(h.broker.publish(`cmd/${SITE}/scale-1/tare`, 'x')).rejects.toMatchObject({ code: 'BUS_CLOSED' });
    // The metrics go with the broker, so a new one can register them on the same registry.
    expect(h.registry.getSingleMetric('aisle_edge_broker_refusals_total')).toBeUndefined();
  });

  it('fails to start when a port is taken, closing what it had opened', async () => {
    const first = await startBroker();
    const registry = new Registry();
    const start = EdgeBroker.start({
      devices: new DeviceRegistry(SITE, DEVICES),
      tcp: { host: '127.0.0.1', port: 0 },
      websocket: { port: first.broker.addresses.tcp.port },
      maxPayloadBytes: 1024,
      publishesPerSecond: 10,
      burst: 10,
      registry,
      logger: captureLogger([]),
    });
    await expect(start).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(registry.getMetricsAsArray()).toEqual([]);
  });

  it('refuses bad options at start, listing every bad field', async () => {
    await expect(
      startBroker({ maxPayloadBytes: 0, burst: 0.5, publishesPerSecond: -1, tcp: { host: '127.0.0.1', port: 70_000 } }),
    ).rejects.toThrow(/tcp\.port=70000.*maxPayloadBytes=0.*publishesPerSecond=-1.*burst=0\.5/);
  });
});
