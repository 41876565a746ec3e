/**
 * Provisioning end to end, hub → gateway → devices, all real: an admin registers a site, a gateway
 * and a device over REST; the gateway starts from the bundle the hub returned (nothing else
 * configured), receives the device's credentials and the planogram pushed by the hub, and applies
 * them: the device logs in with the secret the hub issued, its weights become units on the lane the
 * planogram defines, at the gateway and at the hub. Revoking the device shuts it out. Restarted
 * with the WAN down, the gateway still knows its devices and lanes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '@aisle/protocols';
import { connectAsync, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../edge/src/config.js';
import { Gateway } from '../../edge/src/gateway.js';
import { parseHubConfig } from '../../hub/src/config.js';
import { startHub } from '../../hub/src/server.js';
import { freePort } from '../helpers/external-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('provisioning: hub → gateway → device', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-provisioning-'));
  const hub = await startHub(
    parseHubConfig({
      dataDir: join(dir, 'hub'),
      http: { host: '127.0.0.1', port: 0 },
      broker: { host: '127.0.0.1', port: 0 },
      auth: { admin: { username: 'root', password: 'root-secret-1' } },
    }),
    pino({ level: 'silent' }),
  );
  const gateways: Gateway[] = [];
  const devices: MqttClient[] = [];
  afterAll(async () => {
    for (const d of devices) await d.endAsync(true);
    for (const g of gateways) await g.close();
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${hub.httpUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token === '' ? {} : { authorization: `Bearer ${token}` }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await response.json()) as Record<string, unknown>;
  };
  let token = '';
  token = (await call('POST', '/api/auth/login', { username: 'root', password: 'root-secret-1' })).token as string;
  await call('POST', '/api/sites', { site: 'store-a', name: 'Store A', kind: 'store' });
  const created = (await call('POST', '/api/sites/store-a/gateways', { gateway: 'gw-a' })) as {
    config: { site: string; gateway: string; uplink: { url: string; username: string; password: string } };
  };
  const brokerPort = await freePort();
  const gatewayConfig = (uplink: { url: string; username: string; password: string }) =>
    parseConfig({
      ...created.config,
      uplink: { ...uplink, flushIntervalMs: 50 },
      dataDir: join(dir, 'gw-a'),
      broker: { host: '127.0.0.1', port: brokerPort },
      http: { host: '127.0.0.1', port: 0 },
    });
  const gateway = await Gateway.start(gatewayConfig(created.config.uplink), pino({ level: 'silent' }));
  gateways.push(gateway);
  const waitUntil = async (ready: () => boolean | Promise<boolean>, what: string, ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (!(await ready())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(50);
    }
  };
  const state = async (g: Gateway) =>
    (await (await fetch(`http://127.0.0.1:${g.api.port}/state`)).json()) as {
      lanes: Array<{ lane: string; sku: string; units: number | null }>;
    };
  const connectDevice = (password: string) =>
    connectAsync(`mqtt://127.0.0.1:${brokerPort}`, {
      clientId: 'scale-1',
      username: 'scale-1',
      password,
      reconnectPeriod: 0,
      connectTimeout: 3000,
    });
  let devicePassword = '';
  let seq = 0;
  const weigh = (client: MqttClient, grams: number) => {
    seq++;
    const ts = Date.now();
    return client.publishAsync(
      'dt/store-a/scale-1/weight',
      JSON.stringify({
        id: newId(),
        type: 'shelf.weight',
        src: { site: 'store-a', device: 'scale-1' },
        boot: 1,
        seq,
        ts,
        tq: 'ntp',
        data: { lane: 'a01', grams, stable: true },
      }),
      { qos: 1 },
    );
  };

  it('pushes a new device’s credentials to the gateway, whose broker then lets it in', async () => {
    const device = (await call('POST', '/api/sites/store-a/devices', {
      device: 'scale-1',
      kind: 'shelf-scale',
      gateway: 'gw-a',
    })) as {
      password: string;
    };
    devicePassword = device.password;
    let client: MqttClient | undefined;
    await waitUntil(async () => {
      client = await connectDevice(devicePassword).catch(() => undefined);
      return client !== undefined;
    }, 'the device to be let in');
    devices.push(client as MqttClient);
  });

  it('applies the pushed planogram: the device’s weights become units on its lane, at the gateway and the hub', async () => {
    await call('PUT', '/api/sites/store-a/planogram', {
      skus: [{ sku: 'oat-1l', name: 'Oat milk 1 l' }],
      lanes: [
        {
          lane: 'a01',
          device: 'scale-1',
          sku: 'oat-1l',
          unitGrams: 250,
          capacity: 12,
          facings: 2,
          aisle: 'a1',
          shelf: 1,
          position: 0,
        },
      ],
    });
    await waitUntil(
      async () => (await state(gateway)).lanes.some((l) => l.lane === 'a01'),
      'the planogram at the gateway',
    );
    const client = devices[0] as MqttClient;
    await weigh(client, 750.4);
    await weigh(client, 749.8);
    await waitUntil(
      async () => (await state(gateway)).lanes.find((l) => l.lane === 'a01')?.units === 3,
      'three units at the gateway',
    );
    await waitUntil(async () => {
      const inventory = (await call('GET', '/api/sites/store-a/inventory')) as {
        lanes: Array<{ lane: string; units: number }>;
      };
      return inventory.lanes.some((l) => l.lane === 'a01' && l.units === 3);
    }, 'three units at the hub');
  });

  it('revoking the device at the hub shuts it out at the gateway', async () => {
    const client = devices[0] as MqttClient;
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await call('POST', '/api/sites/store-a/devices/scale-1/revoke');
    await closed;
    await expect(connectDevice(devicePassword)).rejects.toThrow();
  });

  it('restarted with the hub unreachable, the gateway still knows its devices and lanes', async () => {
    await gateway.close();
    gateways.pop();
    const offline = await Gateway.start(
      gatewayConfig({ url: `mqtt://127.0.0.1:${await freePort()}`, username: 'gw-a', password: 'x' }),
      pino({ level: 'silent' }),
    );
    gateways.push(offline);
    expect((await state(offline)).lanes.map((l) => [l.lane, l.sku])).toEqual([['a01', 'oat-1l']]);
    await expect(connectDevice(devicePassword)).rejects.toThrow(); // still revoked
  });
});
