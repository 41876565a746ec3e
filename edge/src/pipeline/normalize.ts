import type { Item } from '@aisle/protocols';

type ItemFlag = NonNullable<Item['flags']>[number];

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

/**
 * Normalizes `item` in place and returns it: sets `ts`, adds `rx` and `src.gateway` (new keys go
 * last, existing ones keep their place, as a spread copy would) and the flags, deduplicated.
 *
 * In place because the pipeline owns the item (freshly decoded or built for a serial sentence): a
 * copy `{ ...item, rx }` adds a key to a cloned object, for which V8 builds a new hidden class
 * every time, and cost about 5 µs per reading, more than decoding it.
 */
export function normalizeInPlace(item: Item, gateway: string, rxMs: number, policy: TimestampPolicy): Item {
  let added: ItemFlag | undefined;
  if (item.tq === 'unsynced') {
    item.ts = rxMs;
    added = 'ts-from-rx';
  } else if (item.ts > rxMs + policy.maxFutureSkewMs || item.ts < EARLIEST_PLAUSIBLE_MS) {
    item.ts = rxMs;
    added = 'ts-clamped';
  }
  item.rx = rxMs;
  item.src.gateway = gateway;
  if (item.flags !== undefined && item.flags.length > 0) {
    item.flags = [...new Set(added === undefined ? item.flags : [...item.flags, added])];
  } else if (added !== undefined) {
    item.flags = [added];
  }
  return item;
}
