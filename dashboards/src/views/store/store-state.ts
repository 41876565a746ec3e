import type { Alert, FootfallCount, Forecast, LaneLevel, LatestRow, PlanogramLane } from '../../api/types.js';

/**
 * A store's live picture, built once from REST (`latest`, `planogram`) and then moved by the
 * `latest` deltas the hub pushes: each row replaces the one with its key, so a delta touches one
 * lane, forecast, alert or door and nothing else is rebuilt (the shelf map re-renders the lanes
 * that changed; see shelf-map.tsx).
 */
export interface LaneView extends LaneLevel {
  readonly aisle: string;
  readonly shelf: number;
  readonly position: number;
  /** False for a planogram lane whose shelf has not reported a level yet (units 0, ts 0). */
  readonly reported: boolean;
}

export interface DoorPoint {
  /** End of the counted interval (the item's ts). */
  readonly ts: number;
  readonly entries: number;
}

export interface StoreState {
  readonly lanes: ReadonlyMap<string, LaneView>;
  /** Lane depletion forecasts (edge), by lane. */
  readonly laneForecasts: ReadonlyMap<string, Forecast & { readonly ts: number }>;
  /** Door traffic forecasts, by door. */
  readonly doorForecasts: ReadonlyMap<string, Forecast & { readonly ts: number }>;
  /** Entries per door per interval, as they arrived (oldest first, bounded). */
  readonly doors: ReadonlyMap<string, readonly DoorPoint[]>;
  /** Alerts not cleared, by key. */
  readonly alerts: ReadonlyMap<string, Alert & { readonly ts: number; readonly key: string }>;
}

/** Door points kept per door: two days of one-minute counts. */
const MAX_DOOR_POINTS = 2880;
const LANE_ID = /^(.+?)-s(\d+)-p(\d+)$/;

export const emptyStore = (): StoreState => ({
  lanes: new Map(),
  laneForecasts: new Map(),
  doorForecasts: new Map(),
  doors: new Map(),
  alerts: new Map(),
});

/** Where a lane sits: from the planogram when the site has one, else from its id (`a01-s2-p03`). */
export function placeOf(
  lane: string,
  planogram: ReadonlyMap<string, PlanogramLane>,
): { aisle: string; shelf: number; position: number } {
  const planned = planogram.get(lane);
  if (planned !== undefined) return { aisle: planned.aisle, shelf: planned.shelf, position: planned.position };
  const m = LANE_ID.exec(lane);
  if (m !== null) return { aisle: m[1] as string, shelf: Number(m[2]), position: Number(m[3]) };
  return { aisle: 'other', shelf: 0, position: 0 };
}

/** `state` with `rows` applied (REST rows or delta values: the same shape). */
export function applyRows(
  state: StoreState,
  rows: readonly LatestRow[],
  planogram: ReadonlyMap<string, PlanogramLane>,
): StoreState {
  let { lanes, laneForecasts, doorForecasts, doors, alerts } = state;
  const copy = <K, V>(now: ReadonlyMap<K, V>, before: ReadonlyMap<K, V>): Map<K, V> =>
    (now === before ? new Map(now) : now) as Map<K, V>;
  for (const row of rows) {
    const data = row.item.data;
    switch (row.type) {
      case 'shelf.level': {
        const d = data as { lane: string; sku: string; units: number; capacity: number };
        // A delta queued while REST loaded may be older than what REST returned.
        if ((lanes.get(d.lane)?.ts ?? -1) > row.ts) break;
        const next = copy(lanes, state.lanes);
        next.set(d.lane, { ...d, ts: row.ts, reported: true, ...placeOf(d.lane, planogram) });
        lanes = next;
        break;
      }
      case 'forecast': {
        const f = data as Forecast;
        if (f.target.kind === 'lane') {
          const next = copy(laneForecasts, state.laneForecasts);
          next.set(f.target.id, { ...f, ts: row.ts });
          laneForecasts = next;
        } else if (f.target.kind === 'door') {
          const next = copy(doorForecasts, state.doorForecasts);
          next.set(f.target.id, { ...f, ts: row.ts });
          doorForecasts = next;
        }
        break;
      }
      case 'footfall.count': {
        const d = data as FootfallCount;
        const next = copy(doors, state.doors);
        const points = next.get(d.door) ?? [];
        if (points.at(-1)?.ts !== row.ts)
          next.set(d.door, [...points, { ts: row.ts, entries: d.in }].slice(-MAX_DOOR_POINTS));
        doors = next;
        break;
      }
      case 'alert': {
        const a = data as Alert;
        const next = copy(alerts, state.alerts);
        if (a.state === 'cleared') next.delete(row.key);
        else next.set(row.key, { ...a, ts: row.ts, key: row.key });
        alerts = next;
        break;
      }
      default:
        break;
    }
  }
  return { lanes, laneForecasts, doorForecasts, doors, alerts };
}

/**
 * The lanes to draw: every reported one, and the planogram's lanes that have not reported yet
 * (drawn as unknown, so the map shows the whole store, not only the shelves that spoke).
 */
export function lanesToShow(
  lanes: ReadonlyMap<string, LaneView>,
  planogram: ReadonlyMap<string, PlanogramLane>,
): ReadonlyMap<string, LaneView> {
  let missing = false;
  for (const lane of planogram.keys()) if (!lanes.has(lane)) missing = true;
  if (!missing) return lanes;
  const all = new Map(lanes);
  for (const p of planogram.values())
    if (!all.has(p.lane))
      all.set(p.lane, {
        lane: p.lane,
        sku: p.sku,
        units: 0,
        capacity: p.capacity,
        ts: 0,
        reported: false,
        ...placeOf(p.lane, planogram),
      });
  return all;
}

/** Fill as a share of capacity (0–1); an unknown capacity counts as full when it holds units. */
export function fillOf(lane: LaneLevel): number {
  if (lane.capacity <= 0) return lane.units > 0 ? 1 : 0;
  return Math.max(0, Math.min(1, lane.units / lane.capacity));
}

export type FillBand = 'unknown' | 'empty' | 'low' | 'half' | 'ok';

/** The colour bands of the shelf map: not reported, empty, below a quarter (the restock point), below half, fine. */
export function bandOf(lane: LaneLevel & { readonly reported?: boolean }): FillBand {
  if (lane.reported === false) return 'unknown';
  const fill = fillOf(lane);
  if (lane.units <= 0) return 'empty';
  if (fill < 0.25) return 'low';
  if (fill < 0.5) return 'half';
  return 'ok';
}

/**
 * A lane's units now, from the newer of its level and its depletion forecast (the forecast carries
 * the units it started from): a lane off screen is not followed live, its forecast still is.
 */
export function unitsNow(
  level: LaneView | undefined,
  forecast: { readonly ts: number; readonly unitsNow?: number | undefined },
): number | undefined {
  if (level !== undefined && (level.ts >= forecast.ts || forecast.unitsNow === undefined)) return level.units;
  return forecast.unitsNow;
}
