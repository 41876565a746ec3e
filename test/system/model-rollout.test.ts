/**
 * Forecasting models end to end, all real: a hub with its embedded broker and SQLite, three
 * gateways provisioned through its API (two in one store, one in another), each with its own
 * broker, outbox and forecasting runtime on tfjs-wasm. A signed model is registered and rolled out
 * (canary → its store → everyone); the gateways fetch it from the hub, verify and self-test it,
 * forecast with it, and their forecasts reach the hub with the model's provenance. A bundle whose
 * self-test fails and one whose stored weights were corrupted at the hub are refused by the canary
 * with the reason, and the hub fails and rolls back the rollout before any other gateway gets them.
 * With the hub gone, a restarted gateway forecasts with its cached model.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../edge/src/config.js';
import { Gateway } from '../../edge/src/gateway.js';
import { parseHubConfig } from '../../hub/src/config.js';
import type { ModelBundle } from '../../hub/src/forecasting/bundle.js';
import { startHub } from '../../hub/src/server.js';
import type { Forecast, ForecastingState } from '../../protocols/src/index.js';
import { bundleId } from '../../protocols/src/model-bundle.js';
import { freePort } from '../helpers/external-server.js';
import { testBundle, withBrokenSelfTest } from '../helpers/model-bundles.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const key = generateKeyPairSync('ed25519');
const signer = { keyId: 'hub-1', privateKey: key.privateKey };
const PEM = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();

async function waitUntil<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('model rollout: hub → gateways', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-model-rollout-'));
  const hubConfig = (brokerPort: number) =>
    parseHubConfig({
      dataDir: join(dir, 'hub'),
      http: { host: '127.0.0.1', port: 0 },
      broker: { host: '127.0.0.1', port: brokerPort },
      auth: { admin: { username: 'root', password: 'root-secret-1' } },
      models: {
        trustedKeys: { 'hub-1': PEM },
        rollout: { soakMs: 200, stageTimeoutMs: 30_000, minLiveSteps: 24, liveTolerance: 0.1, checkIntervalMs: 50 },
      },
    });
  const hubBrokerPort = await freePort();
  let hub = await startHub(hubConfig(hubBrokerPort), pino({ level: 'silent' }));
  const gateways = new Map<string, Gateway>();
  afterAll(async () => {
    for (const g of gateways.values()) await g.close();
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);
  let token = '';
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${hub.httpUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token === '' ? {} : { authorization: `Bearer ${token}` }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    // biome-ignore lint/suspicious/noExplicitAny: JSON answers of many shapes, each asserted where read
    return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as any };
  };
  token = (await call('POST', '/api/auth/login', { username: 'root', password: 'root-secret-1' })).body.token;
  const register = (bundle: ModelBundle) =>
    call('POST', '/api/models', {
      manifest: bundle.manifest,
      files: Object.fromEntries(
        [...bundle.files].map(([path, bytes]) => [path, Buffer.from(bytes).toString('base64')]),
      ),
    });

  const layout = [
    ['store-a', 'gw-a1'],
    ['store-a', 'gw-a2'],
    ['store-b', 'gw-b1'],
  ] as const;
  const configs = new Map<string, ReturnType<typeof parseConfig>>();
  for (const [site, gateway] of layout) {
    await call('POST', '/api/sites', { site, name: site, kind: 'store' });
    const created = await call('POST', `/api/sites/${site}/gateways`, { gateway });
    expect(created.body.config.forecasting.trustedKeys).toEqual([{ keyId: 'hub-1', publicKeyPem: PEM }]);
    configs.set(
      gateway,
      parseConfig({
        ...created.body.config,
        uplink: { ...created.body.config.uplink, flushIntervalMs: 50 },
        dataDir: join(dir, gateway),
        broker: { host: '127.0.0.1', port: 0 },
        http: { host: '127.0.0.1', port: 0 },
        lanes: [
          { lane: 'l1', device: 'scale-1', sku: 'sku-1', unitGrams: 100, capacity: 40 },
          { lane: 'l2', device: 'scale-1', sku: 'sku-2', unitGrams: 250, capacity: 20 },
        ],
        forecasting: { ...created.body.config.forecasting, backend: 'wasm', retryDelayMs: 20 },
      }),
    );
  }
  for (const [, gateway] of layout)
    gateways.set(gateway, await Gateway.start(configs.get(gateway) as never, pino({ level: 'silent' })));
  const forecasting = (gateway: string): ForecastingState =>
    (gateways.get(gateway) as Gateway).forecasting?.state() as ForecastingState;
  const laneModel = (gateway: string) => forecasting(gateway).tasks.find((t) => t.task === 'lane-depletion')?.model;

  const v1 = await testBundle({ signer, version: '1.0.0', seed: 1 });
  const v2 = withBrokenSelfTest(await testBundle({ signer, version: '2.0.0', seed: 2 }), '2.0.0', signer);
  const v3 = await testBundle({ signer, version: '3.0.0', seed: 3 });

  const rollout = async (version: string, status: 'succeeded' | 'failed') => {
    const started = await call('POST', '/api/rollouts', { name: 'lane-depletion', version });
    expect(started.status).toBe(201);
    return waitUntil(async () => {
      const r = await call('GET', `/api/rollouts/${started.body.id}`);
      return r.body.status === status ? r.body : undefined;
    }, `rollout of ${version} ${status}`);
  };

  it('rolls a registered model out stage by stage; every gateway forecasts with it and the hub gets the forecasts', async () => {
    expect((await register(v1)).status).toBe(201);
    const done = await rollout('1.0.0', 'succeeded');
    expect(done.stages.map((s: { gateways: Array<{ gateway: string }> }) => s.gateways.map((g) => g.gateway))).toEqual([
      ['gw-a1'],
      ['gw-a2'],
      ['gw-b1'],
    ]);
    for (const [, gateway] of layout) {
      expect(laneModel(gateway)).toEqual({
        name: 'lane-depletion',
        version: '1.0.0',
        sha256: bundleId(v1.manifest),
        quant: 'uint8',
      });
      expect(forecasting(gateway).backend).toBe('wasm');
    }
    // The hub reads which gateway runs what from their reported state.
    const running = await call('GET', '/api/gateways/gw-b1/models');
    expect(JSON.stringify(running.body)).toContain(bundleId(v1.manifest));
    // A scheduled run, now: forecasts for both lanes go upstream with the model that made them.
    await (gateways.get('gw-a1') as Gateway).forecasting?.run();
    const latest = await waitUntil(async () => {
      const r = await call('GET', '/api/sites/store-a/latest?type=forecast');
      const rows = (r.body as Array<{ item: { model?: { version: string }; data: Forecast } }>) ?? [];
      return rows.length >= 2 ? rows : undefined;
    }, 'forecasts at the hub');
    for (const row of latest) {
      expect(row.item.model?.version).toBe('1.0.0');
      expect(row.item.data.task).toBe('lane-depletion');
      expect(row.item.data.mean).toHaveLength(24);
    }
  });

  it('fails and rolls back a model whose self-test fails on the canary; no other gateway is offered it', async () => {
    expect((await register(v2)).status).toBe(201);
    const failed = await rollout('2.0.0', 'failed');
    expect(failed.failure).toMatchObject({ gateway: 'gw-a1', reason: 'SELF_TEST_FAILED' });
    expect(forecasting('gw-a1').lastOffer).toMatchObject({
      version: '1.0.0', // the rollback's offer: the previous model again, already on disk
      outcome: 'active',
    });
    for (const [, gateway] of layout) expect(laneModel(gateway)?.version).toBe('1.0.0');
    expect(forecasting('gw-a2').lastOffer?.version).toBe('1.0.0');
    expect(forecasting('gw-b1').lastOffer?.version).toBe('1.0.0');
  });

  it('fails and rolls back a model whose weights were corrupted in the hub’s store', async () => {
    expect((await register(v3)).status).toBe(201);
    const weights = v3.manifest.files.find((f) => f.path.startsWith('weights.'))?.sha256 as string;
    const db = new Database(join(dir, 'hub', 'hub.db'));
    try {
      const row = db.prepare('SELECT data FROM model_files WHERE sha256 = ?').get(weights) as { data: Buffer };
      const flipped = Buffer.from(row.data);
      flipped[10] = ((flipped[10] as number) + 1) % 256;
      db.prepare('UPDATE model_files SET data = ? WHERE sha256 = ?').run(flipped, weights);
    } finally {
      db.close();
    }
    const failed = await rollout('3.0.0', 'failed');
    expect(failed.failure).toMatchObject({ gateway: 'gw-a1', reason: 'FILE_SHA256_MISMATCH' });
    for (const [, gateway] of layout) expect(laneModel(gateway)?.version).toBe('1.0.0');
  });

  it('keeps forecasting with the cached model when restarted while the hub is down', async () => {
    await hub.close();
    const old = gateways.get('gw-b1') as Gateway;
    await old.close();
    gateways.delete('gw-b1');
    const restarted = await Gateway.start(configs.get('gw-b1') as never, pino({ level: 'silent' }));
    gateways.set('gw-b1', restarted);
    expect(laneModel('gw-b1')?.version).toBe('1.0.0');
    const depth = restarted.outbox.stats().depth;
    await restarted.forecasting?.run();
    await waitUntil(() => restarted.outbox.stats().depth >= depth + 2 || undefined, 'forecasts in the outbox');
    const state = (await (await fetch(`http://127.0.0.1:${restarted.api.port}/state`)).json()) as {
      forecasts: Array<{ target: { id: string }; source: string }>;
    };
    expect(state.forecasts.map((f) => [f.target.id, f.source]).sort()).toEqual([
      ['l1', 'lane-depletion'],
      ['l2', 'lane-depletion'],
    ]);
    // The hub comes back on the same broker port; it gets what was forecast meanwhile.
    hub = await startHub(hubConfig(hubBrokerPort), pino({ level: 'silent' }));
    await restarted.drained(20_000);
  });
});
