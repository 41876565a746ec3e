import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { MqttFleet } from '../../device-sim/src/outputs/mqtt-fleet.js';
import type { DeviceIdentity } from '../../device-sim/src/outputs/output.js';
import { parseBrokerArgs, runCommand } from '../../device-sim/src/run-command.js';
import { sitesCommand } from '../../device-sim/src/sites-command.js';

/**
 * Per-site brokers: each site's devices connect to that site's gateway, as in `npm start`, where
 * every store and van has its own. Real aedes brokers on free loopback ports, one per site.
 */

const WAIT_MS = 10_000;
const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface SiteBroker {
  readonly url: string;
  /** Client ids that connected, in order. */
  readonly clients: string[];
  /** Topics of every message published to it (by anyone). */
  readonly topics: string[];
}

/** An aedes broker on a free port that records who connects and what is published. */
async function startBroker(): Promise<SiteBroker> {
  const broker = await Aedes.createBroker();
  const clients: string[] = [];
  const topics: string[] = [];
  broker.on('client', (client) => clients.push(client.id));
  broker.on('publish', (packet, client) => {
    if (client !== null) topics.push(packet.topic);
  });
  const server = createServer(broker.handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`, clients, topics };
}

/** Resolves once `ready()` holds (checked on each message of `client`); rejects after a timeout. */
function until(client: MqttClient, ready: () => boolean, what: string): Promise<void> {
  if (ready()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!ready()) return;
      clearTimeout(timer);
      client.off('message', check);
      resolve();
    };
    const timer = setTimeout(() => {
      client.off('message', check);
      reject(new Error(`timed out waiting for ${what}`));
    }, WAIT_MS);
    client.on('message', check);
  });
}

const device = (site: string, id: string): DeviceIdentity => ({
  site,
  device: id,
  kind: 'shelf-scale',
  username: `${site}.${id}`,
  password: `pw-${site}-${id}`,
});

const reading = (d: DeviceIdentity, seq: number) => ({
  kind: 'mqtt' as const,
  device: `${d.site}/${d.device}`,
  topic: `dt/${d.site}/${d.device}/weight`,
  payload: JSON.stringify({ seq }),
  qos: 1 as const,
  retain: false,
  at: T0 + seq,
});

describe('--broker: plain URL for all sites, SITE=URL per site', () => {
  it('reads a URL for every site and one per site, the site winning', () => {
    expect(parseBrokerArgs(['mqtt://hub:1883', 'store-a=mqtt://127.0.0.1:1901', 'van-1=tcp://gw:1902'])).toEqual({
      brokerUrl: 'mqtt://hub:1883',
      siteBrokers: new Map([
        ['store-a', 'mqtt://127.0.0.1:1901'],
        ['van-1', 'tcp://gw:1902'],
      ]),
      problems: [],
    });
    expect(parseBrokerArgs([])).toEqual({ siteBrokers: new Map(), problems: [] });
  });

  it('names every bad value: not an MQTT URL, a bad site id, a site twice, two URLs for all', () => {
    expect(
      parseBrokerArgs([
        'http://x',
        'Store A=mqtt://x',
        'store-a=mqtt://x:1',
        'store-a=mqtt://x:2',
        'mqtt://y',
        'mqtt://z',
        'store-b=',
      ]).problems,
    ).toEqual([
      'broker=http://x (URL is mqtt://host:port)',
      'broker=Store A=mqtt://x (site "Store A" is not a site id)',
      'broker=store-a=mqtt://x:2 (site store-a given twice)',
      'broker=mqtt://z (one URL for all sites)',
      'broker=store-b= (URL is mqtt://host:port)',
    ]);
  });
});

describe('MQTT fleet with a broker per site', () => {
  it("connects each site's devices to its own broker; a site without one is not connected and its outputs are unrouted", async () => {
    const a = await startBroker();
    const b = await startBroker();
    const devices = [device('store-a', 's1'), device('store-a', 's2'), device('store-b', 's1'), device('van-1', 'gps')];
    const brokers = new Map([
      ['store-a', a.url],
      ['store-b', b.url],
    ]);
    const fleet = new MqttFleet({ brokerFor: (site) => brokers.get(site), devices, reconnectPeriodMs: 50 });
    cleanups.push(() => fleet.close());
    await fleet.start();
    expect(a.clients.sort()).toEqual(['store-a.s1', 'store-a.s2']);
    expect(b.clients).toEqual(['store-b.s1']);

    const watchA = await connectAsync(a.url, { clientId: 'watch-a' });
    const watchB = await connectAsync(b.url, { clientId: 'watch-b' });
    cleanups.push(
      () => watchA.endAsync(),
      () => watchB.endAsync(),
    );
    const seenA: string[] = [];
    const seenB: string[] = [];
    watchA.on('message', (topic) => seenA.push(topic));
    watchB.on('message', (topic) => seenB.push(topic));
    await watchA.subscribeAsync('dt/#', { qos: 1 });
    await watchB.subscribeAsync('dt/#', { qos: 1 });
    for (const d of devices) fleet.write(reading(d, 1));

    await until(watchA, () => seenA.length >= 2, 'store-a readings');
    await until(watchB, () => seenB.length >= 1, 'store-b reading');
    expect(seenA.sort()).toEqual(['dt/store-a/s1/weight', 'dt/store-a/s2/weight']);
    expect(seenB).toEqual(['dt/store-b/s1/weight']);
    expect(fleet.stats()).toMatchObject({
      devices: 3,
      connected: 3,
      published: { qos1: 3 },
      unrouted: { devices: 1, sites: ['van-1'] },
      dropped: { unrouted: 1, 'unknown-device': 0 },
    });
  });

  it('refuses a bad URL for a site, and both or neither of brokerUrl and brokerFor, naming each', () => {
    const devices = [device('store-a', 's1'), device('store-b', 's1')];
    expect(
      () => new MqttFleet({ brokerFor: (site) => (site === 'store-a' ? 'http://x' : 'mqtt://y'), devices }),
    ).toThrow(/invalid fleet options: brokerFor\(store-a\)=http:\/\/x$/);
    expect(() => new MqttFleet({ devices })).toThrow(/brokerUrl\/brokerFor=neither \(give one\)/);
    expect(() => new MqttFleet({ brokerUrl: 'mqtt://x', brokerFor: () => undefined, devices })).toThrow(
      /brokerUrl\/brokerFor=both \(give one\)/,
    );
  });
});

const twoStores = `
name: two-stores
seed: 5
start: "2026-01-05T10:00:00+11:00"
catalog: { skus: 40, bundles: 4 }
stores:
  - { id: store-a, location: { lat: -37.81, lon: 144.96 }, lanes: 16, lanesPerScale: 8, doors: 1, registers: 1, serialScales: 1 }
  - { id: store-b, location: { lat: -37.85, lon: 145.00 }, lanes: 16, lanesPerScale: 8, doors: 1, registers: 1 }
dc: { id: dc-1, location: { lat: -37.79, lon: 144.89 } }
vans: [{ id: van-1, route: [store-a], departAtHour: 10, gpsOverSerial: false }]
`;

describe('aisle-sim run with --broker SITE=URL', () => {
  const scenarioFile = () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisle-site-brokers-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'scenario.yaml');
    writeFileSync(path, twoStores);
    return path;
  };

  it("publishes each site's readings on its own broker only, and reports the sites left unconnected", async () => {
    const a = await startBroker();
    const b = await startBroker();
    const summary = await runCommand({
      scenarioPath: scenarioFile(),
      durationMs: 5 * 60_000,
      speed: 'max',
      progress: false,
      siteBrokers: new Map([
        ['store-a', a.url],
        ['store-b', b.url],
      ]),
    });
    const sitesOf = (topics: string[]) =>
      new Set(topics.filter((t) => t.startsWith('dt/')).map((t) => t.split('/')[1]));
    expect(sitesOf(a.topics)).toEqual(new Set(['store-a']));
    expect(sitesOf(b.topics)).toEqual(new Set(['store-b']));
    // One client per MQTT device of the site, on its broker only; store-a's serial scale has none.
    expect(a.clients.every((c) => c.startsWith('store-a.'))).toBe(true);
    expect(b.clients.every((c) => c.startsWith('store-b.'))).toBe(true);
    expect(a.clients).not.toContain('store-a.scale-001');
    expect(a.clients.length + b.clients.length).toBe(summary.mqtt?.devices);
    // The van's three devices have no broker.
    expect(summary.mqtt?.unrouted).toEqual({ devices: 3, sites: ['van-1'] });
    expect(summary.mqtt?.dropped.unrouted).toBeGreaterThan(0);
  });

  it('refuses a broker for a site that has no MQTT devices', async () => {
    await expect(
      runCommand({
        scenarioPath: scenarioFile(),
        durationMs: 60_000,
        speed: 'max',
        progress: false,
        siteBrokers: new Map([['store-z', 'mqtt://127.0.0.1:1']]),
      }),
    ).rejects.toThrow(/--broker for store-z: no MQTT devices there \(sites with some: store-a, store-b, van-1\)/);
  });
});

describe('aisle-sim sites', () => {
  it("lists each site's MQTT devices with credentials, its lanes, and its serial lines at the path run --serial-dir opens", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisle-sites-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'scenario.yaml');
    writeFileSync(path, twoStores);
    const { sites } = await sitesCommand({ scenarioPath: path, serialDir: join(dir, 'serial') });
    expect(sites.map((s) => [s.site, s.kind])).toEqual([
      ['store-a', 'store'],
      ['store-b', 'store'],
      ['van-1', 'van'],
      ['dc-1', 'dc'],
    ]);
    const storeA = sites[0];
    expect(storeA?.serial).toEqual([
      { device: 'scale-001', protocol: 'aisw', path: join(dir, 'serial', 'store-a--scale-001-host') },
    ]);
    expect(storeA?.devices.map((d) => d.device)).not.toContain('scale-001');
    expect(storeA?.lanes).toHaveLength(16);
    expect(new Set(storeA?.lanes.map((l) => l.device))).toEqual(new Set(['scale-001', 'scale-002']));
    expect(sites[2]?.devices.map((d) => d.kind).sort()).toEqual(['gps-tracker', 'shock-sensor', 'temp-probe']);

    // Without socat: the serial scale becomes an MQTT device with its own credentials.
    const mqttOnly = await sitesCommand({ scenarioPath: path, mqttOnly: true });
    expect(mqttOnly.sites[0]?.serial).toEqual([]);
    expect(mqttOnly.sites[0]?.devices.map((d) => d.device)).toContain('scale-001');
  });
});
