import { expect, it } from 'vitest';
import type { Rollout } from '../../../hub/src/models/engine/rollout.js';
import type { ModelRecord, ModelsRepository } from '../../../hub/src/models/models.repository.js';
import type { ModelManifest } from '../../../protocols/src/index.js';
import { WEEK_IN_DAY_OUT } from '../forecasting-fixtures.js';
import type { MakeStoreFixture } from './fixture.js';

/** The `ModelsRepository` contract, run by every relational backend. */

const AT = 1_767_225_600_000;
const manifest = (version: string): ModelManifest => ({
  v: 1,
  name: 'footfall',
  version,
  task: 'footfall',
  features: WEEK_IN_DAY_OUT,
  inputShape: [null, 199],
  outputShape: [null, 24],
  quant: 'uint8',
  files: [{ path: 'model.json', bytes: 3, sha256: 'a'.repeat(64) }],
  createdAt: AT,
  metrics: { mase: 0.8 },
});
const model = (version: string, bundleId: string): ModelRecord => ({
  name: 'footfall',
  version,
  task: 'footfall',
  quant: 'uint8',
  bundleId,
  manifest: manifest(version),
  bytes: 3,
  createdAt: AT,
  registeredAt: AT + 1,
  registeredBy: 'root',
});
// Every byte value, so a backend that stored text instead of bytes would show it.
const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);

const rollout = (id: string, createdAt: number): Rollout => ({
  id,
  name: 'footfall',
  version: '1.0.0',
  task: 'footfall',
  bundleId: 'b'.repeat(64),
  status: 'running',
  stage: 0,
  stages: [
    { startedAt: createdAt, passedAt: null, gateways: [{ gateway: 'gw-1', site: 'site-a', status: 'pending' }] },
  ],
  createdAt,
  createdBy: 'root',
  updatedAt: createdAt,
  revision: 0,
});

export function modelsRepositoryContract(make: MakeStoreFixture<ModelsRepository>): void {
  it('stores a model and its files once; the same bundle again exists, another one conflicts', async () => {
    const { repository, reopen } = await make();
    const files = new Map([['a'.repeat(64), bytes]]);
    expect(await repository.putModel(model('1.0.0', 'b'.repeat(64)), files)).toBe('created');
    expect(await repository.putModel(model('1.0.0', 'b'.repeat(64)), files)).toBe('exists');
    expect(await repository.putModel(model('1.0.0', 'c'.repeat(64)), files)).toBe('conflict');
    // A second version sharing the file stores it once.
    expect(await repository.putModel(model('1.0.1', 'd'.repeat(64)), files)).toBe('created');
    const second = await reopen();
    expect(await second.model('footfall', '1.0.0')).toEqual(model('1.0.0', 'b'.repeat(64)));
    expect((await second.models()).map((m) => m.version).sort()).toEqual(['1.0.0', '1.0.1']);
    expect(await second.model('footfall', '9.9.9')).toBeUndefined();
    expect(Buffer.from((await second.file('a'.repeat(64))) ?? []).equals(Buffer.from(bytes))).toBe(true);
    expect(await second.file('f'.repeat(64))).toBeUndefined();
  });

  it('keeps one assignment per gateway, replaced as a whole', async () => {
    const { repository } = await make();
    const first = { gateway: 'gw-1', site: 'site-a', seq: 1, models: [], updatedAt: AT };
    await repository.putAssignment(first);
    const assigned = {
      ...first,
      seq: 2,
      models: [
        { task: 'footfall' as const, name: 'footfall', version: '1.0.0', bundleId: 'b'.repeat(64), rollout: 'r-1' },
      ],
    };
    await repository.putAssignment(assigned);
    expect(await repository.assignment('gw-1')).toEqual(assigned);
    expect(await repository.assignments()).toEqual([assigned]);
    expect(await repository.assignment('gw-2')).toBeUndefined();
  });

  it('updates a rollout only at the revision it was read at (a concurrent writer loses)', async () => {
    const { repository, reopen } = await make();
    await repository.createRollout(rollout('r-1', AT));
    await repository.createRollout(rollout('r-2', AT + 10));
    const mine = (await repository.rollout('r-1')) as Rollout;
    const theirs = (await (await reopen()).rollout('r-1')) as Rollout;
    mine.status = 'succeeded';
    expect(await repository.updateRollout(mine)).toBe(true);
    expect(mine.revision).toBe(1);
    theirs.status = 'failed';
    expect(await repository.updateRollout(theirs)).toBe(false);
    expect(await repository.rollout('r-1')).toEqual({ ...rollout('r-1', AT), status: 'succeeded', revision: 1 });
    expect((await repository.rollouts()).map((r) => r.id)).toEqual(['r-2', 'r-1']);
    expect((await repository.rollouts({ status: 'running' })).map((r) => r.id)).toEqual(['r-2']);
    expect(await repository.rollout('r-3')).toBeUndefined();
  });
}
