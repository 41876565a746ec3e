import { describe, expect, it } from 'vitest';
import { evaluate, isFeasible } from '../../hub/src/routing/engine/evaluate.js';
import { InitialSolutionError, type Solution } from '../../hub/src/routing/engine/solution.js';
import { type SolveOptions, solve } from '../../hub/src/routing/engine/solve.js';
import { fourStops } from '../helpers/routing-problems.js';

/**
 * `solve` from a given solution (issue #8, re-planning): the four stops of `routing-problems.ts`
 * (optimum 36: D-C-D and D-A-B-E-D, i.e. [2] and [0, 1, 3]).
 */
const quick: SolveOptions = { timeLimitMs: 60_000, seed: 7, maxIterations: 300 };
const OPTIMUM: Solution = {
  routes: [
    { vehicleType: 0, jobs: [2] },
    { vehicleType: 0, jobs: [0, 1, 3] },
  ],
};

function refusal(initial: Solution, data = fourStops()): string[] {
  try {
    solve(data, { ...quick, initial });
    return [];
  } catch (error) {
    if (!(error instanceof InitialSolutionError)) throw error;
    return error.violations.map((v) => v.code);
  }
}

describe('routing solve from an initial solution', () => {
  it('returns the given solution untouched when the search has no iteration to improve it', () => {
    const result = solve(fourStops(), { ...quick, maxIterations: 0, initial: OPTIMUM });
    expect(result.routes).toEqual(OPTIMUM);
    expect(result.evaluation).toMatchObject({ violations: [], cost: 36 });
  });

  it('inserts the jobs the initial solution leaves out first, then improves to the optimum', () => {
    const initial = { routes: [{ vehicleType: 0, jobs: [3, 0] }] };
    const first = solve(fourStops(), { ...quick, maxIterations: 0, initial });
    expect(isFeasible(first.evaluation)).toBe(true);
    expect(first.routes.routes.flatMap((r) => r.jobs).sort()).toEqual([0, 1, 2, 3]);
    expect(solve(fourStops(), { ...quick, initial }).evaluation.cost).toBe(36);
  });

  it('repairs an initial solution that breaks a limit: the late stop is taken out and put back elsewhere', () => {
    // B then C: C (window [0,15]) reached at 41.
    const initial = { routes: [{ vehicleType: 0, jobs: [0, 1, 2] }] };
    expect(evaluate(fourStops(), initial).violations).toContainEqual(
      expect.objectContaining({ code: 'TIME_WINDOW_LATE' }),
    );
    const result = solve(fourStops(), { ...quick, initial });
    expect(result.evaluation).toMatchObject({ violations: [], cost: 36 });
  });

  it('refuses a malformed initial solution with the checker codes that make it so', () => {
    expect(refusal({ routes: [{ vehicleType: 0, jobs: [0, 9] }] })).toEqual(['UNKNOWN_JOB']);
    expect(refusal({ routes: [{ vehicleType: 4, jobs: [0] }] })).toEqual(['UNKNOWN_VEHICLE_TYPE']);
    expect(refusal({ routes: [{ vehicleType: 0, jobs: [0, 1, 0] }] })).toEqual(['JOB_VISITED_TWICE']);
    expect(
      refusal({
        routes: [
          { vehicleType: 0, jobs: [0] },
          { vehicleType: 0, jobs: [1] },
          { vehicleType: 0, jobs: [2] },
        ],
      }),
    ).toEqual(['TOO_MANY_VEHICLES']);
    const pinned = fourStops({ extraVehicleTypes: [{ capacity: [6], pinned: [3] }] });
    expect(refusal({ routes: [{ vehicleType: 1, jobs: [0, 3] }] }, pinned)).toEqual(['PINNED_MOVED']);
    expect(() => solve(fourStops(), { ...quick, initial: { routes: [{ vehicleType: 0, jobs: [9] }] } })).toThrow(
      /malformed: UNKNOWN_JOB .*"job":9/,
    );
  });

  it('keeps pins when it starts from a solution that has them', () => {
    const data = fourStops({ extraVehicleTypes: [{ capacity: [6], pinned: [3] }] });
    const result = solve(data, { ...quick, initial: { routes: [{ vehicleType: 1, jobs: [3, 0] }] } });
    expect(isFeasible(result.evaluation)).toBe(true);
    expect(result.routes.routes.find((r) => r.vehicleType === 1)?.jobs[0]).toBe(3);
  });
});
