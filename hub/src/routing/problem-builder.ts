import {
  type DeliveryJob,
  type LatLon,
  localClockMs,
  type Route,
  type RoutePlan,
  type RouteStop,
  type RoutingJobRejectReason,
} from '@aisle/protocols';
import type { Evaluation } from './engine/evaluate.js';
import type { JobInput, TimeWindow, VehicleTypeInput } from './engine/problem.js';
import type { GeoPoint, MatrixProvider } from './engine/travel.js';
import type { ProblemInput } from './problem-input.js';

/**
 * The hub's delivery jobs and fleet as an engine problem, and the engine's answer as the wire
 * `RoutePlan` (pure: no Nest, no storage; the matrix provider is the only I/O, injected).
 *
 * Units, scaled once here (`engine/problem.ts`): distances in whole metres, times in whole seconds
 * from `originMs` (the earliest of now and the vans' shift starts), costs in thousandths of the
 * currency of `routing.fleet[].costPerKm` — so a cost per km is a cost per metre in those units,
 * a cost per hour ÷ 3.6 one per second, a fixed cost or drop penalty × 1000.
 *
 * Each van is its own vehicle type (count 1) with its shift: the one in progress at `nowMs`, or
 * the next one, on its time zone's clock, starting no earlier than now. A van with progress
 * (re-planning) starts where it was last seen and serves its job under way first (the engine's
 * `pinned`); its finished jobs are not in the problem and stay at the head of its route as `done`
 * stops. With `loadedAtDepot` (the default: goods are loaded at the depot) a van that has left (a
 * stop served or under way): every job it carries is pinned in its planned order and its capacity is that load, so no
 * job moves onto or off a van on the road; only vans still at their depot take new work.
 *
 * Jobs are refused one by one, with a reason code (`ROUTING_JOB_REJECT_REASONS`), the rest are
 * planned: a duplicate id, a demand with the wrong number of dimensions or that no van holds, time
 * windows that no fitting van's shift overlaps from now on, or more than `maxJobs`. Windows are
 * clipped to [now, the last shift's end]. A parcel of `priority` > 0 may be left out at its
 * `dropPenalty` (default `priority × dropPenaltyPerPriority`); everything else is required.
 */

export interface FleetVan {
  /** The van's site id: its route's `vehicle`. */
  readonly vehicle: string;
  readonly gateway: string;
  readonly depot: string;
  readonly capacity: readonly number[];
  /** Local `HH:MM`; an end at or before the start is the next day. */
  readonly shift: { readonly start: string; readonly end: string };
  readonly timeZone: string;
  readonly fixedCost: number;
  readonly costPerKm: number;
  readonly costPerHour: number;
}

export interface DepotPoint {
  readonly lat: number;
  readonly lon: number;
  readonly name?: string | undefined;
}

/** Where a van is on its route, as tracking last saw it. */
export interface VanProgress {
  /** Last known position; absent: still at its depot. */
  readonly position?: LatLon;
  /** Jobs finished, in the order they were served (their stops stay at the head of the route). */
  readonly doneJobs: readonly DoneStop[];
  /** The job the van is driving to or serving now: pinned as its next stop. */
  readonly inProgressJob?: string;
  /**
   * The jobs it has on board, in planned order (those not done; the job under way first). With
   * `loadedAtDepot` they are all pinned and they are its capacity: it carries them and nothing else.
   */
  readonly onBoard?: readonly string[];
}

/** A finished stop as it happened. */
export interface DoneStop {
  readonly job: string;
  readonly location: LatLon;
  readonly arrival: number;
  readonly departure: number;
}

export interface JobRefusal {
  readonly job: string;
  readonly code: RoutingJobRejectReason;
  readonly detail: string;
}

export interface BuildOptions {
  /** Candidate jobs, most important first (`maxJobs` keeps the first ones). */
  readonly jobs: readonly DeliveryJob[];
  readonly fleet: readonly FleetVan[];
  readonly depots: Readonly<Record<string, DepotPoint>>;
  readonly nowMs: number;
  readonly matrices: MatrixProvider<GeoPoint>;
  readonly maxJobs: number;
  readonly dropPenaltyPerPriority: number;
  /** Per vehicle: where the van is (re-planning). */
  readonly progress?: ReadonlyMap<string, VanProgress>;
  /** `routing.replan.loadedAtDepot`: a van that has left (a stop done or under way) keeps exactly its `onBoard` jobs. */
  readonly loadedAtDepot?: boolean;
}

export interface BuiltProblem {
  readonly input: ProblemInput;
  readonly originMs: number;
  /** Planned jobs, by engine job index. */
  readonly jobs: readonly DeliveryJob[];
  readonly jobIndex: ReadonlyMap<string, number>;
  /** Vans, by engine vehicle type index. */
  readonly vans: readonly PlannedVan[];
  readonly vehicleTypeOf: ReadonlyMap<string, number>;
  readonly refused: readonly JobRefusal[];
}

export interface PlannedVan {
  readonly van: FleetVan;
  readonly home: LatLon;
  readonly shiftStartMs: number;
  readonly shiftEndMs: number;
  readonly done: readonly DoneStop[];
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

export async function buildProblem(options: BuildOptions): Promise<BuiltProblem> {
  const { nowMs } = options;
  const refused: JobRefusal[] = [];
  const vans = options.fleet.flatMap((van): PlannedVan[] => {
    const depot = options.depots[van.depot];
    if (depot === undefined) return []; // the config check refuses this at start
    const [start, end] = currentShift(van, nowMs);
    const done = options.progress?.get(van.vehicle)?.doneJobs ?? [];
    return [{ van, home: { lat: depot.lat, lon: depot.lon }, shiftStartMs: start, shiftEndMs: end, done }];
  });
  const originMs = Math.floor(Math.min(nowMs, ...vans.map((v) => v.shiftStartMs)) / 1000) * 1000;
  const seconds = (ms: number) => (ms - originMs) / 1000;
  const dayEndMs = Math.max(nowMs, ...vans.map((v) => v.shiftEndMs));
  const dimensions = options.fleet[0]?.capacity.length ?? 0;
  const finished = new Set(vans.flatMap((v) => v.done.map((d) => d.job)));

  const jobs: DeliveryJob[] = [];
  const jobWindows: TimeWindow[][] = [];
  const seen = new Set<string>();
  for (const job of options.jobs) {
    if (finished.has(job.id)) continue;
    const refuse = (code: RoutingJobRejectReason, detail: string) => refused.push({ job: job.id, code, detail });
    if (seen.has(job.id)) {
      refuse('DUPLICATE_JOB', `job ${job.id} is listed twice`);
      continue;
    }
    seen.add(job.id);
    if (vans.length === 0) {
      refuse('NO_FITTING_VEHICLE', 'routing.fleet has no van');
      continue;
    }
    if (job.demand.length !== dimensions) {
      refuse('DIMENSION_MISMATCH', `demand has ${job.demand.length} dimensions, the fleet's capacity ${dimensions}`);
      continue;
    }
    const fitting = vans.filter((v) => job.demand.every((q, k) => q <= (v.van.capacity[k] ?? 0)));
    if (fitting.length === 0) {
      refuse('NO_FITTING_VEHICLE', `demand [${job.demand.join(', ')}] exceeds every van's capacity`);
      continue;
    }
    const windows = clipWindows(job, nowMs, dayEndMs);
    const reachable = fitting.some((v) =>
      windows.some((w) => w.start <= v.shiftEndMs && w.end >= Math.max(v.shiftStartMs, nowMs)),
    );
    if (windows.length === 0 || !reachable) {
      refuse('WINDOW_OUTSIDE_SHIFTS', `no window of job ${job.id} overlaps a fitting van's shift from now on`);
      continue;
    }
    if (jobs.length >= options.maxJobs) {
      refuse('TOO_MANY_JOBS', `the plan already holds ${options.maxJobs} jobs (routing.maxJobs)`);
      continue;
    }
    jobs.push(job);
    jobWindows.push(
      job.timeWindows.length === 0
        ? []
        : mergeWindows(windows.map((w) => [Math.ceil(seconds(w.start)), Math.floor(seconds(w.end))] as const)),
    );
  }
  const jobIndex = new Map(jobs.map((job, j) => [job.id, j]));

  // Locations: each van's start (its depot, or where it was last seen), each van's home, then the jobs.
  const points: GeoPoint[] = [];
  const vehicleTypes: VehicleTypeInput[] = [];
  const depots: { location: number; name: string }[] = [];
  for (const planned of vans) {
    const { van } = planned;
    const progress = options.progress?.get(van.vehicle);
    const home = depots.length;
    points.push(planned.home);
    depots.push({ location: points.length - 1, name: van.depot });
    let start = home;
    if (progress?.position !== undefined) {
      points.push(progress.position);
      depots.push({ location: points.length - 1, name: `${van.vehicle}@position` });
      start = depots.length - 1;
    }
    const under = progress?.inProgressJob === undefined ? undefined : jobIndex.get(progress.inProgressJob);
    // A van that has left with its load (a stop served or under way) keeps what it carries, in
    // order, and has room for nothing else; one still at its depot can be loaded again.
    const left = progress !== undefined && (progress.doneJobs.length > 0 || progress.inProgressJob !== undefined);
    const loaded =
      left && options.loadedAtDepot === true
        ? (progress.onBoard ?? []).flatMap((id) => {
            const j = jobIndex.get(id);
            return j === undefined ? [] : [j];
          })
        : undefined;
    const pinned = loaded ?? (under === undefined ? [] : [under]);
    const capacity =
      loaded === undefined
        ? [...van.capacity]
        : van.capacity.map((_, k) => loaded.reduce((sum, j) => sum + (jobs[j]?.demand[k] ?? 0), 0));
    vehicleTypes.push({
      count: 1,
      capacity,
      startDepot: start,
      endDepot: home,
      shift: [
        Math.max(0, Math.ceil(seconds(Math.max(planned.shiftStartMs, nowMs)))),
        Math.floor(seconds(planned.shiftEndMs)),
      ],
      fixedCost: Math.round(van.fixedCost * 1000),
      unitDistanceCost: Math.round(van.costPerKm),
      unitDurationCost: Math.round(van.costPerHour / 3.6),
      name: van.vehicle,
      ...(pinned.length === 0 ? {} : { pinned }),
    });
  }
  const jobInputs = jobs.map((job, j): JobInput => {
    points.push(job.location);
    const windows = jobWindows[j] ?? [];
    const penalty =
      (job.priority ?? 0) > 0 ? (job.dropPenalty ?? (job.priority ?? 0) * options.dropPenaltyPerPriority) : undefined;
    return {
      location: points.length - 1,
      delivery: [...job.demand],
      serviceDuration: Math.round(job.serviceMs / 1000),
      ...(windows.length === 0 ? {} : { timeWindows: windows }),
      ...(penalty === undefined ? {} : { dropPenalty: Math.round(penalty * 1000) }),
      name: job.id,
    };
  });
  const travel = await options.matrices.matrices(points);
  const matrices = {
    size: travel.size,
    distance: Int32Array.from(travel.distance),
    duration: Int32Array.from(travel.duration),
  };
  return {
    input: { scale: { distance: 1, duration: 1 }, depots, vehicleTypes, jobs: jobInputs, matrices },
    originMs,
    jobs,
    jobIndex,
    vans,
    vehicleTypeOf: new Map(vans.map((v, t) => [v.van.vehicle, t])),
    refused,
  };
}

/** The van's shift in progress at `nowMs`, else its next one, as epoch ms on its time zone's clock. */
export function currentShift(van: Pick<FleetVan, 'shift' | 'timeZone'>, nowMs: number): [number, number] {
  const startMin = minutes(van.shift.start);
  let endMin = minutes(van.shift.end);
  if (endMin <= startMin) endMin += 24 * 60;
  const today = Math.floor(localClockMs(nowMs, van.timeZone) / DAY_MS) * DAY_MS;
  for (const day of [-1, 0, 1]) {
    const start = utcOf(today + day * DAY_MS + startMin * MINUTE_MS, van.timeZone);
    const end = utcOf(today + day * DAY_MS + endMin * MINUTE_MS, van.timeZone);
    if (end > nowMs) return [start, end];
  }
  const start = utcOf(today + 2 * DAY_MS + startMin * MINUTE_MS, van.timeZone);
  return [start, start + (endMin - startMin) * MINUTE_MS];
}

function minutes(hhmm: string): number {
  const [h = 0, m = 0] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

/** The UTC instant a local clock reading stands for (the later one of a repeated hour). */
function utcOf(localMs: number, timeZone: string): number {
  const first = localMs - (localClockMs(localMs, timeZone) - localMs);
  return localMs - (localClockMs(first, timeZone) - first);
}

/** The job's windows within [now, dayEnd]; a job without windows may come any time in that range. */
function clipWindows(job: DeliveryJob, nowMs: number, dayEndMs: number): { start: number; end: number }[] {
  const windows = job.timeWindows.length === 0 ? [{ start: nowMs, end: dayEndMs }] : job.timeWindows;
  return windows
    .map((w) => ({ start: Math.max(w.start, nowMs), end: Math.min(w.end, dayEndMs) }))
    .filter((w) => w.end >= w.start);
}

/** Sorted, disjoint, non-empty windows (the engine's rule): overlapping or touching ones merged. */
function mergeWindows(windows: readonly TimeWindow[]): TimeWindow[] {
  const sorted = windows.filter(([open, close]) => close >= open).sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [open, close] of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && open <= last[1]) last[1] = Math.max(last[1], close);
    else merged.push([open, close]);
  }
  return merged;
}

export interface PlanMeta {
  readonly id: string;
  readonly version: number;
  readonly createdAt: number;
  readonly objective: RoutePlan['objective'];
  readonly status: RoutePlan['status'];
}

/**
 * The engine's routes as the wire plan: one route per van (an unused van gets one without stops,
 * so a van whose work moved elsewhere hears it), stop times in epoch ms, the load left on board
 * after each stop, and every job not in a route — refused, dropped or left out — in `unassigned`.
 */
export function toRoutePlan(built: BuiltProblem, evaluation: Evaluation, meta: PlanMeta): RoutePlan {
  const epoch = (seconds: number) => built.originMs + Math.round(seconds * 1000);
  const routed = new Set<number>();
  let latenessMs = 0;
  const routes = built.vans.map((planned, t): Route => {
    const report = evaluation.routes.find((r) => r.vehicleType === t && r.jobs.length > 0);
    const done: RouteStop[] = planned.done.map((d) => ({
      job: d.job,
      location: d.location,
      arrival: d.arrival,
      departure: Math.max(d.arrival, d.departure),
      status: 'done',
    }));
    const base = {
      vehicle: planned.van.vehicle,
      gateway: planned.van.gateway,
      depot: planned.home,
    };
    if (report === undefined) {
      const at = Math.max(planned.shiftStartMs, done.at(-1)?.departure ?? 0);
      return { ...base, startAt: done[0]?.arrival ?? at, endAt: at, distanceM: 0, durationMs: 0, stops: done };
    }
    const onBoard = [...report.load];
    const stops = report.stops.map((stop): RouteStop => {
      const job = built.jobs[stop.job];
      routed.add(stop.job);
      job?.demand.forEach((q, k) => {
        onBoard[k] = (onBoard[k] ?? 0) - q;
      });
      const lateMs = Math.round(stop.lateBy * 1000);
      latenessMs += lateMs;
      return {
        job: job?.id ?? String(stop.job),
        location: job?.location ?? planned.home,
        arrival: epoch(stop.arrival),
        departure: epoch(stop.departure),
        waitMs: Math.round(stop.waiting * 1000),
        latenessMs: lateMs,
        load: [...onBoard],
        status: 'pending',
      };
    });
    const startAt = done[0]?.arrival ?? epoch(report.start);
    return {
      ...base,
      startAt: Math.min(startAt, epoch(report.start)),
      endAt: epoch(report.end),
      distanceM: report.distance,
      durationMs: Math.round(report.duration * 1000),
      stops: [...done, ...stops],
    };
  });
  const unassigned = [
    ...built.refused.map((r) => r.job),
    ...built.jobs.filter((_, j) => !routed.has(j)).map((job) => job.id),
  ];
  return {
    v: 1,
    ...meta,
    kpis: {
      distanceM: routes.reduce((sum, r) => sum + r.distanceM, 0),
      durationMs: routes.reduce((sum, r) => sum + r.durationMs, 0),
      vehicles: routes.filter((r) => r.stops.some((s) => s.status !== 'done')).length,
      latenessMs,
      unassigned: unassigned.length,
    },
    routes,
    unassigned,
  };
}
