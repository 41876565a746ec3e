import type { Explanation } from '@aisle/protocols';
import { isNonNegative, type Rejection } from './reasons.js';

/**
 * Phantom inventory: the system shows units on a lane that are not there to sell. Two tests, each
 * over a window of given hours, each a pure function of what it is given:
 *
 * - **no-sales**: the lane shows stock, the forecast expected λ sales over the window (Σ of its
 *   hourly forecast, units), and none happened. Sales are Poisson, so P(0 sales | λ) = e^−λ; below
 *   `zeroSalesProbability` the silence is not bad luck. A slow lane (λ = 0.5 → P = 0.61) is not
 *   flagged for an empty day; a lane expected to sell 6 (P = 0.0025) is.
 * - **pos-weight-mismatch**: the shelf's weight says `weightDepletionUnits` left the lane (restocks
 *   already taken out by the caller) while the POS sold `posUnits`. More gone than sold: shrink
 *   (theft, damage) the system still counts as stock; more sold than gone: sales scanned on another
 *   lane's SKU. Flagged when |weight − POS| > max(`absoluteTolerance`, `relativeTolerance` ·
 *   max(weight, POS)).
 */

export interface LaneObservation {
  readonly site: string;
  readonly lane: string;
  readonly sku: string;
  /** Units the system shows on the lane now. */
  readonly systemUnits: number;
  /** Forecast sales per hour over the window just ended; its length is the window in hours. */
  readonly hourlyForecast: ArrayLike<number>;
  /** Units sold at the POS over the window. */
  readonly posUnits: number;
  /** Units gone from the lane by shelf weight over the window; absent for a lane without a scale. */
  readonly weightDepletionUnits?: number;
  /**
   * Units expected in shoppers' baskets, picked and not yet paid, at the window's start plus at its
   * end: the shelf weighs a pick when it happens, the POS when the basket is paid, so the two
   * counts differ by what is in flight at either edge. Widens the mismatch tolerance by
   * `inFlightZ` · √(this). Absent: 0.
   */
  readonly inFlightUnits?: number;
}

export interface PhantomOptions {
  readonly zeroSalesProbability: number;
  readonly absoluteTolerance: number;
  readonly relativeTolerance: number;
  /** Standard deviations of the in-flight count (Poisson: √ of its mean) added to the tolerance. */
  readonly inFlightZ: number;
}

/**
 * For a window from one closed hour to the next (no basket open at either edge): a unit of slack
 * plus 2 % of the units (weight-to-unit rounding, a scan on the wrong SKU). On the simulator's
 * demo world with 80 injected shrink lanes these flag 90 % within 24 h and no healthy SKU (see
 * `docs/replenishment/simulation/`); an open-hours window needs the in-flight term.
 */
export const DEFAULT_PHANTOM_OPTIONS: PhantomOptions = {
  zeroSalesProbability: 0.01,
  absoluteTolerance: 1,
  relativeTolerance: 0.02,
  inFlightZ: 3,
};

export const PHANTOM_TESTS = ['no-sales', 'pos-weight-mismatch'] as const;

export interface PhantomFlag {
  readonly site: string;
  readonly lane: string;
  readonly sku: string;
  readonly test: (typeof PHANTOM_TESTS)[number];
  /** no-sales: P(0 sales | λ). */
  readonly probability?: number;
  /** pos-weight-mismatch: weight depletion − POS units (positive: more gone than sold). */
  readonly discrepancyUnits?: number;
  readonly explanation: Explanation;
}

export interface PhantomReport {
  readonly flags: PhantomFlag[];
  readonly rejected: Rejection[];
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

function invalid(o: LaneObservation): Rejection | undefined {
  const reject = (reason: Rejection['reason'], detail: string): Rejection => ({
    ok: false,
    sku: o.sku,
    site: o.site,
    lane: o.lane,
    reason,
    detail,
  });
  if (!isNonNegative(o.systemUnits)) return reject('NEGATIVE_STOCK', `systemUnits=${o.systemUnits}`);
  if (o.hourlyForecast.length === 0) return reject('INVALID_WINDOW', 'hourlyForecast.length=0');
  for (let h = 0; h < o.hourlyForecast.length; h++)
    if (!isNonNegative(o.hourlyForecast[h]))
      return reject('INVALID_FORECAST', `hourlyForecast[${h}]=${o.hourlyForecast[h]}`);
  if (!isNonNegative(o.posUnits)) return reject('INVALID_WINDOW', `posUnits=${o.posUnits}`);
  if (o.weightDepletionUnits !== undefined && !Number.isFinite(o.weightDepletionUnits))
    return reject('INVALID_WINDOW', `weightDepletionUnits=${o.weightDepletionUnits}`);
  if (o.inFlightUnits !== undefined && !isNonNegative(o.inFlightUnits))
    return reject('INVALID_WINDOW', `inFlightUnits=${o.inFlightUnits}`);
  return undefined;
}

export function detectPhantomInventory(
  observations: readonly LaneObservation[],
  options: PhantomOptions = DEFAULT_PHANTOM_OPTIONS,
): PhantomReport {
  const flags: PhantomFlag[] = [];
  const rejected: Rejection[] = [];
  for (const o of observations) {
    const bad = invalid(o);
    if (bad !== undefined) {
      rejected.push(bad);
      continue;
    }
    const hours = o.hourlyForecast.length;
    const where = { site: o.site, lane: o.lane, sku: o.sku };
    let lambda = 0;
    for (let h = 0; h < hours; h++) lambda += o.hourlyForecast[h] as number;
    const probability = Math.exp(-lambda);
    if (o.systemUnits > 0 && o.posUnits === 0 && probability < options.zeroSalesProbability) {
      flags.push({
        ...where,
        test: 'no-sales',
        probability,
        explanation: {
          rule: 'no-sales',
          text: `No sales in ${hours} h while the system shows ${o.systemUnits} units and the forecast expected ${round(lambda, 2)}: P(0 sales) = ${probability.toPrecision(3)} < ${options.zeroSalesProbability}. Count the lane.`,
          values: {
            systemUnits: o.systemUnits,
            windowHours: hours,
            expectedSales: lambda,
            posUnits: 0,
            probability,
            threshold: options.zeroSalesProbability,
          },
        },
      });
    }
    if (o.weightDepletionUnits === undefined) continue;
    const discrepancy = o.weightDepletionUnits - o.posUnits;
    const tolerance =
      Math.max(options.absoluteTolerance, options.relativeTolerance * Math.max(o.weightDepletionUnits, o.posUnits)) +
      options.inFlightZ * Math.sqrt(o.inFlightUnits ?? 0);
    if (Math.abs(discrepancy) <= tolerance) continue;
    const why =
      discrepancy > 0
        ? 'more left the shelf than was sold (shrink the system still counts)'
        : 'more was sold than left the shelf (scanned against another lane)';
    flags.push({
      ...where,
      test: 'pos-weight-mismatch',
      discrepancyUnits: discrepancy,
      explanation: {
        rule: 'pos-weight-mismatch',
        text: `In ${hours} h the shelf weight lost ${round(o.weightDepletionUnits, 2)} units and the POS sold ${o.posUnits}: ${why}, beyond the tolerance of ${round(tolerance, 2)}.`,
        values: {
          systemUnits: o.systemUnits,
          windowHours: hours,
          posUnits: o.posUnits,
          weightDepletionUnits: o.weightDepletionUnits,
          discrepancy,
          inFlightUnits: o.inFlightUnits ?? 0,
          tolerance,
        },
      },
    });
  }
  return { flags, rejected };
}
