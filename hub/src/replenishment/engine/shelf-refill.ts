import type { Explanation } from '@aisle/protocols';
import { isNonNegative, type Rejection } from './reasons.js';

/**
 * Shelf-refill tasks (backroom → shelf) from the edge's lane depletion forecasts. A lane gets a task
 * when its earliest time to empty (the forecast's upper bound selling it out, see `emptyAt`) falls
 * within `horizonMs` of `now`, or it is empty already, and the backroom holds units of its SKU. The
 * quantity fills the lane to capacity, limited by what the backroom holds; lanes sharing a SKU draw
 * on the same backroom stock, most urgent first. Tasks come out in the order staff should work
 * them: by urgency tier (empty → urgent → due), then along the walking path (zone order, then
 * aisle position), then by the earliest time to empty.
 */

export interface LaneStock {
  readonly site: string;
  readonly lane: string;
  readonly sku: string;
  readonly zone: string;
  /** Position along the walking path within the zone (aisle, then bay: any increasing number). */
  readonly aisle: number;
  readonly unitsOnShelf: number;
  readonly capacityUnits: number;
  /** Epoch ms the lane is expected to run empty; `null`: not within the forecast's horizon. */
  readonly expectedEmptyAt: number | null;
  /** Epoch ms it runs empty at the earliest (selling at the forecast's upper bound); `null`: not within. */
  readonly earliestEmptyAt: number | null;
}

export interface BackroomStock {
  readonly site: string;
  readonly sku: string;
  readonly units: number;
}

export interface RefillOptions {
  readonly now: number;
  /** A lane whose earliest empty time is within this of `now` is due a refill. */
  readonly horizonMs: number;
  /** …and urgent within this (≤ `horizonMs`). */
  readonly urgentMs: number;
  /** Zones in walking order; a zone not listed comes after them, by name. */
  readonly zoneOrder?: readonly string[];
}

export const REFILL_URGENCY = ['refill-empty', 'refill-urgent', 'refill-due'] as const;
export type RefillUrgency = (typeof REFILL_URGENCY)[number];

/** Shaped like the hub module's `RefillSuggestion`: the module adds id, state and timestamps. */
export interface RefillTask {
  readonly site: string;
  readonly kind: 'refill';
  readonly sku: string;
  readonly lane: string;
  readonly zone: string;
  readonly units: number;
  /** 1000 for an empty lane, else 999 at `now` falling linearly to 0 at the horizon. */
  readonly priority: number;
  /** The earliest empty time (or `now` for an empty lane): the task is late after it. */
  readonly dueBy: number;
  readonly explanation: Explanation;
}

export interface RefillPlan {
  readonly tasks: RefillTask[];
  readonly rejected: Rejection[];
}

const HOUR_MS = 3_600_000;

function rejectLane(lane: LaneStock, reason: Rejection['reason'], detail: string): Rejection {
  return { ok: false, sku: lane.sku, site: lane.site, lane: lane.lane, reason, detail };
}

function validateLane(lane: LaneStock): Rejection | undefined {
  if (!isNonNegative(lane.unitsOnShelf)) return rejectLane(lane, 'NEGATIVE_STOCK', `unitsOnShelf=${lane.unitsOnShelf}`);
  if (!isNonNegative(lane.capacityUnits))
    return rejectLane(lane, 'INVALID_CAPACITY', `capacityUnits=${lane.capacityUnits}`);
  return undefined;
}

interface Candidate {
  readonly lane: LaneStock;
  readonly tier: number;
  readonly zoneRank: number;
  readonly emptyAt: number;
}

export function planShelfRefills(
  lanes: readonly LaneStock[],
  backroom: readonly BackroomStock[],
  options: RefillOptions,
): RefillPlan {
  const rejected: Rejection[] = [];
  const left = new Map<string, number>();
  for (const b of backroom) {
    const key = `${b.site}\u0000${b.sku}`;
    if (!isNonNegative(b.units)) {
      rejected.push({ ok: false, sku: b.sku, site: b.site, reason: 'NEGATIVE_STOCK', detail: `backroom=${b.units}` });
      left.set(key, 0);
    } else if (!left.has(key)) left.set(key, b.units);
  }
  const zoneRank = new Map((options.zoneOrder ?? []).map((zone, i) => [zone, i]));
  const seen = new Set<string>();
  const candidates: Candidate[] = [];
  for (const lane of lanes) {
    const key = `${lane.site}\u0000${lane.lane}`;
    const invalid = seen.has(key)
      ? rejectLane(lane, 'DUPLICATE_ITEM', `site=${lane.site} lane=${lane.lane}`)
      : validateLane(lane);
    seen.add(key);
    if (invalid !== undefined) {
      rejected.push(invalid);
      continue;
    }
    const known = [lane.earliestEmptyAt, lane.expectedEmptyAt].filter((t): t is number => t !== null);
    const emptyAt = lane.unitsOnShelf <= 0 ? options.now : Math.min(Number.POSITIVE_INFINITY, ...known);
    if (emptyAt > options.now + options.horizonMs || lane.unitsOnShelf >= lane.capacityUnits) continue;
    const tier = emptyAt <= options.now ? 0 : emptyAt <= options.now + options.urgentMs ? 1 : 2;
    candidates.push({ lane, tier, zoneRank: zoneRank.get(lane.zone) ?? zoneRank.size, emptyAt });
  }
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  candidates.sort(
    (a, b) =>
      a.tier - b.tier ||
      a.zoneRank - b.zoneRank ||
      byName(a.lane.zone, b.lane.zone) ||
      a.lane.aisle - b.lane.aisle ||
      a.emptyAt - b.emptyAt ||
      byName(a.lane.lane, b.lane.lane),
  );

  const tasks: RefillTask[] = [];
  for (const { lane, tier, emptyAt } of candidates) {
    const key = `${lane.site}\u0000${lane.sku}`;
    const available = left.get(key) ?? 0;
    const gap = lane.capacityUnits - lane.unitsOnShelf;
    const units = Math.floor(Math.min(gap, available));
    if (units <= 0) continue;
    left.set(key, available - units);
    const rule = REFILL_URGENCY[tier] as RefillUrgency;
    const inH = (emptyAt - options.now) / HOUR_MS;
    const priority =
      tier === 0
        ? 1000
        : Math.max(0, Math.min(999, Math.round(999 * (1 - (emptyAt - options.now) / options.horizonMs))));
    const values: Record<string, number> = {
      unitsOnShelf: lane.unitsOnShelf,
      capacity: lane.capacityUnits,
      backroomUnits: available,
      units,
      priority,
    };
    if (lane.earliestEmptyAt !== null) values.earliestEmptyInH = (lane.earliestEmptyAt - options.now) / HOUR_MS;
    if (lane.expectedEmptyAt !== null) values.expectedEmptyInH = (lane.expectedEmptyAt - options.now) / HOUR_MS;
    const limited = units < gap ? `, limited by the ${available} in the backroom` : '';
    const when = tier === 0 ? 'is empty' : `may run empty in ${Math.round(inH * 10) / 10} h`;
    tasks.push({
      site: lane.site,
      kind: 'refill',
      sku: lane.sku,
      lane: lane.lane,
      zone: lane.zone,
      units,
      priority,
      dueBy: emptyAt,
      explanation: {
        rule,
        text: `Lane ${lane.lane} ${when} (${lane.unitsOnShelf} of ${lane.capacityUnits} on the shelf): move ${units} from the backroom${limited}.`,
        values,
      },
    });
  }
  return { tasks, rejected };
}
