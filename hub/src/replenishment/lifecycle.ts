import { REPLENISHMENT_TRANSITION_REFUSALS, type ReplenishmentTransitionRefusal } from '@aisle/protocols';
import type { Principal } from '../auth/roles.js';
import type { OrderState, StaffTask, StoreOrder } from './replenishment.types.js';

/**
 * The task and order state machines, pure: a transition gives the next value or the reason code
 * of a refusal (the API answers 409 with it).
 *
 * Tasks: open → claimed (claim) → done (complete, with the units moved) | skipped (skip, with a
 * reason); a claimed task goes back to open (release). Only the claimer completes, skips or
 * releases a task; admins and planners may release anyone's.
 *
 * Orders: proposed → approved (by the hub within bounds, else by an admin or planner) →
 * dispatched → delivered; a proposed order may be rejected, a proposed or approved one cancelled.
 */

/** The refusal codes and their meanings are the wire contract's (`@aisle/protocols`): the API answers with them. */
export const TRANSITION_REFUSALS = Object.keys(
  REPLENISHMENT_TRANSITION_REFUSALS,
) as readonly ReplenishmentTransitionRefusal[];
export type TransitionRefusal = (typeof TRANSITION_REFUSALS)[number];

export interface Refused {
  readonly refused: TransitionRefusal;
  readonly message: string;
}

export type TaskAction =
  | { readonly kind: 'claim' }
  | { readonly kind: 'release' }
  | { readonly kind: 'complete'; readonly unitsMoved: number }
  | { readonly kind: 'skip'; readonly reason: string };

export function isRefused<T extends object>(result: T | Refused): result is Refused {
  return 'refused' in result;
}

export function applyTaskAction(
  task: StaffTask,
  action: TaskAction,
  actor: Principal,
  now: number,
): StaffTask | Refused {
  if (action.kind === 'claim') {
    if (task.state !== 'open')
      return { refused: 'TASK_NOT_OPEN', message: `task ${task.id} is ${task.state}${by(task.claimedBy)}, not open` };
    return { ...task, state: 'claimed', claimedBy: actor.username, claimedAt: now, updatedAt: now };
  }
  if (task.state !== 'claimed')
    return { refused: 'TASK_NOT_CLAIMED', message: `task ${task.id} is ${task.state}, not claimed` };
  const mayOverride = action.kind === 'release' && actor.role !== 'staff';
  if (task.claimedBy !== actor.username && !mayOverride)
    return { refused: 'TASK_CLAIMED_BY_OTHER', message: `task ${task.id} is claimed by ${task.claimedBy}` };
  switch (action.kind) {
    case 'release': {
      const { claimedBy: _, claimedAt: __, ...rest } = task;
      return { ...rest, state: 'open', updatedAt: now };
    }
    case 'complete':
      return {
        ...task,
        state: 'done',
        closedBy: actor.username,
        closedAt: now,
        unitsMoved: action.unitsMoved,
        updatedAt: now,
      };
    case 'skip':
      return {
        ...task,
        state: 'skipped',
        closedBy: actor.username,
        closedAt: now,
        skipReason: action.reason,
        updatedAt: now,
      };
  }
}

export type OrderAction =
  | { readonly kind: 'approve'; readonly auto: boolean }
  | { readonly kind: 'reject'; readonly reason: string }
  | { readonly kind: 'cancel'; readonly reason: string }
  | { readonly kind: 'dispatch' }
  | { readonly kind: 'deliver' };

const ORDER_FROM: Record<OrderAction['kind'], { from: readonly OrderState[]; refused: TransitionRefusal }> = {
  approve: { from: ['proposed'], refused: 'ORDER_NOT_PROPOSED' },
  reject: { from: ['proposed'], refused: 'ORDER_NOT_PROPOSED' },
  cancel: { from: ['proposed', 'approved'], refused: 'ORDER_NOT_CANCELLABLE' },
  dispatch: { from: ['approved'], refused: 'ORDER_NOT_APPROVED' },
  deliver: { from: ['dispatched'], refused: 'ORDER_NOT_DISPATCHED' },
};

export function applyOrderAction(
  order: StoreOrder,
  action: OrderAction,
  actor: string,
  now: number,
): StoreOrder | Refused {
  const rule = ORDER_FROM[action.kind];
  if (!rule.from.includes(order.state))
    return {
      refused: rule.refused,
      message: `order ${order.id} is ${order.state}; ${action.kind} needs ${rule.from.join(' or ')}`,
    };
  switch (action.kind) {
    case 'approve':
      return {
        ...order,
        state: 'approved',
        approval: action.auto ? 'auto' : 'manual',
        decidedBy: actor,
        decidedAt: now,
        updatedAt: now,
      };
    case 'reject':
    case 'cancel':
      return {
        ...order,
        state: action.kind === 'reject' ? 'rejected' : 'cancelled',
        decidedBy: actor,
        decidedAt: now,
        closedReason: action.reason,
        updatedAt: now,
      };
    case 'dispatch':
      return { ...order, state: 'dispatched', dispatchedAt: now, updatedAt: now };
    case 'deliver':
      return { ...order, state: 'delivered', deliveredAt: now, updatedAt: now };
  }
}

function by(user: string | undefined): string {
  return user === undefined ? '' : ` by ${user}`;
}
