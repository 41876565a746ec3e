import { seasonalNaiveForecast } from '@aisle/protocols';

/**
 * The baselines every model is measured against, computed beside it on every run: seasonal naive,
 * moving average, additive Holt-Winters (exponential smoothing with trend and season), and
 * Croston's method (SBA) for intermittent demand. A forecaster reads a history (`NaN` = not
 * observed) and returns `horizon` values; it never throws on gaps or short histories, it falls
 * back to what the data allows (ultimately the mean of what was seen, or 0).
 */

/** Where a forecast starts: the first forecast step on the series' local clock (see `Series`). */
export interface ForecastOrigin {
  readonly localMs: number;
}

export interface Forecaster {
  readonly name: string;
  /** `origin` is given whenever known; models with calendar features need it, baselines do not. */
  forecast(history: ArrayLike<number>, horizon: number, origin?: ForecastOrigin): Float64Array;
}

function meanOf(values: ArrayLike<number>, from = 0, to = values.length): number {
  let sum = 0;
  let n = 0;
  for (let i = Math.max(0, from); i < to; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) continue;
    sum += v;
    n++;
  }
  return n === 0 ? Number.NaN : sum / n;
}

/** ŷ(T+h) = y(T+h−k·m), the latest observed value one or more seasons back (`seasonalNaiveForecast`). */
export function seasonalNaive(m: number): Forecaster {
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`season length must be a positive integer, got ${m}`);
  return { name: `seasonal-naive-${m}`, forecast: (history, horizon) => seasonalNaiveForecast(history, m, horizon) };
}

/** ŷ = mean of the last `window` observed values, flat over the horizon. */
export function movingAverage(window: number): Forecaster {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`window must be a positive integer, got ${window}`);
  return {
    name: `moving-average-${window}`,
    forecast(history, horizon) {
      let sum = 0;
      let n = 0;
      for (let t = history.length - 1; t >= 0 && n < window; t--) {
        const v = history[t] as number;
        if (Number.isNaN(v)) continue;
        sum += v;
        n++;
      }
      return new Float64Array(horizon).fill(n === 0 ? 0 : sum / n);
    },
  };
}

export interface HoltWintersOptions {
  /** Level, trend and season smoothing; fitted to the history when left out. */
  readonly alpha?: number;
  readonly beta?: number;
  readonly gamma?: number;
  /**
   * Trend damping φ (1: none); chosen from {1, 0.98} when left out. Damped trends forecast better
   * far out (Gardner & McKenzie).
   */
  readonly phi?: number;
  /** Steps of history used, at most (the most recent); fitting cost grows with it. */
  readonly maxHistory?: number;
}

interface HwState {
  readonly sse: number;
  readonly level: number;
  readonly trend: number;
  readonly season: Float64Array;
}

/**
 * Additive Holt-Winters over `history` with given parameters: one-step errors' sum of squares and
 * the final state. A missing value is replaced by its one-step forecast (the state carries on).
 */
function holtWintersRun(
  y: ArrayLike<number>,
  m: number,
  alpha: number,
  beta: number,
  gamma: number,
  phi: number,
): HwState {
  // Initial state from the first two seasons: level = first season's mean, trend = the mean
  // change per step between them, season = first season minus its mean.
  const season = new Float64Array(m);
  const first = meanOf(y, 0, m);
  const second = meanOf(y, m, 2 * m);
  let level = Number.isNaN(first) ? 0 : first;
  let trend = Number.isNaN(first) || Number.isNaN(second) ? 0 : (second - first) / m;
  for (let i = 0; i < m; i++) {
    const v = y[i] as number;
    season[i] = Number.isNaN(v) ? 0 : v - level;
  }
  let sse = 0;
  for (let t = m; t < y.length; t++) {
    const s = season[t % m] as number;
    const predicted = level + phi * trend + s;
    const observed = y[t] as number;
    const value = Number.isNaN(observed) ? predicted : observed;
    if (!Number.isNaN(observed)) sse += (value - predicted) ** 2;
    const previousLevel = level;
    level = alpha * (value - s) + (1 - alpha) * (previousLevel + phi * trend);
    trend = beta * (level - previousLevel) + (1 - beta) * phi * trend;
    season[t % m] = gamma * (value - level) + (1 - gamma) * s;
  }
  return { sse, level, trend, season };
}

/** Additive Holt-Winters with a damped trend; parameters by grid search on one-step squared error. */
export function holtWinters(m: number, options: HoltWintersOptions = {}): Forecaster {
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`season length must be a positive integer, got ${m}`);
  const grid = [0.02, 0.05, 0.1, 0.2, 0.35, 0.5];
  return {
    name: `holt-winters-${m}`,
    forecast(full, horizon) {
      const maxHistory = options.maxHistory ?? 12 * m;
      const y = Array.prototype.slice.call(full, Math.max(0, full.length - maxHistory)) as number[];
      // Below two seasons there is nothing to initialise a season from.
      if (y.length < 2 * m) return seasonalNaive(m).forecast(full, horizon);
      let best: (HwState & { phi: number }) | undefined;
      for (const phi of options.phi === undefined ? [1, 0.98] : [options.phi])
        for (const alpha of options.alpha === undefined ? grid : [options.alpha])
          for (const beta of options.beta === undefined ? [0, 0.01, 0.05, 0.1] : [options.beta])
            for (const gamma of options.gamma === undefined ? [0.05, 0.1, 0.2, 0.35] : [options.gamma]) {
              const state = holtWintersRun(y, m, alpha, beta, gamma, phi);
              if (best === undefined || state.sse < best.sse) best = { ...state, phi };
            }
      const { level, trend, season, phi } = best as HwState & { phi: number };
      const out = new Float64Array(horizon);
      let damped = 0;
      for (let h = 1; h <= horizon; h++) {
        damped += phi ** h;
        out[h - 1] = level + damped * trend + (season[(y.length + h - 1) % m] as number);
      }
      return out;
    },
  };
}

/**
 * Croston's method with the Syntetos-Boylan bias correction (SBA) for intermittent demand: demand
 * sizes and the intervals between demands are smoothed apart; ŷ = (1 − α/2) · size / interval.
 */
export function croston(alpha = 0.1): Forecaster {
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`alpha must be in (0, 1], got ${alpha}`);
  return {
    name: 'croston-sba',
    forecast(history, horizon) {
      let size = Number.NaN;
      let interval = Number.NaN;
      let since = 1;
      for (let t = 0; t < history.length; t++) {
        const v = history[t] as number;
        if (Number.isNaN(v)) continue;
        if (v > 0) {
          if (Number.isNaN(size)) {
            size = v;
            interval = since;
          } else {
            size += alpha * (v - size);
            interval += alpha * (since - interval);
          }
          since = 1;
        } else since++;
      }
      const rate = Number.isNaN(size) ? 0 : ((1 - alpha / 2) * size) / interval;
      return new Float64Array(horizon).fill(rate);
    },
  };
}
