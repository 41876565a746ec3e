import type { Item } from '@aisle/protocols';
import type { PipelineContext } from '../context.js';

/** Door counts → intervals with the site's occupancy. */
export function handleFootfallCount(ctx: PipelineContext, item: Extract<Item, { type: 'footfall.count' }>): void {
  ctx.derive(item, 'footfall.interval', ctx.footfall.count(item.data));
}
