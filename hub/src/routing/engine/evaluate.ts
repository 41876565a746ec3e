import type { ProblemData } from './problem.js';
import { isPinnedPrefixFrozen, scheduleRoute } from './route-schedule.js';
import type { Solution } from './solution.js';

/**
 * The independent checker and plan mode: score any set of routes against the problem — the
 * solver's, or a planner's own — with the timetable of every stop and every broken rule listed.
 * It shares no state with the search; every solver result in the tests must pass `isFeasible`.
 *
 * Reported in the user's units: times, distances and durations are divided by the problem's
 * scale. Cost stays in integer cost units (fixed + unit distance cost × scaled distance + unit
 * duration cost × scaled duration per used route, plus the drop penalty of each optional job left
 * out; see `problem.ts`). A route without jobs is not a used vehicle and costs nothing.
 */

/** Every rule a solution can break; `Violation.code` is one of these keys. */
export const VIOLATION_CODES = {
  CAPACITY_EXCEEDED: "a route's load is above its vehicle's capacity in one dimension (`excess` units)",
  TIME_WINDOW_LATE: 'service at a job starts after its last window has closed (`lateBy` time units)',
  SHIFT_EXCEEDED: "a vehicle is back after its shift's end or leaves before its start (`by` time units)",
  MAX_DURATION_EXCEEDED: "a route lasts longer than its vehicle type's maximum (`by` time units)",
  JOB_VISITED_TWICE: 'a job appears more than once over all routes',
  JOB_MISSING: 'a required job is in no route',
  TOO_MANY_VEHICLES: 'more routes use a vehicle type than it has vehicles',
  UNKNOWN_JOB: 'a route names a job the problem does not have',
  UNKNOWN_VEHICLE_TYPE: 'a route names a vehicle type the problem does not have',
  PINNED_MOVED:
    "a pinned job is not where its pin puts it: its vehicle's route does not start with the pinned jobs in order",
} as const;

export type ViolationCode = keyof typeof VIOLATION_CODES;

export type Violation =
  | { readonly code: 'CAPACITY_EXCEEDED'; readonly route: number; readonly dimension: number; readonly excess: number }
  | { readonly code: 'TIME_WINDOW_LATE'; readonly route: number; readonly job: number; readonly lateBy: number }
  | { readonly code: 'SHIFT_EXCEEDED'; readonly route: number; readonly by: number }
  | { readonly code: 'MAX_DURATION_EXCEEDED'; readonly route: number; readonly by: number }
  | { readonly code: 'JOB_VISITED_TWICE'; readonly job: number; readonly routes: readonly number[] }
  | { readonly code: 'JOB_MISSING'; readonly job: number }
  | {
      readonly code: 'TOO_MANY_VEHICLES';
      readonly vehicleType: number;
      readonly used: number;
      readonly available: number;
    }
  | { readonly code: 'UNKNOWN_JOB'; readonly route: number; readonly job: number }
  | { readonly code: 'UNKNOWN_VEHICLE_TYPE'; readonly route: number; readonly vehicleType: number }
  | {
      readonly code: 'PINNED_MOVED';
      readonly job: number;
      readonly vehicleType: number;
      /** Where the pin puts it in its vehicle's route (0 = first stop). */
      readonly position: number;
    };

export interface StopReport {
  readonly job: number;
  readonly arrival: number;
  readonly serviceStart: number;
  readonly departure: number;
  /** serviceStart − arrival when early. */
  readonly waiting: number;
  readonly lateBy: number;
}

export interface RouteReport {
  readonly vehicleType: number;
  readonly jobs: readonly number[];
  readonly start: number;
  readonly end: number;
  readonly distance: number;
  readonly duration: number;
  readonly load: readonly number[];
  readonly stops: readonly StopReport[];
  readonly cost: number;
}

export interface Evaluation {
  readonly routes: readonly RouteReport[];
  readonly violations: readonly Violation[];
  /** Cost units; includes drop penalties. */
  readonly cost: number;
  readonly distance: number;
  readonly duration: number;
  readonly vehiclesUsed: number;
  /** Optional jobs in no route. */
  readonly dropped: readonly number[];
  readonly dropPenalty: number;
}

export function evaluate(data: ProblemData, solution: Solution): Evaluation {
  const time = (t: number): number => t / data.scale.duration;
  const violations: Violation[] = [];
  const visits = new Map<number, number[]>();
  const used = new Array<number>(data.vehicleTypes.length).fill(0);
  let cost = 0;
  let distance = 0;
  let duration = 0;
  let vehiclesUsed = 0;

  const routes = solution.routes.map((route, r): RouteReport => {
    for (const j of route.jobs) {
      if (data.jobs[j] === undefined) violations.push({ code: 'UNKNOWN_JOB', route: r, job: j });
      else visits.set(j, [...(visits.get(j) ?? []), r]);
    }
    const type = data.vehicleTypes[route.vehicleType];
    if (type === undefined) {
      violations.push({ code: 'UNKNOWN_VEHICLE_TYPE', route: r, vehicleType: route.vehicleType });
      return { ...route, start: 0, end: 0, distance: 0, duration: 0, load: [], stops: [], cost: 0 };
    }
    const s = scheduleRoute(data, route.vehicleType, route.jobs, route.startTime);
    if (s.stops.length === 0)
      return {
        ...route,
        start: time(s.start),
        end: time(s.start),
        distance: 0,
        duration: 0,
        load: s.load,
        stops: [],
        cost: 0,
      };

    vehiclesUsed++;
    used[route.vehicleType] = (used[route.vehicleType] ?? 0) + 1;
    const routeCost = type.fixedCost + type.unitDistanceCost * s.distance + type.unitDurationCost * s.duration;
    cost += routeCost;
    distance += s.distance;
    duration += s.duration;
    s.capacityExcess.forEach((excess, dimension) => {
      if (excess > 0) violations.push({ code: 'CAPACITY_EXCEEDED', route: r, dimension, excess });
    });
    for (const stop of s.stops)
      if (stop.lateBy > 0)
        violations.push({ code: 'TIME_WINDOW_LATE', route: r, job: stop.job, lateBy: time(stop.lateBy) });
    if (s.shiftExcess > 0) violations.push({ code: 'SHIFT_EXCEEDED', route: r, by: time(s.shiftExcess) });
    if (s.maxDurationExcess > 0)
      violations.push({ code: 'MAX_DURATION_EXCEEDED', route: r, by: time(s.maxDurationExcess) });
    return {
      vehicleType: route.vehicleType,
      jobs: route.jobs,
      start: time(s.start),
      end: time(s.end),
      distance: s.distance / data.scale.distance,
      duration: time(s.duration),
      load: s.load,
      stops: s.stops.map((stop) => ({
        job: stop.job,
        arrival: time(stop.arrival),
        serviceStart: time(stop.serviceStart),
        departure: time(stop.departure),
        waiting: time(stop.serviceStart - stop.arrival),
        lateBy: time(stop.lateBy),
      })),
      cost: routeCost,
    };
  });

  data.vehicleTypes.forEach((type, v) => {
    const count = used[v] ?? 0;
    if (count > type.count)
      violations.push({ code: 'TOO_MANY_VEHICLES', vehicleType: v, used: count, available: type.count });
  });
  data.vehicleTypes.forEach((_, v) => {
    const jobs = solution.routes.find((r) => r.vehicleType === v)?.jobs ?? [];
    data.pinned(v).forEach((job, position) => {
      if (jobs[position] !== job) violations.push({ code: 'PINNED_MOVED', job, vehicleType: v, position });
    });
  });
  const dropped: number[] = [];
  let dropPenalty = 0;
  data.jobs.forEach((job, j) => {
    const seen = visits.get(j) ?? [];
    if (seen.length > 1) violations.push({ code: 'JOB_VISITED_TWICE', job: j, routes: seen });
    if (seen.length > 0) return;
    if (data.isRequired(j)) violations.push({ code: 'JOB_MISSING', job: j });
    else {
      dropped.push(j);
      dropPenalty += job.dropPenalty ?? 0;
    }
  });

  return {
    routes,
    violations,
    cost: cost + dropPenalty,
    distance: distance / data.scale.distance,
    duration: time(duration),
    vehiclesUsed,
    dropped,
    dropPenalty,
  };
}

/** Nothing broken: every required job served once, every limit respected (dropping optional jobs is allowed). */
export function isFeasible(evaluation: Evaluation): boolean {
  return evaluation.violations.length === 0;
}

/**
 * Feasible but for what pinned stops force (the rule in `route-schedule.ts`): every pin in place,
 * and the only violations are lateness at pinned stops, or anything on a route that is exactly a
 * frozen pinned prefix (one that breaks a limit by itself). What the solver returns for a problem
 * with pins passes this; without pins it is `isFeasible`.
 */
export function isFeasibleGivenPins(data: ProblemData, evaluation: Evaluation): boolean {
  const frozen = (route: number): boolean => {
    const r = evaluation.routes[route];
    if (r === undefined) return false;
    const pinned = data.pinned(r.vehicleType);
    return (
      pinned.length > 0 &&
      r.jobs.length === pinned.length &&
      r.jobs.every((j, k) => pinned[k] === j) &&
      isPinnedPrefixFrozen(data, r.vehicleType)
    );
  };
  return evaluation.violations.every((v) => {
    switch (v.code) {
      case 'TIME_WINDOW_LATE':
        return data.pinnedTo(v.job) >= 0 || frozen(v.route);
      case 'CAPACITY_EXCEEDED':
      case 'SHIFT_EXCEEDED':
      case 'MAX_DURATION_EXCEEDED':
        return frozen(v.route);
      default:
        return false;
    }
  });
}
