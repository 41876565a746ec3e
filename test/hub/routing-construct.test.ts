import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { construct } from '../../hub/src/routing/engine/construct.js';
import { evaluate, isFeasible } from '../../hub/src/routing/engine/evaluate.js';
import {
  readCvrplibBksFile,
  readSolomonBksFile,
  readSolomonFile,
  readVrplibFile,
} from '../../hub/src/routing/engine/readers/files.js';
import type { SolomonInstance } from '../../hub/src/routing/engine/readers/solomon.js';
import type { Solution } from '../../hub/src/routing/engine/solution.js';
import { SHARED_DATA, sharedDataMissing } from '../helpers/shared-data.js';

/**
 * The construction heuristic on real benchmark instances, judged by the independent checker.
 * Only feasibility is asserted (every customer served once, capacities, windows and the depot's
 * closing time kept, within the file's fleet); quality is the local search's job. Distances from
 * the run that introduced it (sequential cheapest insertion, farthest seed), against the
 * distance-only BKS (Solomon) and the optimum (CVRPLIB):
 *   C101      1302.51, 12 vehicles   vs 828.94, 10  (+57.1 %)
 *   C201       832.26,  4 vehicles   vs 591.56,  3  (+40.7 %)
 *   R101      2253.11, 24 vehicles   vs 1642.88, 20 (+37.1 %)
 *   A-n32-k5  1072,     5 vehicles   vs 784 optimal  (+36.7 %)
 */

const SOLOMON = join(SHARED_DATA, 'vrp/solomon');
const CVRPLIB = join(SHARED_DATA, 'vrp/cvrplib');
const missing = sharedDataMissing('vrp/solomon/BKS.csv') ?? sharedDataMissing('vrp/cvrplib/BKS.csv');
const onRealFiles = it.skipIf(missing !== undefined);

/**
 * Re-drives every route in double precision from the file's coordinates, with no engine code, so a
 * bug shared by the construction and the checker (both time routes with `scheduleRoute`) or a
 * rounding surprise from the ×1000 scale would still show. Returns the worst lateness at a
 * customer or at the depot, and the total distance.
 */
function driveInDoubles(instance: SolomonInstance, solution: Solution): { worstLate: number; distance: number } {
  const { points, data } = instance;
  const unscale = (t: number) => t / data.scale.duration;
  const leg = (a: number, b: number) =>
    Math.hypot((points[a]?.x ?? 0) - (points[b]?.x ?? 0), (points[a]?.y ?? 0) - (points[b]?.y ?? 0));
  let worstLate = 0;
  let distance = 0;
  for (const route of solution.routes) {
    let time = unscale(data.vehicleTypes[0]?.shift[0] ?? 0);
    let at = 0;
    for (const j of route.jobs) {
      const job = data.jobs[j];
      const [open, close] = job?.timeWindows[0] ?? [0, 0];
      time += leg(at, j + 1);
      distance += leg(at, j + 1);
      worstLate = Math.max(worstLate, time - unscale(close));
      time = Math.max(time, unscale(open)) + unscale(job?.serviceDuration ?? 0);
      at = j + 1;
    }
    time += leg(at, 0);
    distance += leg(at, 0);
    worstLate = Math.max(worstLate, time - unscale(data.vehicleTypes[0]?.shift[1] ?? 0));
  }
  return { worstLate, distance };
}

describe(`routing construction on benchmark instances${missing ? ` (skipped: ${missing})` : ''}`, () => {
  for (const name of ['C101', 'C201', 'R101']) {
    onRealFiles(`${name}: every customer served, feasible for the checker, within the 25 vehicles`, () => {
      const instance = readSolomonFile(join(SOLOMON, `${name}.txt`));
      const { solution, unassigned } = construct(instance.data);
      const e = evaluate(instance.data, solution);
      expect(unassigned).toEqual([]);
      expect(e.violations).toEqual([]);
      expect(isFeasible(e)).toBe(true);
      expect(e.routes.flatMap((r) => r.jobs).sort((a, b) => a - b)).toEqual([...Array(100).keys()]);
      expect(e.vehiclesUsed).toBeLessThanOrEqual(instance.vehicleLimit);
      // Within the rounding of ≤ 101 legs of 0.0005 each, also in double precision.
      const doubles = driveInDoubles(instance, solution);
      expect(doubles.worstLate).toBeLessThanOrEqual(0.051);
      expect(Math.abs(doubles.distance - e.distance)).toBeLessThanOrEqual(0.051);
      const bks = readSolomonBksFile(join(SOLOMON, 'BKS.csv')).get(name);
      // The checker's distance is the double-precision sum to within 100 legs × 0.0005.
      expect(e.distance).toBeGreaterThanOrEqual((bks?.distanceOnly.distance ?? 0) - 0.05);
    });
  }

  onRealFiles('A-n32-k5: every customer served, feasible, within the 5 trucks of its name', () => {
    const instance = readVrplibFile(join(CVRPLIB, 'A/A-n32-k5.vrp'));
    const { solution, unassigned } = construct(instance.data);
    const e = evaluate(instance.data, solution);
    expect(unassigned).toEqual([]);
    expect(isFeasible(e)).toBe(true);
    expect(e.routes.every((r) => (r.load[0] ?? 0) <= 100)).toBe(true);
    expect(e.vehiclesUsed).toBeLessThanOrEqual(instance.vehicleLimit ?? 0);
    const optimum = readCvrplibBksFile(join(CVRPLIB, 'BKS.csv')).get('A-n32-k5')?.cost ?? Number.NaN;
    expect(e.distance).toBeGreaterThanOrEqual(optimum);
  });
});
