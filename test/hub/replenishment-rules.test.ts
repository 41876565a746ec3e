/**
 * The replenishment module's pure rules with hand-computed cases: the typical quantity (median),
 * the automatic-approval bounds, and the task and order state machines.
 */
import { describe, expect, it } from 'vitest';
import { applyOrderAction, applyTaskAction } from '../../hub/src/replenishment/lifecycle.js';
import { median, reviewOrder } from '../../hub/src/replenishment/order-review.js';
import type { StaffTask, StoreOrder } from '../../hub/src/replenishment/replenishment.types.js';

const why = { rule: 'r', text: '', values: {} };
const bounds = { maxFactor: 1.5, minHistory: 2, maxOrderUnits: 100 };

describe('automatic approval', () => {
  it('takes the median as the typical quantity', () => {
    expect(median([7])).toBe(7);
    expect(median([30, 10, 20])).toBe(20);
    expect(median([10, 40, 20, 30])).toBe(25);
    expect(median([])).toBeNaN();
  });

  it('passes a line at exactly maxFactor × typical and holds one just above', () => {
    const recent = new Map([['A', [10, 14]]]); // typical 12, limit 18
    expect(reviewOrder([{ sku: 'A', quantity: 18, explanation: why }], recent, bounds)).toEqual([]);
    expect(reviewOrder([{ sku: 'A', quantity: 19, explanation: why }], recent, bounds)).toEqual([
      { code: 'ABOVE_TYPICAL', sku: 'A', quantity: 19, typical: 12, limit: 18 },
    ]);
  });

  it('holds SKUs with too short a history, orders over the cap, and everything when maxFactor is 0', () => {
    const recent = new Map([['A', [50]]]);
    expect(
      reviewOrder(
        [
          { sku: 'A', quantity: 50, explanation: why },
          { sku: 'B', quantity: 60, explanation: why },
        ],
        recent,
        bounds,
      ),
    ).toEqual([
      { code: 'NO_HISTORY', sku: 'A', quantity: 50, limit: 2 },
      { code: 'NO_HISTORY', sku: 'B', quantity: 60, limit: 2 },
      { code: 'ABOVE_ORDER_CAP', quantity: 110, limit: 100 },
    ]);
    expect(
      reviewOrder([{ sku: 'A', quantity: 1, explanation: why }], new Map([['A', [1, 1]]]), { ...bounds, maxFactor: 0 }),
    ).toEqual([{ code: 'AUTO_APPROVAL_OFF', quantity: 1 }]);
  });
});

describe('state machines', () => {
  const ann = { username: 'ann', role: 'staff' as const, sites: ['s'] };
  const pat = { username: 'pat', role: 'planner' as const, sites: [] };
  const open: StaffTask = {
    id: 't',
    site: 's',
    kind: 'refill',
    state: 'open',
    sku: 'A',
    lane: 'l',
    units: 5,
    priority: 1,
    createdAt: 0,
    updatedAt: 0,
    explanation: why,
  };

  it('lets a planner release anyone’s task, but not complete it', () => {
    const claimed = applyTaskAction(open, { kind: 'claim' }, ann, 1) as StaffTask;
    expect(claimed).toMatchObject({ state: 'claimed', claimedBy: 'ann', claimedAt: 1 });
    expect(applyTaskAction(claimed, { kind: 'complete', unitsMoved: 5 }, pat, 2)).toMatchObject({
      refused: 'TASK_CLAIMED_BY_OTHER',
    });
    const released = applyTaskAction(claimed, { kind: 'release' }, pat, 2);
    expect(released).toEqual({ ...open, updatedAt: 2 });
  });

  it('moves an order only along proposed → approved → dispatched → delivered', () => {
    const order: StoreOrder = {
      id: 'o',
      site: 's',
      state: 'proposed',
      lines: [],
      totalUnits: 0,
      review: [],
      createdAt: 0,
      updatedAt: 0,
    };
    expect(applyOrderAction(order, { kind: 'deliver' }, 'ann', 1)).toMatchObject({ refused: 'ORDER_NOT_DISPATCHED' });
    const approved = applyOrderAction(order, { kind: 'approve', auto: false }, 'pat', 1) as StoreOrder;
    expect(approved).toMatchObject({ state: 'approved', approval: 'manual', decidedBy: 'pat' });
    expect(applyOrderAction(approved, { kind: 'reject', reason: 'x' }, 'pat', 2)).toMatchObject({
      refused: 'ORDER_NOT_PROPOSED',
    });
    const dispatched = applyOrderAction(approved, { kind: 'dispatch' }, 'pat', 2) as StoreOrder;
    expect(applyOrderAction(dispatched, { kind: 'cancel', reason: 'x' }, 'pat', 3)).toMatchObject({
      refused: 'ORDER_NOT_CANCELLABLE',
    });
    expect(applyOrderAction(dispatched, { kind: 'deliver' }, 'ann', 3)).toMatchObject({
      state: 'delivered',
      deliveredAt: 3,
    });
  });
});
