import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { construct } from '../../hub/src/routing/engine/construct.js';
import { evaluate, isFeasible, isFeasibleGivenPins } from '../../hub/src/routing/engine/evaluate.js';
import { Model, type ProblemData, type VehicleTypeInput } from '../../hub/src/routing/engine/problem.js';
import { type SolveOptions, solve } from '../../hub/src/routing/engine/solve.js';
import { euclideanMatrix } from '../../hub/src/routing/engine/travel.js';
import { buildRandomProblem, POINTS, randomProblems } from '../helpers/routing-problems.js';

/**
 * Pinned stops (issue #8, re-planning): a van's visited and current stops stay first on its route,
 * in order, whatever the search does. Fixtures are the four stops of `routing-problems.ts` (D
 * depot; jobs 0 A (2, svc 2, [0,100]), 1 B (3, svc 3, [20,30]), 2 C (4, svc 1, [0,15]), 3 E (1,
 * svc 2, [0,100])) on two vans of capacity 6, each its own vehicle type as the hub builds them.
 */
const quick: SolveOptions = { timeLimitMs: 60_000, seed: 7, maxIterations: 300 };

function twoVans(van0: Partial<VehicleTypeInput>, van1: Partial<VehicleTypeInput> = {}): ProblemData {
  const model = new Model();
  model.addDepot({ location: 0, name: 'D' });
  model.addVehicleType({ capacity: [6], shift: [0, 100], ...van0 });
  model.addVehicleType({ capacity: [6], shift: [0, 100], ...van1 });
  model.addJob({ location: 1, delivery: [2], serviceDuration: 2, timeWindows: [[0, 100]] });
  model.addJob({ location: 2, delivery: [3], serviceDuration: 3, timeWindows: [[20, 30]] });
  model.addJob({ location: 3, delivery: [4], serviceDuration: 1, timeWindows: [[0, 15]] });
  model.addJob({ location: 4, delivery: [1], serviceDuration: 2, timeWindows: [[0, 100]] });
  const matrix = euclideanMatrix(POINTS, 1);
  return model.setMatrices({ size: POINTS.length, distance: matrix, duration: matrix }).data();
}

describe('routing pinned stops', () => {
  it('keeps a pinned prefix and finds the optimum under it: A then C pinned costs 40 (36 without the pin)', () => {
    // Van 0 must start D-A-C (load 6, full): D-A-C-D 16. Van 1 takes B and E: D-B-E-D 24. Total 40.
    const data = twoVans({ pinned: [0, 2] });
    for (const objective of ['distance', 'vehicles-then-distance'] as const) {
      const result = solve(data, { ...quick, objective });
      expect(isFeasible(evaluate(data, result.routes))).toBe(true);
      expect(result.evaluation.cost).toBe(40);
      expect(result.routes.routes.find((r) => r.vehicleType === 0)?.jobs).toEqual([0, 2]);
    }
    expect(solve(twoVans({}), quick).evaluation.cost).toBe(36);
  });

  it('lets a van already late at its pinned stop go on with its day: lateness listed, the rest re-timed (optimum 38)', () => {
    // Van 0's shift starts at 40 (now) with B pinned: there at 50, 20 after its window closed.
    // Best: van 0 D-B-E-A-D 26 (E at 59, A at 66, back 73), van 1 D-C-D 12.
    const data = twoVans({ shift: [40, 100], pinned: [1] });
    const result = solve(data, quick);
    expect(result.routes.routes.find((r) => r.vehicleType === 0)?.jobs).toEqual([1, 3, 0]);
    expect(result.evaluation.cost).toBe(38);
    expect(result.evaluation.violations).toEqual([{ code: 'TIME_WINDOW_LATE', route: 0, job: 1, lateBy: 20 }]);
    expect(isFeasibleGivenPins(data, result.evaluation)).toBe(true);
    expect(result.unassigned).toEqual([]);
  });

  it('freezes a pinned prefix that already breaks the shift: that van takes nothing more, the other does the rest', () => {
    // Van 0 (shift [0,20]) pinned B then E: back at 39, 19 late. Van 1: C and A, 16 either way. Total 24 + 16.
    const data = twoVans({ shift: [0, 20], pinned: [1, 3] });
    const result = solve(data, quick);
    expect(result.routes.routes.find((r) => r.vehicleType === 0)?.jobs).toEqual([1, 3]);
    expect([...(result.routes.routes.find((r) => r.vehicleType === 1)?.jobs ?? [])].sort()).toEqual([0, 2]);
    expect(result.evaluation.cost).toBe(40);
    expect(result.evaluation.violations).toEqual([{ code: 'SHIFT_EXCEEDED', route: 0, by: 19 }]);
    expect(isFeasibleGivenPins(data, result.evaluation)).toBe(true);
  });

  it('reports PINNED_MOVED for a plan that does not start the pinned van with its pins', () => {
    const data = twoVans({ pinned: [0, 2] });
    const moved = evaluate(data, {
      routes: [
        { vehicleType: 0, jobs: [2, 0] },
        { vehicleType: 1, jobs: [1, 3] },
      ],
    });
    expect(moved.violations).toContainEqual({ code: 'PINNED_MOVED', job: 0, vehicleType: 0, position: 0 });
    expect(moved.violations).toContainEqual({ code: 'PINNED_MOVED', job: 2, vehicleType: 0, position: 1 });
    expect(isFeasibleGivenPins(data, moved)).toBe(false);
  });

  it('treats a pinned optional job as required', () => {
    const model = new Model();
    model.addDepot({ location: 0 });
    model.addVehicleType({ capacity: [6], pinned: [0] });
    model.addJob({ location: 1, delivery: [1], dropPenalty: 0 });
    const matrix = euclideanMatrix(POINTS, 1);
    const data = model.setMatrices({ size: POINTS.length, distance: matrix, duration: matrix }).data();
    const result = solve(data, quick);
    expect(result.routes.routes).toEqual([{ vehicleType: 0, jobs: [0] }]);
    expect(evaluate(data, { routes: [] }).violations).toEqual([
      { code: 'PINNED_MOVED', job: 0, vehicleType: 0, position: 0 },
      { code: 'JOB_MISSING', job: 0 },
    ]);
  });

  it('never moves a pinned stop on random problems and seeds, and returns what the checker accepts whenever the construction is', () => {
    fc.assert(
      fc.property(
        randomProblems({ maxVehicles: 3, maxJobs: 9 }),
        fc.nat(1000),
        fc.nat(3),
        fc.boolean(),
        (p, seed, pinCount, shuffle) => {
          const pins = p.jobs.slice(0, pinCount).map((_, j) => j);
          if (shuffle) pins.reverse();
          const data = buildRandomProblem(p, pins);
          const before = evaluate(data, construct(data).solution);
          for (const objective of ['distance', 'vehicles-then-distance'] as const) {
            const result = solve(data, {
              timeLimitMs: 60_000,
              seed,
              maxIterations: 40,
              objective,
              stringMoves: seed % 2 === 0,
            });
            const after = evaluate(data, result.routes);
            expect(after).toEqual(result.evaluation);
            expect(after.violations.filter((v) => v.code === 'PINNED_MOVED')).toEqual([]);
            if (pins.length > 0)
              expect(result.routes.routes.find((r) => r.vehicleType === 0)?.jobs.slice(0, pins.length)).toEqual(pins);
            if (isFeasibleGivenPins(data, before)) {
              expect(isFeasibleGivenPins(data, after)).toBe(true);
              if (objective === 'distance') expect(after.cost).toBeLessThanOrEqual(before.cost);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
