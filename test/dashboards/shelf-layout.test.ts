/**
 * The shelf map's layout and counts without a browser: aisles in natural order, top shelf first,
 * lanes by position; the aisles a screen follows live are counted from the levels it holds, the
 * others from the hub's aggregate (their lanes are not pushed to it).
 */
import { describe, expect, it } from 'vitest';
import type { PlanogramLane } from '../../dashboards/src/api/types.js';
import { type AisleCounts, aisleCounts, shelfLayout } from '../../dashboards/src/views/store/shelf-layout.js';
import { applyRows, emptyStore, type LaneView, lanesToShow } from '../../dashboards/src/views/store/store-state.js';

const T0 = Date.parse('2026-01-05T09:00:00Z');
const NO_PLANOGRAM = new Map<string, PlanogramLane>();
const level = (lane: string, units: number, capacity = 20) => ({
  device: 'dev-1',
  key: `shelf.level:${lane}`,
  type: 'shelf.level',
  ts: T0,
  item: { ts: T0, type: 'shelf.level', data: { lane, sku: `sku-${lane}`, units, capacity } },
});

function lanes(...levels: Array<[string, number]>): ReadonlyMap<string, LaneView> {
  return applyRows(
    emptyStore(),
    levels.map(([lane, units]) => level(lane, units)),
    NO_PLANOGRAM,
  ).lanes;
}

describe('shelf layout', () => {
  it('orders aisles naturally, shelves top first and lanes by position', () => {
    const layout = shelfLayout(
      lanes(['a10-s1-p00', 5], ['a2-s1-p01', 5], ['a2-s2-p00', 5], ['a2-s1-p00', 5], ['a9-s1-p00', 5]).values(),
    );
    expect(layout.aisles.map((a) => a.aisle)).toEqual(['a2', 'a9', 'a10']);
    expect(layout.aisles[0]?.shelves).toEqual([
      { shelf: 2, lanes: ['a2-s2-p00'] },
      { shelf: 1, lanes: ['a2-s1-p00', 'a2-s1-p01'] },
    ]);
    expect(layout.aisleOf.get('a2-s1-p01')).toBe('a2');
  });

  it("counts followed aisles from the screen's levels and the rest from the hub", () => {
    const held = lanes(['a1-s1-p00', 0], ['a1-s1-p01', 4], ['a1-s1-p02', 20], ['a2-s1-p00', 20]);
    const shown = lanesToShow(
      held,
      new Map([['a2-s1-p01', { lane: 'a2-s1-p01', sku: 'x', capacity: 20, aisle: 'a2', shelf: 1, position: 1 }]]),
    );
    const layout = shelfLayout(shown.values());
    // The hub has newer news of a2 (emptied since the screen stopped following it) and older of a1.
    const hub = new Map<string, AisleCounts>([
      ['a1', { aisle: 'a1', lanes: 3, reporting: 3, empty: 0, belowQuarter: 0 }],
      ['a2', { aisle: 'a2', lanes: 2, reporting: 1, empty: 1, belowQuarter: 1 }],
    ]);
    const followingA1 = aisleCounts(layout, shown, hub, new Set(['a1']));
    expect(followingA1.get('a1')).toEqual({ aisle: 'a1', lanes: 3, reporting: 3, empty: 1, belowQuarter: 2 });
    expect(followingA1.get('a2')).toBe(hub.get('a2'));
    // Before the map reports what is in view every lane is followed: all counted on the screen.
    const all = aisleCounts(layout, shown, hub, undefined);
    expect(all.get('a2')).toEqual({ aisle: 'a2', lanes: 2, reporting: 1, empty: 0, belowQuarter: 0 });
  });
});
