import { describe, expect, it } from 'vitest';
import type { StopEta } from '../../hub/src/routing/tracking/eta.js';
import { type LateRiskHeld, lateRiskStep } from '../../hub/src/routing/tracking/late-risk.js';

const MIN = 60_000;
const CLOSE = Date.UTC(2026, 11, 2, 10, 40);
const OPTIONS = { lateRiskMs: 5 * MIN };
const ids = () => {
  let n = 0;
  return () => `0190d000-0000-7000-8000-00000000000${++n}`;
};

function late(job: string, minutes: number, windowFrom: 'job' | 'plan' = 'job'): StopEta {
  return {
    job,
    status: 'pending',
    arrival: CLOSE + minutes * MIN,
    departure: CLOSE + (minutes + 5) * MIN,
    waitMs: 0,
    latenessMs: minutes * MIN,
    closesAt: CLOSE,
    windowFrom,
    lateRisk: minutes * MIN > OPTIONS.lateRiskMs,
  };
}

/** One step with the stops at risk in route order; the worst is the latest of them. */
function step(held: LateRiskHeld | undefined, atRisk: StopEta[], now: number, newId = ids()) {
  const worst = atRisk.reduce<StopEta | undefined>(
    (w, s) => (w === undefined || s.latenessMs > w.latenessMs ? s : w),
    undefined,
  );
  return lateRiskStep('van-1', held, { atRisk, worst }, now, OPTIONS, newId);
}

describe('routing tracking: late-risk alert lifecycle', () => {
  it('raised once, naming the first stop at risk with its minutes and window; updated only when that changes', () => {
    const newId = ids();
    const raised = step(undefined, [late('job-b', 6.5)], CLOSE + MIN, newId);
    expect(raised.alert).toEqual({
      alert: '0190d000-0000-7000-8000-000000000001',
      rule: 'late-risk',
      state: 'raised',
      severity: 'warning',
      subject: { kind: 'route', id: 'van-1' },
      message: 'van-1: stop job-b projected 6 min late (its window closes 10:40 UTC)',
      value: 6.5,
      threshold: 5,
      since: CLOSE + MIN,
    });
    // Same stop, same whole minute: nothing to send.
    const same = step(raised.held, [late('job-b', 6.9)], CLOSE + 2 * MIN, newId);
    expect(same.alert).toBeUndefined();
    expect(same.held).toBe(raised.held);
    // A minute later, and a second stop at risk behind it, far worse: one update, same alert id and since.
    const worse = step(same.held, [late('job-b', 7.2), late('job-c', 25, 'plan')], CLOSE + 3 * MIN, newId);
    expect(worse.alert).toMatchObject({
      alert: '0190d000-0000-7000-8000-000000000001',
      state: 'updated',
      severity: 'critical', // the worst is 25 min late: over 4 × 5 min
      message:
        'van-1: stop job-b projected 7 min late (its window closes 10:40 UTC); 2 stops at risk, the worst job-c 25 min late',
      value: 7.2,
      since: CLOSE + MIN,
    });
  });

  it('cleared with the same id when no stop ahead is at risk; then a new risk is a new alert', () => {
    const newId = ids();
    const raised = step(undefined, [late('job-b', 10, 'plan')], CLOSE, newId);
    expect(raised.alert?.message).toBe(
      'van-1: stop job-b projected 10 min late (planned arrival + tolerance 10:40 UTC)',
    );
    const cleared = step(raised.held, [], CLOSE + 20 * MIN, newId);
    expect(cleared.held).toBeUndefined();
    expect(cleared.alert).toMatchObject({ alert: raised.alert?.alert, state: 'cleared', since: CLOSE, value: 0 });
    expect(step(undefined, [], CLOSE, newId).alert).toBeUndefined();
    const again = step(undefined, [late('job-c', 8)], CLOSE + 30 * MIN, newId);
    expect(again.alert?.state).toBe('raised');
    expect(again.alert?.alert).not.toBe(raised.alert?.alert);
  });
});
