/**
 * Lane time to empty (`aisle-hub forecast lanes`): errors, misses, false alarms and coverage on
 * hand-built cases, and the whole path on a small simulated store, from `aisle-sim lanes`' CSV
 * through training to scores against the simulator's truth.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LaneTruth, laneHistory, truthOnly, writeLaneHistoryCsv } from '../../device-sim/src/lane-history.js';
import { World } from '../../device-sim/src/world/world.js';
import { DEFAULT_TRAIN } from '../../hub/src/forecasting/engine/global-model.js';
import {
  censoredSales,
  predictTimeToEmpty,
  scoreTimeToEmpty,
  type TimeToEmptyCase,
  truthWithin,
} from '../../hub/src/forecasting/engine/time-to-empty.js';
import { evaluateLanes, type LaneData, laneDataUntil, loadLaneData } from '../../hub/src/forecasting/lanes.js';
import { smallScenario } from '../device-sim/scenarios.js';

const dir = mkdtempSync(join(tmpdir(), 'aisle-lanes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('time to empty from a sales forecast', () => {
  it('is when cumulative forecast sales reach the units, the upper bound giving the earliest', () => {
    const flat = (v: number) => new Float64Array(24).fill(v);
    expect(predictTimeToEmpty(5, { mean: flat(2), lower: flat(1), upper: flat(5) })).toEqual({
      expectedH: 2.5,
      earliestH: 1,
      latestH: 5,
    });
    expect(predictTimeToEmpty(100, { mean: flat(2), lower: flat(1), upper: flat(5) })).toEqual({
      expectedH: null,
      earliestH: 20,
      latestH: null,
    });
  });

  it('treats hours the lane stood empty as gaps, not as demand', () => {
    expect([...censoredSales([3, 1, 0, 4], [0, 12.5, 60, 0])]).toEqual([3, Number.NaN, Number.NaN, 4]);
  });
});

describe('time-to-empty scores', () => {
  const at = (truthH: number | null, expectedH: number | null, earliestH: number | null, latestH: number | null) =>
    ({ lane: 'l', origin: 0, units: 5, truthH, expectedH, earliestH, latestH }) satisfies TimeToEmptyCase;
  const cases = [
    at(3, 4, 2, 6), // 1 h late, covered
    at(10, 8, 7, 9), // 2 h early, not covered
    at(20, null, 15, null), // missed: counts as 24 − 20 = 4 h, covered (open-ended)
    at(null, 5, 3, 12), // false alarm, its interval rules out "not within 24 h"
    at(null, null, 22, null), // right: not within the horizon
  ];
  const score = scoreTimeToEmpty(cases, 24);

  it('measures the error on the cases that truly empty, a miss counting as the horizon', () => {
    expect(score.cases).toBe(5);
    expect(score.truthEmpties).toBe(3);
    expect(score.medianAbsErrorH).toBe(2);
    expect(score.meanAbsErrorH).toBeCloseTo(7 / 3);
    expect(score.medianErrorH).toBe(1);
  });

  it('counts misses and false alarms, and how often the interval holds the truth', () => {
    expect(score.missed).toBe(1);
    expect(score.falseAlarms).toBe(1);
    expect(score.coverage).toBeCloseTo(2 / 3);
    expect(score.coverageNotEmpty).toBe(0.5);
  });

  it('reads the simulator’s truth as "not within the horizon" beyond it or when unknown', () => {
    expect(truthWithin(23.5, 24)).toBe(23.5);
    expect(truthWithin(24.5, 24)).toBeNull();
    expect(truthWithin(Number.NaN, 24)).toBeNull();
  });
});

/** 17 days of a 48-lane store, as `aisle-sim lanes` writes them, read back as the hub reads them. */
let simulated: Promise<LaneData> | undefined;
function simulatedStore(): Promise<LaneData> {
  simulated ??= (async () => {
    const truth = new LaneTruth();
    const history = laneHistory(new World(truthOnly(smallScenario()), { truth }), truth, 17 * 24);
    const csv = join(dir, 'lanes.csv');
    await writeLaneHistoryCsv(history, csv);
    return loadLaneData(csv);
  })();
  return simulated;
}

describe('a small simulated store', () => {
  it('scores every forecaster against the simulator’s truth, the model ahead of the moving average', async () => {
    const data = await simulatedStore();
    expect(data.lanes).toHaveLength(48);
    expect(data.hours).toBe(17 * 24);
    expect(data.rejects).toEqual({});

    const setup = {
      features: {
        granularity: 'hour' as const,
        window: 48,
        horizon: 24,
        calendar: ['hour-of-day' as const, 'day-of-week' as const],
        scaling: 'mean-abs' as const,
        timeZone: 'UTC',
      },
      train: { ...DEFAULT_TRAIN, hidden: [32], epochs: 10, stride: 2, validationSteps: 72, seed: 1 },
      testHours: 72,
      every: 6,
    };
    const report = await evaluateLanes(data, setup);
    // 72 test hours, a 24 h horizon, every 6 h: origins at +0 … +48.
    expect(report.data.origins).toBe(9);
    const testStart = data.hours - 72;
    let withUnits = 0;
    let empties = 0;
    for (let o = testStart; o <= testStart + 48; o += 6)
      for (const lane of data.lanes) {
        if (!((lane.units[o] as number) > 0)) continue;
        withUnits++;
        if ((lane.emptiesInH[o] as number) <= 24) empties++;
      }
    const byName = new Map(report.forecasters.map((f) => [f.forecaster, f.score]));
    for (const score of byName.values()) {
      expect(score.cases).toBe(withUnits);
      expect(score.truthEmpties).toBe(empties);
    }
    expect(empties).toBeGreaterThan(100);
    const model = byName.get('global-mlp-level')?.medianAbsErrorH as number;
    const movingAverage = byName.get('moving-average-24')?.medianAbsErrorH as number;
    // Training seeds 1, 3 and 9 gave 1.15, 1.57 and 0.68 h against the moving average's 2.03 h.
    expect(model).toBeLessThan(movingAverage);
  }, 60_000);

  it('validates on history alone: the truth past the cut is not read', async () => {
    const data = await simulatedStore();
    const cut = laneDataUntil(data, 100);
    expect(cut.hours).toBe(100);
    for (const lane of cut.lanes)
      for (let h = 0; h < 100; h++) expect(lane.emptiesInH[h] ?? 0).not.toBeGreaterThan(100 - h);
  });
});
