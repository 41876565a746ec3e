import { describe, expect, it } from 'vitest';
import {
  EuclideanMatrixProvider,
  euclideanMatrix,
  type GeoPoint,
  HaversineMatrixProvider,
  haversineMeters,
  type MatrixProvider,
  type PlanePoint,
  tsplibEuc2dMatrix,
} from '../../hub/src/routing/engine/travel.js';

describe('routing travel matrices', () => {
  it('Euclidean keeps the double-precision distance to 1/scale (Solomon convention)', () => {
    // (0,0)–(1,1): √2 = 1.41421… → ×1000 = 1414.21 → 1414; (0,0)–(3,4) = 5 exactly.
    const m = euclideanMatrix(
      [
        { x: 0, y: 0 },
        { x: 1, y: 1 },
        { x: 3, y: 4 },
      ],
      1000,
    );
    expect(Array.from(m)).toEqual([0, 1414, 5000, 1414, 0, 3606, 5000, 3606, 0]); // (1,1)–(3,4): √13 = 3.6056
  });

  it('TSPLIB EUC_2D rounds each leg to the nearest integer (nint), as CVRPLIB optima assume', () => {
    // √5 = 2.236 → 2; √13 = 3.606 → 4; 2.5 exactly (0,0)–(1.5,2) → ⌊3.0⌋ = 3 (2.5 + 0.5).
    const m = tsplibEuc2dMatrix([
      { x: 0, y: 0 },
      { x: 1, y: 2 },
      { x: 2, y: 3 },
      { x: 1.5, y: 2 },
    ]);
    expect(m[1]).toBe(2);
    expect(m[2]).toBe(4);
    expect(m[3]).toBe(3);
  });

  it('Haversine: one degree of latitude is πR/180 = 111,195 m; at 10 m/s that is 11,120 s', async () => {
    const a = { lat: 50, lon: 8 };
    const b = { lat: 51, lon: 8 };
    expect(haversineMeters(a, b)).toBeCloseTo((Math.PI * 6_371_008.8) / 180, 6);
    const m = await new HaversineMatrixProvider({ speedMps: 10 }).matrices([a, b]);
    expect(m.distance[1]).toBe(111_195);
    expect(m.duration[1]).toBe(11_120);
    const detoured = await new HaversineMatrixProvider({ speedMps: 10, detourFactor: 1.3 }).matrices([a, b]);
    expect(detoured.distance[1]).toBe(Math.round(111_195.08 * 1.3));
    expect(() => new HaversineMatrixProvider({ speedMps: 0 })).toThrow(RangeError);
  });
});

/** The contract every MatrixProvider keeps, run by each implementation. */
function matrixProviderContract<P>(name: string, provider: MatrixProvider<P>, points: readonly P[]) {
  describe(`MatrixProvider contract: ${name}`, () => {
    it('returns size × size integer matrices, zero on the diagonal, never negative', async () => {
      const m = await provider.matrices(points);
      expect(m.size).toBe(points.length);
      for (const matrix of [m.distance, m.duration]) {
        expect(matrix.length).toBe(points.length ** 2);
        for (let i = 0; i < points.length; i++) expect(matrix[i * points.length + i]).toBe(0);
        expect(Array.from(matrix).every((v) => Number.isInteger(v) && v >= 0)).toBe(true);
      }
    });

    it('is symmetric for straight-line travel and positive between distinct points', async () => {
      const m = await provider.matrices(points);
      const n = points.length;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          expect(m.distance[i * n + j]).toBe(m.distance[j * n + i]);
          if (i !== j) expect(m.distance[i * n + j]).toBeGreaterThan(0);
        }
    });

    it('answers an empty list with an empty matrix', async () => {
      const m = await provider.matrices([]);
      expect(m.size).toBe(0);
      expect(m.distance.length).toBe(0);
    });
  });
}

const plane: PlanePoint[] = [
  { x: 0, y: 0 },
  { x: 3, y: 4 },
  { x: -2, y: 7.5 },
];
const geo: GeoPoint[] = [
  { lat: 52.52, lon: 13.405 },
  { lat: 52.53, lon: 13.42 },
  { lat: 52.5, lon: 13.38 },
];
matrixProviderContract('Euclidean', new EuclideanMatrixProvider(1000), plane);
matrixProviderContract('Haversine', new HaversineMatrixProvider({ speedMps: 8.3 }), geo);
