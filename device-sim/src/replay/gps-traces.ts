import type { LatLon } from '@aisle/protocols';
import { CSV_REJECT_REASONS, civilToUtcMs, forEachCsvRow, RowRejects } from '@aisle/protocols/csv';
import { offset } from '../world/geo.js';

/**
 * Delivery-agent GPS traces (`trace,timestamp,x_m,y_m,mode`: metres east and north of an arbitrary
 * origin, each point labelled `Driving` or `OnFoot`), replayed as van telemetry placed anywhere on
 * the map, with the on-foot stretches as ground-truth stops for stop detection.
 */

/** Why a trace row was rejected; one reason per row, the first that applies in this order. */
export const GPS_REJECT_REASONS = {
  ...CSV_REJECT_REASONS,
  TRACE_EMPTY: 'The trace id is empty.',
  TIMESTAMP_INVALID: 'timestamp is not `YYYY-MM-DD hh:mm:ss[.fraction]` with a real date.',
  COORDINATE_INVALID: 'x_m or y_m is not a finite number.',
  MODE_UNKNOWN: 'mode is neither `Driving` nor `OnFoot`.',
  DUPLICATE_TIMESTAMP: 'The trace already has a point at this millisecond; the first in file order is kept.',
} as const;
type GpsRejectReason = keyof typeof GPS_REJECT_REASONS;

export type TravelMode = 'Driving' | 'OnFoot';

export interface TracePoint {
  /** Time since the trace's first point, whole ms. */
  readonly tOffsetMs: number;
  /** Metres east and north of the dataset's origin. */
  readonly xM: number;
  readonly yM: number;
  readonly mode: TravelMode;
}

export interface GpsTrace {
  readonly trace: string;
  /** Strictly increasing `tOffsetMs`, starting at 0. */
  readonly points: readonly TracePoint[];
}

export interface GpsTraceLoad {
  /** In order of first appearance in the file. */
  readonly traces: readonly GpsTrace[];
  readonly rejects: Partial<Record<GpsRejectReason, number>>;
}

/** One replayed fix, as a van's GPS would report it. */
export interface TraceFix {
  readonly ts: number;
  readonly position: LatLon;
  readonly mode: TravelMode;
  /** Straight-line speed over the segment ending here (the first fix uses the first segment). */
  readonly speedMps: number;
  /** Direction of that segment, degrees clockwise from north in [0, 360); kept from the previous fix while standing still. */
  readonly courseDeg: number;
}

/** A maximal run of consecutive `OnFoot` points: the agent out of the van, delivering. */
export interface TraceStop {
  /** Times of the run's first and last points, ms UTC. */
  readonly startMs: number;
  readonly endMs: number;
  /** Centroid of the run's points. */
  readonly position: LatLon;
}

const COLUMNS = ['trace', 'timestamp', 'x_m', 'y_m', 'mode'] as const;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Source time in ms. The file has no zone and its dates are shifted (to 1964) for anonymity, so it
 * is read as UTC and only differences are used. Digits below the millisecond are float residue
 * (`05.007000208`) and are rounded away.
 */
function parseTimestamp(text: string): number | undefined {
  const m = TIMESTAMP.exec(text);
  if (m === null) return undefined;
  const ms = civilToUtcMs(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  if (ms === undefined) return undefined;
  return m[7] === undefined ? ms : ms + Math.round(Number(`0.${m[7]}`) * 1000);
}

/** Loads every trace, its points in time order. Throws only if the file or a column is missing. */
export async function loadGpsTraces(path: string): Promise<GpsTraceLoad> {
  const rejects = new RowRejects<GpsRejectReason>();
  const byTrace = new Map<string, { sourceMs: number; xM: number; yM: number; mode: TravelMode }[]>();
  await forEachCsvRow(path, COLUMNS, (row) => {
    if (!row.ok) {
      rejects.add(row.reason);
      return;
    }
    const v = row.value;
    if (v.trace === '') {
      rejects.add('TRACE_EMPTY');
      return;
    }
    const sourceMs = parseTimestamp(v.timestamp);
    if (sourceMs === undefined) {
      rejects.add('TIMESTAMP_INVALID');
      return;
    }
    if (!NUMBER.test(v.x_m) || !NUMBER.test(v.y_m)) {
      rejects.add('COORDINATE_INVALID');
      return;
    }
    const xM = Number(v.x_m);
    const yM = Number(v.y_m);
    if (!Number.isFinite(xM) || !Number.isFinite(yM)) {
      rejects.add('COORDINATE_INVALID');
      return;
    }
    if (v.mode !== 'Driving' && v.mode !== 'OnFoot') {
      rejects.add('MODE_UNKNOWN');
      return;
    }
    let points = byTrace.get(v.trace);
    if (points === undefined) {
      points = [];
      byTrace.set(v.trace, points);
    }
    points.push({ sourceMs, xM, yM, mode: v.mode });
  });

  const traces: GpsTrace[] = [];
  for (const [trace, raw] of byTrace) {
    // Stable sort: a late row goes to its place in time; of two rows at the same ms, the first wins.
    raw.sort((a, b) => a.sourceMs - b.sourceMs);
    const startMs = (raw[0] as (typeof raw)[number]).sourceMs;
    const points: TracePoint[] = [];
    let lastMs = Number.NEGATIVE_INFINITY;
    for (const p of raw) {
      if (p.sourceMs === lastMs) {
        rejects.add('DUPLICATE_TIMESTAMP');
        continue;
      }
      lastMs = p.sourceMs;
      points.push({ tOffsetMs: p.sourceMs - startMs, xM: p.xM, yM: p.yM, mode: p.mode });
    }
    traces.push({ trace, points });
  }
  return { traces, rejects: rejects.snapshot() };
}

/** Course of a displacement, degrees clockwise from north in [0, 360). */
function courseOf(dxM: number, dyM: number): number {
  return ((Math.atan2(dxM, dyM) * 180) / Math.PI + 360) % 360;
}

/**
 * The trace as fixes of a van whose dataset origin sits at `origin` and whose first point is at
 * `startMs`. Speed and course come from the metres in the file, not from the projected positions,
 * so they are exact in the source frame.
 */
export function traceToLatLon(trace: GpsTrace, origin: LatLon, startMs: number): TraceFix[] {
  const points = trace.points;
  const fixes: TraceFix[] = [];
  let courseDeg = 0;
  for (let i = 0; i < points.length; i++) {
    const p = points[i] as TracePoint;
    // The segment ending at this point; the first point borrows the first segment.
    const a = points[i === 0 ? 0 : i - 1] as TracePoint;
    const b = points[i === 0 ? 1 : i];
    let speedMps = 0;
    if (b !== undefined && b !== a) {
      const dx = b.xM - a.xM;
      const dy = b.yM - a.yM;
      const distance = Math.hypot(dx, dy);
      const dtMs = b.tOffsetMs - a.tOffsetMs;
      speedMps = dtMs > 0 ? (distance / dtMs) * 1000 : 0;
      if (distance > 0) courseDeg = courseOf(dx, dy);
    }
    fixes.push({ ts: startMs + p.tOffsetMs, position: offset(origin, p.xM, p.yM), mode: p.mode, speedMps, courseDeg });
  }
  return fixes;
}

/** The on-foot runs of a trace, placed like {@link traceToLatLon} places its fixes. */
export function stopsOf(trace: GpsTrace, origin: LatLon, startMs: number): TraceStop[] {
  const stops: TraceStop[] = [];
  let run: TracePoint[] = [];
  const close = () => {
    const first = run[0];
    const last = run.at(-1);
    if (first === undefined || last === undefined) return;
    const xM = run.reduce((s, p) => s + p.xM, 0) / run.length;
    const yM = run.reduce((s, p) => s + p.yM, 0) / run.length;
    stops.push({
      startMs: startMs + first.tOffsetMs,
      endMs: startMs + last.tOffsetMs,
      position: offset(origin, xM, yM),
    });
    run = [];
  };
  for (const p of trace.points) {
    if (p.mode === 'OnFoot') run.push(p);
    else close();
  }
  close();
  return stops;
}
