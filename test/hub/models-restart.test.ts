/**
 * A rollout survives a hub restart: stopped while its second stage is offered to a gateway that is
 * offline, the hub comes back on the same data directory and broker port, publishes every current
 * offer again (the embedded broker's retained messages lived in memory), the gateway connects and
 * adopts, and the rollout goes on from its stored stage (the canary is not offered again) to success.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../hub/src/server.js';
import {
  adminApi,
  FakeGateway,
  hubDir,
  provision,
  registration,
  startModelsHub,
  testBundle,
  until,
} from './models-harness.js';

describe('model rollout across a hub restart', async () => {
  const dir = hubDir();
  const options = { stageTimeoutMs: 20_000 };
  let hub: RunningHub = await startModelsHub(dir, options);
  const brokerPort = Number(new URL(hub.brokerUrl).port);
  let api = await adminApi(hub);
  const a1 = await FakeGateway.connect(hub.brokerUrl, 'store-a', 'gw-a1', await provision(api, 'store-a', 'gw-a1'));
  const a2Password = await provision(api, 'store-a', 'gw-a2');
  let a2: FakeGateway | undefined;
  afterAll(async () => {
    await a1.close();
    await a2?.close();
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const rollout = async (id: string) => (await api.call('GET', `/api/rollouts/${id}`)).body;

  it('resumes a running rollout from its stored stage', async () => {
    expect((await api.call('POST', '/api/models', registration(testBundle('1.0.0')))).status).toBe(201);
    const id = (await api.call('POST', '/api/rollouts', { name: 'footfall', version: '1.0.0' })).body.id as string;
    const before = await until('the second stage to be offered', async () => {
      const body = await rollout(id);
      return body.stages[1]?.gateways[0]?.status === 'offered' ? body : undefined;
    });
    expect(before).toMatchObject({ status: 'running', stage: 2 });

    await hub.close();
    hub = await startModelsHub(dir, { ...options, brokerPort });
    api = await adminApi(hub);
    a2 = await FakeGateway.connect(hub.brokerUrl, 'store-a', 'gw-a2', a2Password);
    const offer = await a2.offer((o) => o.models.some((m) => m.rollout === id));
    expect(offer.seq).toBeGreaterThan(0);
    const done = await until(
      'the rollout to finish after the restart',
      async () => {
        const body = await rollout(id);
        return body.status === 'running' ? undefined : body;
      },
      8000,
    );
    expect(done.status).toBe('succeeded');
    expect(done.stages[0].passedAt).toBe(before.stages[0].passedAt);
    expect(a1.offers).toHaveLength(1); // its offer again after the restart had the same seq: ignored
    expect(a1.running).toBe('footfall@1.0.0');
    const audit = (await api.call('GET', '/api/audit')).body as Array<{ action: string; target: string }>;
    expect(
      audit
        .filter((a) => a.target === id)
        .map((a) => a.action)
        .reverse(),
    ).toEqual(['rollout.start', 'rollout.stage-passed', 'rollout.stage-passed', 'rollout.succeeded']);
  });
});
