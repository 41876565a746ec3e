import { reachedAt, type StoreTrace, TRACE_SHRINK } from '@aisle/protocols';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { shapeOrder } from './order-up-to.js';
import {
  DEFAULT_PHANTOM_OPTIONS,
  detectPhantomInventory,
  type LaneObservation,
  type PhantomOptions,
} from './phantom.js';
import { type LaneStock, planShelfRefills } from './shelf-refill.js';

/**
 * A store run with a replenishment policy in the loop, on a store trace (`aisle-sim trace`): the
 * world's shoppers want what they want whatever the shelf holds, so the trace's wants and shrink
 * attempts, met by the floor rule the simulator uses (a want takes from the fullest lane of its
 * SKU, what is not there is a lost sale; a shrink attempt takes one unit from its lane if it has
 * one), are the simulator's world under any restocking. Everything else is the store the policy
 * runs:
 *
 * - **Backroom** per SKU × site, capacity `backroomLanes` × the SKU's shelf capacity.
 * - **Staff** refill lanes from the backroom. A pass every `passHours` within working hours
 *   creates tasks — by the forecast rule (the engine's `planShelfRefills` on each lane's time to
 *   empty from its hourly sales rate) or the threshold rule (a lane at or below `thresholdShare`
 *   of its capacity) — and each task is done `delayMinutes` × U(0.5, 1.5) later: the lane is filled
 *   to capacity from what the backroom then holds. A lane has at most one open task.
 * - **Orders**: at `orderHour` local on review days the policy sees each SKU × site (shelf,
 *   backroom, on order, daily sales so far) and orders; the loop shapes the quantity as the engine
 *   does (case packs, MOQ, shelf + backroom capacity). An order arrives in the backroom at
 *   `deliveryHour` local, `leadTimeDays` later.
 * - **Warm-up**: before `measureFromMs` (a local midnight) staff refill at the threshold from an
 *   unlimited backroom and nothing is ordered; only sales history builds up. At `measureFromMs`
 *   every SKU × site's backroom is stocked with what the policy orders for an empty pipeline.
 *
 * Measured from `measureFromMs` to `endMs`: units wanted, sold and lost (fill rate = sold ÷
 * wanted), units on hand (shelf + backroom) sampled every hour, orders, tasks. Optionally the
 * engine's phantom-inventory check runs daily (or hourly) on a trailing window per SKU × site (POS
 * units by payment time against shelf-weight depletion by pick time), keeping every flag's time.
 *
 * Deterministic for a trace, policy and options.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** What an ordering policy sees of one SKU × site at a review (at the close of local day `day`). */
export interface SkuReview {
  readonly key: number;
  readonly site: string;
  readonly sku: string;
  readonly day: number;
  readonly shelf: number;
  readonly backroom: number;
  readonly onOrder: number;
  readonly shelfCapacity: number;
  readonly backroomCapacity: number;
  readonly facings: number;
  readonly casePack: number;
  /** Units sold per local day, day 0 of the trace … `day`. */
  readonly sales: Float64Array;
  /**
   * Demand per local day as the hub can estimate it: sales over the share of the day's expected
   * demand that met a stocked shelf (the site's hour-of-week sales profile over the hours the
   * SKU's lanes stood empty, by shelf weight), the share floored at 0.2.
   */
  readonly demand: Float64Array;
  /** The review that stocks the backroom at the start of the measured period (received at once). */
  readonly opening: boolean;
}

export interface OrderingPolicy {
  readonly name: string;
  /** Once, at the start of the measured period, with every SKU × site's reviews-to-be (sales so far). */
  begin?(reviews: readonly SkuReview[]): void;
  /** Order-up-to level S for this review; the loop orders max(0, S − position), shaped. */
  orderUpTo(review: SkuReview): number;
}

export type RefillRule = 'forecast' | 'threshold';

export interface StoreLoopOptions {
  readonly measureFromMs: number;
  readonly endMs: number;
  readonly leadTimeDays: number;
  readonly reviewDays: number;
  readonly orderHour: number;
  readonly deliveryHour: number;
  readonly moq: number;
  readonly backroomLanes: number;
  readonly staff: {
    readonly fromHour: number;
    readonly toHour: number;
    /** Whole hours between passes, from `fromHour`. */
    readonly passHours: number;
    readonly delayMinutes: number;
  };
  readonly refill: RefillRule;
  readonly thresholdShare: number;
  /** Forecast rule: a lane is due when it may be empty (units − z·√units sold) before the next task lands. */
  readonly refillZ: number;
  readonly seed: number;
  /**
   * The phantom check over the trailing `windowHours`, every hour (`hourly`) or only at the hours a
   * site is closed (`closed`: its sales so far show none in the two hours before). When the store is
   * closed no basket is open, so shelf weight and POS must agree to the unit but for shrink; at an
   * open hour the units in shoppers' baskets make them differ (the in-flight term).
   */
  readonly phantom?: {
    readonly windowHours: number;
    readonly when: 'closed' | 'hourly';
    readonly options?: PhantomOptions;
  };
  readonly onProgress?: (done: number, total: number) => void;
}

export interface SkuOutcome {
  readonly site: string;
  readonly sku: string;
  readonly wanted: number;
  readonly sold: number;
  readonly averageOnHand: number;
  readonly orders: number;
  readonly orderedUnits: number;
}

export interface PhantomFlagAt {
  readonly at: number;
  readonly test: string;
  readonly text: string;
}

export interface StoreLoopResult {
  readonly policy: string;
  readonly refill: RefillRule;
  readonly days: number;
  readonly wanted: number;
  readonly sold: number;
  readonly lost: number;
  readonly fillRate: number;
  readonly averageOnHand: number;
  readonly averageOnShelf: number;
  /** Lost units while the backroom held the SKU: the shelf ran empty before a refill landed. */
  readonly lostOnFloor: number;
  readonly daysOfCover: number;
  readonly orders: number;
  readonly orderedUnits: number;
  readonly tasks: number;
  readonly taskUnits: number;
  readonly perSku: SkuOutcome[];
  /** SKU × site key → first time (epoch ms) the phantom check flagged it, when it ran. */
  readonly phantomFlags?: ReadonlyMap<string, readonly PhantomFlagAt[]>;
}

function localDay(t: number, offsetMs: number): number {
  return Math.floor((t + offsetMs) / DAY_MS);
}

/** Hour of a Monday-first week (0–167) of a local hour count since 1970 (1970-01-01 was a Thursday). */
function weekHour(localHour: number): number {
  return (((localHour + 72) % 168) + 168) % 168;
}

function checkOptions(trace: StoreTrace, o: StoreLoopOptions): void {
  const offsetMs = trace.header.utcOffsetHours * HOUR_MS;
  const whole = (v: number, min: number) => Number.isInteger(v) && v >= min;
  if (!whole(o.leadTimeDays, 1)) throw new RangeError(`leadTimeDays must be a whole number ≥ 1, got ${o.leadTimeDays}`);
  if (!whole(o.reviewDays, 1)) throw new RangeError(`reviewDays must be a whole number ≥ 1, got ${o.reviewDays}`);
  if ((o.measureFromMs + offsetMs) % DAY_MS !== 0)
    throw new RangeError('measureFromMs must be a local midnight of the trace');
  if (!(o.measureFromMs >= trace.header.startMs && o.measureFromMs < o.endMs && o.endMs <= trace.header.endMs))
    throw new RangeError('the measured period must lie within the trace');
  if (!(o.backroomLanes >= 0)) throw new RangeError(`backroomLanes must be ≥ 0, got ${o.backroomLanes}`);
  if (!(o.staff.delayMinutes >= 0 && whole(o.staff.passHours, 1)))
    throw new RangeError('staff.delayMinutes must be ≥ 0 and staff.passHours a whole number ≥ 1');
}

export function runStoreLoop(trace: StoreTrace, policy: OrderingPolicy, options: StoreLoopOptions): StoreLoopResult {
  checkOptions(trace, options);
  const { header } = trace;
  const offsetMs = header.utcOffsetHours * HOUR_MS;
  const firstDay = localDay(header.startMs, offsetMs);
  const days = localDay(options.endMs - 1, offsetMs) - firstDay + 1;
  const measureDay = localDay(options.measureFromMs, offsetMs) - firstDay;
  const startHour = Math.floor(header.startMs / HOUR_MS);
  const hours = Math.ceil(options.endMs / HOUR_MS) - startHour + 1;
  const nSku = header.skus.length;
  const nSites = header.sites.length;
  const nKeys = nSites * nSku;

  // Lanes, flattened over sites; SKU × site keys (site · nSku + sku).
  const laneOffset: number[] = [];
  let nLanes = 0;
  for (const site of header.sites) {
    laneOffset.push(nLanes);
    nLanes += site.lanes.length;
  }
  const skuIndex = new Map(header.skus.map((s, i) => [s.sku, i]));
  const cap = new Int32Array(nLanes);
  const units = new Int32Array(nLanes);
  const laneKey = new Int32Array(nLanes);
  const lanesOfKey: number[][] = Array.from({ length: nKeys }, () => []);
  const laneInfo: Array<{ site: string; lane: string; sku: string; zone: string; walk: number }> = [];
  header.sites.forEach((site, s) => {
    site.lanes.forEach((lane, i) => {
      const g = (laneOffset[s] as number) + i;
      const j = skuIndex.get(lane.sku);
      if (j === undefined)
        throw new RangeError(`lane ${site.id}/${lane.lane}: SKU ${lane.sku} is not in the trace's catalogue`);
      cap[g] = lane.capacity;
      units[g] = lane.capacity;
      laneKey[g] = s * nSku + j;
      lanesOfKey[s * nSku + j]?.push(g);
      laneInfo.push({ site: site.id, lane: lane.lane, sku: lane.sku, zone: lane.zone, walk: lane.walk });
    });
  });
  const stocked = [...lanesOfKey.keys()].filter((k) => (lanesOfKey[k] as number[]).length > 0);
  const shelfCap = new Float64Array(nKeys);
  const facings = new Float64Array(nKeys);
  header.sites.forEach((site, s) => {
    site.lanes.forEach((lane, i) => {
      const k = laneKey[(laneOffset[s] as number) + i] as number;
      shelfCap[k] = (shelfCap[k] as number) + lane.capacity;
      facings[k] = (facings[k] as number) + lane.facings;
    });
  });
  const keyName = (k: number) => ({
    site: header.sites[Math.floor(k / nSku)]?.id ?? '',
    sku: header.skus[k % nSku]?.sku ?? '',
  });

  const backroom = new Float64Array(nKeys);
  const onOrder = new Float64Array(nKeys);
  const arriving = new Float64Array(nKeys * (days + options.leadTimeDays + 1));
  const arrivingAt = (k: number, d: number) => k * (days + options.leadTimeDays + 1) + d;
  const sales = new Float64Array(nKeys * days);
  const salesOf = (k: number, day: number) => sales.subarray(k * days, k * days + day + 1);
  // Share of each day's expected demand that met an empty shelf, and when each SKU's shelf emptied.
  const emptyShare = new Float64Array(nKeys * days);
  const emptySince = new Float64Array(nKeys).fill(-1);
  const shelfOf = (k: number) => {
    let shelf = 0;
    for (const g of lanesOfKey[k] as number[]) shelf += units[g] as number;
    return shelf;
  };
  /** Adds the empty time from max(emptySince, hour start) to `t` (within one hour) to the day's share. */
  const accrueEmpty = (k: number, t: number) => {
    const since = emptySince[k] as number;
    if (since < 0) return;
    const hourStart = Math.floor((t - 1) / HOUR_MS) * HOUR_MS;
    const from = Math.max(since, hourStart);
    if (t <= from) return;
    const s = Math.floor(k / nSku);
    const how = weekHour(Math.floor((from + offsetMs) / HOUR_MS));
    const dayStart = how - (how % 24);
    let dayTotal = 0;
    for (let h = dayStart; h < dayStart + 24; h++) dayTotal += hourOfWeek[s * 168 + h] as number;
    const share = dayTotal === 0 ? 1 / 24 : (hourOfWeek[s * 168 + how] as number) / dayTotal;
    const day = localDay(from, offsetMs) - firstDay;
    emptyShare[k * days + day] = (emptyShare[k * days + day] as number) + (share * (t - from)) / HOUR_MS;
    if (emptyHour !== undefined) {
      const i = k * hours + Math.floor(from / HOUR_MS) - startHour;
      emptyHour[i] = (emptyHour[i] as number) + (t - from) / HOUR_MS;
    }
    emptySince[k] = t;
  };
  const demandOf = (k: number, day: number) => {
    const out = new Float64Array(day + 1);
    for (let d = 0; d <= day; d++)
      out[d] = (sales[k * days + d] as number) / Math.max(0.2, 1 - (emptyShare[k * days + d] as number));
    return out;
  };
  // Hour-of-week share of each site's sales (the refill rule's hourly profile), from all history.
  const hourOfWeek = new Float64Array(nSites * 168);

  const wanted = new Float64Array(nKeys);
  const sold = new Float64Array(nKeys);
  const onHandSum = new Float64Array(nKeys);
  const orders = new Float64Array(nKeys);
  const orderedUnits = new Float64Array(nKeys);
  let shelfSum = 0;
  let samples = 0;
  let tasks = 0;
  let taskUnits = 0;
  let lostOnFloor = 0;

  const phantom = options.phantom;
  const depletion = phantom === undefined ? undefined : new Float32Array(nKeys * hours);
  const pos = phantom === undefined ? undefined : new Float32Array(nKeys * hours);
  /** Hours (fraction) each SKU × site's shelf stood empty, per hour: no sales are expected then. */
  const emptyHour = phantom === undefined ? undefined : new Float32Array(nKeys * hours);
  /** Mean time from a pick to its payment, as the POS and the shelf's weight events show it. */
  let payLagSum = 0;
  let payLagCount = 0;
  const phantomFlags = new Map<string, PhantomFlagAt[]>();

  // Staff tasks: completion times in a binary heap; one open task per lane.
  const random = xoroshiro128plus(options.seed);
  const openTask = new Uint8Array(nLanes);
  const heapT: number[] = [];
  const heapLane: number[] = [];
  const push = (t: number, g: number) => {
    let i = heapT.length;
    heapT.push(t);
    heapLane.push(g);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((heapT[p] as number) <= t) break;
      heapT[i] = heapT[p] as number;
      heapLane[i] = heapLane[p] as number;
      i = p;
    }
    heapT[i] = t;
    heapLane[i] = g;
  };
  const pop = (): number => {
    const g = heapLane[0] as number;
    const lastT = heapT.pop() as number;
    const lastG = heapLane.pop() as number;
    if (heapT.length > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= heapT.length) break;
        if (c + 1 < heapT.length && (heapT[c + 1] as number) < (heapT[c] as number)) c++;
        if ((heapT[c] as number) >= lastT) break;
        heapT[i] = heapT[c] as number;
        heapLane[i] = heapLane[c] as number;
        i = c;
      }
      heapT[i] = lastT;
      heapLane[i] = lastG;
    }
    return g;
  };

  let measuring = false;
  const delayMs = () => options.staff.delayMinutes * 60_000 * (0.5 + (random.next() >>> 0) / 2 ** 32);

  const completeTask = (g: number, now: number) => {
    openTask[g] = 0;
    const k = laneKey[g] as number;
    const gap = (cap[g] as number) - (units[g] as number);
    const move = measuring ? Math.min(gap, Math.floor(backroom[k] as number)) : gap;
    if (move <= 0) return;
    units[g] = (units[g] as number) + move;
    if ((emptySince[k] as number) >= 0) {
      accrueEmpty(k, now);
      emptySince[k] = -1;
    }
    if (measuring) {
      backroom[k] = (backroom[k] as number) - move;
      taskUnits += move;
    }
  };

  const createTask = (g: number, now: number) => {
    openTask[g] = 1;
    if (measuring) tasks++;
    push(now + delayMs(), g);
  };

  /** Expected units sold per hour for key k from `now`, `n` hours: recent daily mean × the site's hour-of-week share. */
  const ratesFrom = (k: number, day: number, now: number, n: number): Float64Array => {
    const s = Math.floor(k / nSku);
    const from = Math.max(0, day - 14);
    let sum = 0;
    for (let d = from; d < day; d++) sum += sales[k * days + d] as number;
    const dailyMean = day > from ? sum / (day - from) : 0;
    let siteTotal = 0;
    for (let h = 0; h < 168; h++) siteTotal += hourOfWeek[s * 168 + h] as number;
    const out = new Float64Array(n);
    const h0 = Math.floor((now + offsetMs) / HOUR_MS);
    for (let i = 0; i < n; i++) {
      const how = weekHour(h0 + i);
      const share = siteTotal === 0 ? 1 / 168 : (hourOfWeek[s * 168 + how] as number) / siteTotal;
      out[i] = dailyMean * 7 * share;
    }
    return out;
  };

  const localHourOf = (t: number) => Math.floor(((t + offsetMs) % DAY_MS) / HOUR_MS);
  const working = (hour: number) => hour >= options.staff.fromHour && hour < options.staff.toHour;
  const passAt = (hour: number) => working(hour) && (hour - options.staff.fromHour) % options.staff.passHours === 0;

  const refillPass = (now: number) => {
    const hour = localHourOf(now);
    if (!working(hour)) return;
    const useForecast = measuring && options.refill === 'forecast';
    if (!useForecast) {
      for (let g = 0; g < nLanes; g++) {
        if (openTask[g] === 1 || (units[g] as number) >= (cap[g] as number)) continue;
        if ((units[g] as number) > options.thresholdShare * (cap[g] as number)) continue;
        if (measuring && (backroom[laneKey[g] as number] as number) < 1) continue;
        createTask(g, now);
      }
      return;
    }
    // Until the task after this one can land: the next pass (or tomorrow's first) plus the longest delay.
    const passMs = options.staff.passHours * HOUR_MS;
    const nextPass = working(localHourOf(now + passMs))
      ? now + passMs
      : now + ((24 - hour + options.staff.fromHour) % 24 || 24) * HOUR_MS;
    const horizonMs = nextPass - now + 1.5 * options.staff.delayMinutes * 60_000;
    const horizonHours = Math.ceil(horizonMs / HOUR_MS) + 1;
    const day = localDay(now, offsetMs) - firstDay;
    const lanes: LaneStock[] = [];
    for (let g = 0; g < nLanes; g++) {
      if (openTask[g] === 1 || (units[g] as number) >= (cap[g] as number)) continue;
      const k = laneKey[g] as number;
      if ((backroom[k] as number) < 1) continue;
      const u = units[g] as number;
      const rate = ratesFrom(k, day, now, horizonHours);
      const info = laneInfo[g] as (typeof laneInfo)[number];
      lanes.push({
        site: info.site,
        lane: String(g),
        sku: String(k),
        zone: info.zone,
        aisle: info.walk,
        unitsOnShelf: u,
        capacityUnits: cap[g] as number,
        expectedEmptyAt: reachedAt(u, rate, now, HOUR_MS),
        earliestEmptyAt: reachedAt(Math.max(0, u - options.refillZ * Math.sqrt(u)), rate, now, HOUR_MS),
      });
    }
    const room = stocked.map((k) => ({
      site: keyName(k).site,
      sku: String(k),
      units: Math.floor(backroom[k] as number),
    }));
    const plan = planShelfRefills(lanes, room, { now, horizonMs, urgentMs: Math.min(horizonMs, HOUR_MS) });
    for (const task of plan.tasks) createTask(Number(task.lane), now);
  };

  const reviewOf = (k: number, day: number, opening: boolean): SkuReview => {
    let shelf = 0;
    for (const g of lanesOfKey[k] as number[]) shelf += units[g] as number;
    const { site, sku } = keyName(k);
    return {
      key: k,
      site,
      sku,
      day,
      shelf,
      backroom: backroom[k] as number,
      onOrder: onOrder[k] as number,
      shelfCapacity: shelfCap[k] as number,
      backroomCapacity: options.backroomLanes * (shelfCap[k] as number),
      facings: facings[k] as number,
      casePack: header.skus[k % nSku]?.casePack ?? 1,
      sales: salesOf(k, day),
      demand: demandOf(k, day),
      opening,
    };
  };

  const order = (review: SkuReview): number => {
    const shaped = shapeOrder({
      orderUpTo: policy.orderUpTo(review),
      inventoryPosition: review.shelf + review.backroom + review.onOrder,
      casePack: review.casePack,
      moq: options.moq,
      room: review.shelfCapacity + review.backroomCapacity - review.shelf - review.backroom - review.onOrder,
    });
    return shaped.units;
  };

  const openMeasurement = () => {
    measuring = true;
    const day = measureDay - 1;
    const reviews = stocked.map((k) => reviewOf(k, day, true));
    policy.begin?.(reviews);
    for (const review of reviews) backroom[review.key] = order(review);
  };

  const tick = (t: number) => {
    const hour = localHourOf(t);
    const day = localDay(t, offsetMs) - firstDay;
    for (const k of stocked) accrueEmpty(k, t);
    if (measuring) {
      let shelfNow = 0;
      for (let g = 0; g < nLanes; g++) {
        const k = laneKey[g] as number;
        onHandSum[k] = (onHandSum[k] as number) + (units[g] as number);
        shelfNow += units[g] as number;
      }
      for (const k of stocked) onHandSum[k] = (onHandSum[k] as number) + (backroom[k] as number);
      shelfSum += shelfNow;
      samples++;
      if (hour === options.deliveryHour) {
        for (const k of stocked) {
          const at = arrivingAt(k, day);
          const received = arriving[at] as number;
          if (received > 0) {
            backroom[k] = (backroom[k] as number) + received;
            onOrder[k] = (onOrder[k] as number) - received;
            arriving[at] = 0;
          }
        }
      }
    }
    if (passAt(hour) || (measuring && hour === options.deliveryHour)) refillPass(t);
    if (measuring && hour === options.orderHour && (day - measureDay) % options.reviewDays === 0) {
      for (const k of stocked) {
        const units = order(reviewOf(k, day, false));
        if (units <= 0) continue;
        orders[k] = (orders[k] as number) + 1;
        orderedUnits[k] = (orderedUnits[k] as number) + units;
        onOrder[k] = (onOrder[k] as number) + units;
        const arrival = arrivingAt(k, Math.min(day + options.leadTimeDays, days + options.leadTimeDays));
        arriving[arrival] = (arriving[arrival] as number) + units;
      }
    }
    if (phantom !== undefined && depletion !== undefined && pos !== undefined) checkPhantom(t);
  };

  const checkPhantom = (t: number) => {
    const { windowHours, when } = phantom as NonNullable<typeof phantom>;
    const h = Math.floor(t / HOUR_MS) - startHour;
    if (h < windowHours || t < options.measureFromMs) return;
    const how = weekHour(Math.floor((t + offsetMs) / HOUR_MS));
    const closed = (s: number) =>
      hourOfWeek[s * 168 + ((how + 167) % 168)] === 0 && hourOfWeek[s * 168 + ((how + 166) % 168)] === 0;
    const day = localDay(t, offsetMs) - firstDay;
    const observations: LaneObservation[] = [];
    for (const k of stocked) {
      if (when === 'closed' && !closed(Math.floor(k / nSku))) continue;
      let weight = 0;
      let posUnits = 0;
      for (let i = h - windowHours; i < h; i++) {
        weight += (depletion as Float32Array)[k * hours + i] as number;
        posUnits += (pos as Float32Array)[k * hours + i] as number;
      }
      const rate = ratesFrom(k, day, t - windowHours * HOUR_MS, windowHours);
      const lagHours = payLagCount === 0 ? 0 : payLagSum / payLagCount / HOUR_MS;
      const inFlightUnits = ((rate[0] as number) + (rate[windowHours - 1] as number)) * lagHours;
      for (let i = 0; i < windowHours; i++) {
        const empty = Math.min(1, (emptyHour as Float32Array)[k * hours + h - windowHours + i] as number);
        rate[i] = (rate[i] as number) * (1 - empty);
      }
      const { site, sku } = keyName(k);
      observations.push({
        site,
        lane: String(k),
        sku,
        systemUnits: shelfOf(k),
        hourlyForecast: rate,
        posUnits,
        weightDepletionUnits: weight,
        inFlightUnits,
      });
    }
    const report = detectPhantomInventory(observations, phantom?.options ?? DEFAULT_PHANTOM_OPTIONS);
    for (const flag of report.flags) {
      const k = Number(flag.lane);
      const { site, sku } = keyName(k);
      const name = `${site}/${sku}`;
      const list = phantomFlags.get(name) ?? [];
      list.push({ at: t, test: flag.test, text: flag.explanation.text });
      phantomFlags.set(name, list);
    }
  };

  // The event loop: ticks on every hour and task completions, in time order, before each trace event.
  let nextTick = Math.ceil(header.startMs / HOUR_MS) * HOUR_MS;
  const advance = (until: number) => {
    for (;;) {
      const due = heapT.length > 0 ? (heapT[0] as number) : Number.POSITIVE_INFINITY;
      const next = Math.min(due, nextTick);
      if (next > until) return;
      if (due <= nextTick) completeTask(pop(), due);
      else {
        if (!measuring && nextTick >= options.measureFromMs) openMeasurement();
        tick(nextTick);
        nextTick += HOUR_MS;
      }
    }
  };

  const progressEvery = Math.max(1, Math.floor(trace.length / 200));
  for (let e = 0; e < trace.length; e++) {
    const t = trace.t[e] as number;
    if (t >= options.endMs) break;
    advance(t);
    const s = trace.site[e] as number;
    if (trace.kind[e] === TRACE_SHRINK) {
      const g = (laneOffset[s] as number) + (trace.target[e] as number);
      if ((units[g] as number) > 0) {
        units[g] = (units[g] as number) - 1;
        const k = laneKey[g] as number;
        if ((emptySince[k] as number) < 0 && shelfOf(k) === 0) emptySince[k] = t;
        if (depletion !== undefined) {
          const i = (laneKey[g] as number) * hours + Math.floor(t / HOUR_MS) - startHour;
          depletion[i] = (depletion[i] as number) + 1;
        }
      }
      continue;
    }
    const k = s * nSku + (trace.target[e] as number);
    const lanes = lanesOfKey[k] as number[];
    const want = trace.units[e] as number;
    let best = -1;
    for (const g of lanes) if (best < 0 || (units[g] as number) > (units[best] as number)) best = g;
    const taken = best < 0 ? 0 : Math.min(units[best] as number, want);
    if (taken > 0) {
      units[best] = (units[best] as number) - taken;
      if ((emptySince[k] as number) < 0 && shelfOf(k) === 0) emptySince[k] = t;
    }
    const day = localDay(t, offsetMs) - firstDay;
    sales[k * days + day] = (sales[k * days + day] as number) + taken;
    const how = weekHour(Math.floor((t + offsetMs) / HOUR_MS));
    hourOfWeek[s * 168 + how] = (hourOfWeek[s * 168 + how] as number) + taken;
    if (depletion !== undefined && pos !== undefined && taken > 0) {
      const i = k * hours + Math.floor(t / HOUR_MS) - startHour;
      depletion[i] = (depletion[i] as number) + taken;
      const paid = Math.min(hours - 1, Math.floor((trace.posAt[e] as number) / HOUR_MS) - startHour);
      payLagSum += (trace.posAt[e] as number) - t;
      payLagCount++;
      pos[k * hours + paid] = (pos[k * hours + paid] as number) + taken;
    }
    if (t >= options.measureFromMs) {
      wanted[k] = (wanted[k] as number) + want;
      sold[k] = (sold[k] as number) + taken;
      if (taken < want && (backroom[k] as number) >= 1) lostOnFloor += want - taken;
    }
    if (e % progressEvery === 0) options.onProgress?.(e, trace.length);
  }
  advance(options.endMs - 1);
  options.onProgress?.(trace.length, trace.length);

  const perSku: SkuOutcome[] = stocked.map((k) => ({
    ...keyName(k),
    wanted: wanted[k] as number,
    sold: sold[k] as number,
    averageOnHand: samples === 0 ? 0 : (onHandSum[k] as number) / samples,
    orders: orders[k] as number,
    orderedUnits: orderedUnits[k] as number,
  }));
  return {
    ...totals(policy.name, options.refill, days - measureDay, perSku),
    averageOnShelf: samples === 0 ? 0 : shelfSum / samples,
    lostOnFloor,
    tasks,
    taskUnits,
    perSku,
    ...(phantom === undefined ? {} : { phantomFlags }),
  };
}

/** Totals over SKU × site outcomes (any subset, e.g. one min/max choice per SKU). */
export function totals(
  policy: string,
  refill: RefillRule,
  days: number,
  perSku: readonly SkuOutcome[],
): Pick<
  StoreLoopResult,
  | 'policy'
  | 'refill'
  | 'days'
  | 'wanted'
  | 'sold'
  | 'lost'
  | 'fillRate'
  | 'averageOnHand'
  | 'daysOfCover'
  | 'orders'
  | 'orderedUnits'
> {
  const sum = (pick: (o: SkuOutcome) => number) => perSku.reduce((s, o) => s + pick(o), 0);
  const wanted = sum((o) => o.wanted);
  const sold = sum((o) => o.sold);
  const averageOnHand = sum((o) => o.averageOnHand);
  return {
    policy,
    refill,
    days,
    wanted,
    sold,
    lost: wanted - sold,
    fillRate: wanted === 0 ? 1 : sold / wanted,
    averageOnHand,
    daysOfCover: wanted === 0 ? Number.POSITIVE_INFINITY : averageOnHand / (wanted / days),
    orders: sum((o) => o.orders),
    orderedUnits: sum((o) => o.orderedUnits),
  };
}
