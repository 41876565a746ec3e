import { forEachCsvRow } from '@aisle/protocols/csv';
import { DEFAULT_SEGMENT_FILTER, type SegmentFilter, type SpeedProfile, segmentSpeed } from './speed-profile.js';

/**
 * Driving speeds from a delivery-trace file (`trace,timestamp,x_m,y_m,mode`, the public
 * `gps/delivery_traces.csv`: metres east and north of an arbitrary origin, each point `Driving` or
 * `OnFoot`). A sample is a segment between consecutive points of one trace that are both
 * `Driving` (an on-foot run is a stop, not slow traffic), trusted by the segment filter.
 *
 * The file's dates and times are shifted for anonymity (every trace starts at 00:00 of one day),
 * so its samples carry no time of day: they feed the profile's overall figure only, and the hours
 * get figures of their own from live van fixes.
 */

const COLUMNS = ['trace', 'timestamp', 'x_m', 'y_m', 'mode'] as const;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

export interface TraceSpeedLoad {
  /** Driving segments that became samples. */
  readonly samples: number;
  /** Driving segments the filter refused (gaps, GPS jumps, repeated timestamps). */
  readonly refused: number;
  /** Rows that are not a point (bad timestamp, coordinate or mode). */
  readonly badRows: number;
  readonly traces: number;
}

/** Milliseconds of a `YYYY-MM-DD hh:mm:ss[.fraction]` read as UTC (only differences are used). */
function parseMs(text: string): number | undefined {
  const m = TIMESTAMP.exec(text);
  if (m === null) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  if (!Number.isFinite(ms)) return undefined;
  return m[7] === undefined ? ms : ms + Math.round(Number(`0.${m[7]}`) * 1000);
}

/** Feeds the file's driving segments into `profile` (hour unknown). Throws only if the file or a column is missing. */
export async function learnFromTraceFile(
  path: string,
  profile: SpeedProfile,
  filter: SegmentFilter = DEFAULT_SEGMENT_FILTER,
): Promise<TraceSpeedLoad> {
  const byTrace = new Map<string, Array<{ ms: number; x: number; y: number; driving: boolean }>>();
  let badRows = 0;
  await forEachCsvRow(path, COLUMNS, (row) => {
    if (!row.ok) {
      badRows++;
      return;
    }
    const { trace, timestamp, x_m, y_m, mode } = row.value;
    const ms = parseMs(timestamp);
    const x = Number(x_m);
    const y = Number(y_m);
    if (ms === undefined || x_m === '' || y_m === '' || !Number.isFinite(x) || !Number.isFinite(y)) {
      badRows++;
      return;
    }
    if (mode !== 'Driving' && mode !== 'OnFoot') {
      badRows++;
      return;
    }
    let points = byTrace.get(trace);
    if (points === undefined) {
      points = [];
      byTrace.set(trace, points);
    }
    points.push({ ms, x, y, driving: mode === 'Driving' });
  });
  let samples = 0;
  let refused = 0;
  for (const points of byTrace.values()) {
    points.sort((a, b) => a.ms - b.ms);
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1];
      const b = points[i];
      if (a === undefined || b === undefined || !a.driving || !b.driving) continue;
      const speed = segmentSpeed({ fromMs: a.ms, toMs: b.ms, distanceM: Math.hypot(b.x - a.x, b.y - a.y) }, filter);
      if (speed === undefined) {
        refused++;
        continue;
      }
      profile.add(speed, undefined);
      samples++;
    }
  }
  return { samples, refused, badRows, traces: byTrace.size };
}
