import type { TravelMatrices } from './engine/problem.js';
import { type GeoPoint, haversineMeters, type MatrixProvider } from './engine/travel.js';

/**
 * Travel matrices from a road-network server, for real coordinates (ARCHITECTURE §5: "OSRM/Valhalla
 * URL when configured"): OSRM's `table` service or Valhalla's `sources_to_targets`. This is the
 * hub's I/O side of the engine's `MatrixProvider`; the engine only ever sees the integer matrices.
 *
 * Units are the Haversine provider's: whole metres and whole seconds.
 *
 * Servers cap a request (OSRM's `--max-table-size`, 100 by default; Valhalla's
 * `max_matrix_locations`), so a matrix of n points is asked for in blocks of sources × targets with
 * at most `maxLocationsPerRequest` points in one request, one request at a time. A pair the
 * network cannot join (OSRM `null`, Valhalla a missing distance: an island, a closed area) gets the
 * straight-line estimate instead, and is counted in `unroutedPairs`: one bad pair must not refuse a
 * day's plan. Anything else — the server down, slower than `timeoutMs`, an error answer, a table of
 * the wrong shape — rejects the whole matrix with a `RoadMatrixError` and its reason code; the
 * caller decides whether to fall back (`routing.matrix.fallback`).
 */

export const ROAD_MATRIX_ERROR_CODES = {
  MATRIX_UNREACHABLE: 'the road-network server did not answer (connection refused, DNS, reset)',
  MATRIX_TIMEOUT: 'the road-network server took longer than routing.matrix.timeoutMs',
  MATRIX_REFUSED: 'the road-network server answered with an error status or code',
  MATRIX_BAD_RESPONSE: 'the answer is not the table asked for (not JSON, wrong shape or size, negative values)',
} as const;

export type RoadMatrixErrorCode = keyof typeof ROAD_MATRIX_ERROR_CODES;

export class RoadMatrixError extends Error {
  override readonly name = 'RoadMatrixError';
  constructor(
    readonly code: RoadMatrixErrorCode,
    detail: string,
  ) {
    super(`${code}: ${detail} (${ROAD_MATRIX_ERROR_CODES[code]})`);
  }
}

export interface RoadMatrixOptions {
  readonly kind: 'osrm' | 'valhalla';
  /** Base URL, e.g. `http://127.0.0.1:5000` (OSRM) or `http://127.0.0.1:8002` (Valhalla). */
  readonly url: string;
  /** OSRM profile in the path (`driving`) or Valhalla costing (`auto`, `truck`). */
  readonly profile: string;
  readonly timeoutMs: number;
  /** Points in one request (sources and targets together). */
  readonly maxLocationsPerRequest: number;
  /** For pairs the network cannot join: straight line × this, at `fallbackSpeedMps`. */
  readonly detourFactor: number;
  readonly fallbackSpeedMps: number;
  /** Injected for tests of the client; default the global `fetch`. */
  readonly fetch?: typeof fetch;
}

/** One block's answer: metres and seconds, `undefined` where no route joins the pair. */
interface Block {
  readonly distance: (number | undefined)[][];
  readonly duration: (number | undefined)[][];
}

export class RoadMatrixProvider implements MatrixProvider<GeoPoint> {
  /** Pairs filled with the straight-line estimate since this provider was made. */
  unroutedPairs = 0;
  /** Requests sent since this provider was made. */
  requests = 0;
  readonly #fetch: typeof fetch;

  constructor(private readonly options: RoadMatrixOptions) {
    if (options.maxLocationsPerRequest < 2) throw new RangeError('maxLocationsPerRequest must be ≥ 2');
    this.#fetch = options.fetch ?? fetch;
  }

  async matrices(points: readonly GeoPoint[]): Promise<TravelMatrices> {
    const n = points.length;
    const distance = new Int32Array(n * n);
    const duration = new Int32Array(n * n);
    // Square blocks of half the request size each way: a block's sources and targets fit one request.
    const side = Math.max(1, Math.floor(this.options.maxLocationsPerRequest / 2));
    for (let s0 = 0; s0 < n; s0 += side) {
      const sources = range(s0, Math.min(n, s0 + side));
      for (let t0 = 0; t0 < n; t0 += side) {
        const targets = range(t0, Math.min(n, t0 + side));
        const block = await this.#block(points, sources, targets);
        sources.forEach((from, i) => {
          targets.forEach((to, j) => {
            if (from === to) return;
            let metres = block.distance[i]?.[j];
            let seconds = block.duration[i]?.[j];
            if (metres === undefined || seconds === undefined) {
              this.unroutedPairs++;
              metres = haversineMeters(at(points, from), at(points, to)) * this.options.detourFactor;
              seconds = metres / this.options.fallbackSpeedMps;
            }
            distance[from * n + to] = Math.round(metres);
            duration[from * n + to] = Math.round(seconds);
          });
        });
      }
    }
    return { size: n, distance, duration };
  }

  async #block(points: readonly GeoPoint[], sources: number[], targets: number[]): Promise<Block> {
    this.requests++;
    return this.options.kind === 'osrm'
      ? await this.#osrm(points, sources, targets)
      : await this.#valhalla(points, sources, targets);
  }

  /** OSRM `GET /table/v1/{profile}/{lon,lat;…}?sources=…&destinations=…&annotations=duration,distance`. */
  async #osrm(points: readonly GeoPoint[], sources: number[], targets: number[]): Promise<Block> {
    const used = [...new Set([...sources, ...targets])];
    const slot = new Map(used.map((p, i) => [p, i]));
    const coordinates = used.map((p) => `${at(points, p).lon.toFixed(6)},${at(points, p).lat.toFixed(6)}`).join(';');
    const query = new URLSearchParams({
      sources: sources.map((p) => slot.get(p)).join(';'),
      destinations: targets.map((p) => slot.get(p)).join(';'),
      annotations: 'duration,distance',
    });
    const url = `${trimSlash(this.options.url)}/table/v1/${encodeURIComponent(this.options.profile)}/${coordinates}?${query}`;
    const body = (await this.#request(url, { method: 'GET' })) as {
      code?: unknown;
      message?: unknown;
      durations?: unknown;
      distances?: unknown;
    };
    if (body.code !== 'Ok')
      throw new RoadMatrixError('MATRIX_REFUSED', `OSRM code ${String(body.code)}: ${String(body.message ?? '')}`);
    return {
      distance: table(body.distances, sources.length, targets.length, 1, 'distances'),
      duration: table(body.durations, sources.length, targets.length, 1, 'durations'),
    };
  }

  /** Valhalla `POST /sources_to_targets` (verbose answer: a row of `{distance (km), time (s)}` per source). */
  async #valhalla(points: readonly GeoPoint[], sources: number[], targets: number[]): Promise<Block> {
    const place = (p: number) => ({ lat: at(points, p).lat, lon: at(points, p).lon });
    const body = (await this.#request(`${trimSlash(this.options.url)}/sources_to_targets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        sources: sources.map(place),
        targets: targets.map(place),
        costing: this.options.profile,
        units: 'kilometers',
      }),
    })) as { sources_to_targets?: unknown };
    const rows = body.sources_to_targets;
    if (!Array.isArray(rows) || rows.length !== sources.length)
      throw new RoadMatrixError('MATRIX_BAD_RESPONSE', `Valhalla sources_to_targets has not ${sources.length} rows`);
    const cells = rows.map((row) => {
      if (!Array.isArray(row) || row.length !== targets.length)
        throw new RoadMatrixError('MATRIX_BAD_RESPONSE', `a Valhalla row has not ${targets.length} cells`);
      return row as { distance?: unknown; time?: unknown }[];
    });
    return {
      distance: cells.map((row) => row.map((c) => cell(c?.distance, 1000, 'distance'))),
      duration: cells.map((row) => row.map((c) => cell(c?.time, 1, 'time'))),
    };
  }

  async #request(url: string, init: RequestInit): Promise<unknown> {
    let response: Response;
    try {
      response = await this.#fetch(url, { ...init, signal: AbortSignal.timeout(this.options.timeoutMs) });
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'TimeoutError' || name === 'AbortError')
        throw new RoadMatrixError('MATRIX_TIMEOUT', `no answer from ${origin(url)} in ${this.options.timeoutMs} ms`);
      throw new RoadMatrixError('MATRIX_UNREACHABLE', `${origin(url)}: ${(error as Error).message}`);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'TimeoutError' || name === 'AbortError')
        throw new RoadMatrixError(
          'MATRIX_TIMEOUT',
          `the answer from ${origin(url)} took over ${this.options.timeoutMs} ms`,
        );
      throw new RoadMatrixError('MATRIX_UNREACHABLE', `${origin(url)}: ${(error as Error).message}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new RoadMatrixError(
        response.ok ? 'MATRIX_BAD_RESPONSE' : 'MATRIX_REFUSED',
        `HTTP ${response.status} from ${origin(url)}, not JSON`,
      );
    }
    if (!response.ok) {
      const message = (body as { message?: unknown; error?: unknown }).message ?? (body as { error?: unknown }).error;
      throw new RoadMatrixError(
        'MATRIX_REFUSED',
        `HTTP ${response.status} from ${origin(url)}: ${String(message ?? '')}`,
      );
    }
    return body;
  }
}

function table(value: unknown, rows: number, columns: number, factor: number, what: string): (number | undefined)[][] {
  if (!Array.isArray(value) || value.length !== rows)
    throw new RoadMatrixError('MATRIX_BAD_RESPONSE', `OSRM ${what} has not ${rows} rows`);
  return value.map((row) => {
    if (!Array.isArray(row) || row.length !== columns)
      throw new RoadMatrixError('MATRIX_BAD_RESPONSE', `an OSRM ${what} row has not ${columns} cells`);
    return row.map((v) => cell(v, factor, what));
  });
}

/** A number ≥ 0 × factor; `null`/absent = no route; anything else is a bad answer. */
function cell(value: unknown, factor: number, what: string): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new RoadMatrixError('MATRIX_BAD_RESPONSE', `${what} ${JSON.stringify(value)} is not a length ≥ 0`);
  return value * factor;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

function at(points: readonly GeoPoint[], i: number): GeoPoint {
  const p = points[i];
  if (p === undefined) throw new RangeError(`no point ${i}`);
  return p;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** The server, without path or query (credentials in a URL stay out of messages). */
function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the road-network server';
  }
}

/**
 * The road network first, the straight line when it fails (`routing.matrix.fallback`): a plan on
 * Haversine × detour is worse than one on roads but better than none. `onFallback` is told why.
 */
export class FallbackMatrixProvider implements MatrixProvider<GeoPoint> {
  constructor(
    private readonly primary: MatrixProvider<GeoPoint>,
    private readonly fallback: MatrixProvider<GeoPoint>,
    private readonly onFallback: (error: RoadMatrixError) => void,
  ) {}

  async matrices(points: readonly GeoPoint[]): Promise<TravelMatrices> {
    try {
      return await this.primary.matrices(points);
    } catch (error) {
      if (!(error instanceof RoadMatrixError)) throw error;
      this.onFallback(error);
      return await this.fallback.matrices(points);
    }
  }
}
