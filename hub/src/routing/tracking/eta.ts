import type { LatLon, Route, RouteStop, TimeWindow } from '@aisle/protocols';
import { haversineMeters } from '../engine/travel.js';
import { HOUR_MS, type SpeedAnswer } from './speed-profile.js';

/**
 * Estimated times of arrival for the stops a van has left, from where it is now (issue #8: "ETA
 * per stop … late-risk alerts"). Pure: the clock is the van's latest fix, never the wall clock.
 *
 * Timing follows the planner's rules (`engine/route-schedule.ts`): service starts at max(arrival,
 * opening of the first window not yet closed at arrival); arriving after every window has closed
 * is lateness, arrival − last close. For each remaining stop, in route order:
 *
 *   arrival = leaving the previous point + travel,  travel = Haversine × detour ÷ profile speed
 *   departure = service start + service,            service = planned departure − arrival − wait
 *
 * Travel integrates the profile across hour boundaries: the van drives at the speed of the hour
 * it is in until the hour ends, then at the next hour's (boundaries at whole UTC hours, which are
 * the local ones in every zone a whole number of hours from UTC).
 *
 * The van leaves: the stop it is serving, at max(service start + service, now) — a van that has
 * stood longer than planned leaves no earlier than now; or its latest position, now; or, with no
 * fix yet, its depot at the route's start.
 *
 * Windows: the protocol's route stop does not carry its job's windows. When the caller knows them
 * (`windowsOf`, from the delivery job) they are used; otherwise a stop is allowed until its
 * planned arrival + `windowToleranceMs`, and opens when the plan waited there (planned arrival +
 * wait), so a stop is "late" against the plan the planner published. A stop not yet reached whose
 * projected lateness exceeds `lateRiskMs` is at risk (the stop being served keeps its lateness,
 * but is no risk any more).
 */

export interface EtaOptions {
  /** Road distance ÷ straight line. */
  readonly detourFactor: number;
  /** Projected lateness above this is a late risk. */
  readonly lateRiskMs: number;
  /** Without the job's windows: how long after its planned arrival a stop may still be reached. */
  readonly windowToleranceMs: number;
}

/** Speeds by time of day (a `SpeedProfile`, or a constant in tests). */
export interface SpeedLookup {
  speedAt(atMs: number): SpeedAnswer;
}

/** What is known of the van's progress on its route. */
export interface RouteProgressView {
  /** Jobs served (or skipped): no ETA. */
  readonly done: ReadonlySet<string>;
  /** The stop the van is at, since when. */
  readonly inProgress?: { readonly job: string; readonly arrivedAt: number } | undefined;
  /** The van's latest fix; its time is "now". */
  readonly fix?: { readonly position: LatLon; readonly atMs: number } | undefined;
}

export type StopState = NonNullable<RouteStop['status']>;

export interface StopEta {
  readonly job: string;
  readonly status: StopState;
  /** Estimated (pending), or actual (arrived) arrival; the plan's for done stops. */
  readonly arrival: number;
  readonly departure: number;
  readonly waitMs: number;
  /** Projected lateness against the window's close (0 when on time). */
  readonly latenessMs: number;
  /** The close the lateness is measured against; undefined for a stop with no window at all. */
  readonly closesAt: number | undefined;
  /** Whether the close is the job's window or the plan's arrival + tolerance. */
  readonly windowFrom: 'job' | 'plan';
  readonly lateRisk: boolean;
}

export interface RouteEta {
  readonly now: number | undefined;
  readonly stops: readonly StopEta[];
  /** The first stop not done: where the van is or goes next. */
  readonly nextJob: string | undefined;
  /** Estimated return to the depot. */
  readonly returnAt: number;
  /** The stops at risk, in the order the van reaches them. */
  readonly atRisk: readonly StopEta[];
  /** The stop with the largest projected lateness above `lateRiskMs`. */
  readonly worst: StopEta | undefined;
  readonly doneStops: number;
}

/** Time to drive `distanceM` leaving at `departMs`, at the speeds of the hours it drives through. */
export function travelMs(distanceM: number, departMs: number, speeds: SpeedLookup): number {
  let left = distanceM;
  let t = departMs;
  // Bounded: a day of hours is far more than any leg; past it the last speed finishes the leg.
  for (let hops = 0; left > 0 && hops < 48; hops++) {
    const speed = speeds.speedAt(t).speedMps;
    const hourEnd = (Math.floor(t / HOUR_MS) + 1) * HOUR_MS;
    const reach = (speed * (hourEnd - t)) / 1000;
    if (reach >= left) return t + (left / speed) * 1000 - departMs;
    left -= reach;
    t = hourEnd;
  }
  return left > 0 ? t + (left / speeds.speedAt(t).speedMps) * 1000 - departMs : t - departMs;
}

/** The planned service duration of a stop: departure − arrival − wait (never negative). */
export function plannedServiceMs(stop: RouteStop): number {
  return Math.max(0, stop.departure - stop.arrival - (stop.waitMs ?? 0));
}

/** The windows a stop is judged against, and where they come from (file comment). */
export function stopWindows(
  stop: RouteStop,
  options: Pick<EtaOptions, 'windowToleranceMs'>,
  jobWindows: readonly TimeWindow[] | undefined,
): { windows: readonly TimeWindow[]; from: 'job' | 'plan' } {
  if (jobWindows !== undefined) return { windows: [...jobWindows].sort((a, b) => a.start - b.start), from: 'job' };
  const wait = stop.waitMs ?? 0;
  return {
    windows: [{ start: wait > 0 ? stop.arrival + wait : 0, end: stop.arrival + options.windowToleranceMs }],
    from: 'plan',
  };
}

function serviceStartFor(
  windows: readonly TimeWindow[],
  arrival: number,
): { start: number; lateBy: number; close: number | undefined } {
  for (const w of windows) if (arrival <= w.end) return { start: Math.max(arrival, w.start), lateBy: 0, close: w.end };
  const last = windows.at(-1);
  if (last === undefined) return { start: arrival, lateBy: 0, close: undefined };
  return { start: arrival, lateBy: arrival - last.end, close: last.end };
}

export function routeEta(
  route: Route,
  progress: RouteProgressView,
  speeds: SpeedLookup,
  options: EtaOptions,
  windowsOf: (job: string) => readonly TimeWindow[] | undefined = () => undefined,
): RouteEta {
  const now = progress.fix?.atMs;
  const stops: StopEta[] = [];
  const drive = (from: LatLon, to: LatLon, departMs: number) =>
    departMs + travelMs(haversineMeters(from, to) * options.detourFactor, departMs, speeds);
  const isDone = (stop: RouteStop) =>
    progress.done.has(stop.job) || stop.status === 'done' || stop.status === 'skipped';

  let position: LatLon = progress.fix?.position ?? route.depot;
  let leaveAt = now ?? route.startAt;
  const serving = progress.inProgress;
  const servingStop = serving === undefined ? undefined : route.stops.find((s) => s.job === serving.job);
  let doneStops = 0;

  const timed = new Map<string, StopEta>();
  const judge = (stop: RouteStop, status: StopState, arrival: number): StopEta => {
    const { windows, from } = stopWindows(stop, options, windowsOf(stop.job));
    const { start, lateBy, close } = serviceStartFor(windows, arrival);
    return {
      job: stop.job,
      status,
      arrival,
      departure: start + plannedServiceMs(stop),
      waitMs: start - arrival,
      latenessMs: lateBy,
      closesAt: close,
      windowFrom: from,
      lateRisk: lateBy > options.lateRiskMs,
    };
  };

  if (servingStop !== undefined && serving !== undefined && !isDone(servingStop)) {
    const eta = judge(servingStop, 'arrived', serving.arrivedAt);
    const departure = Math.max(eta.departure, now ?? eta.departure);
    // Its lateness is what happened, no longer a risk anyone can act on: the risk is ahead.
    timed.set(servingStop.job, { ...eta, departure, lateRisk: false });
    position = servingStop.location;
    leaveAt = departure;
  }
  for (const stop of route.stops) {
    if (isDone(stop)) {
      doneStops++;
      continue;
    }
    if (timed.has(stop.job)) continue;
    const eta = judge(stop, 'pending', drive(position, stop.location, leaveAt));
    timed.set(stop.job, eta);
    position = stop.location;
    leaveAt = eta.departure;
  }
  const returnAt = drive(position, route.depot, leaveAt);

  let worst: StopEta | undefined;
  // `timed` holds the remaining stops in the order they are driven.
  const atRisk = [...timed.values()].filter((e) => e.lateRisk);
  for (const stop of route.stops) {
    const eta =
      timed.get(stop.job) ??
      ({
        job: stop.job,
        status: stop.status === 'skipped' ? 'skipped' : 'done',
        arrival: stop.arrival,
        departure: stop.departure,
        waitMs: stop.waitMs ?? 0,
        latenessMs: stop.latenessMs ?? 0,
        closesAt: undefined,
        windowFrom: 'plan',
        lateRisk: false,
      } satisfies StopEta);
    stops.push(eta);
    if (eta.lateRisk && (worst === undefined || eta.latenessMs > worst.latenessMs)) worst = eta;
  }
  const nextJob =
    servingStop !== undefined && timed.has(servingStop.job)
      ? servingStop.job
      : stops.find((s) => s.status === 'pending')?.job;
  return { now, stops, nextJob, returnAt, atRisk, worst, doneStops };
}
