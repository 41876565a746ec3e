import type { Item } from '@aisle/protocols';
import type { PipelineContext } from '../context.js';

/**
 * A device's answer to a command. `tare-done` moves the zero of the lanes it tared, so the units
 * the gateway counts carry on unchanged across the tare (the scale now reads only the load above
 * what was on the lane at that moment).
 */
export function handleDeviceEvent(ctx: PipelineContext, item: Extract<Item, { type: 'device.event' }>): void {
  const { ref, event, ok } = item.data;
  if (ref === undefined) return;
  const pending = ctx.pendingCommands.get(ref);
  if (pending === undefined || pending.device !== item.src.device) return;
  ctx.pendingCommands.delete(ref);
  if (event !== 'tare-done' || ok !== true) return;
  for (const { lane, units } of pending.lanes) ctx.lanes.get(lane)?.tared(units);
}
