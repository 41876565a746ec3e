import type { Explanation } from '@aisle/protocols';
import { inverseNormalCdf, inverseNormalLoss } from './normal.js';
import { isNonNegative, type Rejection } from './reasons.js';
import type { ServiceLevels, VelocityClass } from './velocity.js';

/**
 * Periodic-review order-up-to policy, per SKU × site. Every `R` periods the store orders what
 * lifts its inventory position to `S`, the demand it must cover until the order after next can
 * arrive plus a safety stock:
 *
 *   S  = D(L + R) + SS                                   units
 *   D(L + R) = Σ forecast over the first L + R periods    units (a fractional last period pro rata)
 *   SS = z · √((L + R) · σ_d² + d̄² · σ_L²)               units
 *
 * with `L` the mean lead time and `σ_L` its standard deviation (periods), `R` the review period
 * (periods), `σ_d` the standard deviation of one period's forecast error (units per period, given:
 * measured by the forecaster's own residuals), `d̄ = D(L + R) / (L + R)` (units per period) and
 * `z = Φ⁻¹(service level)` for the SKU's velocity class (cycle service level: the chance a cycle
 * ends without a stock-out). The period is whatever the forecast's step is (a day for store orders).
 *
 * The quantity is then shaped, each step recorded as the rule that fired:
 *   1. `S` is floored at the presentation stock (facings × units per facing), so a shelf looks full
 *      even for a slow SKU (`presentation-floor`); a SKU with no forecast demand orders only for
 *      that floor (`no-demand` otherwise — Croston-type forecasts of intermittent items are small
 *      positive rates, not zero, and go through the normal path).
 *   2. raw = max(0, S − IP), IP = on hand + on order − backorders. Every order still in transit
 *      counts, so with a lead time longer than the review period the pipeline of earlier orders is
 *      not ordered again (`order-up-to`).
 *   3. Rounded up to whole case packs; a quantity below the MOQ is raised to it (`moq`): an order
 *      is 0 or at least the MOQ.
 *   4. Capped at shelf + backroom capacity − on hand − on order, rounded down to whole packs; a cap
 *      below the MOQ means no order (`capacity-cap`).
 */

export interface SkuPacking {
  /** Units per case; orders are whole cases. */
  readonly casePack: number;
  /** Minimum order quantity in units (0: none). */
  readonly moq: number;
}

export interface LeadTime {
  readonly meanPeriods: number;
  readonly sdPeriods: number;
}

export interface OrderItem {
  readonly sku: string;
  readonly site: string;
  readonly velocityClass: VelocityClass;
  /** Forecast demand per period from now on, units per period; at least ⌈L + R⌉ periods. */
  readonly forecast: ArrayLike<number>;
  /** σ_d: standard deviation of one period's forecast error, units per period. */
  readonly demandSdPerPeriod: number;
  readonly leadTime?: LeadTime | undefined;
  readonly reviewPeriods: number;
  readonly onHand: number;
  /** Units ordered and not yet received, every open order in the pipeline. */
  readonly onOrder: number;
  /** Demand taken but not served (0 at retail, where unserved demand is lost). */
  readonly backorders?: number;
  readonly facings: number;
  readonly unitsPerFacing: number;
  readonly shelfCapacity: number;
  readonly backroomCapacity: number;
}

export const ORDER_RULES = ['order-up-to', 'presentation-floor', 'moq', 'capacity-cap', 'no-demand'] as const;
export type OrderRule = (typeof ORDER_RULES)[number];

export interface SkuOrderSuggestion {
  readonly ok: true;
  readonly sku: string;
  readonly site: string;
  /** Units to order: whole cases, 0 or at least the MOQ. */
  readonly units: number;
  readonly cases: number;
  readonly orderUpTo: number;
  readonly safetyStock: number;
  readonly explanation: Explanation;
}

export type OrderOutcome = SkuOrderSuggestion | Rejection;

export interface OrderOptions {
  /** Case pack and MOQ per SKU; a SKU not in it is `UNKNOWN_SKU`. */
  readonly catalog: ReadonlyMap<string, SkuPacking>;
  readonly serviceLevels: ServiceLevels;
  /**
   * What a class's service level means. `cycle` (default): the chance a replenishment cycle ends
   * without a stock-out, z = Φ⁻¹(level). `fill`: the share of demand served from the shelf (fill
   * rate β), z = G⁻¹((1 − β) · Q / σ) with G the normal loss function, σ the standard deviation of
   * demand over L + R and Q the units a cycle brings in (max(R · d̄, case pack)): a SKU whose packs
   * already carry days of stock needs less safety stock for the same fill rate. z is floored at 0.
   */
  readonly serviceMeasure?: 'cycle' | 'fill';
}

/** Σ forecast over the first `periods` periods, the last one pro rata when `periods` is fractional. */
export function demandOver(forecast: ArrayLike<number>, periods: number): number {
  let sum = 0;
  for (let i = 0; i < Math.ceil(periods); i++) sum += (forecast[i] as number) * Math.min(1, periods - i);
  return sum;
}

/** SS = z · √((L + R) · σ_d² + d̄² · σ_L²), in units (see the module comment for the units of each). */
export function safetyStock(p: {
  readonly z: number;
  readonly periods: number;
  readonly demandSdPerPeriod: number;
  readonly meanDemandPerPeriod: number;
  readonly leadTimeSdPeriods: number;
}): number {
  const variance = p.periods * p.demandSdPerPeriod ** 2 + p.meanDemandPerPeriod ** 2 * p.leadTimeSdPeriods ** 2;
  return Math.max(0, p.z * Math.sqrt(variance));
}

export interface ShapedOrder {
  readonly raw: number;
  readonly rounded: number;
  readonly units: number;
  readonly rule: 'order-up-to' | 'moq' | 'capacity-cap';
}

// Below this a difference of sums is floating-point residue, not a unit to order.
const EPSILON = 1e-9;

/** Steps 2–4: raw quantity to reach `orderUpTo`, rounded to packs, raised to the MOQ, capped by `room`. */
export function shapeOrder(p: {
  readonly orderUpTo: number;
  readonly inventoryPosition: number;
  readonly casePack: number;
  readonly moq: number;
  /** Units that still fit (capacity − on hand − on order); `Infinity` for no cap. */
  readonly room: number;
}): ShapedOrder {
  const raw = Math.max(0, p.orderUpTo - p.inventoryPosition);
  if (raw <= EPSILON) return { raw, rounded: 0, units: 0, rule: 'order-up-to' };
  let rounded = Math.ceil(raw / p.casePack - EPSILON) * p.casePack;
  let rule: ShapedOrder['rule'] = 'order-up-to';
  if (rounded < p.moq) {
    rounded = Math.ceil(p.moq / p.casePack) * p.casePack;
    rule = 'moq';
  }
  const fits = Number.isFinite(p.room) ? Math.floor(Math.max(0, p.room) / p.casePack + EPSILON) * p.casePack : rounded;
  if (rounded <= fits) return { raw, rounded, units: rounded, rule };
  return { raw, rounded, units: fits >= p.moq ? fits : 0, rule: 'capacity-cap' };
}

function reject(item: OrderItem, reason: Rejection['reason'], detail: string): Rejection {
  return { ok: false, sku: item.sku, site: item.site, reason, detail };
}

function validate(item: OrderItem, options: OrderOptions): Rejection | undefined {
  const packing = options.catalog.get(item.sku);
  if (packing === undefined) return reject(item, 'UNKNOWN_SKU', `sku=${item.sku}`);
  for (const field of ['onHand', 'onOrder', 'backorders'] as const) {
    const v = item[field] ?? 0;
    if (!isNonNegative(v)) return reject(item, 'NEGATIVE_STOCK', `${field}=${v}`);
  }
  if (item.leadTime === undefined) return reject(item, 'MISSING_LEAD_TIME', 'leadTime=undefined');
  if (!isNonNegative(item.leadTime.meanPeriods) || !isNonNegative(item.leadTime.sdPeriods))
    return reject(item, 'INVALID_LEAD_TIME', `leadTime=${item.leadTime.meanPeriods}±${item.leadTime.sdPeriods}`);
  if (!(Number.isFinite(item.reviewPeriods) && item.reviewPeriods > 0))
    return reject(item, 'INVALID_REVIEW_PERIOD', `reviewPeriods=${item.reviewPeriods}`);
  if (!(Number.isInteger(packing.casePack) && packing.casePack > 0))
    return reject(item, 'INVALID_CASE_PACK', `casePack=${packing.casePack}`);
  if (!(Number.isInteger(packing.moq) && packing.moq >= 0)) return reject(item, 'INVALID_MOQ', `moq=${packing.moq}`);
  if (!isNonNegative(item.demandSdPerPeriod))
    return reject(item, 'INVALID_FORECAST', `demandSdPerPeriod=${item.demandSdPerPeriod}`);
  const periods = item.leadTime.meanPeriods + item.reviewPeriods;
  if (item.forecast.length < Math.ceil(periods))
    return reject(item, 'FORECAST_TOO_SHORT', `forecast.length=${item.forecast.length} < L+R=${periods}`);
  for (let i = 0; i < Math.ceil(periods); i++)
    if (!isNonNegative(item.forecast[i])) return reject(item, 'INVALID_FORECAST', `forecast[${i}]=${item.forecast[i]}`);
  for (const field of ['facings', 'unitsPerFacing', 'shelfCapacity', 'backroomCapacity'] as const)
    if (!isNonNegative(item[field])) return reject(item, 'INVALID_CAPACITY', `${field}=${item[field]}`);
  const level = options.serviceLevels[item.velocityClass];
  if (!(level > 0 && level < 1))
    return reject(item, 'INVALID_SERVICE_LEVEL', `serviceLevels.${item.velocityClass}=${level}`);
  return undefined;
}

const round = (v: number) => Math.round(v * 1000) / 1000;

function suggestOne(item: OrderItem, options: OrderOptions): OrderOutcome {
  const invalid = validate(item, options);
  if (invalid !== undefined) return invalid;
  const { casePack, moq } = options.catalog.get(item.sku) as SkuPacking;
  const { meanPeriods: L, sdPeriods: sdL } = item.leadTime as LeadTime;
  const R = item.reviewPeriods;
  const serviceLevel = options.serviceLevels[item.velocityClass];
  const forecast = demandOver(item.forecast, L + R);
  const meanDemand = forecast / (L + R);
  const noDemand = forecast <= 0;
  const sigma = safetyStock({
    z: 1,
    periods: L + R,
    demandSdPerPeriod: item.demandSdPerPeriod,
    meanDemandPerPeriod: meanDemand,
    leadTimeSdPeriods: sdL,
  });
  const measure = options.serviceMeasure ?? 'cycle';
  const cycleUnits = Math.max(R * meanDemand, casePack);
  const z =
    measure === 'cycle'
      ? inverseNormalCdf(serviceLevel)
      : sigma === 0
        ? 0
        : Math.max(0, inverseNormalLoss(((1 - serviceLevel) * cycleUnits) / sigma));
  const ss = noDemand ? 0 : Math.max(0, z * sigma);
  const base = noDemand ? 0 : forecast + ss;
  const presentation = item.facings * item.unitsPerFacing;
  const orderUpTo = Math.max(base, presentation);
  const backorders = item.backorders ?? 0;
  const inventoryPosition = item.onHand + item.onOrder - backorders;
  const room = item.shelfCapacity + item.backroomCapacity - item.onHand - item.onOrder;
  const shaped = shapeOrder({ orderUpTo, inventoryPosition, casePack, moq, room });

  let rule: OrderRule = shaped.rule;
  if (shaped.rule === 'order-up-to' && presentation > base && shaped.raw > EPSILON) rule = 'presentation-floor';
  if (noDemand && shaped.raw <= EPSILON) rule = 'no-demand';
  const texts: Record<OrderRule, string> = {
    'order-up-to':
      shaped.units === 0
        ? `Inventory position ${round(inventoryPosition)} already covers S = ${round(orderUpTo)}: no order.`
        : `Order ${shaped.units} to lift inventory position ${round(inventoryPosition)} to S = ${round(forecast)} forecast over ${round(L + R)} periods + ${round(ss)} safety stock (${measure === 'cycle' ? 'cycle service level' : 'fill rate'} ${serviceLevel}, z = ${round(z)}), rounded up to packs of ${casePack}.`,
    'presentation-floor': `Order ${shaped.units}: the presentation stock of ${presentation} (${item.facings} facings × ${item.unitsPerFacing}) is above the demand-based S = ${round(base)}, and inventory position is ${round(inventoryPosition)}.`,
    moq: `Order ${shaped.units}: ${round(shaped.raw)} needed to reach S = ${round(orderUpTo)}, raised to the minimum order quantity ${moq}.`,
    'capacity-cap':
      shaped.units === 0
        ? `No order: ${shaped.rounded} needed but only ${round(Math.max(0, room))} fit in shelf + backroom, less than the MOQ ${moq} or one pack of ${casePack}.`
        : `Order ${shaped.units}: ${shaped.rounded} needed but only ${round(room)} fit in shelf + backroom (${item.shelfCapacity} + ${item.backroomCapacity} − ${item.onHand} on hand − ${item.onOrder} on order), in whole packs of ${casePack}.`,
    'no-demand': `No forecast demand over ${round(L + R)} periods and inventory position ${round(inventoryPosition)} covers the presentation stock ${presentation}: no order.`,
  };
  return {
    ok: true,
    sku: item.sku,
    site: item.site,
    units: shaped.units,
    cases: shaped.units / casePack,
    orderUpTo,
    safetyStock: ss,
    explanation: {
      rule,
      text: texts[rule],
      values: {
        forecast,
        forecastPerPeriod: meanDemand,
        demandSd: item.demandSdPerPeriod,
        leadTime: L,
        leadTimeSd: sdL,
        reviewPeriod: R,
        serviceLevel,
        cycleUnits,
        z,
        safetyStock: ss,
        orderUpTo,
        presentationStock: presentation,
        onHand: item.onHand,
        onOrder: item.onOrder,
        backorders,
        inventoryPosition,
        rawQuantity: shaped.raw,
        roundedQuantity: shaped.rounded,
        casePack,
        moq,
        capacityRoom: room,
        units: shaped.units,
      },
    },
  };
}

/** One outcome per item, in input order: a suggestion (possibly 0 units) or a rejection with its code. */
export function suggestOrders(items: readonly OrderItem[], options: OrderOptions): OrderOutcome[] {
  const seen = new Set<string>();
  return items.map((item) => {
    const key = `${item.site}\u0000${item.sku}`;
    if (seen.has(key)) return reject(item, 'DUPLICATE_ITEM', `site=${item.site} sku=${item.sku}`);
    seen.add(key);
    return suggestOne(item, options);
  });
}
