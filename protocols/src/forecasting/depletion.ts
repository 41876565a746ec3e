/**
 * Shelf-lane depletion from a sales forecast: when a lane holding `unitsNow` units runs empty, the
 * first moment cumulative forecast sales reach what it holds (linear within a step). The interval
 * comes from the forecast's own: selling at the upper bound empties the lane earliest, at the lower
 * bound latest. `null` means not within the horizon.
 */
export interface EmptyAt {
  readonly expected: number | null;
  readonly earliest: number | null;
  readonly latest: number | null;
}

/** When cumulative `rate` (units per step, from `start`, steps of `stepMs`) reaches `units`. */
export function reachedAt(units: number, rate: ArrayLike<number>, start: number, stepMs: number): number | null {
  if (units <= 0) return start;
  let cumulative = 0;
  for (let i = 0; i < rate.length; i++) {
    const step = Math.max(0, rate[i] as number);
    if (cumulative + step >= units) return start + (i + (units - cumulative) / step) * stepMs;
    cumulative += step;
  }
  return null;
}

export function emptyAt(
  unitsNow: number,
  forecast: { readonly mean: ArrayLike<number>; readonly lower: ArrayLike<number>; readonly upper: ArrayLike<number> },
  start: number,
  stepMs: number,
): EmptyAt {
  return {
    expected: reachedAt(unitsNow, forecast.mean, start, stepMs),
    earliest: reachedAt(unitsNow, forecast.upper, start, stepMs),
    latest: reachedAt(unitsNow, forecast.lower, start, stepMs),
  };
}

/**
 * Empirical prediction intervals: per forecast step, the quantiles of past relative errors
 * (actual − forecast, both divided by the window's scale) at (1 − level)/2 and (1 + level)/2,
 * e.g. from the validation weeks held out in training. A forecast's interval is its mean plus those
 * errors times its own scale, never below zero (counts).
 */
export interface ErrorQuantiles {
  readonly level: number;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const at = q * (sorted.length - 1);
  const below = Math.floor(at);
  const above = Math.min(sorted.length - 1, below + 1);
  return (sorted[below] as number) + ((sorted[above] as number) - (sorted[below] as number)) * (at - below);
}

/** `errors[k]` is one example's scaled errors over the horizon (NaN where the actual is missing). */
export function errorQuantiles(errors: readonly ArrayLike<number>[], horizon: number, level: number): ErrorQuantiles {
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  const lower = new Float64Array(horizon);
  const upper = new Float64Array(horizon);
  for (let h = 0; h < horizon; h++) {
    const column = errors.map((e) => e[h] as number).filter((v) => Number.isFinite(v));
    column.sort((a, b) => a - b);
    lower[h] = quantile(column, (1 - level) / 2);
    upper[h] = quantile(column, (1 + level) / 2);
  }
  return { level, lower, upper };
}

export function intervalOf(
  mean: ArrayLike<number>,
  scale: number,
  errors: ErrorQuantiles,
): { readonly lower: Float64Array; readonly upper: Float64Array } {
  const lower = new Float64Array(mean.length);
  const upper = new Float64Array(mean.length);
  for (let h = 0; h < mean.length; h++) {
    const m = mean[h] as number;
    lower[h] = Math.max(0, m + (errors.lower[h] ?? 0) * scale);
    upper[h] = Math.max(lower[h] as number, m + (errors.upper[h] ?? 0) * scale);
  }
  return { lower, upper };
}
