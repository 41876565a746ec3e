import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { construct } from '../../hub/src/routing/engine/construct.js';
import { evaluate, isFeasible } from '../../hub/src/routing/engine/evaluate.js';
import { Model, type ProblemData } from '../../hub/src/routing/engine/problem.js';
import { euclideanMatrix } from '../../hub/src/routing/engine/travel.js';

/**
 * Random small problems (two load dimensions, one or two vehicle types with their own depots,
 * shifts and costs, one or two windows per job, some jobs optional) to check what must hold for
 * every problem, not only the hand-solved ones.
 */
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
const vehicleArbitrary = fc.record({
  count: fc.integer({ min: 1, max: 2 }),
  capacity: fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 4 })),
  depot: fc.integer({ min: 0, max: 1 }),
  shiftEnd: fc.integer({ min: 20, max: 200 }),
  fixedCost: fc.integer({ min: 0, max: 10 }),
  unitDurationCost: fc.integer({ min: 0, max: 2 }),
  maxDuration: fc.option(fc.integer({ min: 10, max: 150 }), { nil: undefined }),
});
const problemArbitrary = fc.record({
  depots: fc.tuple(fc.record({ x: fc.nat(20), y: fc.nat(20) }), fc.record({ x: fc.nat(20), y: fc.nat(20) })),
  vehicles: fc.array(vehicleArbitrary, { minLength: 1, maxLength: 2 }),
  jobs: fc.array(jobArbitrary, { minLength: 1, maxLength: 7 }),
});

type RandomProblem = typeof problemArbitrary extends fc.Arbitrary<infer T> ? T : never;

function build(p: RandomProblem): ProblemData {
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
