import { describe, expect, it } from 'vitest';
import { type DayStop, dayProblem, dayScenario, pointNear } from '../../hub/src/routing/benchmark-instance.js';
import { evaluate, isFeasible, isFeasibleGivenPins } from '../../hub/src/routing/engine/evaluate.js';
import { replan } from '../../hub/src/routing/engine/replan.js';
import { InitialSolutionError, type Solution } from '../../hub/src/routing/engine/solution.js';
import { type SolveOptions, solve } from '../../hub/src/routing/engine/solve.js';
import { fourStops } from '../helpers/routing-problems.js';

/**
 * Minimal-change re-planning (issue #8): after one added urgent job only the route that takes it
 * changes, pinned stops stay where they were, and the result passes the independent checker. The
 * day is `dayScenario` (200 stops around Melbourne, 10 vans), fixed seed, iteration-capped.
 */
const capped: SolveOptions = { timeLimitMs: 600_000, seed: 1, maxIterations: 150 };

describe('routing replan', () => {
  it('on a 200-stop day, adds an urgent job by changing only the route that takes it, pins untouched', async () => {
    const day = dayScenario({ seed: 1 });
    const planned = solve(await dayProblem(day), capped);
    expect(isFeasible(planned.evaluation)).toBe(true);
    expect(planned.evaluation.vehiclesUsed).toBeLessThanOrEqual(10);

    // The day has started: each van's first 3 stops are visited or under way.
    const pinned = Array.from({ length: day.vans }, (_, v) =>
      (planned.routes.routes.find((r) => r.vehicleType === v)?.jobs ?? []).slice(0, 3),
    );
    const urgent: DayStop = {
      point: pointNear(day.depot, 4000, 1),
      delivery: 2,
      window: [11 * 3600, 11 * 3600 + 30 * 60],
      serviceS: 600,
    };
    const data = await dayProblem(day, { pinned, extra: [urgent] });
    const urgentJob = day.stops.length;
    const result = replan(data, planned.routes, capped);

    expect(result.searched).toBe(false);
    expect(isFeasible(result.evaluation)).toBe(true);
    expect(result.evaluation).toEqual(evaluate(data, result.routes));
    expect(result.changedRoutes).toHaveLength(1);
    const changed = result.changedRoutes[0] ?? -1;
    expect(result.routes.routes[changed]?.jobs).toContain(urgentJob);
    // The changed route is the previous one with the urgent job inserted, nothing else moved.
    expect(result.routes.routes[changed]?.jobs.filter((j) => j !== urgentJob)).toEqual(
      planned.routes.routes[changed]?.jobs,
    );
    result.routes.routes.forEach((route, i) => {
      if (i !== changed) expect(route).toEqual(planned.routes.routes[i]);
      expect(route.jobs.slice(0, 3)).toEqual(pinned[route.vehicleType]);
    });
  });

  it('repairs a previous plan that now breaks limits: the stops taken out go elsewhere, pins stay first', () => {
    // A van of its own (capacity 6) pinned A then E; the previous plan also gave it B and C (load 10,
    // C late): C is taken out and goes to one of the other vans, without a search.
    const data = fourStops({ extraVehicleTypes: [{ capacity: [6], shift: [0, 100], pinned: [0, 3] }] });
    const previous: Solution = { routes: [{ vehicleType: 1, jobs: [0, 3, 1, 2] }] };
    const result = replan(data, previous, capped);
    expect(isFeasibleGivenPins(data, result.evaluation)).toBe(true);
    expect(isFeasible(result.evaluation)).toBe(true);
    expect(result.routes.routes[0]?.jobs.slice(0, 2)).toEqual([0, 3]);
    expect(result.changedRoutes).toContain(0);
    expect(result.searched).toBe(false);
  });

  it('moves pins to the front of their van even when the previous plan had them elsewhere, and reports that route changed', () => {
    const data = fourStops({ extraVehicleTypes: [{ capacity: [6], shift: [0, 100], pinned: [3] }] });
    const previous: Solution = {
      routes: [
        { vehicleType: 0, jobs: [2] },
        { vehicleType: 0, jobs: [0, 1, 3] },
      ],
    };
    const result = replan(data, previous, capped);
    expect(isFeasible(result.evaluation)).toBe(true);
    const van = result.routes.routes.findIndex((r) => r.vehicleType === 1);
    expect(result.routes.routes[van]?.jobs[0]).toBe(3);
    expect(result.changedRoutes).toContain(van);
    expect(result.changedRoutes).toContain(1);
  });

  it('searches when insertion alone cannot place a job: C fits neither half-full van, so the vans are rearranged (36)', () => {
    const previous: Solution = {
      routes: [
        { vehicleType: 0, jobs: [0, 3] },
        { vehicleType: 0, jobs: [1] },
      ],
    };
    const result = replan(fourStops(), previous, capped);
    expect(result.searched).toBe(true);
    expect(result.evaluation).toMatchObject({ violations: [], cost: 36 });
    expect(result.unassigned).toEqual([]);
    expect(result.changedRoutes.length).toBeGreaterThan(0);
  });

  it('refuses a malformed previous plan', () => {
    expect(() => replan(fourStops(), { routes: [{ vehicleType: 0, jobs: [0, 0] }] }, capped)).toThrow(
      InitialSolutionError,
    );
  });
});
