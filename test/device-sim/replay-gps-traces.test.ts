import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LatLon } from '@aisle/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GPS_REJECT_REASONS,
  type GpsTrace,
  loadGpsTraces,
  stopsOf,
  traceToLatLon,
} from '../../device-sim/src/replay/gps-traces.js';
import { distanceM, offset } from '../../device-sim/src/world/geo.js';
import { SHARED_DATA, sharedDataMissing } from '../helpers/shared-data.js';

const TRACES = join(SHARED_DATA, 'gps/delivery_traces.csv');
const missing = sharedDataMissing('gps/delivery_traces.csv');
const ORIGIN: LatLon = { lat: 52.52, lon: 13.405 };
const START = Date.UTC(2026, 0, 5, 8);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aisle-replay-gps-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SYNTHETIC = [
  'trace,timestamp,x_m,y_m,mode',
  '0001,1964-01-12 00:00:00.000000000,0,0,Driving',
  '0001,1964-01-12 00:00:05.000000000,30,40,Driving', // 50 m in 5 s, course atan2(30, 40) = 36.87°
  '0001,1964-01-12 00:00:10,30,40,OnFoot', // standing: 0 m/s, course kept
  '0002,1964-01-12 00:00:10.007000208,5,5,OnFoot', // another trace, interleaved and out of order
  '0002,1964-01-12 00:00:05.000000000,0,0,OnFoot',
  '0001,1964-01-12 00:00:15.500000000,30,41,OnFoot', // 1 m north in 5.5 s
  '0001,1964-01-12 00:00:20.000000000,30,41,Driving',
  '0001,1964-01-12 00:00:25.000000000,-20,41,Driving', // 50 m west in 5 s
  '0001,1964-01-12 00:00:30.000000000,-20,41,OnFoot', // a one-point stop
  '0002,1964-01-12 00:00:05.000000000,9,9,OnFoot', // DUPLICATE_TIMESTAMP: the first row at 05.000 wins
  ',1964-01-12 00:00:35,0,0,Driving', // TRACE_EMPTY
  '0001,1964-02-30 00:00:35,0,0,Driving', // TIMESTAMP_INVALID: no 30 February
  '0001,1964-01-12T00:00:35Z,0,0,Driving', // TIMESTAMP_INVALID: not the file's shape
  '0001,1964-01-12 00:00:35,abc,0,Driving', // COORDINATE_INVALID
  '0001,1964-01-12 00:00:35,1e999,0,Driving', // COORDINATE_INVALID: infinite
  '0001,1964-01-12 00:00:35,0,0,Walking', // MODE_UNKNOWN
  '0001,1964-01-12 00:00:35,0,0', // COLUMN_COUNT
  '',
].join('\n');

async function synthetic() {
  const path = join(dir, 'traces.csv');
  await writeFile(path, SYNTHETIC);
  return loadGpsTraces(path);
}

function traceNamed(traces: readonly GpsTrace[], name: string): GpsTrace {
  const trace = traces.find((t) => t.trace === name);
  if (trace === undefined) throw new Error(`no trace ${name}`);
  return trace;
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

describe('loading GPS traces', () => {
  it('groups points per trace in time order from 0 ms and counts every bad row by reason', async () => {
    const { traces, rejects } = await synthetic();
    expect(traces.map((t) => t.trace)).toEqual(['0001', '0002']);
    expect(traceNamed(traces, '0001').points.map((p) => [p.tOffsetMs, p.xM, p.yM, p.mode])).toEqual([
      [0, 0, 0, 'Driving'],
      [5000, 30, 40, 'Driving'],
      [10_000, 30, 40, 'OnFoot'],
      [15_500, 30, 41, 'OnFoot'],
      [20_000, 30, 41, 'Driving'],
      [25_000, -20, 41, 'Driving'],
      [30_000, -20, 41, 'OnFoot'],
    ]);
    // Sorted by time, sub-millisecond residue rounded away, the duplicate at 05.000 dropped.
    expect(traceNamed(traces, '0002').points).toEqual([
      { tOffsetMs: 0, xM: 0, yM: 0, mode: 'OnFoot' },
      { tOffsetMs: 5007, xM: 5, yM: 5, mode: 'OnFoot' },
    ]);
    expect(rejects).toEqual({
      DUPLICATE_TIMESTAMP: 1,
      TRACE_EMPTY: 1,
      TIMESTAMP_INVALID: 2,
      COORDINATE_INVALID: 2,
      MODE_UNKNOWN: 1,
      COLUMN_COUNT: 1,
    });
    for (const reason of Object.keys(rejects)) expect(GPS_REJECT_REASONS).toHaveProperty(reason);
  });
});

describe('replaying a trace as van fixes', () => {
  it('places points east and north of the origin, with speed and course from consecutive points', async () => {
    const fixes = traceToLatLon(traceNamed((await synthetic()).traces, '0001'), ORIGIN, START);
    expect(fixes.map((f) => f.ts - START)).toEqual([0, 5000, 10_000, 15_500, 20_000, 25_000, 30_000]);
    expect(fixes.map((f) => f.mode)).toEqual([
      'Driving',
      'Driving',
      'OnFoot',
      'OnFoot',
      'Driving',
      'Driving',
      'OnFoot',
    ]);
    const speeds = fixes.map((f) => f.speedMps);
    [10, 10, 0, 1 / 5.5, 0, 10, 0].forEach((v, i) => {
      expect(speeds[i]).toBeCloseTo(v, 9);
    });
    const courses = fixes.map((f) => f.courseDeg);
    const northEast = (Math.atan2(30, 40) * 180) / Math.PI; // 36.87°
    [northEast, northEast, northEast, 0, 0, 270, 270].forEach((c, i) => {
      expect(courses[i]).toBeCloseTo(c, 9);
    });
    expect(fixes[0]?.position).toEqual(ORIGIN);
    expect(distanceM(ORIGIN, fixes[1]?.position ?? ORIGIN)).toBeCloseTo(50, 1);
    expect(fixes[1]?.position.lat).toBeGreaterThan(ORIGIN.lat);
    expect(fixes[1]?.position.lon).toBeGreaterThan(ORIGIN.lon);
    expect(fixes[5]?.position).toEqual(offset(ORIGIN, -20, 41));
  });

  it('gives a one-point trace zero speed and course', () => {
    const [fix] = traceToLatLon(
      { trace: 'x', points: [{ tOffsetMs: 0, xM: 3, yM: 4, mode: 'OnFoot' }] },
      ORIGIN,
      START,
    );
    expect(fix).toEqual({ ts: START, position: offset(ORIGIN, 3, 4), mode: 'OnFoot', speedMps: 0, courseDeg: 0 });
  });

  it('turns each run of on-foot points into a stop at the run centroid', async () => {
    const { traces } = await synthetic();
    expect(stopsOf(traceNamed(traces, '0001'), ORIGIN, START)).toEqual([
      { startMs: START + 10_000, endMs: START + 15_500, position: offset(ORIGIN, 30, 40.5) },
      { startMs: START + 30_000, endMs: START + 30_000, position: offset(ORIGIN, -20, 41) },
    ]);
    expect(stopsOf(traceNamed(traces, '0002'), ORIGIN, START)).toEqual([
      { startMs: START, endMs: START + 5007, position: offset(ORIGIN, 2.5, 2.5) },
    ]);
  });
});

describe.skipIf(missing !== undefined)(
  `the delivery traces${missing === undefined ? '' : ` (skipped: ${missing})`}`,
  () => {
    const loading = loadGpsTraces(TRACES);

    it('load without rejects: 805 traces of 72 points, each time-ordered from 0 ms at about 5 s steps', async () => {
      const { traces, rejects } = await loading;
      expect(rejects).toEqual({});
      expect(traces).toHaveLength(805);
      expect(traces.every((t) => t.points.length === 72)).toBe(true);
      const unordered = traces.filter(
        (t) =>
          t.points[0]?.tOffsetMs !== 0 ||
          t.points.some((p, i) => i > 0 && p.tOffsetMs <= (t.points[i - 1]?.tOffsetMs ?? 0)),
      );
      expect(unordered.map((t) => t.trace)).toEqual([]);
      const steps = traces.flatMap((t) => t.points.slice(1).map((p, i) => p.tOffsetMs - (t.points[i]?.tOffsetMs ?? 0)));
      expect(median(steps)).toBeGreaterThan(4500);
      expect(median(steps)).toBeLessThan(5500);
    });

    it('move at walking pace on foot and at road speed when driving', async () => {
      const { traces } = await loading;
      const fixes = traces.flatMap((t) => traceToLatLon(t, ORIGIN, START));
      const onFoot = median(fixes.filter((f) => f.mode === 'OnFoot').map((f) => f.speedMps));
      const driving = median(fixes.filter((f) => f.mode === 'Driving').map((f) => f.speedMps));
      expect(onFoot).toBeLessThan(1);
      expect(driving).toBeGreaterThan(3);
      expect(driving).toBeGreaterThan(10 * onFoot);
    });

    it('yield stops that cover every on-foot point, inside their trace and near the van route', async () => {
      const { traces } = await loading;
      let onFootPoints = 0;
      let stopCount = 0;
      const bad: string[] = [];
      for (const trace of traces) {
        const stops = stopsOf(trace, ORIGIN, START);
        const fixes = traceToLatLon(trace, ORIGIN, START);
        const endMs = fixes.at(-1)?.ts ?? START;
        onFootPoints += fixes.filter((f) => f.mode === 'OnFoot').length;
        stopCount += stops.length;
        const covered = fixes.filter(
          (f) => f.mode === 'OnFoot' && stops.some((s) => s.startMs <= f.ts && f.ts <= s.endMs),
        ).length;
        if (covered !== fixes.filter((f) => f.mode === 'OnFoot').length) bad.push(`${trace.trace}: uncovered`);
        for (const s of stops) {
          if (s.startMs < START || s.endMs > endMs || s.endMs < s.startMs) bad.push(`${trace.trace}: time`);
          if (distanceM(ORIGIN, s.position) > 10_000) bad.push(`${trace.trace}: far`);
        }
      }
      expect(bad).toEqual([]);
      expect(onFootPoints).toBe(32_608);
      expect(stopCount).toBeGreaterThan(805);
    });
  },
);
