import type { Forecaster } from '../../forecasting/engine/baselines.js';
import { inverseNormalCdf } from './normal.js';
import { demandOver, safetyStock, shapeOrder } from './order-up-to.js';

/**
 * Offline evaluation: replay a daily demand series through a replenishment policy and measure what
 * a store would have seen. Deterministic, no clock, no I/O (see `demand-csv.ts` for the reader).
 *
 * One day, in this order: (1) the day's demand meets the stock on hand — what is not there is lost,
 * a shopper at retail does not wait (no backorders); (2) orders due today are received at the
 * close; (3) on review days (every `reviewDays`, from day 0) the policy sees on hand, on order and
 * the demand so far and orders; an order placed at the close of day t is received at the close of
 * day t + L and sells from day t + L + 1, so it must cover exactly L + R days — the protection
 * interval of the order-up-to formula; (4) the closing stock is recorded. An order that would
 * arrive after the last day still counts as an order.
 *
 * Measures: fill rate = units sold ÷ units demanded (1 when nothing was demanded); lost units;
 * average units on hand = mean closing stock; days of cover = average on hand ÷ mean daily demand;
 * number of orders and units ordered.
 */

export interface PolicyView {
  readonly day: number;
  readonly onHand: number;
  /** Units ordered and not yet received. */
  readonly onOrder: number;
  /** Demand of days 0 … `day` (today's included: the review is at the close). */
  readonly history: Float64Array;
}

export interface ReplenishmentPolicy {
  readonly name: string;
  /** Units to order at this review (0: none). */
  orderUnits(view: PolicyView): number;
}

export interface ReplayOptions {
  /** L, whole days ≥ 0. */
  readonly leadTimeDays: number;
  /** R, whole days ≥ 1. */
  readonly reviewDays: number;
  readonly initialOnHand: number;
}

export interface ReplayResult {
  readonly policy: string;
  readonly days: number;
  readonly demandUnits: number;
  readonly soldUnits: number;
  readonly lostUnits: number;
  readonly fillRate: number;
  readonly averageOnHand: number;
  readonly daysOfCover: number;
  readonly orders: number;
  readonly orderedUnits: number;
}

function checkOptions(o: ReplayOptions): void {
  if (!(Number.isInteger(o.leadTimeDays) && o.leadTimeDays >= 0))
    throw new RangeError(`leadTimeDays must be a whole number ≥ 0, got ${o.leadTimeDays}`);
  if (!(Number.isInteger(o.reviewDays) && o.reviewDays >= 1))
    throw new RangeError(`reviewDays must be a whole number ≥ 1, got ${o.reviewDays}`);
  if (!(Number.isFinite(o.initialOnHand) && o.initialOnHand >= 0))
    throw new RangeError(`initialOnHand must be ≥ 0, got ${o.initialOnHand}`);
}

function measures(
  policy: string,
  days: number,
  demandUnits: number,
  soldUnits: number,
  onHandSum: number,
  orders: number,
  orderedUnits: number,
): ReplayResult {
  const averageOnHand = days === 0 ? 0 : onHandSum / days;
  const meanDemand = days === 0 ? 0 : demandUnits / days;
  return {
    policy,
    days,
    demandUnits,
    soldUnits,
    lostUnits: demandUnits - soldUnits,
    fillRate: demandUnits === 0 ? 1 : soldUnits / demandUnits,
    averageOnHand,
    daysOfCover: meanDemand === 0 ? Number.POSITIVE_INFINITY : averageOnHand / meanDemand,
    orders,
    orderedUnits,
  };
}

/** Replays one SKU's daily demand (units per day, day 0 first) through `policy`. */
export function replay(demand: ArrayLike<number>, policy: ReplenishmentPolicy, options: ReplayOptions): ReplayResult {
  checkOptions(options);
  const days = demand.length;
  const history = Float64Array.from(demand);
  const arriving = new Float64Array(days + options.leadTimeDays + 1);
  let onHand = options.initialOnHand;
  let onOrder = 0;
  let demandUnits = 0;
  let soldUnits = 0;
  let onHandSum = 0;
  let orders = 0;
  let orderedUnits = 0;
  for (let t = 0; t < days; t++) {
    const wanted = Math.max(0, history[t] as number);
    const sold = Math.min(onHand, wanted);
    demandUnits += wanted;
    soldUnits += sold;
    onHand -= sold;
    const received = arriving[t] as number;
    onHand += received;
    onOrder -= received;
    if (t % options.reviewDays === 0) {
      const units = Math.max(0, policy.orderUnits({ day: t, onHand, onOrder, history: history.subarray(0, t + 1) }));
      if (units > 0) {
        orders++;
        orderedUnits += units;
        if (options.leadTimeDays === 0) onHand += units;
        else {
          onOrder += units;
          arriving[t + options.leadTimeDays] = (arriving[t + options.leadTimeDays] as number) + units;
        }
      }
    }
    onHandSum += onHand;
  }
  return measures(policy.name, days, demandUnits, soldUnits, onHandSum, orders, orderedUnits);
}

/**
 * Totals over SKUs: units summed, fill rate over all units, average on hand the sum of the SKUs'
 * (units in the store on an average day), days of cover against the summed mean daily demand.
 */
export function totalOf(results: readonly ReplayResult[], policy: string): ReplayResult {
  const days = results.reduce((m, r) => Math.max(m, r.days), 0);
  const sum = (pick: (r: ReplayResult) => number) => results.reduce((s, r) => s + pick(r), 0);
  const demandUnits = sum((r) => r.demandUnits);
  const averageOnHand = sum((r) => r.averageOnHand);
  const meanDemand = sum((r) => (r.days === 0 ? 0 : r.demandUnits / r.days));
  return {
    policy,
    days,
    demandUnits,
    soldUnits: sum((r) => r.soldUnits),
    lostUnits: sum((r) => r.lostUnits),
    fillRate: demandUnits === 0 ? 1 : sum((r) => r.soldUnits) / demandUnits,
    averageOnHand,
    daysOfCover: meanDemand === 0 ? Number.POSITIVE_INFINITY : averageOnHand / meanDemand,
    orders: sum((r) => r.orders),
    orderedUnits: sum((r) => r.orderedUnits),
  };
}

/** Static (s, S): at a review, if the inventory position is at or below s, order up to S. */
export function minMaxPolicy(min: number, max: number): ReplenishmentPolicy {
  return {
    name: `min-max-${min}-${max}`,
    orderUnits: ({ onHand, onOrder }) => (onHand + onOrder <= min ? max - onHand - onOrder : 0),
  };
}

export interface ForecastPolicyOptions {
  readonly forecaster: Forecaster;
  readonly serviceLevel: number;
  readonly leadTimeDays: number;
  readonly reviewDays: number;
  readonly leadTimeSdDays?: number;
  /** Days of one-step forecast errors σ_d is measured on (root mean square, bias included). */
  readonly errorWindowDays?: number;
  readonly casePack?: number;
  readonly moq?: number;
}

/**
 * The engine's order-up-to policy with forecasts made from the demand so far: at each review,
 * D(L + R) from `forecaster`, σ_d from its own one-step errors over the last `errorWindowDays`,
 * S = D + SS, and the quantity shaped as the engine does (packs, MOQ; no capacity cap here).
 */
export function forecastPolicy(o: ForecastPolicyOptions): ReplenishmentPolicy {
  const periods = o.leadTimeDays + o.reviewDays;
  const z = inverseNormalCdf(o.serviceLevel);
  const window = o.errorWindowDays ?? 28;
  return {
    name: `forecast-${o.forecaster.name}`,
    orderUnits({ onHand, onOrder, history }) {
      const forecast = demandOver(o.forecaster.forecast(history, Math.ceil(periods)), periods);
      let squares = 0;
      let n = 0;
      for (let k = Math.max(1, history.length - window); k < history.length; k++) {
        const predicted = o.forecaster.forecast(history.subarray(0, k), 1)[0] as number;
        squares += ((history[k] as number) - predicted) ** 2;
        n++;
      }
      const ss = safetyStock({
        z,
        periods,
        demandSdPerPeriod: n === 0 ? 0 : Math.sqrt(squares / n),
        meanDemandPerPeriod: forecast / periods,
        leadTimeSdPeriods: o.leadTimeSdDays ?? 0,
      });
      const orderUpTo = forecast <= 0 ? 0 : forecast + ss;
      const casePack = o.casePack ?? 1;
      return shapeOrder({
        orderUpTo,
        inventoryPosition: onHand + onOrder,
        casePack,
        moq: o.moq ?? 0,
        room: Number.POSITIVE_INFINITY,
      }).units;
    },
  };
}

export interface MinMaxChoice {
  readonly min: number;
  readonly max: number;
  readonly result: ReplayResult;
}

export interface MinMaxGrid {
  readonly leadTimeDays: number;
  readonly reviewDays: number;
  readonly targetFillRate: number;
  /**
   * Levels tried for s and S (s < S). Default: 0 … ⌈1.5 · (L + R) · the largest day's demand⌉ + 1,
   * in at most 40 even steps.
   */
  readonly levels?: readonly number[];
}

function defaultLevels(demand: ArrayLike<number>, periods: number): number[] {
  let peak = 0;
  for (let t = 0; t < demand.length; t++) peak = Math.max(peak, demand[t] as number);
  const top = Math.ceil(1.5 * periods * peak) + 1;
  const step = Math.max(1, Math.ceil(top / 40));
  const levels: number[] = [];
  for (let v = 0; v <= top; v += step) levels.push(v);
  return levels;
}

/**
 * Grid search for the static (s, S) with the lowest average on hand that reaches the target fill
 * rate, each candidate starting with S on hand. Ties go to fewer orders, then the smaller S, then
 * the smaller s. `undefined` when no candidate reaches the target.
 */
export function tuneMinMax(demand: ArrayLike<number>, grid: MinMaxGrid): MinMaxChoice | undefined {
  const levels = [...(grid.levels ?? defaultLevels(demand, grid.leadTimeDays + grid.reviewDays))].sort((a, b) => a - b);
  let best: MinMaxChoice | undefined;
  for (const max of levels)
    for (const min of levels) {
      if (min >= max) break;
      const result = replay(demand, minMaxPolicy(min, max), {
        leadTimeDays: grid.leadTimeDays,
        reviewDays: grid.reviewDays,
        initialOnHand: max,
      });
      if (result.fillRate < grid.targetFillRate) continue;
      if (
        best === undefined ||
        result.averageOnHand < best.result.averageOnHand ||
        (result.averageOnHand === best.result.averageOnHand && result.orders < best.result.orders)
      )
        best = { min, max, result };
    }
  return best;
}

/**
 * The leanest mix of one candidate per SKU whose total lost units stay within `allowedLost`: each
 * SKU takes the candidate minimising average on hand + λ · lost units, with λ the smallest (by
 * bisection) that keeps the total within bounds. This is the lower convex hull of the trade-off, so
 * it can spend a little more stock than the exact optimum — against the mix by at most one SKU's
 * step. `undefined` when even each SKU's fullest candidate loses too much.
 */
export function leanestMix<T>(
  candidates: readonly (readonly T[])[],
  measure: (candidate: T) => { readonly lost: number; readonly onHand: number },
  allowedLost: number,
): T[] | undefined {
  const measured = candidates.map((list) => list.map((c) => ({ c, ...measure(c) })));
  const pick = (lambda: number) =>
    measured.map((list) => {
      let best = list[0] as (typeof list)[number];
      for (const m of list) {
        const cost = m.onHand + lambda * m.lost;
        const bestCost = best.onHand + lambda * best.lost;
        if (cost < bestCost || (cost === bestCost && m.lost < best.lost)) best = m;
      }
      return best;
    });
  const lost = (mix: readonly { lost: number }[]) => mix.reduce((sum, m) => sum + m.lost, 0);
  const slack = 1e-9 * Math.max(1, allowedLost);
  let hi = 1;
  while (lost(pick(hi)) > allowedLost + slack) {
    hi *= 2;
    if (hi > 1e12) return undefined;
  }
  let lo = 0;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (lost(pick(mid)) > allowedLost + slack) lo = mid;
    else hi = mid;
  }
  return pick(hi).map((m) => m.c);
}
