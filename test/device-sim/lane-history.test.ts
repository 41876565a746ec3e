/**
 * `aisle-sim lanes`: a lane's hours from its ground-truth events (a hand-built lane whose answers
 * are worked out below), and on a small simulated store the stock trajectory the simulator itself
 * holds, with the same demand whether the devices report at the scenario's rates or hourly.
 */
import { describe, expect, it } from 'vitest';
import { emptiesAt, LaneTruth, laneHistory, laneHours, truthOnly } from '../../device-sim/src/lane-history.js';
import { World } from '../../device-sim/src/world/world.js';
import { smallScenario } from './scenarios.js';

const H = 3_600_000;

describe('a lane tabulated from its events', () => {
  // Capacity 10. Sold 3 at 0:30, restocked 3 at 0:36, sold 4 at 1:30 and 6 at 2:15 (empty from
  // then), 2 wanted but lost at 2:30, restocked 10 at 2:45, sold 5 at 3:30.
  const events = [
    { t: 0.5 * H, units: 3, kind: 'pick' as const },
    { t: 0.6 * H, units: -3, kind: 'restock' as const },
    { t: 1.5 * H, units: 4, kind: 'pick' as const },
    { t: 2.25 * H, units: 6, kind: 'pick' as const },
    { t: 2.5 * H, units: 2, kind: 'lost' as const },
    { t: 2.75 * H, units: -10, kind: 'restock' as const },
    { t: 3.5 * H, units: 5, kind: 'pick' as const },
  ];
  const lane = laneHours('store-a/l1', 10, events, 0, 5);

  it('counts sales and lost sales into their hours and replays the stock from capacity', () => {
    expect([...lane.sold]).toEqual([3, 4, 6, 5, 0]);
    expect([...lane.lost]).toEqual([0, 0, 2, 0, 0]);
    expect([...lane.units]).toEqual([10, 10, 6, 10, 5]);
    expect(lane.emptyMinutes[2]).toBeCloseTo(30);
    expect([lane.emptyMinutes[0], lane.emptyMinutes[1], lane.emptyMinutes[3]]).toEqual([0, 0, 0]);
  });

  it('times emptying by the demand after each hour, whatever restocking did', () => {
    // From 0:00, 10 units: demand 3, 4, 6 reaches 10 at 2:15 (the 0:36 restock does not count).
    expect(lane.emptiesInH[0]).toBeCloseTo(2.25);
    // From 1:00, 10 units: 4, 6 → 2:15.
    expect(lane.emptiesInH[1]).toBeCloseTo(1.25);
    // From 2:00, 6 units: 6 at 2:15.
    expect(lane.emptiesInH[2]).toBeCloseTo(0.25);
    // From 3:00, 10 units: only 5 more are ever wanted → not before the run ends.
    expect(lane.emptiesInH[3]).toBeNaN();
    // The lost sale is demand: from just before it, 2 units empty at 2:30.
    expect(emptiesAt(2, 2.3 * H, [1.5 * H, 2.25 * H, 2.5 * H, 3.5 * H], [4, 10, 12, 17])).toBe(2.5 * H);
    expect(emptiesAt(0, 7, [], [])).toBe(7);
  });
});

describe('a simulated store’s lanes', () => {
  it('end with the stock the world holds, and sales equal to its picks', () => {
    const scenario = truthOnly(smallScenario());
    const truth = new LaneTruth();
    const picks: number[] = [];
    const world = new World(scenario, {
      truth: {
        record: (e) => {
          truth.record(e);
          if (e.kind === 'pick') picks.push(e.units);
        },
      },
    });
    const history = laneHistory(world, truth, 48);
    const units = world.units('store-a');
    const layout = world.layout('store-a')?.lanes ?? [];
    const sold = history.lanes.reduce((n, l) => n + l.sold.reduce((a, b) => a + b, 0), 0);
    expect(sold).toBe(picks.reduce((a, b) => a + b, 0));
    expect(sold).toBeGreaterThan(1000);
    // One hour past the run: the stock its events leave, which must be the world's own.
    const ended = history.lanes.map(
      (l) => laneHours(l.id, l.capacity, truth.events(l.id), history.startMs, 49).units[48],
    );
    expect(history.lanes.map((l) => l.id)).toEqual(layout.map((l) => `store-a/${l.lane}`));
    expect(ended).toEqual([...units]);
    expect(history.lanes.some((l) => l.emptyMinutes.some((m) => m > 0))).toBe(true);
  });

  it('see the same demand when the devices report at the scenario’s rates as when they report hourly', () => {
    const demandOf = (scenario: ReturnType<typeof smallScenario>) => {
      const truth = new LaneTruth();
      const history = laneHistory(new World(scenario, { truth }), truth, 6);
      return history.lanes.map((l) => [...l.sold].map((s, h) => s + (l.lost[h] as number)));
    };
    const fast = demandOf(truthOnly(smallScenario()));
    expect(demandOf(smallScenario())).toEqual(fast);
    expect(fast.flat().reduce((a, b) => a + b, 0)).toBeGreaterThan(100);
  });
});
