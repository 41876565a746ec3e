import type { Forecaster } from '../../forecasting/engine/baselines.js';
import { type SkuPacking, suggestOrders } from './order-up-to.js';
import type { OrderingPolicy, SkuReview } from './store-loop.js';
import { classifyVelocity, type ServiceLevels, type VelocityClass } from './velocity.js';

/**
 * The two ordering policies `aisle-hub replenish simulate` puts in the store loop.
 */

export interface ForecastOrderingOptions {
  readonly forecaster: Forecaster;
  readonly serviceLevels: ServiceLevels;
  /** What the service levels mean (see `OrderOptions.serviceMeasure`). */
  readonly serviceMeasure: 'cycle' | 'fill';
  /**
   * Selling days an order waits: the store loop's van lands before opening, so an order placed at
   * the close arrives for the next day's trade with `leadTimeDays` − 1 selling days in between.
   */
  readonly leadTimeDays: number;
  readonly leadTimeSdDays: number;
  readonly reviewDays: number;
  /** Days of one-step forecast errors σ_d is the root mean square of. */
  readonly errorWindowDays: number;
  /** Presentation stock per facing (the engine's floor). */
  readonly unitsPerFacing: number;
  readonly moq: number;
}

/**
 * The engine's order-up-to (`suggestOrders`) on daily demand (sales, unconstrained for the hours
 * the shelf stood empty): at each review the forecaster is fitted to the SKU × site's demand so far and forecasts the next L + R days; σ_d is the RMS of its own
 * one-step errors over the last `errorWindowDays` reviews (the first ones measured on the warm-up by
 * refitting); the service level comes from the SKU's velocity class, ranked per site on the warm-up's
 * sales.
 */
export function forecastOrdering(o: ForecastOrderingOptions): OrderingPolicy {
  const periods = o.leadTimeDays + o.reviewDays;
  const horizon = Math.ceil(periods);
  const classes = new Map<number, VelocityClass>();
  /** Per key: one-step errors (ring of the last `errorWindowDays`) and the forecast for the day after the last review. */
  const errors = new Map<number, number[]>();
  const nextDay = new Map<number, { day: number; value: number }>();
  const fit = (history: Float64Array, n: number) => {
    const out = o.forecaster.forecast(history, n);
    for (let i = 0; i < out.length; i++) out[i] = Math.max(0, out[i] as number);
    return out;
  };
  return {
    name: `forecast-${o.forecaster.name}`,
    begin(reviews) {
      const bySite = new Map<string, Map<string, number>>();
      for (const r of reviews) {
        const site = bySite.get(r.site) ?? new Map<string, number>();
        bySite.set(r.site, site);
        site.set(
          String(r.key),
          r.demand.reduce((a, b) => a + b, 0),
        );
      }
      for (const site of bySite.values()) for (const [key, c] of classifyVelocity(site)) classes.set(Number(key), c);
      for (const r of reviews) {
        const list: number[] = [];
        for (let d = Math.max(1, r.demand.length - o.errorWindowDays); d < r.demand.length; d++)
          list.push((r.demand[d] as number) - (fit(r.demand.subarray(0, d), 1)[0] as number));
        errors.set(r.key, list);
      }
    },
    orderUpTo(r: SkuReview) {
      const list = errors.get(r.key) ?? [];
      const before = nextDay.get(r.key);
      if (before !== undefined && before.day === r.day) {
        list.push((r.demand[r.day] as number) - before.value);
        if (list.length > o.errorWindowDays) list.shift();
        errors.set(r.key, list);
      }
      const forecast = fit(r.demand, Math.max(horizon, 1));
      nextDay.set(r.key, { day: r.day + 1, value: forecast[0] as number });
      const sd = list.length === 0 ? 0 : Math.sqrt(list.reduce((s, e) => s + e * e, 0) / list.length);
      const catalog = new Map<string, SkuPacking>([[r.sku, { casePack: r.casePack, moq: o.moq }]]);
      const [outcome] = suggestOrders(
        [
          {
            sku: r.sku,
            site: r.site,
            velocityClass: classes.get(r.key) ?? 'C',
            forecast,
            demandSdPerPeriod: sd,
            leadTime: { meanPeriods: o.leadTimeDays, sdPeriods: o.leadTimeSdDays },
            reviewPeriods: o.reviewDays,
            onHand: r.shelf + r.backroom,
            onOrder: r.onOrder,
            facings: r.facings,
            unitsPerFacing: o.unitsPerFacing,
            shelfCapacity: r.shelfCapacity,
            backroomCapacity: r.backroomCapacity,
          },
        ],
        { catalog, serviceLevels: o.serviceLevels, serviceMeasure: o.serviceMeasure },
      );
      if (outcome === undefined || !outcome.ok)
        throw new Error(`${r.site}/${r.sku}: ${outcome?.ok === false ? outcome.detail : 'no outcome'}`);
      return outcome.orderUpTo;
    },
  };
}

/**
 * Static min/max as stores set it without forecasts: per SKU × site, s = `minDays` and S =
 * `maxDays` days of the SKU's mean daily demand over the warm-up (the same estimate the forecast
 * policy reads) (rounded, S ≥ s + 1), fixed for the
 * whole run; at a review, a position at or below s is ordered up to S.
 */
export function minMaxOrdering(minDays: number, maxDays: number): OrderingPolicy {
  const levels = new Map<number, { min: number; max: number }>();
  return {
    name: `min-max-${minDays}d-${maxDays}d`,
    begin(reviews) {
      for (const r of reviews) {
        const mean = r.demand.length === 0 ? 0 : r.demand.reduce((a, b) => a + b, 0) / r.demand.length;
        const min = Math.round(minDays * mean);
        levels.set(r.key, { min, max: Math.max(min + 1, Math.round(maxDays * mean)) });
      }
    },
    orderUpTo(r) {
      const level = levels.get(r.key) ?? { min: 0, max: 1 };
      return r.shelf + r.backroom + r.onOrder <= level.min ? level.max : 0;
    },
  };
}
