import type { LaneView } from './store-state.js';

/**
 * Where the shelf map draws each lane: aisles in order, each with its shelves (top first) and
 * their lanes by position. Built once per set of lanes (the planogram and the lanes that report),
 * not per level change: a delta moves a lane's level, never its place.
 */
export interface ShelfLayout {
  readonly aisles: ReadonlyArray<{
    readonly aisle: string;
    /** Every lane of the aisle, shelf by shelf. */
    readonly lanes: readonly string[];
    readonly shelves: ReadonlyArray<{ readonly shelf: number; readonly lanes: readonly string[] }>;
  }>;
  /** lane → its aisle. */
  readonly aisleOf: ReadonlyMap<string, string>;
}

/** An aisle's counts, as the hub aggregates them (`GET /api/sites/{site}/inventory/aisles`). */
export interface AisleCounts {
  readonly aisle: string;
  readonly lanes: number;
  readonly reporting: number;
  readonly empty: number;
  /** Below a quarter of capacity, empty ones included. */
  readonly belowQuarter: number;
}

export function shelfLayout(lanes: Iterable<LaneView>): ShelfLayout {
  const aisles = new Map<string, Map<number, LaneView[]>>();
  const aisleOf = new Map<string, string>();
  for (const lane of lanes) {
    const shelves = aisles.get(lane.aisle) ?? new Map<number, LaneView[]>();
    const row = shelves.get(lane.shelf) ?? [];
    row.push(lane);
    shelves.set(lane.shelf, row);
    aisles.set(lane.aisle, shelves);
    aisleOf.set(lane.lane, lane.aisle);
  }
  return {
    aisles: [...aisles.entries()]
      .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
      .map(([aisle, shelves]) => {
        const rows = [...shelves.entries()]
          .sort(([a], [b]) => b - a)
          .map(([shelf, row]) => ({ shelf, lanes: row.sort((a, b) => a.position - b.position).map((l) => l.lane) }));
        return { aisle, shelves: rows, lanes: rows.flatMap((r) => r.lanes) };
      }),
    aisleOf,
  };
}

/**
 * Counts per aisle for the summary and the aisle headings: the aisles the screen follows live
 * (`followed`) from the levels it holds, which are newer than the hub's last aggregate; every
 * other aisle from that aggregate (`fromHub`), as its lanes are not followed.
 */
export function aisleCounts(
  layout: ShelfLayout,
  lanes: ReadonlyMap<string, LaneView>,
  fromHub: ReadonlyMap<string, AisleCounts>,
  followed: ReadonlySet<string> | undefined,
): Map<string, AisleCounts> {
  const counts = new Map<string, AisleCounts>();
  for (const { aisle, lanes: ids } of layout.aisles) {
    const hub = fromHub.get(aisle);
    if (hub !== undefined && followed !== undefined && !followed.has(aisle)) {
      counts.set(aisle, hub);
      continue;
    }
    let reporting = 0;
    let empty = 0;
    let belowQuarter = 0;
    for (const id of ids) {
      const lane = lanes.get(id);
      if (lane === undefined || !lane.reported) continue;
      reporting += 1;
      if (lane.units <= 0) empty += 1;
      if (lane.capacity > 0 ? lane.units / lane.capacity < 0.25 : lane.units <= 0) belowQuarter += 1;
    }
    counts.set(aisle, { aisle, lanes: ids.length, reporting, empty, belowQuarter });
  }
  return counts;
}
