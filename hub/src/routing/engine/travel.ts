import type { TravelMatrices } from './problem.js';

/**
 * Travel matrices from coordinates. The engine only ever sees integer matrices; these functions
 * are where the rounding happens (once), and each says which convention it follows, because
 * benchmark results are only comparable under the convention the benchmark was published with.
 */

export interface PlanePoint {
  readonly x: number;
  readonly y: number;
}

export interface GeoPoint {
  readonly lat: number;
  readonly lon: number;
}

/**
 * Where travel matrices come from. The Euclidean and Haversine providers compute them; a road
 * network provider (an OSRM or Valhalla `table` request) will implement the same interface.
 */
export interface MatrixProvider<P> {
  matrices(points: readonly P[]): Promise<TravelMatrices>;
}

function fill(n: number, value: (i: number, j: number) => number): Int32Array {
  const out = new Int32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) out[i * n + j] = value(i, j);
  return out;
}

function euclid(a: PlanePoint, b: PlanePoint): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

function at<T>(points: readonly T[], i: number): T {
  const p = points[i];
  if (p === undefined) throw new RangeError(`no point ${i}`);
  return p;
}

/**
 * Euclidean distance in double precision × `scale`, rounded — the Solomon convention (distance =
 * travel time, unrounded), made exact enough by the scale: with 1000, each leg is within 0.0005.
 */
export function euclideanMatrix(points: readonly PlanePoint[], scale: number): Int32Array {
  return fill(points.length, (i, j) => Math.round(euclid(at(points, i), at(points, j)) * scale));
}

/** TSPLIB `EUC_2D`: nint(√(dx² + dy²)), i.e. ⌊d + 0.5⌋ (TSPLIB 95, section 2.1) — CVRPLIB's costs. */
export function tsplibEuc2dMatrix(points: readonly PlanePoint[]): Int32Array {
  return fill(points.length, (i, j) => Math.floor(euclid(at(points, i), at(points, j)) + 0.5));
}

/** IUGG mean Earth radius, metres. */
export const EARTH_RADIUS_M = 6_371_008.8;

/** Great-circle distance in metres. */
export function haversineMeters(a: GeoPoint, b: GeoPoint): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export class EuclideanMatrixProvider implements MatrixProvider<PlanePoint> {
  /** `scale` multiplies both distance and time (distance units = time units, as in Solomon). */
  constructor(private readonly scale: number) {}

  async matrices(points: readonly PlanePoint[]): Promise<TravelMatrices> {
    const distance = euclideanMatrix(points, this.scale);
    return { size: points.length, distance, duration: distance };
  }
}

export interface HaversineOptions {
  /** Average road speed in metres per second (straight-line distance ÷ this = travel time). */
  readonly speedMps: number;
  /** Straight lines are shorter than roads; distances are multiplied by this (default 1). */
  readonly detourFactor?: number;
}

/** Distances in whole metres, durations in whole seconds: the units real-coordinate problems use. */
export class HaversineMatrixProvider implements MatrixProvider<GeoPoint> {
  constructor(private readonly options: HaversineOptions) {
    if (!(options.speedMps > 0)) throw new RangeError(`speedMps must be > 0, got ${options.speedMps}`);
  }

  async matrices(points: readonly GeoPoint[]): Promise<TravelMatrices> {
    const detour = this.options.detourFactor ?? 1;
    const metres = (i: number, j: number): number => haversineMeters(at(points, i), at(points, j)) * detour;
    return {
      size: points.length,
      distance: fill(points.length, (i, j) => Math.round(metres(i, j))),
      duration: fill(points.length, (i, j) => Math.round(metres(i, j) / this.options.speedMps)),
    };
  }
}
