import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { construct } from '../../hub/src/routing/engine/construct.js';
import { evaluate, isFeasible } from '../../hub/src/routing/engine/evaluate.js';
import { Model, type ProblemData } from '../../hub/src/routing/engine/problem.js';
import { readSolomonFile } from '../../hub/src/routing/engine/readers/files.js';
import { SearchContext } from '../../hub/src/routing/engine/search/context.js';
import { SearchRandom } from '../../hub/src/routing/engine/search/random.js';
import { applyRelocate, relocateDelta } from '../../hub/src/routing/engine/search/relocate.js';
import { SearchSolution } from '../../hub/src/routing/engine/search/search-solution.js';
import { applySwap, swapDelta } from '../../hub/src/routing/engine/search/swap.js';
import { applyTwoOptStar, twoOptStarDelta } from '../../hub/src/routing/engine/search/two-opt-star.js';
import { type SolveOptions, type SolveProgress, solve } from '../../hub/src/routing/engine/solve.js';
import { euclideanMatrix } from '../../hub/src/routing/engine/travel.js';

/**
 * The search (issue #8): every result goes through the independent checker. Fixtures are copied
 * from routing-plan.test.ts ("four stops on 3-4-5 triangles", optimum 36, or 35 with job 3
 * optional at 3) and routing-properties.test.ts (random small problems, fewer knobs), since a
 * test file cannot import another without running its suite.
 */
const SOLOMON = join(import.meta.dirname, '../../../shared/data/vrp/solomon');

function fourStops(job3Penalty?: number): ProblemData {
  const points = [
    { x: 0, y: 0 },
    { x: 3, y: 4 },
    { x: 6, y: 8 },
    { x: 6, y: 0 },
    { x: 0, y: 8 },
  ];
  const model = new Model();
  model.addDepot({ location: 0, name: 'D' });
  model.addVehicleType({ count: 2, capacity: [6], shift: [0, 100] });
  model.addJob({ location: 1, delivery: [2], serviceDuration: 2, timeWindows: [[0, 100]] });
  model.addJob({ location: 2, delivery: [3], serviceDuration: 3, timeWindows: [[20, 30]] });
  model.addJob({ location: 3, delivery: [4], serviceDuration: 1, timeWindows: [[0, 15]] });
  model.addJob({
    location: 4,
    delivery: [1],
    serviceDuration: 2,
    timeWindows: [[0, 100]],
    ...(job3Penalty !== undefined ? { dropPenalty: job3Penalty } : {}),
  });
  const matrix = euclideanMatrix(points, 1);
  return model.setMatrices({ size: points.length, distance: matrix, duration: matrix }).data();
}

const jobArbitrary = fc.record({
  x: fc.integer({ min: 0, max: 20 }),
  y: fc.integer({ min: 0, max: 20 }),
  delivery: fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 2 })),
  service: fc.integer({ min: 0, max: 5 }),
  open: fc.integer({ min: 0, max: 60 }),
  width: fc.integer({ min: 0, max: 40 }),
  secondWindow: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
  dropPenalty: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
});
const problemArbitrary = fc.record({
  depots: fc.tuple(fc.record({ x: fc.nat(20), y: fc.nat(20) }), fc.record({ x: fc.nat(20), y: fc.nat(20) })),
  vehicles: fc.array(
    fc.record({
      count: fc.integer({ min: 1, max: 3 }),
      capacity: fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 4 })),
      depot: fc.integer({ min: 0, max: 1 }),
      shiftEnd: fc.integer({ min: 20, max: 200 }),
      fixedCost: fc.integer({ min: 0, max: 10 }),
      unitDurationCost: fc.integer({ min: 0, max: 2 }),
      maxDuration: fc.option(fc.integer({ min: 10, max: 150 }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 2 },
  ),
  jobs: fc.array(jobArbitrary, { minLength: 1, maxLength: 9 }),
});

function build(p: typeof problemArbitrary extends fc.Arbitrary<infer T> ? T : never): ProblemData {
  const model = new Model();
  model.addDepot({ location: 0 });
  model.addDepot({ location: 1 });
  for (const v of p.vehicles)
    model.addVehicleType({
      count: v.count,
      capacity: v.capacity,
      startDepot: v.depot,
      endDepot: 1 - v.depot,
      shift: [0, v.shiftEnd],
      fixedCost: v.fixedCost,
      unitDurationCost: v.unitDurationCost,
      ...(v.maxDuration !== undefined ? { maxDuration: v.maxDuration } : {}),
    });
  p.jobs.forEach((j, i) => {
    const close = j.open + j.width;
    model.addJob({
      location: i + 2,
      delivery: j.delivery,
      serviceDuration: j.service,
      timeWindows:
        j.secondWindow === undefined
          ? [[j.open, close]]
          : [
              [j.open, close],
              [close + j.secondWindow, close + 2 * j.secondWindow],
            ],
      ...(j.dropPenalty !== undefined ? { dropPenalty: j.dropPenalty } : {}),
    });
  });
  const points = [...p.depots, ...p.jobs];
  const matrix = euclideanMatrix(points, 1);
  return model.setMatrices({ size: points.length, distance: matrix, duration: matrix }).data();
}

const quick: SolveOptions = { timeLimitMs: 60_000, seed: 7, maxIterations: 300 };

describe('routing search', () => {
  it('reaches the hand-solved optimum of the four-stop fixture: 36, and 35 when job 3 may be dropped at 3', () => {
    for (const objective of ['distance', 'vehicles-then-distance'] as const) {
      const all = solve(fourStops(), { ...quick, objective });
      expect(isFeasible(evaluate(fourStops(), all.routes))).toBe(true);
      expect(all.evaluation).toMatchObject({ violations: [], cost: 36, vehiclesUsed: 2 });
    }
    const data = fourStops(3);
    const dropped = solve(data, quick);
    expect(evaluate(data, dropped.routes)).toMatchObject({ violations: [], cost: 35, dropped: [3] });
    expect(dropped.unassigned).toEqual([]);
  });

  it('on random small problems returns what the checker finds feasible whenever the construction is, never costlier', () => {
    fc.assert(
      fc.property(problemArbitrary, fc.nat(1000), (p, seed) => {
        const data = build(p);
        const start = construct(data);
        const before = evaluate(data, start.solution);
        const result = solve(data, { timeLimitMs: 60_000, seed, maxIterations: 40 });
        const after = evaluate(data, result.routes);
        expect(after).toEqual(result.evaluation);
        if (isFeasible(before)) {
          expect(isFeasible(after)).toBe(true);
          expect(after.cost).toBeLessThanOrEqual(before.cost);
          expect(result.unassigned).toEqual([]);
        }
        const fleet = solve(data, {
          timeLimitMs: 60_000,
          seed,
          maxIterations: 40,
          objective: 'vehicles-then-distance',
        });
        if (isFeasible(before)) {
          expect(isFeasible(evaluate(data, fleet.routes))).toBe(true);
          expect(fleet.evaluation.vehiclesUsed).toBeLessThanOrEqual(before.vehiclesUsed);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('solves C101 in 1 s to within 1 % of its best known 828.94 (measured: 828.94, the optimum)', () => {
    const { data } = readSolomonFile(join(SOLOMON, 'C101.txt'));
    const result = solve(data, { timeLimitMs: 1000, seed: 1 });
    expect(isFeasible(evaluate(data, result.routes))).toBe(true);
    expect(result.evaluation.distance).toBeLessThan(828.94 * 1.01);
    const fleet = solve(data, { timeLimitMs: 1000, seed: 1, objective: 'vehicles-then-distance' });
    expect(isFeasible(evaluate(data, fleet.routes))).toBe(true);
    expect(fleet.evaluation.vehiclesUsed).toBe(10);
  });

  it('is reproducible: the same seed and iteration count give the same routes; another seed may not', () => {
    const { data } = readSolomonFile(join(SOLOMON, 'R101.txt'));
    const options = { timeLimitMs: 60_000, seed: 3, maxIterations: 200 };
    const a = solve(data, options);
    const b = solve(data, options);
    expect(a.iterations).toBe(200);
    expect(b.routes).toEqual(a.routes);
    expect(b.evaluation.cost).toBe(a.evaluation.cost);
  });

  it('reports each new best through onImprove with costs that never increase, the last one the result', () => {
    const { data } = readSolomonFile(join(SOLOMON, 'R101.txt'));
    const seen: SolveProgress[] = [];
    let clock = 0;
    const result = solve(data, {
      timeLimitMs: 1_000_000,
      seed: 5,
      maxIterations: 300,
      now: () => clock++,
      onImprove: (p) => seen.push(p),
    });
    expect(seen.length).toBeGreaterThan(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]?.cost).toBeLessThanOrEqual(seen[i - 1]?.cost ?? 0);
    expect(seen.at(-1)).toMatchObject({ cost: result.evaluation.cost, vehicles: result.evaluation.vehiclesUsed });
  });

  it('stops on the injected clock', () => {
    const { data } = readSolomonFile(join(SOLOMON, 'C101.txt'));
    let clock = 0;
    const result = solve(data, { timeLimitMs: 50, seed: 1, now: () => (clock += 1) });
    expect(result.iterations).toBeLessThan(50);
    expect(isFeasible(result.evaluation)).toBe(true);
  });

  it('operators: the O(1) cost change of every relocate, swap and 2-opt* equals the change after applying it, and a finite one breaks no limit', () => {
    const { data } = readSolomonFile(join(SOLOMON, 'R101.txt'));
    const state = SearchSolution.from(new SearchContext(data), construct(data).solution);
    const random = new SearchRandom(11);
    const operators = [
      [relocateDelta, applyRelocate],
      [swapDelta, applySwap],
      [twoOptStarDelta, applyTwoOptStar],
    ] as const;
    let finite = 0;
    for (let trial = 0; trial < 600; trial++) {
      const moved = state.clone();
      const used = moved.routes.filter((r) => r.jobs.length > 0);
      const a = used[random.int(used.length)];
      const b = used[random.int(used.length)];
      if (a === undefined || b === undefined || a === b) continue;
      const [delta, apply] = operators[trial % 3] ?? operators[0];
      const low = delta === relocateDelta ? 1 : 0;
      const p = low + random.int(a.jobs.length + 1 - low);
      const q = random.int(b.jobs.length + 1);
      const change = delta(a, p, b, q);
      if (!Number.isFinite(change)) continue;
      finite++;
      const before = moved.cost;
      apply(a, p, b, q);
      expect(moved.cost - before).toBe(change);
      expect(isFeasible(evaluate(data, moved.toSolution()))).toBe(true);
    }
    expect(finite).toBeGreaterThan(30);
  });
});
