import type { LatLon } from '@aisle/protocols';

/** Great-circle geometry on a sphere of the Earth's mean radius (IUGG, 6,371,008.8 m). */

const EARTH_RADIUS_M = 6_371_008.8;
const toRad = (deg: number) => (deg * Math.PI) / 180;
const toDeg = (rad: number) => (rad * 180) / Math.PI;

/** Haversine distance in metres. */
export function distanceM(a: LatLon, b: LatLon): number {
  const dLat = toRad(b.lat - a.lat);
  const dLon = toRad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(toRad(a.lat)) * Math.cos(toRad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial bearing from a to b, degrees clockwise from true north in [0, 360). */
export function bearingDeg(a: LatLon, b: LatLon): number {
  const y = Math.sin(toRad(b.lon - a.lon)) * Math.cos(toRad(b.lat));
  const x =
    Math.cos(toRad(a.lat)) * Math.sin(toRad(b.lat)) -
    Math.sin(toRad(a.lat)) * Math.cos(toRad(b.lat)) * Math.cos(toRad(b.lon - a.lon));
  return (toDeg(Math.atan2(y, x)) + 360) % 360;
}

/** The point `fraction` of the way from a to b (linear in lat/lon: fine for the short road segments used here). */
export function interpolate(a: LatLon, b: LatLon, fraction: number): LatLon {
  return { lat: a.lat + (b.lat - a.lat) * fraction, lon: a.lon + (b.lon - a.lon) * fraction };
}

/** A point `metersEast`, `metersNorth` away from `origin` (local tangent plane). */
export function offset(origin: LatLon, metersEast: number, metersNorth: number): LatLon {
  const lat = origin.lat + toDeg(metersNorth / EARTH_RADIUS_M);
  const lon = origin.lon + toDeg(metersEast / (EARTH_RADIUS_M * Math.cos(toRad(origin.lat))));
  return { lat, lon };
}

/** A path of straight segments with cumulative lengths, for moving along it by distance. */
export class Polyline {
  readonly points: readonly LatLon[];
  readonly #cumulative: number[];

  constructor(points: readonly LatLon[]) {
    if (points.length < 1) throw new RangeError('a polyline needs at least one point');
    this.points = points;
    this.#cumulative = [0];
    for (let i = 1; i < points.length; i++) {
      this.#cumulative.push(
        (this.#cumulative[i - 1] as number) + distanceM(points[i - 1] as LatLon, points[i] as LatLon),
      );
    }
  }

  get lengthM(): number {
    return this.#cumulative[this.#cumulative.length - 1] as number;
  }

  /** Position and heading after travelling `d` metres from the start (clamped to the ends). */
  at(d: number): { position: LatLon; courseDeg: number } {
    const points = this.points;
    if (points.length === 1 || d <= 0) {
      const course = points.length > 1 ? bearingDeg(points[0] as LatLon, points[1] as LatLon) : 0;
      return { position: points[0] as LatLon, courseDeg: course };
    }
    const cum = this.#cumulative;
    let i = 1;
    while (i < cum.length - 1 && (cum[i] as number) < d) i++;
    const a = points[i - 1] as LatLon;
    const b = points[i] as LatLon;
    const segment = (cum[i] as number) - (cum[i - 1] as number);
    const fraction = segment === 0 ? 1 : Math.min(1, (d - (cum[i - 1] as number)) / segment);
    return { position: interpolate(a, b, fraction), courseDeg: bearingDeg(a, b) };
  }
}
