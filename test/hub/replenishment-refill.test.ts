import { describe, expect, it } from 'vitest';
import { type LaneStock, planShelfRefills } from '../../hub/src/replenishment/engine/shelf-refill.js';
import type { RefillSuggestion } from '../../hub/src/replenishment/replenishment.types.js';

const NOW = Date.UTC(2025, 0, 6, 8);
const H = 3_600_000;
const at = (hours: number | null) => (hours === null ? null : NOW + hours * H);

function lane(
  id: string,
  sku: string,
  zone: string,
  aisle: number,
  onShelf: number,
  capacity: number,
  earliestH: number | null,
  expectedH: number | null = earliestH === null ? null : earliestH + 2,
): LaneStock {
  return {
    site: 's1',
    lane: id,
    sku,
    zone,
    aisle,
    unitsOnShelf: onShelf,
    capacityUnits: capacity,
    earliestEmptyAt: at(earliestH),
    expectedEmptyAt: at(expectedH),
  };
}

describe('shelf-refill tasks', () => {
  const lanes = [
    lane('L1', 'milk', 'dairy', 3, 2, 10, 1, 3),
    lane('L2', 'apple', 'produce', 1, 0, 12, null, null),
    lane('L3', 'rice', 'dry', 2, 4, 20, 1.5),
    lane('L4', 'yoghurt', 'dairy', 1, 5, 10, 6),
    lane('L5', 'pear', 'produce', 2, 1, 10, 0.5),
    lane('L6', 'salt', 'dry', 1, 3, 10, null, null),
    lane('L7', 'milk', 'dairy', 5, 6, 10, 5),
    lane('L8', 'rice', 'dry', 3, 20, 20, 0.2),
  ];
  const backroom = [
    { site: 's1', sku: 'milk', units: 10 },
    { site: 's1', sku: 'apple', units: 5 },
    { site: 's1', sku: 'rice', units: 100 },
    { site: 's1', sku: 'yoghurt', units: 10 },
    { site: 's1', sku: 'pear', units: 0 },
    { site: 's1', sku: 'salt', units: 50 },
  ];
  const plan = planShelfRefills(lanes, backroom, {
    now: NOW,
    horizonMs: 8 * H,
    urgentMs: 2 * H,
    zoneOrder: ['produce', 'dairy', 'dry'],
  });

  it('orders tasks by urgency, then along the walking path', () => {
    // Empty: L2. Urgent (≤ 2 h): L1 (dairy) before L3 (dry). Due (≤ 8 h): L4 (dairy aisle 1), L7 (aisle 5).
    // L5 has no backroom stock, L6 does not empty within the horizon, L8 is full.
    expect(plan.tasks.map((t) => t.lane)).toEqual(['L2', 'L1', 'L3', 'L4', 'L7']);
    expect(plan.tasks.map((t) => t.explanation.rule)).toEqual([
      'refill-empty',
      'refill-urgent',
      'refill-urgent',
      'refill-due',
      'refill-due',
    ]);
  });

  it('fills to capacity, limited by the backroom, the most urgent lane of a SKU first', () => {
    // L2 needs 12, the backroom has 5. L1 takes 8 of the 10 milk; L7 needs 4 and gets the last 2.
    expect(plan.tasks.map((t) => t.units)).toEqual([5, 8, 16, 5, 2]);
    expect(plan.tasks[4]?.explanation.values).toMatchObject({ backroomUnits: 2, unitsOnShelf: 6, capacity: 10 });
  });

  it('gives priority from the earliest empty time and explains it', () => {
    // 999 · (1 − earliest / 8 h): L1 1 h → 874, L3 1.5 h → 812, L4 6 h → 250, L7 5 h → 375.
    expect(plan.tasks.map((t) => t.priority)).toEqual([1000, 874, 812, 250, 375]);
    expect(plan.tasks[1]).toMatchObject({ kind: 'refill', sku: 'milk', zone: 'dairy', dueBy: NOW + H });
    expect(plan.tasks[1]?.explanation.values).toMatchObject({ earliestEmptyInH: 1, expectedEmptyInH: 3 });
    expect(plan.rejected).toEqual([]);
  });

  it('hands the hub module what its tasks service takes', () => {
    const suggestions: readonly RefillSuggestion[] = plan.tasks;
    expect(suggestions.every((s) => s.kind === 'refill' && s.explanation.text.length > 0)).toBe(true);
  });

  it('rejects a lane with negative stock and plans the rest', () => {
    const { tasks, rejected } = planShelfRefills(
      [lane('bad', 'milk', 'dairy', 1, -2, 10, 1), lanes[0] as LaneStock],
      backroom,
      {
        now: NOW,
        horizonMs: 8 * H,
        urgentMs: 2 * H,
      },
    );
    expect(rejected).toMatchObject([{ lane: 'bad', reason: 'NEGATIVE_STOCK' }]);
    expect(tasks.map((t) => [t.lane, t.units])).toEqual([['L1', 8]]);
  });
});
