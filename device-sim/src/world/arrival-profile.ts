import { type FootfallSeries, hourOfWeekProfile, replayRate } from '../replay/footfall.js';

/**
 * Shopper arrivals driven by real pedestrian counts: the relative rate at simulated time t is the
 * count recorded in the replayed hour (same weekday and hour, see `replaySourceTime`) over the
 * series' peak, times `scale`. Hours missing from the data fall back to the series' mean shape for
 * that hour of the week, so a gap in the data is not a closed store.
 */
export function footfallArrivalProfile(
  series: FootfallSeries,
  scale: number,
  utcOffsetHours: number,
): { profile: (tMs: number) => number; max: number } {
  const peak = Math.max(1, ...series.points.map((p) => p.count));
  const mean = series.points.reduce((sum, p) => sum + p.count, 0) / Math.max(1, series.points.length);
  const shape = hourOfWeekProfile(series).relativeRate;
  const profile = (tMs: number) => {
    const count = replayRate(series, tMs);
    if (count !== undefined) return (count / peak) * scale;
    const local = tMs + utcOffsetHours * 3_600_000;
    const bucket = ((Math.floor(local / 86_400_000) + 3) % 7) * 24 + (Math.floor(local / 3_600_000) % 24);
    return Math.min(1, ((shape[bucket] ?? 1) * mean) / peak) * scale;
  };
  return { profile, max: scale };
}
