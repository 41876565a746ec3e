import type { ProblemData, TimeWindow } from './problem.js';

/**
 * One route driven in the problem's scaled integer units: where the vehicle is when, how much it
 * carries, and by how much it breaks each limit. `evaluate` reports this unscaled; the
 * construction heuristic uses it to test insertions. Jobs that do not exist are skipped here
 * (the evaluator reports them).
 *
 * Timing rules. Service starts at max(arrival, opening of the first window that has not yet
 * closed at arrival); waiting is allowed. Arriving after every window has closed is lateness:
 * service starts on arrival, late by arrival − last close. Without a given start time the vehicle
 * leaves at its shift start, delayed by whatever it would otherwise wait at its first stop — that
 * changes no service time and keeps the route's duration honest.
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

/** The window service would start in, and when, for a vehicle arriving at `arrival`. */
export function serviceStartFor(windows: readonly TimeWindow[], arrival: number): { start: number; lateBy: number } {
  for (const [open, close] of windows) if (arrival <= close) return { start: Math.max(arrival, open), lateBy: 0 };
  const lastClose = windows.at(-1)?.[1] ?? arrival;
  return { start: arrival, lateBy: Math.max(0, arrival - lastClose) };
}

export function scheduleRoute(
  data: ProblemData,
  vehicleType: number,
  jobs: readonly number[],
  startTime?: number,
): RouteSchedule {
  const type = data.vehicleTypes[vehicleType];
  if (type === undefined) throw new RangeError(`no vehicle type ${vehicleType}`);
  const startLocation = data.depots[type.startDepot]?.location ?? 0;
  const endLocation = data.depots[type.endDepot]?.location ?? 0;
  const known = jobs.filter((j) => data.jobs[j] !== undefined);

  let start = startTime ?? type.shift[0];
  const first = data.jobs[known[0] ?? -1];
  if (startTime === undefined && first !== undefined) {
    const arrival = start + data.duration(startLocation, first.location);
    start += serviceStartFor(first.timeWindows, arrival).start - arrival;
  }

  const load = new Array<number>(data.dimensions).fill(0);
  const stops: StopTimes[] = [];
  let time = start;
  let distance = 0;
  let lateness = 0;
  let at = startLocation;
  for (const j of known) {
    const job = data.jobs[j];
    if (job === undefined) continue;
    const arrival = time + data.duration(at, job.location);
    const { start: serviceStart, lateBy } = serviceStartFor(job.timeWindows, arrival);
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
  const duration = end - start;
  return {
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
}

/** No lateness, shift, duration or capacity excess. */
export function isScheduleFeasible(s: RouteSchedule): boolean {
  return s.lateness === 0 && s.shiftExcess === 0 && s.maxDurationExcess === 0 && s.capacityExcess.every((e) => e === 0);
}
