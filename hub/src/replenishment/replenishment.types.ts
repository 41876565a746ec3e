import type { DeliveryJob, Explanation, ReplenishmentTask, TASK_KINDS, TASK_STATES } from '@aisle/protocols';

/**
 * What the replenishment module stores and shows, and what the engine (`engine/`) hands it: its
 * suggestions are mapped to `RefillSuggestion` and `OrderSuggestion`, each with its explanation.
 */

export type TaskKind = (typeof TASK_KINDS)[number];
export type TaskState = (typeof TASK_STATES)[number];

/** A task the engine suggests for store staff: a refill (backroom → shelf), a recount, a phantom check. */
export interface RefillSuggestion {
  readonly site: string;
  /** Default `refill`. */
  readonly kind?: TaskKind;
  readonly sku: string;
  /** A refill names its lane: one open (or claimed) refill task per lane. */
  readonly lane?: string;
  readonly zone?: string;
  readonly units: number;
  /** 0–1000, higher is more urgent. */
  readonly priority: number;
  readonly dueBy?: number;
  readonly explanation: Explanation;
}

/** A store order the engine suggests: units per SKU, each with why. */
export interface OrderSuggestion {
  readonly site: string;
  readonly lines: readonly OrderLine[];
  /** When the goods must be at the store at the latest: the delivery job's window ends there. */
  readonly needBy?: number;
}

export interface OrderLine {
  readonly sku: string;
  readonly quantity: number;
  readonly explanation: Explanation;
}

/** A staff task as the API and socket.io show it: the protocol's task plus who closed it, and how. */
export interface StaffTask extends ReplenishmentTask {
  readonly claimedAt?: number;
  readonly closedBy?: string;
  readonly closedAt?: number;
  /** Units actually moved (a done task). */
  readonly unitsMoved?: number;
  /** Why it was skipped (a skipped task). */
  readonly skipReason?: string;
}

export const ORDER_STATES = ['proposed', 'approved', 'dispatched', 'delivered', 'rejected', 'cancelled'] as const;
export type OrderState = (typeof ORDER_STATES)[number];

/** Why an order waits for a human (admin or planner) instead of being approved at once. */
export interface OrderReviewReason {
  /**
   * `ABOVE_TYPICAL`: a line above `maxFactor` × the SKU's typical (median delivered) quantity;
   * `NO_HISTORY`: fewer than `minHistory` delivered lines of the SKU at the site;
   * `ABOVE_ORDER_CAP`: more units in the order than `maxOrderUnits`;
   * `AUTO_APPROVAL_OFF`: `maxFactor` is 0.
   */
  readonly code: 'ABOVE_TYPICAL' | 'NO_HISTORY' | 'ABOVE_ORDER_CAP' | 'AUTO_APPROVAL_OFF';
  readonly sku?: string;
  readonly quantity: number;
  /** The bound the quantity went past. */
  readonly limit?: number;
  /** The SKU's typical quantity (ABOVE_TYPICAL). */
  readonly typical?: number;
}

export interface StoreOrder {
  readonly id: string;
  readonly site: string;
  readonly state: OrderState;
  readonly lines: readonly OrderLine[];
  readonly totalUnits: number;
  /** Empty when the order was within bounds. */
  readonly review: readonly OrderReviewReason[];
  readonly needBy?: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly approval?: 'auto' | 'manual';
  /** Who approved, rejected or cancelled it (`hub` for an automatic approval). */
  readonly decidedBy?: string;
  readonly decidedAt?: number;
  readonly dispatchedAt?: number;
  readonly deliveredAt?: number;
  /** Why it was rejected or cancelled. */
  readonly closedReason?: string;
}

export const JOB_STATUSES = ['pending', 'dispatched', 'delivered', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** A delivery job with where it stands: `pending` jobs are what routing plans. */
export interface DeliveryJobRecord {
  readonly job: DeliveryJob;
  readonly status: JobStatus;
}

/** A stored row and the revision it was read at (updates are conditional on it). */
export interface Revised<T> {
  readonly value: T;
  readonly revision: number;
}
