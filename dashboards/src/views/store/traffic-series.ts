import type { FootfallHistory } from '../../api/types.js';
import type { StoreState } from './store-state.js';

/** Entries per hour: what the doors counted, and the doors' forecast mean with its interval. */
export interface TrafficSeries {
  readonly bucketMs: number;
  /** Bucket starts, ms. */
  readonly at: number[];
  readonly actual: (number | null)[];
  readonly mean: (number | null)[];
  readonly lower: (number | null)[];
  readonly upper: (number | null)[];
  readonly level: number | undefined;
  /** Hours whose actual comes (at least partly) from the hub's history. */
  readonly fromHistory: number;
}

const HOUR_MS = 3_600_000;

/**
 * The site's doors summed per UTC hour. Actual: the hub's hourly history (`GET …/footfall`) plus
 * the counts that arrived live after the hub read it (`asOf`; a count is for the interval that ends
 * at its ts, so it goes to the hour of `ts - 1`), so the current hour grows with every count and a
 * reload starts from two days of history. A count with a ts at or before `asOf` is in the history
 * already and is not added again (one that reached the hub later than it was read is missed until
 * the next read of the history). Forecast: the doors' means, lower and upper bounds summed, each
 * step spread over the hours it covers by overlap (a daily step gives each hour its share).
 * Summed bounds are wider than the site's true interval (the doors' errors are not all in the same
 * direction), so the band errs on the safe side.
 */
export function trafficSeries(state: StoreState, history?: FootfallHistory): TrafficSeries {
  const forecasts = [...state.doorForecasts.values()];
  const byBucket = new Map<number, { actual?: number; mean?: number; lower?: number; upper?: number }>();
  const at = (ts: number) => {
    const b = Math.floor(ts / HOUR_MS) * HOUR_MS;
    const row = byBucket.get(b) ?? {};
    byBucket.set(b, row);
    return row;
  };
  for (const h of history?.hours ?? []) {
    const row = at(h.hour);
    row.actual = (row.actual ?? 0) + h.entries;
  }
  const fromHistory = byBucket.size;
  const asOf = history?.asOf ?? Number.NEGATIVE_INFINITY;
  for (const points of state.doors.values())
    for (const p of points) {
      if (p.ts <= asOf) continue;
      const row = at(p.ts - 1);
      row.actual = (row.actual ?? 0) + p.entries;
    }
  for (const f of forecasts)
    f.mean.forEach((m, i) => {
      const start = f.start + i * f.stepMs;
      const end = start + f.stepMs;
      for (let hour = Math.floor(start / HOUR_MS) * HOUR_MS; hour < end; hour += HOUR_MS) {
        const share = (Math.min(end, hour + HOUR_MS) - Math.max(start, hour)) / f.stepMs;
        const row = at(hour);
        row.mean = (row.mean ?? 0) + m * share;
        row.lower = (row.lower ?? 0) + (f.lower[i] ?? m) * share;
        row.upper = (row.upper ?? 0) + (f.upper[i] ?? m) * share;
      }
    });
  const keys = [...byBucket.keys()].sort((a, b) => a - b);
  const pick = (k: 'actual' | 'mean' | 'lower' | 'upper') => keys.map((b) => byBucket.get(b)?.[k] ?? null);
  return {
    bucketMs: HOUR_MS,
    at: keys,
    actual: pick('actual'),
    mean: pick('mean'),
    lower: pick('lower'),
    upper: pick('upper'),
    level: forecasts[0]?.level,
    fromHistory,
  };
}
