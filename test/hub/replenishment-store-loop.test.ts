/**
 * The store loop on a hand-built trace. One store on UTC, from Monday 2026-01-05 00:00, one week of
 * warm-up, one measured week. SKU-1 (lane of 10) is wanted 2 at 10:00 and 2 at 14:00 every day;
 * SKU-2 (lane of 3) only once, 5 units on the second measured day at 12:00. Staff refill at a
 * quarter of the lane, at once (no delay), every hour from 6 to 22; orders at 23:00 land at 06:00.
 *
 * Warm-up (unlimited backroom): SKU-1's lane goes 10 → 6 → 2, refilled at 15:00 every second day,
 * so it holds 6 when measurement opens. The policy orders SKU-1 up to 8 and SKU-2 up to 0:
 * - opening: SKU-1's backroom gets 8 − 6 = 2;
 * - every day 4 sold, at 23:00 the position is 4 → one order of 4 a day, 7 orders;
 * - on hand (shelf + backroom, sampled each hour before that hour's events): day 1 8 until 10:00,
 *   6 until 14:00, then 4 (11·8 + 4·6 + 9·4 = 148); every later day 4 until the 06:00 delivery,
 *   then 8, 6, 4 (7·4 + 4·8 + 4·6 + 9·4 = 120);
 * - SKU-2 sells its 3 and loses 2 (nothing in the backroom), holding 3 for 24 + 13 hours.
 */
import {
  formatStoreTraceEvent,
  formatStoreTraceHeader,
  parseStoreTrace,
  type StoreTraceHeader,
  TRACE_WANT,
} from '@aisle/protocols';
import { describe, expect, it } from 'vitest';
import {
  type OrderingPolicy,
  runStoreLoop,
  type StoreLoopOptions,
} from '../../hub/src/replenishment/engine/store-loop.js';

const H = 3_600_000;
const D = 24 * H;
const start = Date.parse('2026-01-05T00:00:00Z');

const header: StoreTraceHeader = {
  v: 1,
  kind: 'aisle-store-trace',
  scenario: 'hand',
  seed: 1,
  startMs: start,
  endMs: start + 14 * D,
  utcOffsetHours: 0,
  sites: [
    {
      id: 'store-a',
      lanes: [
        { lane: 'a01-p01', sku: 'SKU-1', capacity: 10, facings: 2, zone: 'z1', walk: 1, unitGrams: 500 },
        { lane: 'a01-p02', sku: 'SKU-2', capacity: 3, facings: 1, zone: 'z1', walk: 2, unitGrams: 500 },
      ],
    },
  ],
  skus: [
    { sku: 'SKU-1', casePack: 1, priceCents: 100 },
    { sku: 'SKU-2', casePack: 1, priceCents: 100 },
  ],
  shrinkLanes: [],
};

function handTrace() {
  const lines = [formatStoreTraceHeader(header)];
  const want = (t: number, sku: number, units: number) =>
    lines.push(formatStoreTraceEvent(start, { kind: TRACE_WANT, t, site: 0, sku, units, posAt: t + 600_000 }));
  for (let d = 0; d < 14; d++) {
    want(start + d * D + 10 * H, 0, 2);
    if (d === 8) want(start + d * D + 12 * H, 1, 5);
    want(start + d * D + 14 * H, 0, 2);
  }
  return parseStoreTrace(lines.join('\n'));
}

const options: StoreLoopOptions = {
  measureFromMs: start + 7 * D,
  endMs: start + 14 * D,
  leadTimeDays: 1,
  reviewDays: 1,
  orderHour: 23,
  deliveryHour: 6,
  moq: 0,
  backroomLanes: 10,
  staff: { fromHour: 6, toHour: 22, passHours: 1, delayMinutes: 0 },
  refill: 'threshold',
  thresholdShare: 0.25,
  refillZ: 1.64,
  seed: 1,
};

const upTo = (levels: Record<string, number>): OrderingPolicy => ({
  name: 'fixed',
  orderUpTo: (r) => levels[r.sku] ?? 0,
});

describe('store loop', () => {
  it('meets wants by the floor rule, orders at the close, receives at 06:00 and measures what a store would see', () => {
    const result = runStoreLoop(handTrace(), upTo({ 'SKU-1': 8, 'SKU-2': 0 }), options);
    const [sku1, sku2] = result.perSku;
    expect(sku1).toMatchObject({ sku: 'SKU-1', wanted: 28, sold: 28, orders: 7, orderedUnits: 28 });
    expect(sku1?.averageOnHand).toBeCloseTo((148 + 6 * 120) / 168, 9);
    expect(sku2).toMatchObject({ sku: 'SKU-2', wanted: 5, sold: 3, orders: 0 });
    expect(sku2?.averageOnHand).toBeCloseTo((37 * 3) / 168, 9);
    expect(result).toMatchObject({ days: 7, wanted: 33, sold: 31, lost: 2, lostOnFloor: 0, orders: 7 });
    expect(result.fillRate).toBeCloseTo(31 / 33, 12);
    expect(result.daysOfCover).toBeCloseTo(result.averageOnHand / (33 / 7), 12);
    // Staff moved into the lane everything that came in: the opening 2 and 6 of the 7 deliveries
    // of 4 (the last one lands after the end).
    expect(result.taskUnits).toBe(2 + 6 * 4);
  });

  it('loses what the shelf lacks when staff come too late, and counts it as lost with stock in the backroom', () => {
    const slow = runStoreLoop(handTrace(), upTo({ 'SKU-1': 30, 'SKU-2': 0 }), {
      ...options,
      staff: { ...options.staff, fromHour: 15, toHour: 16 },
      thresholdShare: 0.1,
    });
    // One pass a day at 15:00, for a lane at one unit or less: 10 → 6 → 2 → 0 at 10:00 of the
    // third day, so its 14:00 want is lost though the backroom holds plenty.
    expect(slow.lostOnFloor).toBeGreaterThan(0);
    // SKU-2's 2 are lost with nothing in its backroom.
    expect(slow.lost).toBe(slow.lostOnFloor + 2);
  });

  it('refuses options it cannot run', () => {
    const trace = handTrace();
    expect(() => runStoreLoop(trace, upTo({}), { ...options, leadTimeDays: 0 })).toThrow(/leadTimeDays/);
    expect(() => runStoreLoop(trace, upTo({}), { ...options, measureFromMs: start + 7 * D + H })).toThrow(/midnight/);
    expect(() => runStoreLoop(trace, upTo({}), { ...options, endMs: start + 15 * D })).toThrow(/within the trace/);
  });
});
