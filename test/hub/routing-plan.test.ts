import { describe, expect, it } from 'vitest';
import { construct } from '../../hub/src/routing/engine/construct.js';
import {
  type Evaluation,
  evaluate,
  isFeasible,
  VIOLATION_CODES,
  type ViolationCode,
} from '../../hub/src/routing/engine/evaluate.js';
import { Model, type ProblemData, type VehicleTypeInput } from '../../hub/src/routing/engine/problem.js';
import type { Route } from '../../hub/src/routing/engine/solution.js';
import { euclideanMatrix } from '../../hub/src/routing/engine/travel.js';
import { fourStops, POINTS } from '../helpers/routing-problems.js';

/** Every split of the jobs over two vans of type 0 (a job may also be left out), every order. */
function bruteForceOptimum(data: ProblemData): Evaluation {
  const permutations = (items: number[]): number[][] =>
    items.length <= 1
      ? [items]
      : items.flatMap((item, i) => permutations(items.filter((_, k) => k !== i)).map((rest) => [item, ...rest]));
  let best: Evaluation | undefined;
  const n = data.jobs.length;
  for (let code = 0; code < 3 ** n; code++) {
    const groups: number[][] = [[], [], []]; // van 0, van 1, left out
    for (let j = 0, c = code; j < n; j++, c = Math.floor(c / 3)) groups[c % 3]?.push(j);
    for (const first of permutations(groups[0] ?? []))
      for (const second of permutations(groups[1] ?? [])) {
        const e = evaluate(data, {
          routes: [
            { vehicleType: 0, jobs: first },
            { vehicleType: 0, jobs: second },
          ],
        });
        if (isFeasible(e) && (best === undefined || e.cost < best.cost)) best = e;
      }
  }
  if (best === undefined) throw new Error('no feasible solution');
  return best;
}

const OPTIMAL: Route[] = [
  { vehicleType: 0, jobs: [2] },
  { vehicleType: 0, jobs: [0, 1, 3] },
];

describe('routing plan mode on four stops solved by hand', () => {
  it('gives the timetable computed by hand for the optimal plan, with no violation', () => {
    const e = evaluate(fourStops(), { routes: OPTIMAL });
    // Van 1: leaves 0, C at 6 (window [0,15]), serves 1, leaves 7, back at 7 + 6 = 13.
    expect(e.routes[0]).toMatchObject({ start: 0, end: 13, distance: 12, duration: 13, load: [4], cost: 12 });
    expect(e.routes[0]?.stops).toEqual([{ job: 2, arrival: 6, serviceStart: 6, departure: 7, waiting: 0, lateBy: 0 }]);
    // Van 2, leaving at 0: A at 5, serves 2 → 7; B at 7 + 5 = 12, waits 8 for its window at 20.
    // Leaving Δ later removes up to W = 8 of waiting; no stop gets late while Δ ≤ F = min(A: 0 + 95,
    // B: 8 + (30 − 20), E: 8 + 71, return: 8 + 61) = 18. So it leaves at min(F, W) = 8:
    // A at 13 → 15; B at 20 → 23; E at 23 + 6 = 29 → 31; back at 31 + 8 = 39; 31 long, no waiting.
    expect(e.routes[1]?.stops).toEqual([
      { job: 0, arrival: 13, serviceStart: 13, departure: 15, waiting: 0, lateBy: 0 },
      { job: 1, arrival: 20, serviceStart: 20, departure: 23, waiting: 0, lateBy: 0 },
      { job: 3, arrival: 29, serviceStart: 29, departure: 31, waiting: 0, lateBy: 0 },
    ]);
    expect(e.routes[1]).toMatchObject({ start: 8, end: 39, distance: 24, duration: 31, load: [6], cost: 24 });
    expect(e).toMatchObject({ violations: [], cost: 36, distance: 36, duration: 44, vehiclesUsed: 2, dropped: [] });
    expect(isFeasible(e)).toBe(true);
  });

  it('agrees with a brute force over every split and order: 36 is the optimum', () => {
    expect(bruteForceOptimum(fourStops()).cost).toBe(36);
  });

  it('lists every violation of an overloaded, late single-van plan', () => {
    // D-A-E-B-C-D: A at 5 → 7; E at 12 → 14; B at 20 → 23; C at 23 + 8 = 31, its window closed
    // at 15: late by 16, served 31 → 32; back at 38. Load 2 + 1 + 3 + 4 = 10 on a van of 6.
    const e = evaluate(fourStops(), { routes: [{ vehicleType: 0, jobs: [0, 3, 1, 2] }] });
    expect(e.violations).toEqual([
      { code: 'CAPACITY_EXCEEDED', route: 0, dimension: 0, excess: 4 },
      { code: 'TIME_WINDOW_LATE', route: 0, job: 2, lateBy: 16 },
    ]);
    expect(e.routes[0]).toMatchObject({ end: 38, distance: 30 });
    expect(isFeasible(e)).toBe(false);
  });

  it('reports a shift overrun and a too-long route on a short-shift van', () => {
    // The D-A-B-E-D route of the optimum leaves at 8 (F = min(95, 18, 79, 8 + max(0, 30 − 39)) = 8,
    // W = 8), is back at 39 and lasts 31; this van must be back by 30 and drive ≤ 20.
    const data = fourStops({ extraVehicleTypes: [{ count: 1, capacity: [6], shift: [0, 30], maxDuration: 20 }] });
    const e = evaluate(data, {
      routes: [
        { vehicleType: 0, jobs: [2] },
        { vehicleType: 1, jobs: [0, 1, 3] },
      ],
    });
    expect(e.violations).toEqual([
      { code: 'SHIFT_EXCEEDED', route: 1, by: 9 },
      { code: 'MAX_DURATION_EXCEEDED', route: 1, by: 11 },
    ]);
    // Leaving at 5 (before the shift's start 10 it was given) is a shift violation too.
    const early = evaluate(fourStops({ extraVehicleTypes: [{ capacity: [6], shift: [10, 100] }] }), {
      routes: [...OPTIMAL.slice(0, 1), { vehicleType: 1, jobs: [0, 1, 3], startTime: 5 }],
    });
    expect(early.violations).toEqual([{ code: 'SHIFT_EXCEEDED', route: 1, by: 5 }]);
  });

  it('reports jobs visited twice or missing, unknown jobs and vehicle types, and too many vans', () => {
    const e = evaluate(fourStops(), {
      routes: [
        { vehicleType: 0, jobs: [2] },
        { vehicleType: 0, jobs: [0, 1] },
        { vehicleType: 0, jobs: [1, 9] },
        { vehicleType: 7, jobs: [] },
      ],
    });
    expect(e.violations).toEqual([
      { code: 'UNKNOWN_JOB', route: 2, job: 9 },
      { code: 'UNKNOWN_VEHICLE_TYPE', route: 3, vehicleType: 7 },
      { code: 'TOO_MANY_VEHICLES', vehicleType: 0, used: 3, available: 2 },
      { code: 'JOB_VISITED_TWICE', job: 1, routes: [1, 2] },
      { code: 'JOB_MISSING', job: 3 },
    ]);
  });

  it('produces every documented violation code from one of the plans above', () => {
    const shortShift = fourStops({ extraVehicleTypes: [{ count: 1, capacity: [6], shift: [0, 30], maxDuration: 20 }] });
    const seen = new Set<ViolationCode>(
      [
        evaluate(fourStops(), { routes: [{ vehicleType: 0, jobs: [0, 3, 1, 2] }] }),
        evaluate(shortShift, {
          routes: [
            { vehicleType: 0, jobs: [2] },
            { vehicleType: 1, jobs: [0, 1, 3] },
          ],
        }),
        evaluate(fourStops(), {
          routes: [
            { vehicleType: 0, jobs: [2] },
            { vehicleType: 0, jobs: [0, 1] },
            { vehicleType: 0, jobs: [1, 9] },
            { vehicleType: 7, jobs: [] },
          ],
        }),
        evaluate(fourStops({ extraVehicleTypes: [{ capacity: [6], pinned: [3] }] }), {
          routes: [
            { vehicleType: 0, jobs: [2] },
            { vehicleType: 1, jobs: [0, 1, 3] },
          ],
        }),
      ].flatMap((e) => e.violations.map((v) => v.code)),
    );
    expect([...seen].sort()).toEqual(Object.keys(VIOLATION_CODES).sort());
  });

  it('charges the drop penalty of an optional job left out, and no violation', () => {
    // Job 3 optional at 3: D-C-D 12 + D-A-B-D 20 + 3 = 35 beats serving it (36).
    const data = fourStops({ job3Penalty: 3 });
    const e = evaluate(data, {
      routes: [OPTIMAL[0] ?? { vehicleType: 0, jobs: [] }, { vehicleType: 0, jobs: [0, 1] }],
    });
    expect(e).toMatchObject({ violations: [], dropped: [3], dropPenalty: 3, cost: 35, distance: 32 });
    expect(bruteForceOptimum(data).cost).toBe(35);
  });

  it('delays the departure to cut waiting, but never into lateness, unless a start time is given', () => {
    // Only job 1 (B, 10 away, window [20,30], service 3): leave at 10, arrive 20, back 23 + 10 = 33.
    const data = fourStops();
    const [late] = evaluate(data, { routes: [{ vehicleType: 0, jobs: [1] }] }).routes;
    expect(late).toMatchObject({ start: 10, end: 33, duration: 23 });
    const [given] = evaluate(data, { routes: [{ vehicleType: 0, jobs: [1], startTime: 0 }] }).routes;
    expect(given).toMatchObject({ start: 0, end: 33, duration: 33 });
    expect(given?.stops[0]).toMatchObject({ arrival: 10, serviceStart: 20, waiting: 10 });
    // D-B-C-D leaving at 0: B at 10, waits 10 → 20 → 23; C at 31, 16 past its close at 15 → 32;
    // back 38. W = 10, F = min(B: 10 + 10, C: 10 + max(0, 15 − 31), return: 10 + 62) = 10: it
    // leaves at 10, C is still 16 late (not later), and the route lasts 28 instead of 38.
    const lateRoute = evaluate(data, { routes: [{ vehicleType: 0, jobs: [1, 2] }] });
    expect(lateRoute.routes[0]).toMatchObject({ start: 10, end: 38, duration: 28 });
    expect(lateRoute.violations.filter((v) => v.code === 'TIME_WINDOW_LATE')).toEqual([
      { code: 'TIME_WINDOW_LATE', route: 0, job: 2, lateBy: 16 },
    ]);
  });
});

describe('routing plan mode: windows, costs, depots and scale', () => {
  /** One job at A (3,4), 5 from the depot, service 1; depots at D (0,0) and C (6,0). */
  function oneJob(job: { timeWindows: [number, number][] }, type: VehicleTypeInput, scale = 1): ProblemData {
    const model = new Model({ distance: scale, duration: scale });
    model.addDepot({ location: 0 });
    model.addDepot({ location: 3 });
    model.addVehicleType(type);
    model.addJob({ location: 1, delivery: [1], serviceDuration: scale, timeWindows: job.timeWindows });
    const matrix = euclideanMatrix(POINTS, scale);
    return model.setMatrices({ size: POINTS.length, distance: matrix, duration: matrix }).data();
  }

  it('starts service in the first window still open at arrival, and is late only after the last', () => {
    const data = oneJob(
      {
        timeWindows: [
          [0, 5],
          [20, 30],
        ],
      },
      { capacity: [1] },
    );
    const stopAt = (startTime: number) =>
      evaluate(data, { routes: [{ vehicleType: 0, jobs: [0], startTime }] }).routes[0]?.stops[0];
    expect(stopAt(0)).toMatchObject({ arrival: 5, serviceStart: 5, lateBy: 0 }); // 5 ≤ 5: the first window
    expect(stopAt(1)).toMatchObject({ arrival: 6, serviceStart: 20, waiting: 14, lateBy: 0 }); // the second
    expect(stopAt(26)).toMatchObject({ arrival: 31, serviceStart: 31, lateBy: 1 }); // both closed
  });

  it('costs fixed + per distance + per time unit, and ends at the end depot', () => {
    // D → A (5) → C (5): distance 10; leaves 0, served 5 → 6, at C at 11. 100 + 2 × 10 + 1 × 11 = 131.
    const data = oneJob(
      { timeWindows: [[0, 100]] },
      { capacity: [1], startDepot: 0, endDepot: 1, fixedCost: 100, unitDistanceCost: 2, unitDurationCost: 1 },
    );
    const e = evaluate(data, { routes: [{ vehicleType: 0, jobs: [0] }] });
    expect(e).toMatchObject({ cost: 131, distance: 10, duration: 11, violations: [] });
  });

  it('reports times and distances unscaled when the problem is scaled ×1000', () => {
    // √(3² + 4²) = 5 → 5000 scaled; service 1 → 1000. Reported back as 5, 6, 11.
    const data = oneJob({ timeWindows: [[0, 100_000]] }, { capacity: [1] }, 1000);
    const e = evaluate(data, { routes: [{ vehicleType: 0, jobs: [0] }] });
    expect(e.routes[0]?.stops[0]).toMatchObject({ arrival: 5, serviceStart: 5, departure: 6 });
    expect(e).toMatchObject({ distance: 10, duration: 11, cost: 10_000 });
    const late = evaluate(oneJob({ timeWindows: [[0, 4500]] }, { capacity: [1] }, 1000), {
      routes: [{ vehicleType: 0, jobs: [0] }],
    });
    expect(late.violations).toEqual([{ code: 'TIME_WINDOW_LATE', route: 0, job: 0, lateBy: 0.5 }]);
  });

  it('checks each load dimension on its own: kilograms fit, crates do not', () => {
    // Capacity [6 kg, 2 crates]; three deliveries of [2 kg, 1 crate]: 6 kg fits, 3 crates exceed by 1.
    const model = new Model();
    model.addDepot({ location: 0 });
    model.addVehicleType({ capacity: [6, 2] });
    for (const location of [1, 2, 3]) model.addJob({ location, delivery: [2, 1] });
    const matrix = euclideanMatrix(POINTS, 1);
    const data = model.setMatrices({ size: POINTS.length, distance: matrix, duration: matrix }).data();
    const e = evaluate(data, { routes: [{ vehicleType: 0, jobs: [0, 1, 2] }] });
    expect(e.routes[0]?.load).toEqual([6, 3]);
    expect(e.violations).toEqual([{ code: 'CAPACITY_EXCEEDED', route: 0, dimension: 1, excess: 1 }]);
  });

  it('an empty route is not a used vehicle and costs nothing', () => {
    const data = oneJob({ timeWindows: [[0, 100]] }, { capacity: [1], fixedCost: 50 });
    const e = evaluate(data, { routes: [{ vehicleType: 0, jobs: [] }] });
    expect(e).toMatchObject({ vehiclesUsed: 0, cost: 0, violations: [{ code: 'JOB_MISSING', job: 0 }] });
  });
});

describe('routing construction on hand-solved fixtures', () => {
  it('finds the optimum of the four stops (36), feasible', () => {
    const { solution, unassigned } = construct(fourStops());
    const e = evaluate(fourStops(), solution);
    expect(unassigned).toEqual([]);
    expect(isFeasible(e)).toBe(true);
    expect(e.cost).toBe(36);
  });

  it('drops an optional job when serving it costs more than its penalty (35), keeps it otherwise (36)', () => {
    const cheap = fourStops({ job3Penalty: 3 });
    const e = evaluate(cheap, construct(cheap).solution);
    expect(e).toMatchObject({ violations: [], dropped: [3], cost: 35 });
    const dear = fourStops({ job3Penalty: 50 });
    expect(evaluate(dear, construct(dear).solution)).toMatchObject({ violations: [], dropped: [], cost: 36 });
  });

  it('reports a required job no van can reach in time as unassigned, and serves the rest', () => {
    // Job 2 at C (6 away) must start by 15; with its window moved to [0, 4] nothing reaches it.
    const model = new Model();
    model.addDepot({ location: 0 });
    model.addVehicleType({ count: 2, capacity: [6] });
    model.addJob({ location: 1, delivery: [2] });
    model.addJob({ location: 3, delivery: [4], timeWindows: [[0, 4]] });
    const matrix = euclideanMatrix(POINTS, 1);
    const data = model.setMatrices({ size: POINTS.length, distance: matrix, duration: matrix }).data();
    const { solution, unassigned } = construct(data);
    expect(unassigned).toEqual([1]);
    expect(evaluate(data, solution).violations).toEqual([{ code: 'JOB_MISSING', job: 1 }]);
  });

  it('uses only as many vans as there are: a third load stays unassigned', () => {
    const model = new Model();
    model.addDepot({ location: 0 });
    model.addVehicleType({ count: 2, capacity: [5] });
    for (const location of [1, 2, 3]) model.addJob({ location, delivery: [5] });
    const matrix = euclideanMatrix(POINTS, 1);
    const data = model.setMatrices({ size: POINTS.length, distance: matrix, duration: matrix }).data();
    const { solution, unassigned } = construct(data);
    expect(solution.routes).toHaveLength(2);
    expect(unassigned).toHaveLength(1);
  });
});
