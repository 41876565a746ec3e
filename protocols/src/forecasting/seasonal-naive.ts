/**
 * The seasonal-naive forecast, shared by the hub (a baseline beside every model) and the edge (the
 * forecast a gateway runs when it has no valid model): ŷ(T+h) = y(T+h−k·m), the latest observed value
 * one or more seasons back. `NaN` in the history is a gap; a phase never observed takes the history's
 * mean, or 0 when nothing was observed.
 */
export function seasonalNaiveForecast(history: ArrayLike<number>, m: number, horizon: number): Float64Array {
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`season length must be a positive integer, got ${m}`);
  const out = new Float64Array(horizon);
  const n = history.length;
  let sum = 0;
  let seen = 0;
  for (let t = 0; t < n; t++) {
    const v = history[t] as number;
    if (Number.isNaN(v)) continue;
    sum += v;
    seen++;
  }
  const fallback = seen === 0 ? 0 : sum / seen;
  for (let h = 0; h < horizon; h++) {
    let value = Number.NaN;
    // The same phase of the latest season that has it observed.
    for (let t = n - m + (h % m); t >= 0 && Number.isNaN(value); t -= m) value = history[t] as number;
    out[h] = Number.isNaN(value) ? fallback : value;
  }
  return out;
}
