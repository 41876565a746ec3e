import { connectAsync, type MqttClient } from 'mqtt';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BrokerLogger } from '../../edge/src/broker/bounded-log.js';
import { hashPassword } from '../../edge/src/broker/credentials.js';
import type { DeviceBus } from '../../edge/src/broker/device-bus.js';
import { DeviceRegistry } from '../../edge/src/broker/device-registry.js';
import { EdgeBroker } from '../../edge/src/broker/edge-broker.js';
import { ExternalBrokerSource } from '../../edge/src/broker/external-source.js';
import { externalServer } from '../helpers/external-server.js';

/**
 * One contract for the `DeviceBus` interface, run by both implementations: the embedded aedes
 * broker, and the external-broker source over a real Mosquitto (skipped with the reason when
 * Mosquitto cannot start here; under CI=true that fails the run instead). Devices are real mqtt.js
 * clients on whichever broker the bus uses.
 */

const WAIT_MS = 3_000;
const SECRET = 'pw-scale-1';
const silent: BrokerLogger = { info: () => {}, warn: () => {}, error: () => {} };

const mosquitto = await externalServer('mosquitto');
afterAll(async () => {
  if (mosquitto.ok) await mosquitto.server.stop();
});

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Fixture {
  readonly bus: DeviceBus;
  readonly registry: Registry;
  /** A connected device client on the broker this bus uses. */
  device(name: string): Promise<MqttClient>;
  /** What `onPublish` reports as the client id of a device's publish. */
  clientIdOf(name: string): string | undefined;
}

type MakeFixture = (site: string) => Promise<Fixture>;

/** Each test its own site, so retained messages of one never reach another. */
let sites = 0;
const nextSite = () => `site-${process.pid}-${++sites}`;

interface Heard {
  readonly topic: string;
  readonly payload: Buffer;
  readonly clientId: string | undefined;
}

function firstPublish(bus: DeviceBus, match: (h: Heard) => boolean): Promise<Heard> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no matching publish within ${WAIT_MS} ms`));
    }, WAIT_MS);
    const stop = bus.onPublish((topic, payload, clientId) => {
      if (!match({ topic, payload, clientId })) return;
      clearTimeout(timer);
      stop();
      resolve({ topic, payload, clientId });
    });
  });
}

async function mqttClient(url: string, options: { clientId: string; username?: string; password?: string }) {
  const client = await connectAsync(url, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: WAIT_MS,
    ...options,
  });
  cleanups.push(() => client.endAsync(true));
  return client;
}

function deviceBusContract(make: MakeFixture): void {
  it('hands a device publish on its own topic to onPublish, payload intact', async () => {
    const site = nextSite();
    const f = await make(site);
    const scale = await f.device('scale-1');
    const payload = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const topic = `dt/${site}/scale-1/weight`;
    const heard = firstPublish(f.bus, (h) => h.topic === topic);
    await scale.publishAsync(topic, payload, { qos: 1 });
    expect(await heard).toEqual({ topic, payload, clientId: f.clientIdOf('scale-1') });
    expect(f.bus.stats().publishesDelivered).toBe(1);
    expect(await f.registry.metrics()).toContain('aisle_edge_broker_publishes_total{kind="dt"} 1');
  });

  it('delivers a command from publish to the device subscribed to its cmd topics', async () => {
    const site = nextSite();
    const f = await make(site);
    const scale = await f.device('scale-1');
    await scale.subscribeAsync(`cmd/${site}/scale-1/+`, { qos: 1 });
    const received = new Promise<[string, Buffer]>((resolve) => scale.once('message', (t, p) => resolve([t, p])));
    await f.bus.publish(`cmd/${site}/scale-1/calibrate`, '{"command":"calibrate"}', { qos: 1 });
    const [topic, payload] = await received;
    expect([topic, payload.toString()]).toEqual([`cmd/${site}/scale-1/calibrate`, '{"command":"calibrate"}']);
  });

  it('keeps delivering to the other listeners when one throws or is removed', async () => {
    const site = nextSite();
    const f = await make(site);
    const removedHeard: string[] = [];
    const remove = f.bus.onPublish((topic) => {
      removedHeard.push(topic);
    });
    f.bus.onPublish(() => {
      throw new Error('a broken listener');
    });
    remove();
    const scale = await f.device('scale-1');
    const topic = `evt/${site}/scale-1/tare-done`;
    const heard = firstPublish(f.bus, (h) => h.topic === topic);
    await scale.publishAsync(topic, '{}', { qos: 1 });
    expect((await heard).topic).toBe(topic);
    expect(removedHeard).toEqual([]);
  });

  it('publishes only device topics of its own site', async () => {
    const site = nextSite();
    const f = await make(site);
    const refused = { code: 'BUS_TOPIC_REFUSED' };
    await expect(f.bus.publish(`cmd/other-site/scale-1/tare`, '{}')).rejects.toMatchObject(refused);
    await expect(f.bus.publish(`down/${site}/gw-1/config`, '{}')).rejects.toMatchObject(refused);
    await expect(f.bus.publish('#', '{}')).rejects.toMatchObject(refused);
  });

  it('closes idempotently; publish afterwards fails with BUS_CLOSED', async () => {
    const f = await make(nextSite());
    await Promise.all([f.bus.close(), f.bus.close()]);
    await expect(f.bus.publish(`cmd/x/scale-1/tare`, '{}')).rejects.toMatchObject({ code: 'BUS_CLOSED' });
  });
}

let scaleHash = '';
beforeAll(async () => {
  scaleHash = await hashPassword(SECRET);
});

const embedded: MakeFixture = async (site) => {
  const registry = new Registry();
  const bus = await EdgeBroker.start({
    devices: new DeviceRegistry(site, [
      { device: 'scale-1', kind: 'shelf-scale', username: 'scale-1', passwordHash: scaleHash },
    ]),
    tcp: { host: '127.0.0.1', port: 0 },
    maxPayloadBytes: 4096,
    publishesPerSecond: 100,
    burst: 100,
    registry,
    logger: silent,
  });
  cleanups.push(() => bus.close());
  const url = `mqtt://127.0.0.1:${bus.addresses.tcp.port}`;
  return {
    bus,
    registry,
    device: (name) => mqttClient(url, { clientId: name, username: name, password: SECRET }),
    clientIdOf: (name) => name,
  };
};

describe('DeviceBus contract: EdgeBroker (embedded aedes)', () => deviceBusContract(embedded));

describe.skipIf(!mosquitto.ok)(
  `DeviceBus contract: ExternalBrokerSource over Mosquitto${mosquitto.ok ? '' : ` (skipped: ${mosquitto.reason})`}`,
  () => {
    const url = mosquitto.ok ? mosquitto.server.url : '';
    const external: MakeFixture = async (site) => {
      const registry = new Registry();
      const bus = await ExternalBrokerSource.start({ url, site, maxPayloadBytes: 4096, registry, logger: silent });
      cleanups.push(() => bus.close());
      return {
        bus,
        registry,
        device: (name) => mqttClient(url, { clientId: `${site}-${name}` }),
        // The external broker does not say who published.
        clientIdOf: () => undefined,
      };
    };

    deviceBusContract(external);

    it('drops and counts messages with a malformed topic or an oversize payload', async () => {
      const site = nextSite();
      const f = await external(site);
      const scale = await f.device('scale-1');
      await scale.publishAsync(`dt/${site}/Scale_1/weight`, '{}', { qos: 1 });
      await scale.publishAsync(`dt/${site}/scale-1/weight`, Buffer.alloc(4097), { qos: 1 });
      const good = firstPublish(f.bus, (h) => h.payload.toString() === 'good');
      await scale.publishAsync(`dt/${site}/scale-1/weight`, 'good', { qos: 1 });
      await good;
      expect(f.bus.stats()).toMatchObject({
        kind: 'external',
        connections: 1,
        publishesDelivered: 1,
        refusals: { 'publish-topic-invalid': 1, 'payload-too-large': 1 },
      });
    });

    it('rejects start within its timeout when the broker is unreachable', async () => {
      const start = ExternalBrokerSource.start({
        url: 'mqtt://127.0.0.1:1',
        site: nextSite(),
        maxPayloadBytes: 4096,
        registry: new Registry(),
        logger: silent,
        startTimeoutMs: 300,
        reconnectMs: 50,
      });
      await expect(start).rejects.toThrow(/no connection/);
    });
  },
);
