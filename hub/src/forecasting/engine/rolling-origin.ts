import type { Forecaster } from './baselines.js';
import { bias, mase, rmsse, wape } from './metrics.js';
import { type Series, STEP_MS } from './series.js';

/**
 * Rolling-origin evaluation (Tashman 2000): the forecast origin moves through the last part of
 * each series; at each origin every forecaster sees only the history before it and forecasts the
 * next `horizon` steps, which are then compared with what happened. No step after an origin is
 * ever seen by a forecast made at it.
 */
export interface RollingOriginOptions {
  /** Steps forecast from each origin. */
  readonly horizon: number;
  /** Origins per series (the last one leaves exactly `horizon` steps after it). */
  readonly origins: number;
  /** Steps between consecutive origins. */
  readonly every: number;
  /** Season length of the scale (MASE / RMSSE are relative to seasonal naive at this lag). */
  readonly scaleLag: number;
  /** Steps of history each forecaster is given at most (the most recent). Default: all. */
  readonly maxHistory?: number;
}

export interface Accuracy {
  readonly mase: number;
  readonly rmsse: number;
  readonly wape: number;
  readonly bias: number;
}

export interface SeriesScore extends Accuracy {
  readonly series: string;
  /** Origins that had an actual value to score (an origin whose horizon is all gaps is skipped). */
  readonly origins: number;
}

export interface ForecasterScore {
  readonly forecaster: string;
  /** Means over the series (each series the mean over its origins). */
  readonly mean: Accuracy;
  readonly perSeries: readonly SeriesScore[];
}

function average(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  return finite.length === 0 ? Number.NaN : finite.reduce((a, b) => a + b, 0) / finite.length;
}

/** The origins of a series of `length` steps: indices of the first forecast step, oldest first. */
export function originsOf(length: number, options: RollingOriginOptions): number[] {
  const last = length - options.horizon;
  const origins: number[] = [];
  for (let k = options.origins - 1; k >= 0; k--) {
    const origin = last - k * options.every;
    if (origin > options.scaleLag) origins.push(origin);
  }
  return origins;
}

export function rollingOrigin(
  series: readonly Series[],
  forecasters: readonly Forecaster[],
  options: RollingOriginOptions,
): ForecasterScore[] {
  return forecasters.map((forecaster) => {
    const perSeries = series.map((s): SeriesScore => {
      const scores: Accuracy[] = [];
      for (const origin of originsOf(s.values.length, options)) {
        const from = options.maxHistory === undefined ? 0 : Math.max(0, origin - options.maxHistory);
        const history = s.values.subarray(from, origin);
        const actual = s.values.subarray(origin, origin + options.horizon);
        if (actual.every((v) => Number.isNaN(v))) continue;
        const forecast = forecaster.forecast(history, options.horizon, {
          localMs: s.start + origin * STEP_MS[s.granularity],
        });
        scores.push({
          mase: mase(actual, forecast, history, options.scaleLag),
          rmsse: rmsse(actual, forecast, history, options.scaleLag),
          wape: wape(actual, forecast),
          bias: bias(actual, forecast),
        });
      }
      return {
        series: s.name,
        origins: scores.length,
        mase: average(scores.map((a) => a.mase)),
        rmsse: average(scores.map((a) => a.rmsse)),
        wape: average(scores.map((a) => a.wape)),
        bias: average(scores.map((a) => a.bias)),
      };
    });
    return {
      forecaster: forecaster.name,
      perSeries,
      mean: {
        mase: average(perSeries.map((p) => p.mase)),
        rmsse: average(perSeries.map((p) => p.rmsse)),
        wape: average(perSeries.map((p) => p.wape)),
        bias: average(perSeries.map((p) => p.bias)),
      },
    };
  });
}
