/**
 * Travel matrices from a road-network server (`hub/src/routing/road-matrix.ts`). No OSRM or
 * Valhalla can be installed on the CI machine (neither is packaged for its Debian, and their npm
 * builds download binaries), so these tests run the client against a loopback HTTP server that
 * answers OSRM's `table` and Valhalla's `sources_to_targets` as those APIs document them, from a
 * known "road network": Manhattan distance on a local grid at 10 m/s, with one island no road
 * reaches. What is checked is the client's side: blocks within the request size, every cell in
 * its place and unit, the straight line for unjoined pairs, and a reason code for every failure.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/src/config.js';
import { HaversineMatrixProvider, haversineMeters } from '../../hub/src/routing/engine/travel.js';
import {
  FallbackMatrixProvider,
  RoadMatrixError,
  type RoadMatrixOptions,
  RoadMatrixProvider,
} from '../../hub/src/routing/road-matrix.js';

const ORIGIN = { lat: 52.5, lon: 13.4 };
const M_PER_DEG_LAT = 111_195;
const M_PER_DEG_LON = M_PER_DEG_LAT * Math.cos((ORIGIN.lat * Math.PI) / 180);
/** Seven stops on a grid (metres east, north of the origin); the last one is an island. */
const GRID: readonly [number, number][] = [
  [0, 0],
  [1000, 0],
  [1000, 2000],
  [-3000, 500],
  [2500, -1500],
  [0, 4000],
  [9000, 9000],
];
const ISLAND = GRID.length - 1;
const points = GRID.map(([x, y]) => ({ lat: ORIGIN.lat + y / M_PER_DEG_LAT, lon: ORIGIN.lon + x / M_PER_DEG_LON }));
const SPEED_MPS = 10;

/** The road network's answer for a pair, from coordinates as the server receives them. */
function road(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number | null {
  const island = points[ISLAND];
  const isIsland = (p: { lat: number; lon: number }) =>
    island !== undefined && Math.abs(p.lat - island.lat) < 1e-5 && Math.abs(p.lon - island.lon) < 1e-5;
  if (isIsland(a) !== isIsland(b)) return null;
  return Math.abs(a.lat - b.lat) * M_PER_DEG_LAT + Math.abs(a.lon - b.lon) * M_PER_DEG_LON;
}

interface Fake {
  readonly url: string;
  readonly server: Server;
  /** Coordinates per request received. */
  readonly sizes: number[];
  mode: 'ok' | 'slow' | 'invalid-query' | 'short-rows' | 'not-json';
}

async function fakeServer(): Promise<Fake> {
  const fake = { sizes: [] as number[], mode: 'ok' } as Fake & { url: string; server: Server };
  const server = createServer((req, res) => {
    void answer(fake, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(fake, { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  return fake;
}

async function answer(fake: Fake, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  if (fake.mode === 'slow') {
    await new Promise((r) => setTimeout(r, 600));
    if (!res.destroyed) send(200, { code: 'Ok', durations: [], distances: [] });
    return;
  }
  if (fake.mode === 'invalid-query') return send(400, { code: 'InvalidQuery', message: 'Query string malformed' });
  if (fake.mode === 'not-json') return send(200, '<html>gateway</html>');
  const url = new URL(req.url ?? '/', 'http://x');
  if (req.method === 'GET' && url.pathname.startsWith('/table/v1/driving/')) {
    const coordinates = url.pathname
      .slice('/table/v1/driving/'.length)
      .split(';')
      .map((c) => c.split(',').map(Number) as [number, number])
      .map(([lon, lat]) => ({ lat, lon }));
    fake.sizes.push(coordinates.length);
    const pick = (key: string) =>
      (url.searchParams.get(key) ?? '').split(';').map((i) => coordinates[Number(i)] as { lat: number; lon: number });
    const sources = pick('sources');
    const destinations = pick('destinations');
    const metres = sources.map((a) => destinations.map((b) => road(a, b)));
    const rows = fake.mode === 'short-rows' ? metres.slice(1) : metres;
    return send(200, {
      code: 'Ok',
      distances: rows,
      durations: rows.map((row) => row.map((m) => (m === null ? null : m / SPEED_MPS))),
    });
  }
  if (req.method === 'POST' && url.pathname === '/sources_to_targets') {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      sources: { lat: number; lon: number }[];
      targets: { lat: number; lon: number }[];
      units: string;
    };
    fake.sizes.push(body.sources.length + body.targets.length);
    return send(200, {
      units: body.units,
      sources_to_targets: body.sources.map((a, i) =>
        body.targets.map((b, j) => {
          const m = road(a, b);
          // Valhalla leaves distance and time out where no route joins the pair.
          return m === null
            ? { from_index: i, to_index: j }
            : { from_index: i, to_index: j, distance: m / 1000, time: m / SPEED_MPS };
        }),
      ),
    });
  }
  send(404, { code: 'NotFound' });
}

const base = (fake: Fake, overrides: Partial<RoadMatrixOptions> = {}): RoadMatrixOptions => ({
  kind: 'osrm',
  url: fake.url,
  profile: 'driving',
  timeoutMs: 2000,
  maxLocationsPerRequest: 4,
  detourFactor: 1.3,
  fallbackSpeedMps: 8,
  ...overrides,
});

describe('road-network travel matrices', () => {
  let fake: Fake;
  beforeAll(async () => {
    fake = await fakeServer();
  });
  afterAll(() => new Promise<void>((resolve) => fake.server.close(() => resolve())));

  for (const kind of ['osrm', 'valhalla'] as const) {
    it(`${kind}: asks in blocks within the request size and puts every pair in its place, in metres and seconds`, async () => {
      fake.mode = 'ok';
      fake.sizes.length = 0;
      const provider = new RoadMatrixProvider(base(fake, { kind, profile: kind === 'osrm' ? 'driving' : 'auto' }));
      const m = await provider.matrices(points);
      const n = points.length;
      expect(m.size).toBe(n);
      // Blocks of 2 × 2 for 7 points: 4 × 4 requests, none over 4 locations.
      expect(provider.requests).toBe(16);
      expect(fake.sizes).toHaveLength(16);
      expect(Math.max(...fake.sizes)).toBeLessThanOrEqual(4);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          const a = GRID[i] as [number, number];
          const b = GRID[j] as [number, number];
          if (i === j || i === ISLAND || j === ISLAND) continue;
          const manhattan = Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]);
          // Within a metre: the coordinates cross the wire with 6 decimals (OSRM) or as JSON numbers.
          expect(Math.abs((m.distance[i * n + j] ?? -1) - manhattan)).toBeLessThanOrEqual(1);
          expect(Math.abs((m.duration[i * n + j] ?? -1) - manhattan / SPEED_MPS)).toBeLessThanOrEqual(1);
        }
      expect(m.distance[0]).toBe(0);
      // The island: no road; the straight line × detour at the fallback speed instead, counted.
      const straight = haversineMeters(points[0] as never, points[ISLAND] as never) * 1.3;
      expect(m.distance[ISLAND]).toBe(Math.round(straight));
      expect(m.duration[ISLAND]).toBe(Math.round(straight / 8));
      expect(provider.unroutedPairs).toBe(2 * (n - 1));
    });
  }

  it('refuses each failure with its reason code', async () => {
    const provider = (overrides: Partial<RoadMatrixOptions> = {}) => new RoadMatrixProvider(base(fake, overrides));
    const code = async (p: RoadMatrixProvider) => {
      try {
        await p.matrices(points.slice(0, 3));
        return 'resolved';
      } catch (error) {
        return error instanceof RoadMatrixError ? error.code : String(error);
      }
    };
    fake.mode = 'invalid-query';
    expect(await code(provider())).toBe('MATRIX_REFUSED');
    fake.mode = 'short-rows';
    expect(await code(provider())).toBe('MATRIX_BAD_RESPONSE');
    fake.mode = 'not-json';
    expect(await code(provider())).toBe('MATRIX_BAD_RESPONSE');
    fake.mode = 'slow';
    expect(await code(provider({ timeoutMs: 150 }))).toBe('MATRIX_TIMEOUT');
    fake.mode = 'ok';
    // A port nobody listens on (the fake's, after a second server there closed).
    const closed = await fakeServer();
    const url = closed.url;
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    expect(await code(provider({ url }))).toBe('MATRIX_UNREACHABLE');
  });

  it('falls back to the straight line when the server fails, and says why', async () => {
    fake.mode = 'invalid-query';
    const why: string[] = [];
    const straight = new HaversineMatrixProvider({ speedMps: 8, detourFactor: 1.3 });
    const provider = new FallbackMatrixProvider(new RoadMatrixProvider(base(fake)), straight, (e) => why.push(e.code));
    const m = await provider.matrices(points);
    expect(why).toEqual(['MATRIX_REFUSED']);
    expect(Array.from(m.distance)).toEqual(Array.from((await straight.matrices(points)).distance));
    fake.mode = 'ok';
  });

  it('is configured under routing.matrix, and a road server without a URL is refused at start', () => {
    const config = (matrix: object) => ({
      dataDir: '/tmp/unused',
      auth: { admin: { username: 'root', password: 'root-secret-1' }, jwtSecret: 'x'.repeat(32) },
      routing: { matrix },
    });
    expect(parseHubConfig(config({})).routing.matrix).toMatchObject({ kind: 'haversine', fallback: true });
    expect(() => parseHubConfig(config({ kind: 'osrm' }))).toThrow(/routing\/matrix\/url: required when kind is osrm/);
    expect(parseHubConfig(config({ kind: 'valhalla', url: 'http://127.0.0.1:8002' })).routing.matrix).toMatchObject({
      kind: 'valhalla',
      timeoutMs: 10_000,
      maxLocationsPerRequest: 100,
    });
  });
});
