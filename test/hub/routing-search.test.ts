import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { construct } from '../../hub/src/routing/engine/construct.js';
import { evaluate, isFeasible } from '../../hub/src/routing/engine/evaluate.js';
import { readSolomonFile } from '../../hub/src/routing/engine/readers/files.js';
import { SearchContext } from '../../hub/src/routing/engine/search/context.js';
import { applyCrossExchange, crossExchangeDelta } from '../../hub/src/routing/engine/search/cross-exchange.js';
import { applyOrOpt, orOptDelta } from '../../hub/src/routing/engine/search/or-opt.js';
import { SearchRandom } from '../../hub/src/routing/engine/search/random.js';
import { applyRelocate, relocateDelta } from '../../hub/src/routing/engine/search/relocate.js';
import { SearchSolution } from '../../hub/src/routing/engine/search/search-solution.js';
import { applySwap, swapDelta } from '../../hub/src/routing/engine/search/swap.js';
import { applyTwoOptStar, twoOptStarDelta } from '../../hub/src/routing/engine/search/two-opt-star.js';
import { type SolveOptions, type SolveProgress, solve } from '../../hub/src/routing/engine/solve.js';
import { buildRandomProblem, fourStops, randomProblems } from '../helpers/routing-problems.js';

/**
 * The search (issue #8): every result goes through the independent checker. The hand-solved four
 * stops (optimum 36, or 35 with job 3 optional at 3) and the random small problems are the ones of
 * routing-plan and routing-properties (`test/helpers/routing-problems.ts`).
 */
const SOLOMON = join(import.meta.dirname, '../../../shared/data/vrp/solomon');

// Up to 3 vans of each of one or two types, up to 9 jobs.
const problemArbitrary = randomProblems({ maxVehicles: 3, maxJobs: 9 });
const build = buildRandomProblem;

const quick: SolveOptions = { timeLimitMs: 60_000, seed: 7, maxIterations: 300 };

describe('routing search', () => {
  it('reaches the hand-solved optimum of the four-stop fixture: 36, and 35 when job 3 may be dropped at 3', () => {
    for (const objective of ['distance', 'vehicles-then-distance'] as const) {
      const all = solve(fourStops(), { ...quick, objective });
      expect(isFeasible(evaluate(fourStops(), all.routes))).toBe(true);
      expect(all.evaluation).toMatchObject({ violations: [], cost: 36, vehiclesUsed: 2 });
    }
    const data = fourStops({ job3Penalty: 3 });
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
        // Every other seed with or-opt and cross-exchange on, which must keep the same guarantees.
        const result = solve(data, { timeLimitMs: 60_000, seed, maxIterations: 40, stringMoves: seed % 2 === 0 });
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
    expect(result.stoppedBy).toBe('time');
  });

  it('stops after so many iterations without a new best, or at the iteration cap, and says which', () => {
    const { data } = readSolomonFile(join(SOLOMON, 'C101.txt'));
    let lastBest = -1;
    const settled = solve(data, {
      timeLimitMs: 1_000_000,
      seed: 3,
      maxIterationsWithoutImprovement: 40,
      maxIterations: 100_000,
      now: () => 0,
      onImprove: (p) => {
        lastBest = p.iterations;
      },
    });
    expect(settled.stoppedBy).toBe('no-improvement');
    expect(settled.iterations - lastBest).toBe(40);
    expect(settled.iterations).toBeLessThan(100_000);
    expect(isFeasible(settled.evaluation)).toBe(true);
    const capped = solve(data, { timeLimitMs: 1_000_000, seed: 3, maxIterations: 25, now: () => 0 });
    expect(capped).toMatchObject({ stoppedBy: 'iterations', iterations: 25 });
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

  it('or-opt and cross-exchange: a finite O(1) cost change equals the change after applying the move, which breaks no limit', () => {
    const { data } = readSolomonFile(join(SOLOMON, 'RC101.txt'));
    const state = SearchSolution.from(new SearchContext(data), construct(data).solution);
    const random = new SearchRandom(5);
    let finite = { orOpt: 0, inside: 0, cross: 0 };
    for (let trial = 0; trial < 20_000; trial++) {
      const moved = state.clone();
      const used = moved.routes.filter((r) => r.jobs.length > 0);
      const a = used[random.int(used.length)];
      const b = trial % 3 === 1 ? a : used[random.int(used.length)];
      if (a === undefined || b === undefined) continue;
      const p = 1 + random.int(a.jobs.length);
      const q = random.int(b.jobs.length + 1);
      const length = 1 + random.int(3);
      const before = moved.cost;
      if (trial % 3 === 2) {
        const lengthB = 1 + random.int(3);
        const change = crossExchangeDelta(a, p, length, b, Math.max(1, q), lengthB);
        if (!Number.isFinite(change)) continue;
        finite = { ...finite, cross: finite.cross + 1 };
        applyCrossExchange(a, p, length, b, Math.max(1, q), lengthB);
        expect(moved.cost - before).toBe(change);
      } else {
        const reversed = random.float() < 0.5;
        const change = orOptDelta(a, p, length, b, q, reversed);
        if (!Number.isFinite(change)) continue;
        if (a === b) finite = { ...finite, inside: finite.inside + 1 };
        else finite = { ...finite, orOpt: finite.orOpt + 1 };
        applyOrOpt(a, p, length, b, q, reversed);
        expect(moved.cost - before).toBe(change);
        expect(change).toBeLessThan(0);
      }
      expect(isFeasible(evaluate(data, moved.toSolution()))).toBe(true);
      expect(
        moved
          .toSolution()
          .routes.flatMap((r) => r.jobs)
          .sort((x, y) => x - y),
      ).toEqual(data.jobs.map((_, j) => j));
    }
    expect(finite.orOpt).toBeGreaterThan(5);
    expect(finite.inside).toBeGreaterThan(5);
    expect(finite.cross).toBeGreaterThan(5);
  });
});
