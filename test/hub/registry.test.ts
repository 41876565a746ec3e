/**
 * Registry and provisioning on a real hub: an admin registers a site, a gateway (credentials and a
 * config bundle) and devices; a real MQTT client logging in as the gateway gets the device
 * credentials and the planogram pushed, retained; rotating ends its session and its old secret;
 * revoking shuts it out. Planners cannot change planograms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyPassword } from '@aisle/edge/credentials';
import { deviceCredentialsCodec, planogramCodec } from '@aisle/protocols';
import { connectAsync, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/src/config.js';
import { startHub } from '../../hub/src/server.js';

describe('hub registry and provisioning', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-hub-registry-'));
  const hub = await startHub(
    parseHubConfig({
      dataDir: dir,
      http: { host: '127.0.0.1', port: 0 },
      broker: { host: '127.0.0.1', port: 0 },
      auth: { admin: { username: 'root', password: 'root-secret-1' } },
    }),
    pino({ level: 'silent' }),
  );
  const clients: MqttClient[] = [];
  /** The secret the gateway was created with (the first test sets it). */
  let gatewayPassword = '';
  afterAll(async () => {
    for (const c of clients) await c.endAsync(true);
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await fetch(`${hub.httpUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const login = async (username: string, password: string) => {
    const response = await fetch(`${hub.httpUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    return ((await response.json()) as { token: string }).token;
  };
  const admin = await login('root', 'root-secret-1');
  await call('POST', '/api/users', admin, { username: 'pat', password: 'pat-secret-1', role: 'planner' });
  const planner = await login('pat', 'pat-secret-1');

  const connectGateway = async (password: string) => {
    const client = await connectAsync(hub.brokerUrl, {
      clientId: 'gw-a',
      username: 'gw-a',
      password,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    clients.push(client);
    return client;
  };
  /** The next retained message on `topic` that `accept` likes. */
  const next = (client: MqttClient, topic: string, accept: (payload: Buffer) => boolean) =>
    new Promise<Buffer>((resolve) => {
      client.on('message', (t, payload) => {
        if (t === topic && accept(payload)) resolve(payload);
      });
    });

  it('creates a site and a gateway, whose bundle logs into the hub broker', async () => {
    expect((await call('POST', '/api/sites', admin, { site: 'store-a', name: 'Store A', kind: 'store' })).status).toBe(
      201,
    );
    const created = await call('POST', '/api/sites/store-a/gateways', admin, { gateway: 'gw-a' });
    expect(created.status).toBe(201);
    const config = created.body.config as { uplink: { url: string; username: string; password: string } };
    expect(config.uplink).toMatchObject({ url: hub.brokerUrl, username: 'gw-a' });
    const client = await connectGateway(config.uplink.password);
    expect(client.connected).toBe(true);
    gatewayPassword = config.uplink.password;
  });

  it('pushes device credentials (hashes only) and the planogram to the gateway, retained', async () => {
    const client = clients[0] as MqttClient;
    await client.subscribeAsync('down/store-a/gw-a/+', { qos: 1 });
    const credentials = next(client, 'down/store-a/gw-a/credentials', (p) => p.toString().includes('scale-1'));
    const device = await call('POST', '/api/sites/store-a/devices', admin, {
      device: 'scale-1',
      kind: 'shelf-scale',
      gateway: 'gw-a',
    });
    expect(device.status).toBe(201);
    const pushed = deviceCredentialsCodec.decode(await credentials);
    if (!pushed.ok) throw new Error(pushed.error.message);
    expect(pushed.value.devices).toHaveLength(1);
    expect(await verifyPassword(device.body.password as string, pushed.value.devices[0]?.passwordHash ?? '')).toBe(
      true,
    );
    expect(JSON.stringify(pushed.value)).not.toContain(device.body.password as string);

    const lane = {
      lane: 'a01',
      device: 'scale-1',
      sku: 'sku-1',
      unitGrams: 250,
      capacity: 12,
      facings: 2,
      aisle: 'a1',
      shelf: 1,
      position: 0,
    };
    const planogram = next(client, 'down/store-a/gw-a/planogram', () => true);
    const put = await call('PUT', '/api/sites/store-a/planogram', admin, {
      skus: [{ sku: 'sku-1', name: 'Oat milk 1 l' }],
      lanes: [lane],
    });
    expect(put.body).toMatchObject({ version: 1, pushedTo: ['gw-a'] });
    const received = planogramCodec.decode(await planogram);
    if (!received.ok) throw new Error(received.error.message);
    expect(received.value.lanes).toEqual([lane]);
    expect(await call('PUT', '/api/sites/store-a/planogram', planner, { lanes: [lane] })).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN_ROLE' },
    });
    expect(
      (await call('PUT', '/api/sites/store-a/planogram', admin, { lanes: [{ ...lane, sku: 'nope' }] })).body.code,
    ).toBe('VALIDATION_FAILED');
  });

  it('rotating ends the gateway session and its old secret; revoking shuts it out', async () => {
    const old = gatewayPassword;
    const client = clients[0] as MqttClient;
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const rotated = await call('POST', '/api/gateways/gw-a/rotate', admin);
    await closed;
    await expect(connectGateway(old)).rejects.toThrow(/Bad username or password|Not authorized/);
    const fresh = await connectGateway(rotated.body.password as string);
    const gone = new Promise<void>((resolve) => fresh.once('close', () => resolve()));
    await call('POST', '/api/gateways/gw-a/revoke', admin);
    await gone;
    await expect(connectGateway(rotated.body.password as string)).rejects.toThrow(/Not authorized|Bad username/);
    const audit = (await call('GET', '/api/audit', admin)).body as unknown as Array<{ action: string }>;
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        'site.create',
        'gateway.create',
        'device.create',
        'planogram.put',
        'gateway.rotate',
        'gateway.revoke',
      ]),
    );
  });
});
