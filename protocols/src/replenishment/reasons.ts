/**
 * The replenishment reason codes that leave the hub: the engine's refusal of an item, reported
 * with the item, and the REST API's refusals of a task or order change, in the error body
 * `{ statusCode, code, message }`. Defined here so clients match on codes the contract names;
 * `docs/api/errors.md` lists them. Like the decoders' codes, new ones are added, none is renamed
 * or reused.
 */

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

/**
 * The HTTP status of every transition refusal: the request is well formed and allowed to the
 * caller, but the task or order is in a state that does not allow it, which only a retry after
 * another change could fix.
 */
export const REPLENISHMENT_TRANSITION_REFUSAL_STATUS = 409;

/**
 * Why the hub refused to move a task or an order to its next state (the state machines in the
 * hub's `replenishment/lifecycle.ts`). Tasks: open → claimed → done | skipped, a claimed task may
 * be released; orders: proposed → approved → dispatched → delivered, a proposed order may be
 * rejected, a proposed or approved one cancelled. The message names the current state.
 */
export const REPLENISHMENT_TRANSITION_REFUSALS = {
  TASK_NOT_OPEN: 'Only an open task can be claimed; this one is claimed, done or skipped.',
  TASK_NOT_CLAIMED: 'Only a claimed task can be completed, skipped or released; this one is open, done or skipped.',
  TASK_CLAIMED_BY_OTHER:
    'Another user claimed the task: only they complete, skip or release it (an admin or planner may release it).',
  ORDER_NOT_PROPOSED: 'Only a proposed order can be approved or rejected.',
  ORDER_NOT_APPROVED: 'Only an approved order can be dispatched.',
  ORDER_NOT_DISPATCHED: 'Only a dispatched order can be delivered.',
  ORDER_NOT_CANCELLABLE:
    'Only a proposed or approved order can be cancelled; this one is dispatched, delivered, rejected or cancelled.',
} as const;
export type ReplenishmentTransitionRefusal = keyof typeof REPLENISHMENT_TRANSITION_REFUSALS;

/**
 * The replenishment API's other refusals of its own, each with the HTTP status it is answered
 * with; a bad body or an unknown task or order get the hub's general codes (`VALIDATION_FAILED`,
 * `NOT_FOUND`).
 */
export const REPLENISHMENT_API_ERRORS = {
  CHANGED_CONCURRENTLY: {
    status: 409,
    text: "The task or order changed under the request on every one of the hub's attempts; try again.",
  },
  DELIVERY_SITE_UNKNOWN: {
    status: 400,
    text: 'The order is for a site with no delivery point configured (`replenishment.delivery.sites`).',
  },
} as const;
export type ReplenishmentApiError = keyof typeof REPLENISHMENT_API_ERRORS;
