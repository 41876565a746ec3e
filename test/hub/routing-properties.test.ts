import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { construct } from '../../hub/src/routing/engine/construct.js';
import { evaluate, isFeasible } from '../../hub/src/routing/engine/evaluate.js';
import { buildRandomProblem, randomProblems } from '../helpers/routing-problems.js';

// Up to 2 vans of each of one or two types, up to 7 jobs (`test/helpers/routing-problems.ts`).
const problemArbitrary = randomProblems({ maxVehicles: 2, maxJobs: 7 });
const build = buildRandomProblem;

describe('routing properties on random small problems', () => {
  it('construction breaks no limit: the only violations are the required jobs it reports unassigned', () => {
    fc.assert(
      fc.property(problemArbitrary, (p) => {
        const data = build(p);
        const { solution, unassigned } = construct(data);
        const e = evaluate(data, solution);
        expect(e.violations).toEqual(unassigned.map((job) => ({ code: 'JOB_MISSING', job })));
        for (const job of unassigned) expect(data.isRequired(job)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('the checker never throws on any routes, finds every missing or dropped job, and its cost adds up', () => {
    const routesArbitrary = fc.array(
      fc.record({
        vehicleType: fc.integer({ min: -1, max: 2 }),
        jobs: fc.array(fc.integer({ min: -1, max: 8 }), { maxLength: 6 }),
      }),
      { maxLength: 4 },
    );
    fc.assert(
      fc.property(problemArbitrary, routesArbitrary, (p, routes) => {
        const data = build(p);
        const e = evaluate(data, { routes });
        expect(isFeasible(e)).toBe(e.violations.length === 0);
        expect(e.cost).toBe(e.routes.reduce((sum, r) => sum + r.cost, 0) + e.dropPenalty);
        for (let j = 0; j < data.jobs.length; j++) {
          const missing = e.violations.some((v) => v.code === 'JOB_MISSING' && v.job === j);
          expect(missing).toBe(!routes.some((r) => r.jobs.includes(j)) && data.isRequired(j));
          expect(e.dropped.includes(j)).toBe(!routes.some((r) => r.jobs.includes(j)) && !data.isRequired(j));
        }
        // The default start (the shortest duration, no stop later) against leaving at the shift's start.
        const atShiftStart = evaluate(data, {
          routes: routes.map((r) => ({ ...r, startTime: data.vehicleTypes[r.vehicleType]?.shift[0] ?? 0 })),
        });
        e.routes.forEach((r, i) => {
          const fixed = atShiftStart.routes[i];
          expect(r.end).toBe(fixed?.end);
          expect(r.duration).toBeLessThanOrEqual(fixed?.duration ?? 0);
          r.stops.forEach((stop, k) => {
            expect(stop.lateBy).toBe(fixed?.stops[k]?.lateBy);
          });
        });
        for (const r of e.routes)
          for (const stop of r.stops) {
            expect(stop.serviceStart).toBeGreaterThanOrEqual(stop.arrival);
            expect(stop.departure).toBeGreaterThanOrEqual(stop.serviceStart);
          }
      }),
      { numRuns: 300 },
    );
  });
});
