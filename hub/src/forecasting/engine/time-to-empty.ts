import { emptyAt } from '@aisle/protocols';

/**
 * Lane time to empty, scored against what really happened. A forecast of hourly sales from an
 * origin becomes a time to empty through `emptyAt` (the first moment cumulative forecast sales
 * reach the units on the shelf, with the interval from the forecast's own lower and upper bounds);
 * the truth is the time the lane's own later demand took to reach those units, with no restock
 * (see `aisle-sim lanes`). Times are hours from the origin; `null` is "not within the horizon".
 */

/** Sales of the hours a lane stood empty for any time are not demand: those hours become gaps. */
export function censoredSales(sold: ArrayLike<number>, emptyMinutes: ArrayLike<number>): Float64Array {
  const out = new Float64Array(sold.length);
  for (let h = 0; h < sold.length; h++) out[h] = (emptyMinutes[h] as number) > 0 ? Number.NaN : (sold[h] as number);
  return out;
}

export interface TimeToEmptyCase {
  readonly lane: string;
  /** Step of the origin in the lane's series (the first forecast hour). */
  readonly origin: number;
  readonly units: number;
  readonly truthH: number | null;
  readonly expectedH: number | null;
  readonly earliestH: number | null;
  readonly latestH: number | null;
}

/** A forecast of `horizon` hourly sales with its interval → time to empty for `units`, in hours. */
export function predictTimeToEmpty(
  units: number,
  forecast: { readonly mean: ArrayLike<number>; readonly lower: ArrayLike<number>; readonly upper: ArrayLike<number> },
): { expectedH: number | null; earliestH: number | null; latestH: number | null } {
  const at = emptyAt(units, forecast, 0, 1);
  return { expectedH: at.expected, earliestH: at.earliest, latestH: at.latest };
}

/** The truth as a case reads it: hours to empty if within the horizon, else `null`. */
export function truthWithin(emptiesInH: number, horizon: number): number | null {
  return Number.isFinite(emptiesInH) && emptiesInH <= horizon ? emptiesInH : null;
}

export interface TimeToEmptyScore {
  /** (origin, lane) pairs with units on the shelf at the origin. */
  readonly cases: number;
  /** …of which the truth empties within the horizon: the pairs the errors are measured on. */
  readonly truthEmpties: number;
  /**
   * |predicted − true| hours over `truthEmpties`. A prediction of "not within the horizon" counts
   * as the horizon itself, so its error is a lower bound (and is also counted in `missed`).
   */
  readonly medianAbsErrorH: number;
  readonly meanAbsErrorH: number;
  readonly p90AbsErrorH: number;
  /** Median of predicted − true over `truthEmpties`: positive means the lane empties sooner than said. */
  readonly medianErrorH: number;
  /** Truth empties within the horizon, the prediction says not. */
  readonly missed: number;
  /** The prediction empties within the horizon, the truth does not. */
  readonly falseAlarms: number;
  /** Share of `truthEmpties` whose true time lies in [earliest, latest] (latest `null`: open-ended). */
  readonly coverage: number;
  /** Share of the other cases whose interval leaves room for "not within the horizon" (latest `null`). */
  readonly coverageNotEmpty: number;
  /** Median of latest − earliest over `truthEmpties`, latest `null` counted as the horizon. */
  readonly medianIntervalH: number;
}

function quantileOf(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = q * (sorted.length - 1);
  const below = Math.floor(at);
  const above = Math.min(sorted.length - 1, below + 1);
  return (sorted[below] as number) + ((sorted[above] as number) - (sorted[below] as number)) * (at - below);
}

const sortedCopy = (values: readonly number[]) => [...values].sort((a, b) => a - b);

export function scoreTimeToEmpty(cases: readonly TimeToEmptyCase[], horizon: number): TimeToEmptyScore {
  const absolute: number[] = [];
  const signed: number[] = [];
  const widths: number[] = [];
  let missed = 0;
  let falseAlarms = 0;
  let covered = 0;
  let others = 0;
  let othersCovered = 0;
  for (const c of cases) {
    if (c.truthH === null) {
      others++;
      if (c.latestH === null) othersCovered++;
      if (c.expectedH !== null) falseAlarms++;
      continue;
    }
    if (c.expectedH === null) missed++;
    const predicted = c.expectedH ?? horizon;
    absolute.push(Math.abs(predicted - c.truthH));
    signed.push(predicted - c.truthH);
    widths.push((c.latestH ?? horizon) - (c.earliestH ?? horizon));
    if ((c.earliestH ?? Number.POSITIVE_INFINITY) <= c.truthH && c.truthH <= (c.latestH ?? Number.POSITIVE_INFINITY))
      covered++;
  }
  const abs = sortedCopy(absolute);
  return {
    cases: cases.length,
    truthEmpties: absolute.length,
    medianAbsErrorH: quantileOf(abs, 0.5),
    meanAbsErrorH: abs.length === 0 ? Number.NaN : abs.reduce((a, b) => a + b, 0) / abs.length,
    p90AbsErrorH: quantileOf(abs, 0.9),
    medianErrorH: quantileOf(sortedCopy(signed), 0.5),
    missed,
    falseAlarms,
    coverage: absolute.length === 0 ? Number.NaN : covered / absolute.length,
    coverageNotEmpty: others === 0 ? Number.NaN : othersCovered / others,
    medianIntervalH: quantileOf(sortedCopy(widths), 0.5),
  };
}
