/**
 * Staged model rollouts on a real hub (SQLite, embedded broker) with three fake gateways speaking
 * the model protocol over MQTT: gw-a1 (the canary) and gw-a2 in store-a, gw-b1 in store-b. A good
 * model goes through all three stages; a model the canary rejects, and one whose live error is
 * worse than the baseline's, are rolled back to the previous model, the later stages never offered.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModelOffer } from '../../protocols/src/index.js';
import { bundleId, sha256Hex, verifyBundle } from '../../protocols/src/model-bundle.js';
import {
  adminApi,
  FakeGateway,
  hubDir,
  KEY_ID,
  provision,
  registration,
  signer,
  startModelsHub,
  testBundle,
  until,
} from './models-harness.js';

describe('model rollouts', async () => {
  const dir = hubDir();
  const hub = await startModelsHub(dir);
  const api = await adminApi(hub);
  const gateways: FakeGateway[] = [];
  for (const [site, gateway] of [
    ['store-a', 'gw-a1'],
    ['store-a', 'gw-a2'],
    ['store-b', 'gw-b1'],
  ] as const)
    gateways.push(await FakeGateway.connect(hub.brokerUrl, site, gateway, await provision(api, site, gateway)));
  const [a1, a2, b1] = gateways as [FakeGateway, FakeGateway, FakeGateway];
  afterAll(async () => {
    for (const g of gateways) await g.close();
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const v1 = testBundle('1.0.0');
  const v2 = testBundle('2.0.0');
  const v3 = testBundle('3.0.0');
  for (const bundle of [v1, v2, v3])
    expect((await api.call('POST', '/api/models', registration(bundle))).status).toBe(201);

  const offers = (offer: ModelOffer, version: string) => offer.models.some((m) => m.manifest.version === version);
  const finished = (id: string) =>
    until(`rollout ${id} to finish`, async () => {
      const { body } = await api.call('GET', `/api/rollouts/${id}`);
      return body.status === 'running' ? undefined : body;
    });
  const actions = async (id: string) =>
    ((await api.call('GET', '/api/audit')).body as Array<{ action: string; target: string }>)
      .filter((a) => a.target === id)
      .map((a) => a.action)
      .reverse();

  it('rolls a good model out in three stages: the canary, the rest of its site, the other sites', async () => {
    const started = await api.call('POST', '/api/rollouts', {
      name: 'footfall',
      version: '1.0.0',
      gateways: ['gw-a1', 'gw-b1', 'gw-a2'],
    });
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    expect(
      started.body.stages.map((s: { gateways: Array<{ gateway: string }> }) => s.gateways.map((g) => g.gateway)),
    ).toEqual([['gw-a1'], ['gw-a2'], ['gw-b1']]);
    // The canary alone is offered first, and can fetch every file from the offer's base URL.
    const offer = await a1.offer((o) => offers(o, '1.0.0'));
    expect(a2.offers).toEqual([]);
    expect(b1.offers).toEqual([]);
    const offered = offer.models[0];
    expect(offered?.rollout).toBe(id);
    const files = new Map<string, Uint8Array>();
    for (const file of offered?.manifest.files ?? []) {
      const response = await fetch(`${offered?.baseUrl}${file.sha256}`, {
        headers: { authorization: `Basic ${Buffer.from(`gw-a1:${a1.password}`).toString('base64')}` },
      });
      files.set(file.path, new Uint8Array(await response.arrayBuffer()));
    }
    expect(verifyBundle(offered?.manifest, files, new Map([[KEY_ID, signer.publicKey]])).ok).toBe(true);
    expect(sha256Hex(files.get('weights.bin') as Uint8Array)).toBe(v1.manifest.files[1]?.sha256);

    const done = await finished(id);
    expect(done.status).toBe('succeeded');
    expect(done.stages.map((s: { status: string }) => s.status)).toEqual(['passed', 'passed', 'passed']);
    // Each stage started only after the one before passed (adopted, then soaked).
    for (let i = 1; i < 3; i++) expect(done.stages[i].startedAt).toBeGreaterThanOrEqual(done.stages[i - 1].passedAt);
    expect([a1.running, a2.running, b1.running]).toEqual(['footfall@1.0.0', 'footfall@1.0.0', 'footfall@1.0.0']);
    const view = await api.call('GET', '/api/gateways/gw-b1/models');
    expect(view.body.tasks).toEqual([
      expect.objectContaining({
        task: 'footfall',
        desired: expect.objectContaining({ version: '1.0.0' }),
        inSync: true,
      }),
    ]);
    expect(await actions(id)).toEqual([
      'rollout.start',
      'rollout.stage-passed',
      'rollout.stage-passed',
      'rollout.stage-passed',
      'rollout.succeeded',
    ]);
  });

  it('fails when the canary rejects the model (SELF_TEST_FAILED) and offers it its previous model again', async () => {
    a1.behaviour = { kind: 'reject', reason: 'SELF_TEST_FAILED', detail: 'worst 0.02 of the range' };
    const before = { a2: a2.offers.length, b1: b1.offers.length };
    const started = await api.call('POST', '/api/rollouts', { name: 'footfall', version: '2.0.0' });
    const id = started.body.id as string;
    const rejected = await a1.offer((o) => offers(o, '2.0.0'));
    const done = await finished(id);
    expect(done).toMatchObject({
      status: 'failed',
      failure: { gateway: 'gw-a1', reason: 'SELF_TEST_FAILED', detail: 'worst 0.02 of the range' },
    });
    expect(done.stages[0].gateways[0]).toMatchObject({ status: 'failed', reason: 'SELF_TEST_FAILED' });
    // A newer offer brings back the model it had before.
    const rollback = await a1.offer((o) => o.seq > rejected.seq);
    expect(rollback.models.map((m) => m.manifest.version)).toEqual(['1.0.0']);
    expect(a1.running).toBe('footfall@1.0.0');
    // The later stages were never offered anything.
    expect({ a2: a2.offers.length, b1: b1.offers.length }).toEqual(before);
    expect(done.stages.slice(1).map((s: { status: string }) => s.status)).toEqual(['not-started', 'not-started']);
    expect(await actions(id)).toEqual(['rollout.start', 'rollout.failed', 'rollout.rolled-back']);
    const metrics = await (await fetch(`${hub.httpUrl}/metrics`)).text();
    expect(metrics).toContain('aisle_hub_rollouts_total{outcome="failed"} 1');
    expect(metrics).toContain('aisle_hub_rollouts_total{outcome="succeeded"} 1');
  });

  it('rolls back when the live error is worse than the baseline', async () => {
    a1.behaviour = { kind: 'adopt', live: { n: 5, modelMae: 3, baselineMae: 2 } };
    const started = await api.call('POST', '/api/rollouts', { name: 'footfall', version: '3.0.0' });
    const id = started.body.id as string;
    const adopted = await a1.offer((o) => offers(o, '3.0.0'));
    const done = await finished(id);
    expect(done).toMatchObject({ status: 'failed', failure: { gateway: 'gw-a1', reason: 'LIVE_ERROR_WORSE' } });
    const rollback = await a1.offer((o) => o.seq > adopted.seq);
    expect(rollback.models.map((m) => [m.manifest.version, bundleId(m.manifest)])).toEqual([
      ['1.0.0', bundleId(v1.manifest)],
    ]);
    await until('the canary to run 1.0.0 again', async () => (a1.running === 'footfall@1.0.0' ? true : undefined));
    expect(a2.offers.some((o) => offers(o, '3.0.0'))).toBe(false);
  });

  it('fails a stage whose gateway never adopts, and an admin can abort a running rollout', async () => {
    a1.behaviour = { kind: 'ignore' };
    const timedOut = await api.call('POST', '/api/rollouts', {
      name: 'footfall',
      version: '2.0.0',
      gateways: ['gw-a1'],
    });
    expect(await finished(timedOut.body.id)).toMatchObject({
      status: 'failed',
      failure: { reason: 'ADOPTION_TIMEOUT' },
    });

    b1.behaviour = { kind: 'ignore' };
    const started = await api.call('POST', '/api/rollouts', {
      name: 'footfall',
      version: '2.0.0',
      gateways: ['gw-b1'],
    });
    const id = started.body.id as string;
    const offered = await b1.offer((o) => offers(o, '2.0.0'));
    expect(
      (await api.call('POST', '/api/rollouts', { name: 'footfall', version: '3.0.0', site: 'store-b' })).status,
    ).toBe(409);
    const aborted = await api.call('POST', `/api/rollouts/${id}/abort`);
    expect(aborted).toMatchObject({ status: 200, body: { status: 'aborted', failure: { reason: 'ABORTED' } } });
    const rollback = await b1.offer((o) => o.seq > offered.seq);
    expect(rollback.models.map((m) => m.manifest.version)).toEqual(['1.0.0']);
    expect(await actions(id)).toEqual(['rollout.start', 'rollout.abort', 'rollout.rolled-back']);
    expect((await api.call('POST', `/api/rollouts/${id}/abort`)).status).toBe(409);
  });
});
