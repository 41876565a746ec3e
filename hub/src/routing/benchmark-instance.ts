import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { construct } from './engine/construct.js';
import { type Evaluation, evaluate, isFeasible, type Violation } from './engine/evaluate.js';
import { Model, type ProblemData, type TimeWindow } from './engine/problem.js';
import { parseCvrplibBks, parseSolomonBks } from './engine/readers/bks.js';
import { FormatError } from './engine/readers/format-error.js';
import { parseSolomon } from './engine/readers/solomon.js';
import { parseVrplib } from './engine/readers/vrplib.js';
import { replan } from './engine/replan.js';
import { SearchRandom } from './engine/search/random.js';
import type { Route } from './engine/solution.js';
import { type Objective, type SolveProgress, solve } from './engine/solve.js';
import { EARTH_RADIUS_M, type GeoPoint, HaversineMatrixProvider } from './engine/travel.js';

// The engine entry points `bench/routing` drives directly (the day bench), through this module's package export.
export { construct, evaluate, isFeasible, replan, solve };

/**
 * A benchmark instance (a Solomon or VRPLIB file) with its best known solution, solved or
 * constructed, every result scored by the independent checker (`evaluate`) rather than taken from
 * the solver, and its gap to the best known. Shared by `aisle-hub route solve` and `bench/routing`.
 */

export type InstanceFormat = 'solomon' | 'vrplib';

/** A reader's `FormatError` with the file it was reading (the instance or its BKS table). */
export class InstanceFileError extends Error {
  override readonly name = 'InstanceFileError';
  constructor(
    readonly path: string,
    override readonly cause: FormatError,
  ) {
    super(`${path}: ${cause.message}`, { cause });
  }
}

function reading<T>(path: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof FormatError) throw new InstanceFileError(path, error);
    throw error;
  }
}

/** What a result is compared with: for Solomon the objective's own table, for CVRPLIB the optimum. */
export interface BestKnown {
  readonly distance: number;
  /** Vehicles of the best known solution (Solomon) or the `k` of the name (CVRPLIB). */
  readonly vehicles: number | undefined;
  /** e.g. `distance-only best known`, `optimum`. */
  readonly kind: string;
  /** Where it came from: a BKS.csv path or the file's COMMENT. */
  readonly source: string;
}

export interface RoutingInstance {
  readonly name: string;
  readonly format: InstanceFormat;
  /** Solomon class (C1, R2, RC1, …) or CVRPLIB set (A, B, …). */
  readonly group: string;
  readonly customers: number;
  readonly data: ProblemData;
  /** Best known per objective (only Solomon's differ). */
  readonly bestKnown: (objective: Objective) => BestKnown | undefined;
}

/** A result as the checker sees it; distances unscaled. */
export interface ScoredSolution {
  readonly feasible: boolean;
  readonly distance: number;
  readonly vehicles: number;
  readonly routes: readonly { readonly vehicle: number; readonly customers: readonly string[] }[];
  readonly violations: readonly Violation[];
  /** (distance − best known) / best known × 100; absent without a best known. */
  readonly gapPercent: number | undefined;
  readonly bestKnown: BestKnown | undefined;
}

export interface SolvedInstance extends ScoredSolution {
  readonly elapsedMs: number;
  readonly iterations: number;
}

export function formatOf(path: string, text: string): InstanceFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.vrp') return 'vrplib';
  if (ext === '.txt') return 'solomon';
  return /^\s*(NAME|DIMENSION)\s*:/im.test(text) ? 'vrplib' : 'solomon';
}

/** A Solomon file's class: C1, C2, R1, R2, RC1 or RC2 from its name. */
function solomonClass(name: string): string {
  return /^(RC|R|C)(\d)/i.exec(name)?.slice(1, 3).join('').toUpperCase() ?? name;
}

/**
 * Reads FILE; the BKS table is `bksPath`, else a BKS.csv next to FILE or one folder up (CVRPLIB
 * keeps one table above its set folders), else (VRPLIB) the optimum in the file's COMMENT.
 * Throws `InstanceFileError` for a bad instance or table, and the `ENOENT` of a missing file.
 */
export function loadInstance(
  path: string,
  options: { readonly format?: InstanceFormat; readonly bksPath?: string } = {},
): RoutingInstance {
  const text = readFileSync(path, 'utf8');
  const format = options.format ?? formatOf(path, text);
  const bksPath =
    options.bksPath ?? [dirname(path), dirname(dirname(path))].map((d) => join(d, 'BKS.csv')).find(existsSync);
  const bksText = bksPath === undefined ? undefined : readFileSync(bksPath, 'utf8');
  if (format === 'solomon') {
    const instance = reading(path, () => parseSolomon(text));
    const table =
      bksText === undefined || bksPath === undefined ? undefined : reading(bksPath, () => parseSolomonBks(bksText));
    const row = table?.get(instance.name);
    return {
      name: instance.name,
      format,
      group: solomonClass(instance.name),
      customers: instance.customers,
      data: instance.data,
      bestKnown: (objective) =>
        row === undefined || bksPath === undefined
          ? undefined
          : objective === 'distance'
            ? { ...row.distanceOnly, kind: 'distance-only best known', source: bksPath }
            : { ...row.hierarchical, kind: 'hierarchical best known', source: bksPath },
    };
  }
  const instance = reading(path, () => parseVrplib(text));
  const table =
    bksText === undefined || bksPath === undefined ? undefined : reading(bksPath, () => parseCvrplibBks(bksText));
  const row = table?.get(instance.name);
  const best: BestKnown | undefined =
    row !== undefined && bksPath !== undefined
      ? {
          distance: row.cost,
          vehicles: row.vehicles,
          kind: row.provenOptimal ? 'optimum' : 'best known',
          source: bksPath,
        }
      : instance.bks !== undefined
        ? { distance: instance.bks, vehicles: instance.vehicleLimit, kind: 'best known', source: 'COMMENT' }
        : undefined;
  return {
    name: instance.name,
    format,
    group: row?.set ?? basename(dirname(path)),
    customers: instance.customers,
    data: instance.data,
    bestKnown: () => best,
  };
}

function score(instance: RoutingInstance, routes: readonly Route[], objective: Objective): ScoredSolution {
  const evaluation: Evaluation = evaluate(instance.data, { routes });
  const bestKnown = instance.bestKnown(objective);
  const used = evaluation.routes.filter((r) => r.jobs.length > 0);
  return {
    feasible: isFeasible(evaluation),
    distance: evaluation.distance,
    vehicles: evaluation.vehiclesUsed,
    routes: used.map((r, i) => ({
      vehicle: i + 1,
      customers: r.jobs.map((j) => instance.data.jobs[j]?.name ?? `job ${j}`),
    })),
    violations: evaluation.violations,
    gapPercent:
      bestKnown === undefined ? undefined : (100 * (evaluation.distance - bestKnown.distance)) / bestKnown.distance,
    bestKnown,
  };
}

export function solveInstance(
  instance: RoutingInstance,
  options: {
    readonly timeLimitMs: number;
    readonly seed: number;
    readonly objective: Objective;
    readonly onImprove?: (progress: SolveProgress) => void;
  },
): SolvedInstance {
  const result = solve(instance.data, {
    timeLimitMs: options.timeLimitMs,
    seed: options.seed,
    objective: options.objective,
    ...(options.onImprove ? { onImprove: options.onImprove } : {}),
  });
  return {
    ...score(instance, result.routes.routes, options.objective),
    elapsedMs: result.elapsedMs,
    iterations: result.iterations,
  };
}

/** The construction heuristic alone: the benchmarks' anchor, measured in the same run. */
export function constructInstance(instance: RoutingInstance, objective: Objective): SolvedInstance {
  const started = performance.now();
  const { solution } = construct(instance.data);
  const elapsedMs = performance.now() - started;
  return { ...score(instance, solution.routes, objective), elapsedMs, iterations: 0 };
}

/**
 * A synthetic delivery day with real coordinates (issue #8's "200-stop, 10-van day"), for
 * `bench/routing/day.ts` and the re-planning tests: stops drawn uniformly within `radiusKm` of a
 * real depot (default Melbourne CBD), demands 1–10, one window of 1–2 h each spread over the
 * 06:00–18:00 shift, 5–20 min service; travel by great-circle distance × 1.3 at 40 km/h
 * (`HaversineMatrixProvider`). Seeded: a seed gives the same day everywhere. Times are seconds
 * since midnight, distances metres. Each van is its own vehicle type (count 1), as the hub builds
 * problems, so that pins can name it.
 */
export interface DayStop {
  readonly point: GeoPoint;
  readonly delivery: number;
  readonly window: TimeWindow;
  readonly serviceS: number;
}

export interface DayScenario {
  readonly depot: GeoPoint;
  readonly stops: readonly DayStop[];
  readonly vans: number;
  readonly capacity: number;
  readonly shift: TimeWindow;
}

export const MELBOURNE: GeoPoint = { lat: -37.8136, lon: 144.9631 };
const HOUR = 3600;

export function dayScenario(
  options: {
    readonly seed: number;
    readonly stops?: number;
    readonly vans?: number;
    readonly depot?: GeoPoint;
    readonly radiusKm?: number;
  } = { seed: 1 },
): DayScenario {
  const random = new SearchRandom(options.seed);
  // The generator's first draws for nearby small seeds are alike; let it run in first.
  for (let i = 0; i < 16; i++) random.float();
  const depot = options.depot ?? MELBOURNE;
  const radiusM = (options.radiusKm ?? 25) * 1000;
  const shift: TimeWindow = [6 * HOUR, 18 * HOUR];
  const stops = Array.from({ length: options.stops ?? 200 }, (): DayStop => {
    const width = HOUR + random.int(HOUR + 1);
    const open = shift[0] + random.int(shift[1] - shift[0] - width);
    return {
      point: pointNear(depot, radiusM * Math.sqrt(random.float()), 2 * Math.PI * random.float()),
      delivery: 1 + random.int(10),
      window: [open, open + width],
      serviceS: 5 * 60 + random.int(15 * 60 + 1),
    };
  });
  return { depot, stops, vans: options.vans ?? 10, capacity: 150, shift };
}

/** The point `distanceM` from `from` on bearing `bearing` (radians), on the sphere `haversineMeters` uses. */
export function pointNear(from: GeoPoint, distanceM: number, bearing: number): GeoPoint {
  const rad = Math.PI / 180;
  const d = distanceM / EARTH_RADIUS_M;
  const lat1 = from.lat * rad;
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(bearing));
  const lon2 =
    from.lon * rad +
    Math.atan2(Math.sin(bearing) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
  return { lat: lat2 / rad, lon: lon2 / rad };
}

/**
 * The day as a problem: job i is `scenario.stops[i]`, then `extra` stops; vehicle type v is van v,
 * pinned to `pinned[v]` when given (its visited and current stops, when re-planning).
 */
export async function dayProblem(
  scenario: DayScenario,
  options: { readonly pinned?: readonly (readonly number[])[]; readonly extra?: readonly DayStop[] } = {},
): Promise<ProblemData> {
  const stops = [...scenario.stops, ...(options.extra ?? [])];
  const points = [scenario.depot, ...stops.map((s) => s.point)];
  const provider = new HaversineMatrixProvider({ speedMps: 40 / 3.6, detourFactor: 1.3 });
  const model = new Model({ distance: 1, duration: 1 });
  model.addDepot({ location: 0, name: 'depot' });
  for (let v = 0; v < scenario.vans; v++)
    model.addVehicleType({
      capacity: [scenario.capacity],
      shift: scenario.shift,
      name: `van ${v + 1}`,
      ...(options.pinned?.[v] !== undefined ? { pinned: options.pinned[v] } : {}),
    });
  stops.forEach((stop, i) => {
    model.addJob({
      location: i + 1,
      delivery: [stop.delivery],
      serviceDuration: stop.serviceS,
      timeWindows: [stop.window],
      name: `stop ${i + 1}`,
    });
  });
  return model.setMatrices(await provider.matrices(points)).data();
}
