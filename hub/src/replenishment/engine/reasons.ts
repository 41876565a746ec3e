/**
 * Why the replenishment engine refused an item: one code per kind of bad input. A refused item gets
 * no order, no task and no flag; the others in the same call are still computed. The hub module
 * reports the code with the item (`sku`, `site`, `lane`) and a detail naming the field and value.
 */
export const REPLENISHMENT_REJECT_REASONS = {
  UNKNOWN_SKU: 'The SKU is not in the catalogue given with the call (no case pack or MOQ to order by).',
  DUPLICATE_ITEM: 'The same SKU × site (or lane) appears more than once in one call; only the first is used.',
  NEGATIVE_STOCK: 'On hand, on order, backorders, shelf or backroom units are negative or not finite.',
  MISSING_LEAD_TIME: 'No supplier lead time is known for the SKU × site.',
  INVALID_LEAD_TIME: 'The lead time or its standard deviation is negative or not finite.',
  INVALID_REVIEW_PERIOD: 'The review period is not positive and finite.',
  INVALID_CASE_PACK: 'The case pack is not a positive integer.',
  INVALID_MOQ: 'The minimum order quantity is not a non-negative integer.',
  INVALID_FORECAST: 'A forecast value or the demand standard deviation is negative or not finite.',
  FORECAST_TOO_SHORT: 'The forecast covers fewer periods than the lead time plus the review period.',
  INVALID_CAPACITY: 'Facings, units per facing, or shelf or backroom capacity are negative or not finite.',
  INVALID_SERVICE_LEVEL: "The velocity class's target service level is missing or not within (0, 1).",
  INVALID_WINDOW: 'A phantom-check window, expected sales or POS / weight units are negative or not finite.',
} as const;
export type ReplenishmentRejectReason = keyof typeof REPLENISHMENT_REJECT_REASONS;

/** An item the engine refused, with the code and the offending field and value. */
export interface Rejection {
  readonly ok: false;
  readonly sku: string;
  readonly site: string;
  readonly lane?: string;
  readonly reason: ReplenishmentRejectReason;
  readonly detail: string;
}

export const isNonNegative = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v >= 0;
