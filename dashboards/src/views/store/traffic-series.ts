import type { FootfallHistory } from '../../api/types.js';
import type { StoreState } from './store-state.js';

/** The hub's hourly history as the screen read it. */
export interface TrafficHistory {
  readonly hours: FootfallHistory['hours'];
  /**
   * Per door, the newest count the screen held when it asked: the hub pushes a count only once it
   * is stored, so those counts (and older ones) are in `hours` already.
   */
  readonly counted: ReadonlyMap<string, number>;
}

/** Per door, the ts of the newest count the state holds (what a history read will have counted). */
export function newestCounts(state: StoreState): Map<string, number> {
  const newest = new Map<string, number>();
  for (const [door, points] of state.doors) {
    const last = points.at(-1);
    if (last !== undefined) newest.set(door, last.ts);
  }
  return newest;
}

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
 * each door's counts newer than the one the screen held when it asked (`counted`; a count is for
 * the interval that ends at its ts, so it goes to the hour of `ts - 1`), so the current hour grows
 * with every count and a reload starts from two days of history. Timestamps are the gateways'
 * (the demo's are simulated), never compared with the browser's or the hub's clock. A count the hub
 * stored while the read was in flight is counted twice until the next read. Forecast: the doors' means, lower and upper bounds summed, each
 * step spread over the hours it covers by overlap (a daily step gives each hour its share).
 * Summed bounds are wider than the site's true interval (the doors' errors are not all in the same
 * direction), so the band errs on the safe side.
 */
export function trafficSeries(state: StoreState, history?: TrafficHistory): TrafficSeries {
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
  for (const [door, points] of state.doors) {
    const counted = history?.counted.get(door) ?? Number.NEGATIVE_INFINITY;
    for (const p of points) {
      if (p.ts <= counted) continue;
      const row = at(p.ts - 1);
      row.actual = (row.actual ?? 0) + p.entries;
    }
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
