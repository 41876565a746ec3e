import type { OrderLine, OrderReviewReason } from './replenishment.types.js';

/** The bounds of automatic approval (`replenishment.autoApprove` in the config). */
export interface AutoApproveBounds {
  readonly maxFactor: number;
  readonly minHistory: number;
  readonly maxOrderUnits: number;
}

/**
 * Why an order needs a human, or nothing when the hub may approve it alone: every line at most
 * `maxFactor` × its SKU's typical quantity (the median of `recent`, the SKU's latest delivered
 * quantities at the site), at least `minHistory` of them known, and the order's units within
 * `maxOrderUnits`. A SKU never delivered here has no typical quantity: a person looks first.
 */
export function reviewOrder(
  lines: readonly OrderLine[],
  recent: ReadonlyMap<string, readonly number[]>,
  bounds: AutoApproveBounds,
): OrderReviewReason[] {
  const total = lines.reduce((sum, line) => sum + line.quantity, 0);
  if (bounds.maxFactor === 0) return [{ code: 'AUTO_APPROVAL_OFF', quantity: total }];
  const reasons: OrderReviewReason[] = [];
  for (const line of lines) {
    const history = recent.get(line.sku) ?? [];
    if (history.length < bounds.minHistory) {
      reasons.push({ code: 'NO_HISTORY', sku: line.sku, quantity: line.quantity, limit: bounds.minHistory });
      continue;
    }
    const typical = median(history);
    const limit = bounds.maxFactor * typical;
    if (line.quantity > limit)
      reasons.push({ code: 'ABOVE_TYPICAL', sku: line.sku, quantity: line.quantity, typical, limit });
  }
  if (total > bounds.maxOrderUnits)
    reasons.push({ code: 'ABOVE_ORDER_CAP', quantity: total, limit: bounds.maxOrderUnits });
  return reasons;
}

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
}
