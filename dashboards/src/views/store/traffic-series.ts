import type { StoreState } from './store-state.js';

/** Entries per bucket: what the doors counted, and the doors' forecast mean with its interval. */
export interface TrafficSeries {
  readonly bucketMs: number;
  /** Bucket starts, ms. */
  readonly at: number[];
  readonly actual: (number | null)[];
  readonly mean: (number | null)[];
  readonly lower: (number | null)[];
  readonly upper: (number | null)[];
  readonly level: number | undefined;
}

/**
 * The site's doors summed: counts bucketed to the forecasts' step (or the doors' own interval
 * when no forecast came yet), the forecasts' means, lower and upper bounds summed step by step.
 * Summed bounds are wider than the site's true interval (the doors' errors are not all in the same
 * direction), so the band errs on the safe side.
 */
export function trafficSeries(state: StoreState): TrafficSeries {
  const forecasts = [...state.doorForecasts.values()];
  const bucketMs = forecasts[0]?.stepMs ?? 60_000;
  const byBucket = new Map<number, { actual?: number; mean?: number; lower?: number; upper?: number }>();
  const at = (ts: number) => {
    const b = Math.floor(ts / bucketMs) * bucketMs;
    const row = byBucket.get(b) ?? {};
    byBucket.set(b, row);
    return row;
  };
  // A count is for the interval that ends at its ts.
  for (const points of state.doors.values())
    for (const p of points) {
      const row = at(p.ts - 1);
      row.actual = (row.actual ?? 0) + p.entries;
    }
  for (const f of forecasts)
    f.mean.forEach((m, i) => {
      const row = at(f.start + i * f.stepMs);
      row.mean = (row.mean ?? 0) + m;
      row.lower = (row.lower ?? 0) + (f.lower[i] ?? m);
      row.upper = (row.upper ?? 0) + (f.upper[i] ?? m);
    });
  const keys = [...byBucket.keys()].sort((a, b) => a - b);
  const pick = (k: 'actual' | 'mean' | 'lower' | 'upper') => keys.map((b) => byBucket.get(b)?.[k] ?? null);
  return {
    bucketMs,
    at: keys,
    actual: pick('actual'),
    mean: pick('mean'),
    lower: pick('lower'),
    upper: pick('upper'),
    level: forecasts[0]?.level,
  };
}
