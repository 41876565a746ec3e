import type { Item } from '@aisle/protocols';
import type { PipelineContext } from '../context.js';

/** Shelf weight → lane units: settled levels, pick/put/misplaced events, low-stock alerts. */
export function handleShelfWeight(ctx: PipelineContext, item: Extract<Item, { type: 'shelf.weight' }>): void {
  const lane = ctx.lanes.get(item.data.lane);
  if (lane === undefined) return; // Not in the planogram: kept raw, nothing to derive.
  for (const update of lane.reading(item.data.grams, item.data.stable)) {
    if (update.kind === 'event') {
      ctx.derive(item, 'shelf.event', update.event);
      if (update.event.event === 'misplaced') {
        ctx.alert(
          item,
          ctx.alerts.hold(item.ts, {
            rule: 'implausible-value',
            subject: { kind: 'lane', id: item.data.lane },
            severity: 'warning',
            message: `lane ${item.data.lane} weighs ${update.event.grams} g: not a whole number of ${lane.config.sku}`,
            value: update.event.grams,
          }),
        );
      }
      continue;
    }
    ctx.derive(item, 'shelf.level', update.level);
    ctx.alert(
      item,
      ctx.alerts.release('implausible-value', { kind: 'lane', id: item.data.lane }, 'weight matches whole units again'),
    );
    const threshold = Math.floor(ctx.rules.lowStockFraction * update.level.capacity);
    const subject = { kind: 'lane' as const, id: item.data.lane };
    if (update.level.units <= threshold) {
      ctx.alert(
        item,
        ctx.alerts.hold(item.ts, {
          rule: 'low-stock',
          subject,
          severity: update.level.units === 0 ? 'critical' : 'warning',
          message: `lane ${item.data.lane} (${update.level.sku}) has ${update.level.units} of ${update.level.capacity}`,
          value: update.level.units,
          threshold,
        }),
      );
    } else {
      ctx.alert(
        item,
        ctx.alerts.release('low-stock', subject, `lane ${item.data.lane} restocked to ${update.level.units}`),
      );
    }
  }
}
