/**
 * The pure parts of model rollout: which bytes a Range header asks for, and how a rollout moves on
 * from gateway reports and the clock (no hub, no timers: `now` is given).
 */
import { describe, expect, it } from 'vitest';
import { byteRange } from '../../hub/src/models/engine/byte-range.js';
import {
  advanceRollout,
  type GatewayReport,
  planStages,
  type Rollout,
  type RolloutPolicy,
} from '../../hub/src/models/engine/rollout.js';

describe('byteRange', () => {
  it('answers the single ranges a resuming download sends, and ignores what it cannot honour', () => {
    expect(byteRange(undefined, 100)).toEqual({ kind: 'full' });
    expect(byteRange('bytes=10-', 100)).toEqual({ kind: 'partial', start: 10, end: 99 });
    expect(byteRange('bytes=10-19', 100)).toEqual({ kind: 'partial', start: 10, end: 19 });
    expect(byteRange('bytes=90-500', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(byteRange('bytes=-30', 100)).toEqual({ kind: 'partial', start: 70, end: 99 });
    expect(byteRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(byteRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(byteRange('bytes=20-10', 100)).toEqual({ kind: 'full' });
    expect(byteRange('bytes=0-1,5-6', 100)).toEqual({ kind: 'full' });
    expect(byteRange('items=0-1', 100)).toEqual({ kind: 'full' });
  });
});

const POLICY: RolloutPolicy = { soakMs: 100, stageTimeoutMs: 1000, minLiveSteps: 3, liveTolerance: 0.1 };
const BUNDLE = 'b'.repeat(64);

function rollout(stages: string[][]): Rollout {
  return {
    id: 'r-1',
    name: 'footfall',
    version: '2.0.0',
    task: 'footfall',
    bundleId: BUNDLE,
    status: 'running',
    stage: 0,
    stages: stages.map((gateways, i) => ({
      startedAt: i === 0 ? 0 : null,
      passedAt: null,
      gateways: gateways.map((gateway) => ({ gateway, site: 'site-a', status: i === 0 ? 'offered' : 'pending' })),
    })),
    createdAt: 0,
    createdBy: 'root',
    updatedAt: 0,
    revision: 0,
  };
}

const running = (live?: { n: number; modelMae: number; baselineMae: number }): GatewayReport => ({
  forecasting: {
    backend: 'wasm',
    tasks: [
      {
        task: 'footfall',
        model: { name: 'footfall', version: '2.0.0', sha256: BUNDLE, quant: 'uint8' },
        baseline: 'seasonal-naive-168',
        series: 1,
        ...(live === undefined ? {} : { live }),
      },
    ],
  },
});

describe('advanceRollout', () => {
  it('stages the canary alone, then the rest of its site, then the other sites', () => {
    expect(
      planStages([
        { gateway: 'a1', site: 'a' },
        { gateway: 'b1', site: 'b' },
        { gateway: 'a2', site: 'a' },
        { gateway: 'c1', site: 'c' },
      ]),
    ).toEqual([['a1'], ['a2'], ['b1', 'c1']]);
    expect(
      planStages([
        { gateway: 'b1', site: 'b' },
        { gateway: 'c1', site: 'c' },
      ]),
    ).toEqual([['b1'], ['c1']]);
  });

  it('passes a stage only after every gateway has run the model for the soak time', () => {
    const r = rollout([['g1'], ['g2']]);
    expect(advanceRollout(r, new Map([['g1', running()]]), 10, POLICY)).toEqual([{ kind: 'adopted', gateway: 'g1' }]);
    expect(advanceRollout(r, new Map([['g1', running()]]), 109, POLICY)).toEqual([]);
    expect(advanceRollout(r, new Map([['g1', running()]]), 110, POLICY)).toEqual([
      { kind: 'stage-passed', stage: 0 },
      { kind: 'stage-started', stage: 1 },
    ]);
    expect(r.stages[1]?.startedAt).toBe(110);
    expect(r.stages[1]?.gateways[0]?.status).toBe('pending');
  });

  it('fails on a stage timeout, counted from the stage start', () => {
    const r = rollout([['g1']]);
    expect(advanceRollout(r, new Map(), 999, POLICY)).toEqual([]);
    const [event] = advanceRollout(r, new Map(), 1000, POLICY);
    expect(event).toMatchObject({ kind: 'failed', failure: { gateway: 'g1', reason: 'ADOPTION_TIMEOUT' } });
    expect(r.status).toBe('failed');
  });

  it('fails on a live error beyond the tolerance, only once enough steps are resolved', () => {
    const r = rollout([['g1']]);
    const worse = { n: 2, modelMae: 5, baselineMae: 1 };
    expect(advanceRollout(r, new Map([['g1', running(worse)]]), 10, POLICY)).toEqual([
      { kind: 'adopted', gateway: 'g1' },
    ]);
    expect(advanceRollout(r, new Map([['g1', running({ n: 3, modelMae: 1.1, baselineMae: 1 })]]), 20, POLICY)).toEqual(
      [],
    );
    const [event] = advanceRollout(r, new Map([['g1', running({ ...worse, n: 3 })]]), 30, POLICY);
    expect(event).toMatchObject({ kind: 'failed', failure: { reason: 'LIVE_ERROR_WORSE' } });
  });

  it("fails with the gateway's own reason when it rejects this rollout's offer", () => {
    const r = rollout([['g1']]);
    const rejected: GatewayReport = {
      forecasting: {
        backend: 'wasm',
        tasks: [],
        lastOffer: {
          name: 'footfall',
          version: '2.0.0',
          rollout: 'r-1',
          outcome: 'rejected',
          reason: 'SIGNATURE_INVALID',
          at: 5,
        },
      },
    };
    const [event] = advanceRollout(r, new Map([['g1', rejected]]), 10, POLICY);
    expect(event).toMatchObject({ kind: 'failed', failure: { gateway: 'g1', reason: 'SIGNATURE_INVALID' } });
    expect(advanceRollout(r, new Map([['g1', rejected]]), 20, POLICY)).toEqual([]);
  });
});
