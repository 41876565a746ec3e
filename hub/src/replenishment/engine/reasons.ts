import type { ReplenishmentRejectReason } from '@aisle/protocols';

/**
 * The refusal codes and their meanings are the wire contract's (`@aisle/protocols`): they leave the
 * hub with the refused item. Re-exported so whoever looks a code up beside `Rejection` (the engine
 * tests) finds both here.
 */
export { REPLENISHMENT_REJECT_REASONS } from '@aisle/protocols';

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
