/**
 * The foot-traffic chart's hours without a browser: the hub's hourly history, the live counts that
 * came after the hub read it added into their hour (none counted twice), and the doors' forecasts
 * spread over the hours their steps cover.
 */
import { describe, expect, it } from 'vitest';
import type { LatestRow, PlanogramLane } from '../../dashboards/src/api/types.js';
import { applyRows, emptyStore, type StoreState } from '../../dashboards/src/views/store/store-state.js';
import { newestCounts, type TrafficHistory, trafficSeries } from '../../dashboards/src/views/store/traffic-series.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const H0 = Date.parse('2026-01-05T08:00:00Z');
const NO_PLANOGRAM = new Map<string, PlanogramLane>();

const row = (type: string, key: string, ts: number, data: unknown): LatestRow => ({
  device: 'dev-1',
  key,
  type,
  ts,
  item: { ts, type, data },
});
const count = (door: string, ts: number, entries: number) =>
  row('footfall.count', `footfall.count:${door}`, ts, { door, in: entries, out: 0, intervalMs: 15 * MIN });
/** The history as read when the screen held `held` (its counts are in `hours`). */
const history = (held: StoreState, hours: TrafficHistory['hours']): TrafficHistory => ({
  hours,
  counted: newestCounts(held),
});

describe('foot traffic: history and live counts', () => {
  it('starts from the hub’s hours and adds only the counts after its read, into their hour', () => {
    // The latest count per door at load: in the history already.
    const loaded = applyRows(emptyStore(), [count('door-1', H0 + HOUR + 15 * MIN, 4)], NO_PLANOGRAM);
    const state = applyRows(
      loaded,
      [
        count('door-1', H0 + HOUR + 30 * MIN, 5),
        count('door-2', H0 + HOUR + 30 * MIN, 2),
        // The interval ending on the hour belongs to the hour before it.
        count('door-1', H0 + 2 * HOUR, 1),
        count('door-1', H0 + 2 * HOUR + 15 * MIN, 3),
      ],
      NO_PLANOGRAM,
    );
    const series = trafficSeries(
      state,
      history(loaded, [
        { door: 'door-1', hour: H0 - 24 * HOUR, entries: 30 },
        { door: 'door-1', hour: H0, entries: 20 },
        { door: 'door-1', hour: H0 + HOUR, entries: 4 },
        { door: 'door-2', hour: H0, entries: 7 },
      ]),
    );
    expect(series.bucketMs).toBe(HOUR);
    expect(series.at).toEqual([H0 - 24 * HOUR, H0, H0 + HOUR, H0 + 2 * HOUR]);
    expect(series.actual).toEqual([30, 27, 4 + 5 + 2 + 1, 3]);
    expect(series.fromHistory).toBe(3);
    expect(series.mean).toEqual([null, null, null, null]);
  });

  it('draws the live counts alone until the history arrives, and the same hours once it has them', () => {
    const state = applyRows(
      emptyStore(),
      [count('door-1', H0 + 15 * MIN, 4), count('door-1', H0 + 30 * MIN, 5)],
      NO_PLANOGRAM,
    );
    expect(trafficSeries(state).actual).toEqual([9]);
    // A read after both counts holds them: nothing is added twice.
    const read = trafficSeries(state, history(state, [{ door: 'door-1', hour: H0, entries: 9 }]));
    expect(read.at).toEqual([H0]);
    expect(read.actual).toEqual([9]);
  });

  it('spreads a forecast step over the hours it covers, bounds with it', () => {
    const state = applyRows(
      emptyStore(),
      [
        row('forecast', 'forecast:footfall:door:door-1', H0, {
          task: 'footfall',
          target: { kind: 'door', id: 'door-1' },
          start: H0,
          stepMs: 4 * HOUR,
          mean: [40],
          lower: [20],
          upper: [80],
          level: 0.8,
        }),
      ],
      NO_PLANOGRAM,
    );
    const series = trafficSeries(state, history(state, []));
    expect(series.at).toEqual([H0, H0 + HOUR, H0 + 2 * HOUR, H0 + 3 * HOUR]);
    expect(series.mean).toEqual([10, 10, 10, 10]);
    expect(series.lower).toEqual([5, 5, 5, 5]);
    expect(series.upper).toEqual([20, 20, 20, 20]);
    expect(series.actual).toEqual([null, null, null, null]);
    expect(series.level).toBe(0.8);
  });
});
