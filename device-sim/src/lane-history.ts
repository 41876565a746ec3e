import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Scenario } from './scenario.js';
import { HOUR_MS } from './world/context.js';
import type { TruthEvent, TruthRecorder } from './world/truth.js';
import type { World } from './world/world.js';

/**
 * Lane history from ground truth (`aisle-sim lanes`): per shelf lane and local hour, the units
 * sold, the sales lost to an empty lane, the true units on the shelf at the hour's start, the
 * minutes the lane stood empty, and the true time to empty from the hour's start. What the hub's
 * lane forecasts are scored against (`aisle-hub forecast lanes`).
 *
 * Time to empty from a moment T is counterfactual, so restocking cannot interfere: the hours from
 * T until the units that would leave the lane after T (every unit shoppers want from it, sold or
 * lost because it was empty, plus shrink) add up to the units on the shelf at T. Shoppers decide
 * what they want on arrival, before they see the shelf, so this demand is the same whatever the
 * stock did. A SKU on several lanes is bought from the fullest one, so there the split between its
 * lanes does depend on stock; the demo's stores hold each SKU on one lane.
 */

export interface LaneHours {
  /** `site/lane`. */
  readonly id: string;
  readonly capacity: number;
  /** Per hour from `LaneHistory.startMs`. */
  readonly sold: Int32Array;
  readonly lost: Int32Array;
  readonly units: Int32Array;
  readonly emptyMinutes: Float64Array;
  /** Hours from the hour's start until the lane would be empty; NaN when not before the run ends. */
  readonly emptiesInH: Float64Array;
}

export interface LaneHistory {
  readonly startMs: number;
  readonly utcOffsetHours: number;
  readonly hours: number;
  readonly lanes: readonly LaneHours[];
}

/**
 * Something that happened to a lane: `units` sold, lost (wanted while it was empty: demand, but
 * no change in stock), lost to shrink, taken off the shelf (`faults.emptyLane`), or, negative,
 * restocked.
 */
interface StockEvent {
  readonly t: number;
  readonly units: number;
  readonly kind: 'pick' | 'lost' | 'phantom' | 'emptied' | 'restock';
}

/** The ground-truth events one lane saw, in time order. */
export class LaneTruth implements TruthRecorder {
  readonly #events = new Map<string, StockEvent[]>();

  record(event: TruthEvent): void {
    if (event.kind === 'pick') this.#add(event.site, event.lane, { t: event.t, units: event.units, kind: 'pick' });
    else if (event.kind === 'lost-sale' && event.lane !== undefined)
      this.#add(event.site, event.lane, { t: event.t, units: event.units, kind: 'lost' });
    else if (event.kind === 'phantom')
      this.#add(event.site, event.lane, { t: event.t, units: event.units, kind: 'phantom' });
    else if (event.kind === 'empty-lane')
      this.#add(event.site, event.lane, { t: event.t, units: event.units, kind: 'emptied' });
    else if (event.kind === 'restock')
      this.#add(event.site, event.lane, { t: event.t, units: -event.units, kind: 'restock' });
  }

  events(id: string): readonly StockEvent[] {
    return this.#events.get(id) ?? [];
  }

  #add(site: string, lane: string, event: StockEvent): void {
    const id = `${site}/${lane}`;
    let list = this.#events.get(id);
    if (list === undefined) {
      list = [];
      this.#events.set(id, list);
    }
    list.push(event);
  }
}

/**
 * When the units leaving a lane from `from` on (events at `times`, in time order, with the running
 * total `cumulative[i]` through event i) add up to `units`: that event's time, or NaN if never.
 */
export function emptiesAt(
  units: number,
  from: number,
  times: ArrayLike<number>,
  cumulative: ArrayLike<number>,
): number {
  if (units <= 0) return from;
  // The first event at or after `from`, then the total before it.
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((times[mid] as number) < from) lo = mid + 1;
    else hi = mid;
  }
  const target = (lo === 0 ? 0 : (cumulative[lo - 1] as number)) + units;
  hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cumulative[mid] as number) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo < times.length ? (times[lo] as number) : Number.NaN;
}

/** One lane's hours from its events: stock replayed from `capacity` at `startMs`. */
export function laneHours(
  id: string,
  capacity: number,
  events: readonly StockEvent[],
  startMs: number,
  hours: number,
): LaneHours {
  const sold = new Int32Array(hours);
  const lost = new Int32Array(hours);
  const units = new Int32Array(hours);
  const emptyMinutes = new Float64Array(hours);
  const emptiesInH = new Float64Array(hours);
  const endMs = startMs + hours * HOUR_MS;
  const hourOf = (t: number) => Math.floor((t - startMs) / HOUR_MS);
  const addEmpty = (from: number, to: number) => {
    for (let t = from; t < to; ) {
      const h = hourOf(t);
      const next = Math.min(to, startMs + (h + 1) * HOUR_MS);
      if (h >= 0 && h < hours) emptyMinutes[h] = (emptyMinutes[h] as number) + (next - t) / 60_000;
      t = next;
    }
  };
  const demand = events.filter((e) => e.kind !== 'restock');
  const times = Float64Array.from(demand, (e) => e.t);
  const cumulative = new Float64Array(demand.length);
  demand.reduce((sum, e, i) => {
    cumulative[i] = sum + e.units;
    return sum + e.units;
  }, 0);
  let stock = capacity;
  let emptySince = capacity === 0 ? startMs : Number.NaN;
  let next = 0;
  /** Applies the events before `until`, counting sales and empty time into their hours. */
  const applyUntil = (until: number) => {
    for (; next < events.length && (events[next] as StockEvent).t < until; next++) {
      const e = events[next] as StockEvent;
      const before = stock;
      // A lost sale is wanted but not taken: demand, not a change in stock.
      if (e.kind !== 'lost') stock -= e.units;
      if (before > 0 && stock <= 0) emptySince = e.t;
      if (before <= 0 && stock > 0) addEmpty(emptySince, e.t);
      const at = hourOf(e.t);
      if (at < 0) continue;
      if (e.kind === 'pick') sold[at] = (sold[at] as number) + e.units;
      if (e.kind === 'lost') lost[at] = (lost[at] as number) + e.units;
    }
  };
  for (let h = 0; h < hours; h++) {
    const hourStart = startMs + h * HOUR_MS;
    applyUntil(hourStart);
    units[h] = stock;
    emptiesInH[h] = (emptiesAt(stock, hourStart, times, cumulative) - hourStart) / HOUR_MS;
  }
  applyUntil(endMs);
  if (stock <= 0) addEmpty(emptySince, endMs);
  return { id, capacity, sold, lost, units, emptyMinutes, emptiesInH };
}

/**
 * The scenario as `lanes` runs it: device reports slowed to hourly, since only ground truth is
 * read. What shoppers want comes from the arrival and basket streams alone, so demand is the same
 * as at the scenario's own rates; the scales' readings share each lane's stream with its restock
 * delays, so restock times (and with them sales lost to empty lanes) differ slightly.
 */
export function truthOnly(scenario: Scenario): Scenario {
  return {
    ...scenario,
    sensors: { ...scenario.sensors, scaleReportS: 3600, doorReportS: 3600, gpsReportS: 60, tempReportS: 3600 },
  };
}

/** Runs `world` (built with `truth` as its recorder) for `hours` and tabulates every lane. */
export function laneHistory(world: World, truth: LaneTruth, hours: number): LaneHistory {
  const startMs = world.now;
  world.run(startMs + hours * HOUR_MS, () => {});
  const lanes = world.scenario.stores.flatMap((store) =>
    (world.layout(store.id)?.lanes ?? []).map((lane) => {
      const id = `${store.id}/${lane.lane}`;
      return laneHours(id, lane.capacity, truth.events(id), startMs, hours);
    }),
  );
  return { startMs, utcOffsetHours: world.scenario.utcOffsetHours, hours, lanes };
}

/** `2026-01-05T07:00:00+11:00`: the hour's start on the stores' local clock. */
function localStamp(utcMs: number, offsetHours: number): string {
  const local = new Date(utcMs + offsetHours * HOUR_MS).toISOString().slice(0, 19);
  const minutes = Math.round(Math.abs(offsetHours) * 60);
  const sign = offsetHours < 0 ? '-' : '+';
  return `${local}${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

const LANE_HISTORY_COLUMNS = ['lane', 'start', 'sold', 'lost', 'units', 'empty_minutes', 'empties_in_h'];

/** Writes the history as CSV, one row per lane and hour (`empties_in_h` empty: not before the run ended). */
export async function writeLaneHistoryCsv(history: LaneHistory, path: string): Promise<void> {
  const out = createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(`${LANE_HISTORY_COLUMNS.join(',')}\n`);
  const stamps = Array.from({ length: history.hours }, (_, h) =>
    localStamp(history.startMs + h * HOUR_MS, history.utcOffsetHours),
  );
  for (const lane of history.lanes) {
    const rows: string[] = [];
    for (let h = 0; h < history.hours; h++) {
      const empties = lane.emptiesInH[h] as number;
      rows.push(
        `${lane.id},${stamps[h]},${lane.sold[h]},${lane.lost[h]},${lane.units[h]},${(lane.emptyMinutes[h] as number).toFixed(2)},${Number.isNaN(empties) ? '' : empties.toFixed(4)}\n`,
      );
    }
    await write(rows.join(''));
  }
  out.end();
  await once(out, 'finish');
}
