/**
 * The Store view's live picture without a browser: REST rows and socket.io deltas (the same shape)
 * move one lane, forecast, alert or door each; a delta older than what REST returned does not
 * undo it; a cleared alert leaves; door counts and forecasts line up per forecast step; a finished
 * task leaves the task list.
 */
import { describe, expect, it } from 'vitest';
import type { LatestRow, PlanogramLane, Task } from '../../dashboards/src/api/types.js';
import {
  applyRows,
  bandOf,
  emptyStore,
  lanesToShow,
  placeOf,
  unitsNow,
} from '../../dashboards/src/views/store/store-state.js';
import { mergeTask } from '../../dashboards/src/views/store/tasks.js';
import { trafficSeries } from '../../dashboards/src/views/store/traffic-series.js';

const MIN = 60_000;
const T0 = Date.parse('2026-01-05T09:00:00Z');
const NO_PLANOGRAM = new Map<string, PlanogramLane>();

function row(type: string, key: string, ts: number, data: unknown): LatestRow {
  return { device: 'dev-1', key, type, ts, item: { ts, type, data } };
}
const level = (lane: string, units: number, ts: number, capacity = 20) =>
  row('shelf.level', `shelf.level:${lane}`, ts, { lane, sku: 'SKU-1', units, capacity });

describe('store state from latest rows', () => {
  it('places lanes from their ids when the site has no planogram, and from the planogram when it has', () => {
    expect(placeOf('a03-s2-p07', NO_PLANOGRAM)).toEqual({ aisle: 'a03', shelf: 2, position: 7 });
    const planogram = new Map([
      ['x1', { lane: 'x1', sku: 'SKU-1', capacity: 10, aisle: 'dairy', shelf: 1, position: 4 }],
    ]);
    expect(placeOf('x1', planogram)).toEqual({ aisle: 'dairy', shelf: 1, position: 4 });
  });

  it('moves only the lane a delta names, and ignores a delta older than the level shown', () => {
    const loaded = applyRows(emptyStore(), [level('a01-s0-p00', 20, T0), level('a01-s0-p01', 12, T0)], NO_PLANOGRAM);
    const other = loaded.lanes.get('a01-s0-p01');
    const picked = applyRows(loaded, [level('a01-s0-p00', 19, T0 + MIN)], NO_PLANOGRAM);
    expect(picked.lanes.get('a01-s0-p00')?.units).toBe(19);
    // The untouched lane keeps its object: its cell does not re-render.
    expect(picked.lanes.get('a01-s0-p01')).toBe(other);
    const stale = applyRows(picked, [level('a01-s0-p00', 20, T0)], NO_PLANOGRAM);
    expect(stale.lanes.get('a01-s0-p00')?.units).toBe(19);
  });

  it('draws the planogram lanes that have not reported as unknown, beside those that have', () => {
    const planogram = new Map(
      ['a01-s0-p00', 'a01-s0-p01'].map((lane, i) => [
        lane,
        { lane, sku: `SKU-${i}`, capacity: 20, aisle: 'a01', shelf: 0, position: i },
      ]),
    );
    const state = applyRows(emptyStore(), [level('a01-s0-p00', 4, T0)], planogram);
    const shown = lanesToShow(state.lanes, planogram);
    expect([...shown.values()].map((l) => `${l.lane}:${bandOf(l)}`)).toEqual(['a01-s0-p00:low', 'a01-s0-p01:unknown']);
    // Once every lane has reported, the reported map is drawn as it is.
    const all = applyRows(state, [level('a01-s0-p01', 20, T0)], planogram);
    expect(lanesToShow(all.lanes, planogram)).toBe(all.lanes);
  });

  it('colours by fill band: empty, below a quarter, below half, fine', () => {
    const band = (units: number) => bandOf({ lane: 'l', sku: 's', units, capacity: 20, ts: T0 });
    expect([0, 4, 9, 10, 20].map(band)).toEqual(['empty', 'low', 'half', 'ok', 'ok']);
  });

  it('keeps an alert while it holds and drops it when cleared', () => {
    const alert = (state: string) =>
      row('alert', 'alert:low-stock:lane:a01-s0-p00', T0, {
        alert: '0190a000-0000-7000-8000-000000000001',
        rule: 'low-stock',
        state,
        severity: 'warning',
        subject: { kind: 'lane', id: 'a01-s0-p00' },
        message: 'lane a01-s0-p00 low',
        since: T0,
      });
    const raised = applyRows(emptyStore(), [alert('raised')], NO_PLANOGRAM);
    expect([...raised.alerts.values()].map((a) => a.message)).toEqual(['lane a01-s0-p00 low']);
    expect(applyRows(raised, [alert('cleared')], NO_PLANOGRAM).alerts.size).toBe(0);
  });
});

describe("a lane's units in the empty-soon list", () => {
  it('takes the newer of the level held and the forecast: a lane off screen is not followed live', () => {
    const held = applyRows(emptyStore(), [level('a01-s0-p00', 12, T0)], NO_PLANOGRAM).lanes.get('a01-s0-p00');
    expect(unitsNow(held, { ts: T0 + MIN, unitsNow: 7 })).toBe(7);
    expect(unitsNow(held, { ts: T0 - MIN, unitsNow: 15 })).toBe(12);
    expect(unitsNow(held, { ts: T0 + MIN })).toBe(12);
    expect(unitsNow(undefined, { ts: T0, unitsNow: 3 })).toBe(3);
  });
});

describe('foot traffic series', () => {
  it('sums the doors per forecast step beside the summed forecast and its bounds', () => {
    const count = (door: string, ts: number, entries: number) =>
      row('footfall.count', `footfall.count:${door}`, ts, { door, in: entries, out: 0, intervalMs: 15 * MIN });
    const forecast = (door: string, mean: number[]) =>
      row('forecast', `forecast:door-traffic:door:${door}`, T0, {
        task: 'door-traffic',
        target: { kind: 'door', id: door },
        start: T0,
        stepMs: 60 * MIN,
        mean,
        lower: mean.map((m) => m - 2),
        upper: mean.map((m) => m + 3),
        level: 0.8,
      });
    const state = applyRows(
      emptyStore(),
      [
        forecast('door-1', [10, 20]),
        forecast('door-2', [5, 5]),
        // Counts for the intervals ending 09:15 and 10:00 (in the 09:00 hour), and 10:15.
        count('door-1', T0 + 15 * MIN, 3),
        count('door-2', T0 + 15 * MIN, 1),
        count('door-1', T0 + 60 * MIN, 4),
        count('door-1', T0 + 75 * MIN, 6),
      ],
      NO_PLANOGRAM,
    );
    const series = trafficSeries(state);
    expect(series.bucketMs).toBe(60 * MIN);
    expect(series.at).toEqual([T0, T0 + 60 * MIN]);
    expect(series.actual).toEqual([8, 6]);
    expect(series.mean).toEqual([15, 25]);
    expect(series.lower).toEqual([11, 21]);
    expect(series.upper).toEqual([21, 31]);
    expect(series.level).toBe(0.8);
  });
});

describe('task list', () => {
  const task = (id: string, priority: number, state: Task['state']): Task => ({
    id,
    site: 'store-a',
    kind: 'refill',
    state,
    sku: 'SKU-1',
    lane: 'a01-s0-p00',
    units: 5,
    priority,
    createdAt: T0,
    updatedAt: T0,
    explanation: { rule: 'manual', text: 'fill it', values: {} },
  });

  it('orders by urgency, replaces a task by id, and drops it once done or skipped', () => {
    let list = mergeTask([], task('t1', 100, 'open'));
    list = mergeTask(list, task('t2', 900, 'open'));
    expect(list.map((t) => t.id)).toEqual(['t2', 't1']);
    list = mergeTask(list, task('t1', 100, 'claimed'));
    expect(list.map((t) => `${t.id}:${t.state}`)).toEqual(['t2:open', 't1:claimed']);
    expect(mergeTask(list, task('t1', 100, 'done')).map((t) => t.id)).toEqual(['t2']);
    expect(mergeTask(list, task('t2', 900, 'skipped')).map((t) => t.id)).toEqual(['t1']);
  });
});
