import type { Item } from '@aisle/protocols';

/**
 * Timestamps per the envelope (ARCHITECTURE §2): `ts` is the device's capture time, `rx` the
 * gateway's receive time, `tq` how far `ts` can be trusted. A device that never set its clock
 * (`unsynced`) gets `ts = rx`; a `ts` in the future beyond the allowed skew, or before aisle could
 * have existed, is clamped to `rx`. Every change is flagged on the item, never silent.
 */

/** Nothing aisle receives was captured before this (2020-01-01): older means a clock never set. */
export const EARLIEST_PLAUSIBLE_MS = Date.UTC(2020, 0, 1);

export interface TimestampPolicy {
  readonly maxFutureSkewMs: number;
}

export function normalizeItem(item: Item, gateway: string, rxMs: number, policy: TimestampPolicy): Item {
  const flags = new Set(item.flags ?? []);
  let ts = item.ts;
  if (item.tq === 'unsynced') {
    ts = rxMs;
    flags.add('ts-from-rx');
  } else if (ts > rxMs + policy.maxFutureSkewMs || ts < EARLIEST_PLAUSIBLE_MS) {
    ts = rxMs;
    flags.add('ts-clamped');
  }
  const normalized = { ...item, ts, rx: rxMs, src: { ...item.src, gateway } } as Item;
  return flags.size === 0 ? normalized : ({ ...normalized, flags: [...flags] } as Item);
}
