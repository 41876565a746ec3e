import type { ProblemData, TimeWindow, VehicleType } from './problem.js';

/**
 * One route driven in the problem's scaled integer units: where the vehicle is when, how much it
 * carries, and by how much it breaks each limit. `evaluate` reports this unscaled; the
 * construction heuristic uses it to test insertions. Jobs that do not exist are skipped here
 * (the evaluator reports them).
 *
 * Timing rules. Service starts at max(arrival, opening of the first window that has not yet
 * closed at arrival); waiting is allowed. Arriving after every window has closed is lateness:
 * service starts on arrival, late by arrival − last close. Without a given start time the vehicle
 * leaves at the earliest time that gives the route its shortest duration without making any stop
 * (or the return) later than it would be leaving at the shift's start — as PyVRP's duration
 * segments do, so a solver computing durations that way and this checker agree.
 *
 * That start, by Savelsbergh's forward time slack (1992): leaving Δ later shifts stop k by
 * max(0, Δ − W_k), W_k the waiting up to k, so the route lasts D − min(Δ, W) (W all its waiting)
 * and no stop gets later while Δ ≤ F = min over stops and the return of W_k + max(0, close_k −
 * start_k) (close_k: the window service is in; the shift's end for the return). Hence Δ = min(F, W).
 */

export interface StopTimes {
  readonly job: number;
  readonly arrival: number;
  readonly serviceStart: number;
  readonly departure: number;
  readonly lateBy: number;
}

export interface RouteSchedule {
  readonly start: number;
  readonly end: number;
  readonly distance: number;
  /** end − start, waiting included. */
  readonly duration: number;
  readonly load: readonly number[];
  readonly stops: readonly StopTimes[];
  /** Total lateness over all stops. */
  readonly lateness: number;
  /** Back after the shift's end, plus leaving before its start. */
  readonly shiftExcess: number;
  readonly maxDurationExcess: number;
  /** Load above capacity, per dimension (0 where within). */
  readonly capacityExcess: readonly number[];
}

/** When service starts for a vehicle arriving at `arrival`, and the close of the window it is in. */
function serviceStartFor(
  windows: readonly TimeWindow[],
  arrival: number,
): { start: number; lateBy: number; close: number } {
  for (const [open, close] of windows)
    if (arrival <= close) return { start: Math.max(arrival, open), lateBy: 0, close };
  const lastClose = windows.at(-1)?.[1] ?? arrival;
  return { start: arrival, lateBy: Math.max(0, arrival - lastClose), close: lastClose };
}

export function scheduleRoute(
  data: ProblemData,
  vehicleType: number,
  jobs: readonly number[],
  startTime?: number,
): RouteSchedule {
  const type = data.vehicleTypes[vehicleType];
  if (type === undefined) throw new RangeError(`no vehicle type ${vehicleType}`);
  const known = jobs.filter((j) => data.jobs[j] !== undefined);
  const first = drive(data, type, known, startTime ?? type.shift[0]);
  if (startTime !== undefined || first.delay === 0) return first.schedule;
  return drive(data, type, known, first.schedule.start + first.delay).schedule;
}

/** The forward pass from `start`, and the delay of the start that would minimise the duration (file comment). */
function drive(
  data: ProblemData,
  type: VehicleType,
  jobs: readonly number[],
  start: number,
): { schedule: RouteSchedule; delay: number } {
  const startLocation = data.depots[type.startDepot]?.location ?? 0;
  const endLocation = data.depots[type.endDepot]?.location ?? 0;
  const load = new Array<number>(data.dimensions).fill(0);
  const stops: StopTimes[] = [];
  let time = start;
  let distance = 0;
  let lateness = 0;
  let waiting = 0;
  let forwardSlack = Number.POSITIVE_INFINITY;
  let at = startLocation;
  for (const j of jobs) {
    const job = data.jobs[j];
    if (job === undefined) continue;
    const arrival = time + data.duration(at, job.location);
    const { start: serviceStart, lateBy, close } = serviceStartFor(job.timeWindows, arrival);
    waiting += serviceStart - arrival;
    forwardSlack = Math.min(forwardSlack, waiting + Math.max(0, close - serviceStart));
    time = serviceStart + job.serviceDuration;
    distance += data.distance(at, job.location);
    lateness += lateBy;
    stops.push({ job: j, arrival, serviceStart, departure: time, lateBy });
    job.delivery.forEach((q, k) => {
      load[k] = (load[k] ?? 0) + q;
    });
    at = job.location;
  }
  const end = time + data.duration(at, endLocation);
  distance += data.distance(at, endLocation);
  forwardSlack = Math.min(forwardSlack, waiting + Math.max(0, type.shift[1] - end));
  const duration = end - start;
  const schedule: RouteSchedule = {
    start,
    end,
    distance,
    duration,
    load,
    stops,
    lateness,
    shiftExcess: Math.max(0, end - type.shift[1]) + Math.max(0, type.shift[0] - start),
    maxDurationExcess: type.maxDuration === undefined ? 0 : Math.max(0, duration - type.maxDuration),
    capacityExcess: load.map((l, k) => Math.max(0, l - (type.capacity[k] ?? 0))),
  };
  return { schedule, delay: Math.min(forwardSlack, waiting) };
}

/** No lateness, shift, duration or capacity excess. */
export function isScheduleFeasible(s: RouteSchedule): boolean {
  return s.lateness === 0 && s.shiftExcess === 0 && s.maxDurationExcess === 0 && s.capacityExcess.every((e) => e === 0);
}

/**
 * Pinned stops (`VehicleType.pinned`) are the past or the present of a route: what they break, no
 * plan can mend. The rule the whole engine follows (construction, search, `evaluate`'s
 * `isFeasibleGivenPins`):
 *  - lateness at a pinned stop is sunk: the route goes on from when the van really leaves it, and
 *    every later stop must be on time (so a van running late keeps its day, re-timed);
 *  - a prefix that, driven alone from the start depot to the end depot, already breaks the shift,
 *    the maximum duration or the capacity is *frozen*: its route is its pins, as they are, and takes
 *    no other job (anything added would only make that excess larger).
 * Anything else must keep every limit, as on a route without pins.
 */
export function isPinnedPrefixFrozen(data: ProblemData, vehicleType: number): boolean {
  const pinned = data.pinned(vehicleType);
  if (pinned.length === 0) return false;
  const s = scheduleRoute(data, vehicleType, pinned);
  return s.shiftExcess > 0 || s.maxDurationExcess > 0 || s.capacityExcess.some((e) => e > 0);
}

/**
 * `isScheduleFeasible` with the pinned-stop rule above, for a route that starts with its vehicle's
 * pinned prefix: lateness at the pinned stops is allowed, and a frozen prefix alone is accepted as it is.
 */
export function isScheduleFeasibleGivenPins(data: ProblemData, vehicleType: number, s: RouteSchedule): boolean {
  const fixed = data.pinned(vehicleType).length;
  if (fixed === 0) return isScheduleFeasible(s);
  if (s.stops.length === fixed && isPinnedPrefixFrozen(data, vehicleType)) return true;
  for (let k = fixed; k < s.stops.length; k++) if ((s.stops[k]?.lateBy ?? 0) > 0) return false;
  return s.shiftExcess === 0 && s.maxDurationExcess === 0 && s.capacityExcess.every((e) => e === 0);
}
