import type { ReplenishmentRejectReason } from '@aisle/protocols';

/**
 * An item the engine refused, with the code and the offending field and value. The codes and their
 * meanings are the wire contract's (`REPLENISHMENT_REJECT_REASONS` in `@aisle/protocols`): they
 * leave the hub with the refused item.
 */
export interface Rejection {
  readonly ok: false;
  readonly sku: string;
  readonly site: string;
  readonly lane?: string;
  readonly reason: ReplenishmentRejectReason;
  readonly detail: string;
}

export const isNonNegative = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v >= 0;
