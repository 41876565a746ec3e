import { CSV_REJECT_REASONS, forEachCsvRow, parseOffsetDateTime, RowRejects } from '@aisle/protocols/csv';

/**
 * Hourly pedestrian counts (City of Melbourne sensors, `Sensor,Date_Time,Date,Time,Count`) as a
 * replayable arrival rate: the per-sensor series, its hour-of-week shape, and the count for any
 * simulated hour by replaying the data shifted by whole weeks.
 */

/** Why a footfall row was rejected; one reason per row, the first that applies in this order. */
export const FOOTFALL_REJECT_REASONS = {
  ...CSV_REJECT_REASONS,
  SENSOR_EMPTY: 'The Sensor field is empty.',
  DATE_TIME_INVALID: 'Date_Time is not `YYYY-MM-DDThh:00:00±hhmm` with a real date, or is not the start of an hour.',
  LOCAL_TIME_MISMATCH: 'The Date or Time (hour) column disagrees with the local date and hour in Date_Time.',
  COUNT_INVALID: 'Count is not a non-negative integer (e.g. empty or NA).',
  DUPLICATE_HOUR: 'The sensor already has a count for this hour; the first one is kept.',
} as const;
type FootfallRejectReason = keyof typeof FOOTFALL_REJECT_REASONS;

export interface FootfallPoint {
  /** Start of the hour, ms UTC. */
  readonly ts: number;
  /** Hour of day in the sensor's local time (the offset written in the row), 0–23. */
  readonly localHour: number;
  /** Local day of the week, 0 = Monday … 6 = Sunday. */
  readonly localWeekday: number;
  /** Pedestrians counted in the hour. */
  readonly count: number;
}

export interface FootfallSeries {
  readonly sensor: string;
  /** Strictly increasing `ts`; missing hours are absent, never filled. */
  readonly points: readonly FootfallPoint[];
}

export interface FootfallLoad {
  /** One series per sensor, in order of first appearance in the file. */
  readonly series: readonly FootfallSeries[];
  /** Data rows read (header and blank lines excluded) = accepted + rejected + filteredOut. */
  readonly rows: number;
  /** Valid rows of other sensors than the one asked for. */
  readonly filteredOut: number;
  /** Bad rows by reason, whatever their sensor (a filtered load still reports the file's quality). */
  readonly rejects: Partial<Record<FootfallRejectReason, number>>;
}

const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 24 * HOUR_MS;
/** Gregorian mean year. */
const YEAR_MS = 365.2425 * 24 * HOUR_MS;
const COLUMNS = ['Sensor', 'Date_Time', 'Date', 'Time', 'Count'] as const;
const COUNT = /^\d{1,9}$/;
const HOUR_OF_DAY = /^\d{1,2}$/;

/** Loads the counts, optionally of one sensor only. Throws only if the file or a column is missing. */
export async function loadFootfall(path: string, options: { sensor?: string } = {}): Promise<FootfallLoad> {
  const rejects = new RowRejects<FootfallRejectReason>();
  const bySensor = new Map<string, { points: FootfallPoint[]; seen: Set<number> }>();
  let rows = 0;
  let filteredOut = 0;
  await forEachCsvRow(path, COLUMNS, (row) => {
    rows++;
    if (!row.ok) {
      rejects.add(row.reason);
      return;
    }
    const { Sensor: sensor, Date_Time: dateTime, Date: date, Time: time, Count: count } = row.value;
    if (sensor === '') {
      rejects.add('SENSOR_EMPTY');
      return;
    }
    const at = parseOffsetDateTime(dateTime);
    // Counts are per local clock hour, so the local time must be an hour start (minutes and seconds 0).
    if (at === undefined || (at.utcMs + at.offsetMinutes * 60_000) % HOUR_MS !== 0) {
      rejects.add('DATE_TIME_INVALID');
      return;
    }
    if (date !== at.localDate || !HOUR_OF_DAY.test(time) || Number(time) !== at.localHour) {
      rejects.add('LOCAL_TIME_MISMATCH');
      return;
    }
    if (!COUNT.test(count)) {
      rejects.add('COUNT_INVALID');
      return;
    }
    if (options.sensor !== undefined && sensor !== options.sensor) {
      filteredOut++;
      return;
    }
    let entry = bySensor.get(sensor);
    if (entry === undefined) {
      entry = { points: [], seen: new Set() };
      bySensor.set(sensor, entry);
    }
    if (entry.seen.has(at.utcMs)) {
      rejects.add('DUPLICATE_HOUR');
      return;
    }
    entry.seen.add(at.utcMs);
    entry.points.push({ ts: at.utcMs, localHour: at.localHour, localWeekday: at.localWeekday, count: Number(count) });
  });
  const series = [...bySensor].map(([sensor, { points }]) => ({
    sensor,
    points: points.sort((a, b) => a.ts - b.ts),
  }));
  return { series, rows, filteredOut, rejects: rejects.snapshot() };
}

/** A run of missing hours between two observed ones. */
export interface FootfallGap {
  /** The last observed hour before the gap and the first after it, ms UTC. */
  readonly afterTs: number;
  readonly beforeTs: number;
  readonly missingHours: number;
}

/** The holes in a series, e.g. sensor outages, and the repeated 02:00 hour when daylight saving ends. */
export function gapsOf(series: FootfallSeries): FootfallGap[] {
  const gaps: FootfallGap[] = [];
  const points = series.points;
  for (let i = 1; i < points.length; i++) {
    const afterTs = (points[i - 1] as FootfallPoint).ts;
    const beforeTs = (points[i] as FootfallPoint).ts;
    if (beforeTs - afterTs > HOUR_MS)
      gaps.push({ afterTs, beforeTs, missingHours: (beforeTs - afterTs) / HOUR_MS - 1 });
  }
  return gaps;
}

export interface HourOfWeekProfile {
  /**
   * 168 relative rates, index `localWeekday * 24 + localHour` (Monday 00:00 first): the mean count
   * in each bucket divided by the mean of the bucket means, so the 168 values average exactly 1.
   * A bucket with no observations gets 1 (the average rate) and coverage 0; a series of only zero
   * counts has no shape and gets 1 everywhere.
   */
  readonly relativeRate: readonly number[];
  /** Observations behind each bucket. */
  readonly coverage: readonly number[];
}

export const HOURS_PER_WEEK = 168;

/** The weekly shape of a series in its local time, for scaling a simulated arrival rate. */
export function hourOfWeekProfile(series: FootfallSeries): HourOfWeekProfile {
  const sum = new Array<number>(HOURS_PER_WEEK).fill(0);
  const coverage = new Array<number>(HOURS_PER_WEEK).fill(0);
  for (const p of series.points) {
    const bucket = p.localWeekday * 24 + p.localHour;
    sum[bucket] = (sum[bucket] as number) + p.count;
    coverage[bucket] = (coverage[bucket] as number) + 1;
  }
  const means: number[] = [];
  for (let b = 0; b < HOURS_PER_WEEK; b++) {
    const n = coverage[b] as number;
    if (n > 0) means.push((sum[b] as number) / n);
  }
  const overall = means.reduce((a, m) => a + m, 0) / means.length;
  const relativeRate = sum.map((s, b) => {
    const n = coverage[b] as number;
    return n === 0 || !(overall > 0) ? 1 : s / n / overall;
  });
  return { relativeRate, coverage };
}

/**
 * The instant in the data that the simulated time `tMs` replays: `tMs` moved by a whole number of
 * weeks, so the weekday and the time of day are unchanged in any fixed time zone.
 *
 * Alignment: let `span` be the whole number of years the series covers (at least 1) and `k` the
 * largest multiple of `span` not above the years elapsed from the series start to `tMs`. The shift
 * is `round(k × 365.2425 / 7)` weeks, the whole-week distance closest to `k` mean years, so the
 * replayed date is within 3.5 days of the same calendar date `k` years earlier (2026-03-02, a
 * Monday, replays Monday 2016-02-29 from 2015–2016 data) and the simulation cycles through the data
 * `span` years at a time. Public holidays and daylight-saving changes do not line up.
 */
export function replaySourceTime(series: FootfallSeries, tMs: number): number {
  const first = series.points[0];
  const last = series.points.at(-1);
  if (first === undefined || last === undefined) return tMs;
  const span = Math.max(1, Math.floor((last.ts + HOUR_MS - first.ts) / YEAR_MS));
  const elapsedYears = Math.floor((tMs - first.ts) / YEAR_MS);
  const k = elapsedYears - (((elapsedYears % span) + span) % span);
  return tMs - Math.round((k * YEAR_MS) / WEEK_MS) * WEEK_MS;
}

/**
 * The count recorded in the hour that contains `tMs` once shifted by {@link replaySourceTime};
 * `undefined` when that hour is missing from the data (a gap, or within a few days of the ends).
 */
export function replayRate(series: FootfallSeries, tMs: number): number | undefined {
  const source = replaySourceTime(series, tMs);
  const points = series.points;
  // Last point with ts <= source.
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((points[mid] as FootfallPoint).ts <= source) lo = mid + 1;
    else hi = mid;
  }
  const hit = points[lo - 1];
  return hit !== undefined && source < hit.ts + HOUR_MS ? hit.count : undefined;
}
