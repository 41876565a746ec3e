import fc from 'fast-check';
import { Model, type ProblemData, type VehicleTypeInput } from '../../hub/src/routing/engine/problem.js';
import { euclideanMatrix } from '../../hub/src/routing/engine/travel.js';

/** Routing problems the routing tests share: the hand-solved four stops and random small problems. */

/**
 * "Four stops on 3-4-5 triangles". Depot D (0,0); job 0 at A (3,4), job 1 at B (6,8), job 2 at
 * C (6,0), job 3 at E (0,8). Every leg is a whole number, so scale 1 is exact:
 *   D–A 5, D–B 10, D–C 6, D–E 8, A–B 5, A–C 5, A–E 5, B–C 8, B–E 6, C–E 10.
 * Jobs (demand, service, window): 0 (2, 2, [0,100]), 1 (3, 3, [20,30]), 2 (4, 1, [0,15]),
 * 3 (1, 2, [0,100]). Two vans of capacity 6, shift [0,100]; cost = distance.
 *
 * Optimum by hand. Total demand 10 > 6: two routes. Job 2 (4) shares a van with at most 2 units:
 *   {2,0} + {1,3}: D-C-A-D 16 + D-B-E-D 24 = 40
 *   {2,3} + {0,1}: D-C-E-D 24 + D-A-B-D 20 = 44
 *   {2} + {0,1,3}: D-C-D 12 + best of D-A-B-E-D 24, D-A-E-B-D 26, D-B-A-E-D 28 = 36  ← optimum
 * and D-A-B-E-D keeps every window (timetable in the first test). The brute force below agrees.
 */
export const POINTS = [
  { x: 0, y: 0 },
  { x: 3, y: 4 },
  { x: 6, y: 8 },
  { x: 6, y: 0 },
  { x: 0, y: 8 },
];

export interface FixtureOptions {
  readonly job3Penalty?: number;
  readonly extraVehicleTypes?: VehicleTypeInput[];
}

export function fourStops(options: FixtureOptions = {}): ProblemData {
  const model = new Model();
  model.addDepot({ location: 0, name: 'D' });
  model.addVehicleType({ count: 2, capacity: [6], shift: [0, 100] });
  for (const type of options.extraVehicleTypes ?? []) model.addVehicleType(type);
  model.addJob({ location: 1, delivery: [2], serviceDuration: 2, timeWindows: [[0, 100]] });
  model.addJob({ location: 2, delivery: [3], serviceDuration: 3, timeWindows: [[20, 30]] });
  model.addJob({ location: 3, delivery: [4], serviceDuration: 1, timeWindows: [[0, 15]] });
  model.addJob({
    location: 4,
    delivery: [1],
    serviceDuration: 2,
    timeWindows: [[0, 100]],
    ...(options.job3Penalty !== undefined ? { dropPenalty: options.job3Penalty } : {}),
  });
  const matrix = euclideanMatrix(POINTS, 1);
  return model.setMatrices({ size: POINTS.length, distance: matrix, duration: matrix }).data();
}

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
const vehicleArbitrary = (maxCount: number) =>
  fc.record({
    count: fc.integer({ min: 1, max: maxCount }),
    capacity: fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 4 })),
    depot: fc.integer({ min: 0, max: 1 }),
    shiftEnd: fc.integer({ min: 20, max: 200 }),
    fixedCost: fc.integer({ min: 0, max: 10 }),
    unitDurationCost: fc.integer({ min: 0, max: 2 }),
    maxDuration: fc.option(fc.integer({ min: 10, max: 150 }), { nil: undefined }),
  });
/** Problems with one or two vehicle types of up to `maxVehicles` vans each, and up to `maxJobs` jobs. */
export const randomProblems = (limits: { readonly maxVehicles: number; readonly maxJobs: number }) =>
  fc.record({
    depots: fc.tuple(fc.record({ x: fc.nat(20), y: fc.nat(20) }), fc.record({ x: fc.nat(20), y: fc.nat(20) })),
    vehicles: fc.array(vehicleArbitrary(limits.maxVehicles), { minLength: 1, maxLength: 2 }),
    jobs: fc.array(jobArbitrary, { minLength: 1, maxLength: limits.maxJobs }),
  });

export type RandomProblem = ReturnType<typeof randomProblems> extends fc.Arbitrary<infer T> ? T : never;

/** `pins`: jobs the first vehicle type serves first, in order (that type then has one vehicle). */
export function buildRandomProblem(p: RandomProblem, pins: readonly number[] = []): ProblemData {
  const model = new Model();
  model.addDepot({ location: 0 });
  model.addDepot({ location: 1 });
  for (const [t, v] of p.vehicles.entries())
    model.addVehicleType({
      count: t === 0 && pins.length > 0 ? 1 : v.count,
      ...(t === 0 && pins.length > 0 ? { pinned: pins } : {}),
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
