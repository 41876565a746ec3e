/**
 * Point-forecast accuracy (Hyndman & Koehler 2006; M5 for RMSSE): errors scaled by the in-sample
 * error of the seasonal naive forecast, so they compare across series of any size. Steps whose
 * actual value is missing (`NaN`) are left out everywhere.
 */

/** Mean |y_t − y_{t−m}| (or its square, `squared`) over the history: the scale of MASE / RMSSE. */
export function naiveScale(history: ArrayLike<number>, m: number, squared = false): number {
  let sum = 0;
  let n = 0;
  for (let t = m; t < history.length; t++) {
    const d = (history[t] as number) - (history[t - m] as number);
    if (Number.isNaN(d)) continue;
    sum += squared ? d * d : Math.abs(d);
    n++;
  }
  return n === 0 ? Number.NaN : sum / n;
}

function paired(actual: ArrayLike<number>, forecast: ArrayLike<number>, f: (y: number, yhat: number) => void): number {
  if (actual.length !== forecast.length)
    throw new RangeError(`actual has ${actual.length} values, forecast ${forecast.length}`);
  let n = 0;
  for (let i = 0; i < actual.length; i++) {
    const y = actual[i] as number;
    if (Number.isNaN(y)) continue;
    f(y, forecast[i] as number);
    n++;
  }
  return n;
}

/** Mean of error(y, ŷ) over the observed steps (NaN when none is). */
function meanError(
  actual: ArrayLike<number>,
  forecast: ArrayLike<number>,
  error: (y: number, yhat: number) => number,
): number {
  let sum = 0;
  const n = paired(actual, forecast, (y, yhat) => {
    sum += error(y, yhat);
  });
  return n === 0 ? Number.NaN : sum / n;
}

/** Mean absolute scaled error: MAE of the forecast ÷ in-sample MAE of seasonal naive (lag m). */
export function mase(
  actual: ArrayLike<number>,
  forecast: ArrayLike<number>,
  history: ArrayLike<number>,
  m: number,
): number {
  return meanError(actual, forecast, (y, yhat) => Math.abs(y - yhat)) / naiveScale(history, m);
}

/** Root mean squared scaled error (the M5 competition's measure). */
export function rmsse(
  actual: ArrayLike<number>,
  forecast: ArrayLike<number>,
  history: ArrayLike<number>,
  m: number,
): number {
  return Math.sqrt(meanError(actual, forecast, (y, yhat) => (y - yhat) ** 2) / naiveScale(history, m, true));
}

/** Σ error(y, ŷ) ÷ Σ|y| over the observed steps. */
function relativeSum(
  actual: ArrayLike<number>,
  forecast: ArrayLike<number>,
  error: (y: number, yhat: number) => number,
): number {
  let errors = 0;
  let total = 0;
  paired(actual, forecast, (y, yhat) => {
    errors += error(y, yhat);
    total += Math.abs(y);
  });
  return total === 0 ? Number.NaN : errors / total;
}

/** Weighted absolute percentage error: Σ|y − ŷ| ÷ Σ|y|. */
export function wape(actual: ArrayLike<number>, forecast: ArrayLike<number>): number {
  return relativeSum(actual, forecast, (y, yhat) => Math.abs(y - yhat));
}

/** Relative bias: Σ(ŷ − y) ÷ Σ|y|; positive means the forecast runs high. */
export function bias(actual: ArrayLike<number>, forecast: ArrayLike<number>): number {
  return relativeSum(actual, forecast, (y, yhat) => yhat - y);
}
