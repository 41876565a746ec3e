/**
 * The hub's routing problem builder (pure): delivery jobs and the fleet as an engine problem —
 * seconds from the day's origin, metres by Haversine × detour at the configured speed, one vehicle
 * type per van with its shift, bad jobs refused one by one with their code — and the engine's
 * answer back as a wire RoutePlan whose timetable follows the travel times.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../hub/src/routing/engine/evaluate.js';
import { solve } from '../../hub/src/routing/engine/solve.js';
import { HaversineMatrixProvider, haversineMeters } from '../../hub/src/routing/engine/travel.js';
import { buildProblem, currentShift, type FleetVan, toRoutePlan } from '../../hub/src/routing/problem-builder.js';
import { modelOf } from '../../hub/src/routing/problem-input.js';
import { type DeliveryJob, routePlanCodec } from '../../protocols/src/index.js';

const NOW = Date.UTC(2026, 11, 2, 8, 0); // 08:00 UTC
const HOUR = 3_600_000;
const SPEED_KMH = 40;
const DETOUR = 1.3;
const matrices = new HaversineMatrixProvider({ speedMps: SPEED_KMH / 3.6, detourFactor: DETOUR });
const depots = { dc: { lat: 52.52, lon: 13.4, name: 'Berlin DC' } };

const van = (vehicle: string, overrides: Partial<FleetVan> = {}): FleetVan => ({
  vehicle,
  gateway: `${vehicle}-gw`,
  depot: 'dc',
  capacity: [100],
  shift: { start: '06:00', end: '18:00' },
  timeZone: 'UTC',
  fixedCost: 0,
  costPerKm: 1,
  costPerHour: 0,
  ...overrides,
});

const job = (id: string, lat: number, lon: number, overrides: Partial<DeliveryJob> = {}): DeliveryJob => ({
  id,
  kind: 'store-order',
  location: { lat, lon },
  demand: [10],
  timeWindows: [],
  serviceMs: 600_000,
  createdAt: NOW - HOUR,
  ...overrides,
});

const base = { depots, nowMs: NOW, matrices, maxJobs: 100, dropPenaltyPerPriority: 100 };

describe('buildProblem', () => {
  it('puts each van in its own vehicle type with its shift in seconds from the origin, from now on', async () => {
    const built = await buildProblem({
      ...base,
      jobs: [job('a', 52.53, 13.41)],
      fleet: [van('van-1'), van('van-2', { shift: { start: '09:00', end: '17:30' }, capacity: [50] })],
    });
    // The origin is van-1's shift start (06:00, before now); van-1 leaves from now on (08:00).
    expect(built.originMs).toBe(NOW - 2 * HOUR);
    expect(built.input.vehicleTypes.map((t) => [t.count, t.shift, t.capacity])).toEqual([
      [1, [2 * 3600, 12 * 3600], [100]],
      [1, [3 * 3600, 11.5 * 3600], [50]],
    ]);
    expect(built.vehicleTypeOf.get('van-2')).toBe(1);
    expect(built.jobIndex.get('a')).toBe(0);
  });

  it('refuses bad jobs one by one with their code and plans the rest', async () => {
    const built = await buildProblem({
      ...base,
      maxJobs: 3,
      fleet: [van('van-1'), van('van-2', { capacity: [40] })],
      jobs: [
        job('ok-1', 52.53, 13.41),
        job('too-big', 52.5, 13.3, { demand: [150] }),
        job('ok-1', 52.53, 13.41),
        job('two-dims', 52.5, 13.3, { demand: [1, 2] }),
        job('yesterday', 52.5, 13.3, { timeWindows: [{ start: NOW - 30 * HOUR, end: NOW - 20 * HOUR }] }),
        job('tonight', 52.5, 13.3, { timeWindows: [{ start: NOW + 12 * HOUR, end: NOW + 13 * HOUR }] }),
        job('ok-2', 52.51, 13.39, { timeWindows: [{ start: NOW - HOUR, end: NOW + 2 * HOUR }] }),
        job('ok-3', 52.5, 13.42),
        job('one-too-many', 52.5, 13.43),
      ],
    });
    expect(built.jobs.map((j) => j.id)).toEqual(['ok-1', 'ok-2', 'ok-3']);
    expect(built.refused.map((r) => [r.job, r.code])).toEqual([
      ['too-big', 'NO_FITTING_VEHICLE'],
      ['ok-1', 'DUPLICATE_JOB'],
      ['two-dims', 'DIMENSION_MISMATCH'],
      ['yesterday', 'WINDOW_OUTSIDE_SHIFTS'],
      ['tonight', 'WINDOW_OUTSIDE_SHIFTS'],
      ['one-too-many', 'TOO_MANY_JOBS'],
    ]);
    // ok-2's window is clipped to now: [now, now + 2 h] in seconds from the origin (06:00).
    expect(built.input.jobs[1]?.timeWindows).toEqual([[7200, 14_400]]);
    expect(built.input.jobs[0]?.timeWindows).toBeUndefined(); // any time in a shift
    expect(built.input.jobs[0]?.serviceDuration).toBe(600);
  });

  it('refuses every job when the fleet is empty', async () => {
    const built = await buildProblem({ ...base, fleet: [], jobs: [job('a', 52.53, 13.41)] });
    expect(built.refused).toEqual([{ job: 'a', code: 'NO_FITTING_VEHICLE', detail: 'routing.fleet has no van' }]);
    expect(built.input.vehicleTypes).toEqual([]);
  });

  it('makes a parcel of priority above 0 optional at its drop penalty, in thousandths', async () => {
    const built = await buildProblem({
      ...base,
      fleet: [van('van-1')],
      jobs: [
        job('order', 52.53, 13.41),
        job('parcel-low', 52.5, 13.3, { kind: 'parcel', priority: 3 }),
        job('parcel-priced', 52.5, 13.31, { kind: 'parcel', priority: 1, dropPenalty: 12.5 }),
        job('parcel-must', 52.5, 13.32, { kind: 'parcel', priority: 0 }),
      ],
    });
    expect(built.input.jobs.map((j) => j.dropPenalty)).toEqual([undefined, 300_000, 12_500, undefined]);
  });

  it('starts a van with progress where it was seen, pins its job under way, and keeps its done stops', async () => {
    const built = await buildProblem({
      ...base,
      fleet: [van('van-1')],
      jobs: [job('a', 52.53, 13.41), job('b', 52.54, 13.42), job('c', 52.55, 13.43)],
      progress: new Map([
        [
          'van-1',
          {
            position: { lat: 52.535, lon: 13.415 },
            doneJobs: [
              { job: 'a', location: { lat: 52.53, lon: 13.41 }, arrival: NOW - HOUR, departure: NOW - HOUR / 2 },
            ],
            inProgressJob: 'c',
          },
        ],
      ]),
    });
    expect(built.jobs.map((j) => j.id)).toEqual(['b', 'c']);
    const type = built.input.vehicleTypes[0];
    expect(type?.pinned).toEqual([1]);
    expect(type?.startDepot).not.toBe(type?.endDepot);
    const problem = modelOf(built.input).data();
    const result = solve(problem, { timeLimitMs: 200, seed: 1 });
    expect(result.routes.routes.find((r) => r.jobs.length > 0)?.jobs[0]).toBe(1);
    const plan = toRoutePlan(built, result.evaluation, meta);
    expect(plan.routes[0]?.stops.map((s) => [s.job, s.status])).toEqual([
      ['a', 'done'],
      ['c', 'pending'],
      ['b', 'pending'],
    ]);
  });

  it('keeps a van that has left with what it carries, in order, and gives new work only to vans at the depot', async () => {
    const onTheRoad = {
      position: { lat: 52.535, lon: 13.415 },
      doneJobs: [{ job: 'a', location: { lat: 52.53, lon: 13.41 }, arrival: NOW - HOUR, departure: NOW - HOUR / 2 }],
      inProgressJob: 'c',
      onBoard: ['c', 'b'],
    };
    const jobs = [
      job('a', 52.53, 13.41),
      job('b', 52.54, 13.42),
      job('c', 52.55, 13.43),
      // New and right beside van-1, which has no room for it: it was loaded at the depot.
      job('new', 52.536, 13.416, { kind: 'parcel', demand: [5] }),
    ];
    const loaded = await buildProblem({
      ...base,
      fleet: [van('van-1'), van('van-2')],
      jobs,
      progress: new Map([['van-1', onTheRoad]]),
      loadedAtDepot: true,
    });
    const [road, depot] = loaded.input.vehicleTypes;
    expect(road?.pinned).toEqual([loaded.jobIndex.get('c'), loaded.jobIndex.get('b')]);
    expect(road?.capacity).toEqual([20]); // b and c, 10 each: what is on board
    expect(depot?.pinned).toBeUndefined();
    expect(depot?.capacity).toEqual([100]);
    const result = solve(modelOf(loaded.input).data(), { timeLimitMs: 200, seed: 1 });
    const plan = toRoutePlan(loaded, result.evaluation, meta);
    expect(plan.routes.find((r) => r.vehicle === 'van-1')?.stops.map((s) => s.job)).toEqual(['a', 'c', 'b']);
    expect(plan.routes.find((r) => r.vehicle === 'van-2')?.stops.map((s) => s.job)).toEqual(['new']);

    // Vans that take work on the road: only the job under way is pinned, the nearest van takes the new job.
    const open = await buildProblem({
      ...base,
      fleet: [van('van-1'), van('van-2')],
      jobs,
      progress: new Map([['van-1', onTheRoad]]),
      loadedAtDepot: false,
    });
    expect(open.input.vehicleTypes[0]?.pinned).toEqual([open.jobIndex.get('c')]);
    expect(open.input.vehicleTypes[0]?.capacity).toEqual([100]);
    const free = toRoutePlan(open, solve(modelOf(open.input).data(), { timeLimitMs: 200, seed: 1 }).evaluation, meta);
    expect(free.routes.find((r) => r.vehicle === 'van-1')?.stops.map((s) => s.job)).toContain('new');
  });
});

const meta = { id: 'plan-1', version: 1, createdAt: NOW, objective: 'distance', status: 'proposed' } as const;

describe('toRoutePlan', () => {
  it('gives each stop epoch-ms ETAs that follow the travel model and the load left on board', async () => {
    const fleet = [van('van-1'), van('van-2')];
    const built = await buildProblem({
      ...base,
      fleet,
      jobs: [
        job('a', 52.53, 13.41, { demand: [30] }),
        job('b', 52.55, 13.45, { demand: [20], timeWindows: [{ start: NOW + 2 * HOUR, end: NOW + 3 * HOUR }] }),
        job('c', 52.49, 13.35, { demand: [25] }),
        job('too-big', 52.5, 13.3, { demand: [500] }),
      ],
    });
    const problem = modelOf(built.input).data();
    const result = solve(problem, { timeLimitMs: 200, seed: 1 });
    const plan = toRoutePlan(built, result.evaluation, meta);
    expect(routePlanCodec.decode(routePlanCodec.encode(plan)).ok).toBe(true);
    expect(plan.unassigned).toEqual(['too-big']);
    expect(plan.routes.map((r) => r.vehicle)).toEqual(['van-1', 'van-2']);
    const stops = plan.routes.flatMap((r) => r.stops);
    expect(stops.map((s) => s.job).sort()).toEqual(['a', 'b', 'c']);
    const b = stops.find((s) => s.job === 'b');
    const serviceStart = (b?.arrival ?? 0) + (b?.waitMs ?? 0);
    expect(serviceStart).toBeGreaterThanOrEqual(NOW + 2 * HOUR);
    expect(serviceStart).toBeLessThanOrEqual(NOW + 3 * HOUR);
    const travelMs = (from: { lat: number; lon: number }, to: { lat: number; lon: number }) =>
      ((haversineMeters(from, to) * DETOUR) / (SPEED_KMH / 3.6)) * 1000;
    for (const route of plan.routes) {
      let at = route.depot;
      let leave = route.startAt;
      let onBoard = route.stops.reduce((sum, s) => sum + (built.jobs.find((j) => j.id === s.job)?.demand[0] ?? 0), 0);
      for (const stop of route.stops) {
        // Whole seconds per leg: within a second of the straight-line model.
        expect(Math.abs(stop.arrival - (leave + travelMs(at, stop.location)))).toBeLessThanOrEqual(1000);
        expect(stop.departure - stop.arrival - (stop.waitMs ?? 0)).toBe(600_000);
        onBoard -= built.jobs.find((j) => j.id === stop.job)?.demand[0] ?? 0;
        expect(stop.load).toEqual([onBoard]);
        expect(stop.latenessMs).toBe(0);
        at = stop.location;
        leave = stop.departure;
      }
      if (route.stops.length > 0)
        expect(Math.abs(route.endAt - (leave + travelMs(at, route.depot)))).toBeLessThanOrEqual(1000);
    }
    const evaluation = evaluate(problem, result.routes);
    expect(plan.kpis.distanceM).toBeCloseTo(evaluation.distance, 6);
    expect(plan.kpis.unassigned).toBe(1);
  });
});

describe('currentShift', () => {
  it('is the shift in progress, else the next one, on the van’s local clock', () => {
    const day = { shift: { start: '06:00', end: '18:00' }, timeZone: 'Europe/Berlin' };
    // 08:00 UTC is 09:00 in Berlin (winter): today's 05:00–17:00 UTC.
    expect(currentShift(day, NOW)).toEqual([Date.UTC(2026, 11, 2, 5), Date.UTC(2026, 11, 2, 17)]);
    // After the end, tomorrow's.
    expect(currentShift(day, Date.UTC(2026, 11, 2, 20))).toEqual([Date.UTC(2026, 11, 3, 5), Date.UTC(2026, 11, 3, 17)]);
    // A night shift that started yesterday is still in progress.
    const night = { shift: { start: '22:00', end: '06:00' }, timeZone: 'UTC' };
    expect(currentShift(night, Date.UTC(2026, 11, 2, 3))).toEqual([
      Date.UTC(2026, 11, 1, 22),
      Date.UTC(2026, 11, 2, 6),
    ]);
    expect(currentShift({ shift: { start: '00:00', end: '24:00' }, timeZone: 'UTC' }, NOW)).toEqual([
      Date.UTC(2026, 11, 2),
      Date.UTC(2026, 11, 3),
    ]);
  });
});
