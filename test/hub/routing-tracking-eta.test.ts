import type { Route } from '@aisle/protocols';
import { describe, expect, it } from 'vitest';
import { haversineMeters } from '../../hub/src/routing/engine/travel.js';
import { routeEta, type SpeedLookup, travelMs } from '../../hub/src/routing/tracking/eta.js';
import { RouteProgress } from '../../hub/src/routing/tracking/progress.js';

/**
 * Hand-computed ETAs. Stops lie due north of the depot every 0.01° of latitude, so each leg is
 * D = πR/18,000 = 1,111.95 m (R = 6,371,008.8 m); at a constant 10 m/s with no detour a leg takes
 * L = 111.195 s.
 */
const D = (Math.PI * 6_371_008.8) / 18_000;
const L = (D / 10) * 1000; // ms
const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 2, 8, 0, 0);
const SERVICE = 5 * MIN;
const at = (northDeg: number) => ({ lat: northDeg, lon: 0 });
const constant = (speedMps: number): SpeedLookup => ({ speedAt: () => ({ speedMps, source: 'default' }) });
const OPTIONS = { detourFactor: 1, lateRiskMs: 5 * MIN, windowToleranceMs: 10 * MIN };

/** Depot → A → B → C, as the planner would publish it at 10 m/s: no waiting, 5 min service each. */
function route(): Route {
  const a = T0 + L;
  const b = a + SERVICE + L;
  const c = b + SERVICE + L;
  const stop = (job: string, north: number, arrival: number) => ({
    job,
    location: at(north),
    arrival: Math.round(arrival),
    departure: Math.round(arrival + SERVICE),
    waitMs: 0,
    latenessMs: 0,
    status: 'pending' as const,
  });
  return {
    vehicle: 'van-1',
    gateway: 'van-1-gw',
    depot: at(0),
    startAt: T0,
    endAt: Math.round(c + SERVICE + 3 * L),
    distanceM: 6 * D,
    durationMs: Math.round(6 * L + 3 * SERVICE),
    stops: [stop('a', 0.01, a), stop('b', 0.02, b), stop('c', 0.03, c)],
  };
}

function stopOf(r: Route, i: number): Route['stops'][number] {
  const stop = r.stops[i];
  if (stop === undefined) throw new Error(`no stop ${i}`);
  return stop;
}

describe('routing tracking: ETAs', () => {
  it('the fixture: a leg is D = 1,111.95 m', () => {
    expect(haversineMeters(at(0), at(0.01))).toBeCloseTo(D, 6);
    expect(D).toBeCloseTo(1111.95, 2);
  });

  it('travel integrates the speeds across an hour boundary', () => {
    const speeds: SpeedLookup = {
      speedAt: (ms) => ({ speedMps: new Date(ms).getUTCHours() < 9 ? 10 : 5, source: 'hour' }),
    };
    // Leaving 08:59: 60 s at 10 m/s = 600 m, the other 400 m at 5 m/s = 80 s → 140 s.
    expect(travelMs(1000, T0 + 59 * MIN, speeds)).toBeCloseTo(140_000, 6);
    // Within one hour: 1000 m at 10 m/s.
    expect(travelMs(1000, T0, speeds)).toBeCloseTo(100_000, 6);
    expect(travelMs(0, T0, speeds)).toBe(0);
  });

  it('before the first fix the van leaves its depot at the route start: the ETAs are the plan', () => {
    const r = route();
    const eta = routeEta(r, { done: new Set() }, constant(10), OPTIONS);
    eta.stops.forEach((stop, i) => {
      expect(stop.arrival).toBeCloseTo(stopOf(r, i).arrival, -1);
      expect(stop.status).toBe('pending');
    });
    expect(eta.nextJob).toBe('a');
    expect(eta.worst).toBeUndefined();
    expect(eta.returnAt).toBeCloseTo(T0 + 6 * L + 3 * SERVICE, 0);
  });

  it('from the latest fix, at the profile speed and detour; the stop is judged against plan + tolerance', () => {
    // Half way to A at 08:02, detour 1.5, 10 m/s: A in 1.5 × L/2, then L × 1.5 per leg.
    const eta = routeEta(route(), { done: new Set(), fix: { position: at(0.005), atMs: T0 + 2 * MIN } }, constant(10), {
      ...OPTIONS,
      detourFactor: 1.5,
    });
    const a = T0 + 2 * MIN + 0.75 * L;
    const b = a + SERVICE + 1.5 * L;
    const c = b + SERVICE + 1.5 * L;
    expect(eta.stops[0]?.arrival).toBeCloseTo(a, 3);
    expect(eta.stops[1]?.arrival).toBeCloseTo(b, 3);
    expect(eta.stops[2]?.arrival).toBeCloseTo(c, 3);
    expect(eta.stops[2]?.departure).toBeCloseTo(c + SERVICE, 3);
    expect(eta.returnAt).toBeCloseTo(c + SERVICE + 4.5 * L, 3);
    // Planned A at T0 + L; close at T0 + L + 10 min; ETA is 2 min + 0.75 L − L ≈ 1.5 min after the plan: on time.
    expect(eta.stops[0]).toMatchObject({ status: 'pending', latenessMs: 0, windowFrom: 'plan', lateRisk: false });
    expect(eta.stops[0]?.closesAt).toBe(Math.round(T0 + L) + 10 * MIN);
  });

  it('a van standing still half way: lateness grows with the fixes’ clock and passes the risk threshold', () => {
    const stalled = (minutes: number) =>
      routeEta(
        route(),
        { done: new Set(), fix: { position: at(0.005), atMs: T0 + minutes * MIN } },
        constant(10),
        OPTIONS,
      );
    // At 08:10: A at 10 min + L/2, close at L + 10 min → on time by L/2.
    expect(stalled(10).stops[0]?.latenessMs).toBe(0);
    // At 08:20: 20 min + L/2 − (L + 10 min) = 10 min − L/2 = 544.4 s late > 5 min: at risk.
    const late = stalled(20);
    expect(late.stops[0]?.latenessMs).toBeCloseTo(10 * MIN - L / 2, 0);
    expect(late.stops[0]?.lateRisk).toBe(true);
    // B and C were planned at the previous stop + 5 min + L, as they are estimated: as late as A.
    expect(late.stops[1]?.latenessMs).toBeCloseTo(10 * MIN - L / 2, 0);
    expect(late.stops[2]?.latenessMs).toBeCloseTo(10 * MIN - L / 2, 0);
    expect(late.worst?.latenessMs).toBe(Math.max(...late.stops.map((s) => s.latenessMs)));
    expect(late.atRisk.map((s) => s.job)).toEqual(['a', 'b', 'c']);
    // At 08:13: 3 min − L/2 = 124.4 s late: late, but under the 5 min risk threshold.
    const slightly = stalled(13);
    expect(slightly.stops[0]?.latenessMs).toBeCloseTo(3 * MIN - L / 2, 0);
    expect(slightly.stops[0]?.lateRisk).toBe(false);
    expect(slightly.worst).toBeUndefined();
  });

  it('at a stop longer than its service: it leaves no earlier than now, and the rest follow from there', () => {
    const r = route();
    const arrivedAt = T0 + L + MIN;
    const now = arrivedAt + 9 * MIN; // service is 5 min: 4 min over
    const eta = routeEta(
      r,
      { done: new Set(), inProgress: { job: 'a', arrivedAt }, fix: { position: at(0.01), atMs: now } },
      constant(10),
      OPTIONS,
    );
    expect(eta.stops[0]).toMatchObject({ status: 'arrived', arrival: arrivedAt, departure: now });
    expect(eta.stops[1]?.arrival).toBeCloseTo(now + L, 3);
    expect(eta.nextJob).toBe('a');
    // B was planned at T0 + 2L + 5 min; now it is T0 + 2L + 10 min: 5 min behind, within the 10 min tolerance.
    expect(eta.stops[1]?.latenessMs).toBe(0);
  });

  it('a stop reached late keeps its lateness but is no risk any more; the risk is ahead', () => {
    const arrivedAt = T0 + L + 20 * MIN; // A closes at T0 + L + 10 min
    const eta = routeEta(
      route(),
      { done: new Set(), inProgress: { job: 'a', arrivedAt }, fix: { position: at(0.01), atMs: arrivedAt } },
      constant(10),
      OPTIONS,
    );
    expect(eta.stops[0]?.latenessMs).toBeCloseTo(10 * MIN, 0);
    expect(eta.stops[0]?.lateRisk).toBe(false);
    // B follows 20 min behind its plan: 10 min past its close, a risk.
    expect(eta.stops[1]?.lateRisk).toBe(true);
    expect(eta.worst?.job).not.toBe('a');
  });

  it('done stops keep their times; the next one is timed from the fix', () => {
    const r = route();
    const eta = routeEta(
      r,
      { done: new Set(['a']), fix: { position: at(0.015), atMs: T0 + 10 * MIN } },
      constant(10),
      OPTIONS,
    );
    expect(eta.stops[0]).toMatchObject({ status: 'done', arrival: r.stops[0]?.arrival });
    expect(eta.stops[1]?.arrival).toBeCloseTo(T0 + 10 * MIN + L / 2, 3);
    expect(eta.nextJob).toBe('b');
    expect(eta.doneStops).toBe(1);
  });

  it("with the job's windows: waits for the opening, then late against the last close", () => {
    const r = route();
    const windows = new Map([
      // C opens at 09:00 (ETA ≈ 08:16): waits; B has two windows, the first closed by its ETA.
      ['c', [{ start: T0 + 60 * MIN, end: T0 + 90 * MIN }]],
      [
        'b',
        [
          { start: T0, end: T0 + MIN },
          { start: T0 + 30 * MIN, end: T0 + 40 * MIN },
        ],
      ],
    ]);
    const eta = routeEta(r, { done: new Set() }, constant(10), OPTIONS, (job) => windows.get(job));
    expect(eta.stops[1]?.arrival).toBeCloseTo(stopOf(r, 1).arrival, -1);
    // B: arrives ≈ 08:08, after the first window's close, before the second opens: waits to 08:30.
    expect(eta.stops[1]).toMatchObject({ windowFrom: 'job', latenessMs: 0, closesAt: T0 + 40 * MIN });
    expect(eta.stops[1]?.departure).toBe(T0 + 30 * MIN + SERVICE);
    // C: from B at 08:35 + L → waits to 09:00.
    expect(eta.stops[2]?.arrival).toBeCloseTo(T0 + 35 * MIN + L, 3);
    expect(eta.stops[2]?.waitMs).toBeCloseTo(60 * MIN - 35 * MIN - L, 0);
    expect(eta.stops[2]?.departure).toBe(T0 + 60 * MIN + SERVICE);
    // A stalled van at 09:40 half way to A: C arrives at 09:40 + L/2 + 5 + L + 5 + L → past 09:30's close.
    const late = routeEta(
      r,
      { done: new Set(), fix: { position: at(0.005), atMs: T0 + 100 * MIN } },
      constant(10),
      OPTIONS,
      (job) => windows.get(job),
    );
    const cArrival = T0 + 100 * MIN + 0.5 * L + SERVICE + L + SERVICE + L;
    expect(late.stops[2]?.latenessMs).toBeCloseTo(cArrival - (T0 + 90 * MIN), 0);
    expect(late.stops[2]?.lateRisk).toBe(true);
  });
});

describe('routing tracking: progress', () => {
  const fence = { arriveRadiusM: 120, leaveRadiusM: 180 };

  it('van events move it; repeats change nothing', () => {
    const progress = new RouteProgress(route(), fence);
    expect(progress.arrived('a', T0 + 2 * MIN)).toBe(true);
    expect(progress.arrived('a', T0 + 3 * MIN)).toBe(false);
    expect(progress.inProgress).toEqual({ job: 'a', arrivedAt: T0 + 2 * MIN });
    expect(progress.departed('a', T0 + 8 * MIN)).toBe(true);
    expect(progress.departed('a', T0 + 9 * MIN)).toBe(false);
    expect(progress.arrived('a', T0 + 9 * MIN)).toBe(false);
    expect(progress.served).toEqual([{ job: 'a', location: at(0.01), arrival: T0 + 2 * MIN, departure: T0 + 8 * MIN }]);
    expect(progress.arrived('nope', T0)).toBe(false);
  });

  it('an arrival elsewhere ends the stop in progress; a departure without arrival serves it at once', () => {
    const progress = new RouteProgress(route(), fence);
    progress.arrived('a', T0 + MIN);
    progress.arrived('b', T0 + 10 * MIN);
    progress.departed('c', T0 + 20 * MIN);
    expect(progress.served.map((s) => [s.job, s.arrival, s.departure])).toEqual([
      ['a', T0 + MIN, T0 + 10 * MIN],
      ['c', T0 + 20 * MIN, T0 + 20 * MIN],
    ]);
    expect(progress.inProgress?.job).toBe('b');
  });

  it('fixes alone: the geofence arrives within 120 m and departs beyond 180 m; driving stretches are speed samples', () => {
    const progress = new RouteProgress(route(), fence);
    // 0.001° of latitude = 111.2 m.
    expect(progress.onFix(at(0.005), T0).driving).toBeUndefined(); // no previous fix
    const road = progress.onFix(at(0.007), T0 + 20_000);
    expect(road.changed).toBe(false);
    expect(road.driving).toEqual({ fromMs: T0, toMs: T0 + 20_000, distanceM: expect.closeTo(D / 5, 6) });
    const inside = progress.onFix(at(0.009), T0 + 40_000); // 111 m from A
    expect(inside.changed).toBe(true);
    expect(inside.driving).toBeUndefined();
    expect(progress.inProgress).toEqual({ job: 'a', arrivedAt: T0 + 40_000 });
    expect(progress.onFix(at(0.0085), T0 + 60_000).changed).toBe(false); // 167 m: still there
    expect(progress.onFix(at(0.0082), T0 + 80_000).changed).toBe(true); // 200 m: left
    expect(progress.done.has('a')).toBe(true);
    // Older than the latest fix (a resent batch): ignored.
    expect(progress.onFix(at(0.01), T0 + 50_000)).toEqual({ changed: false, driving: undefined });
    expect(progress.fix?.atMs).toBe(T0 + 80_000);
  });

  it('a re-planned route keeps what was served; its done stops count as served', () => {
    const progress = new RouteProgress(route(), fence);
    progress.arrived('a', T0 + MIN);
    progress.departed('a', T0 + 6 * MIN);
    progress.arrived('b', T0 + 10 * MIN);
    const next = route();
    next.stops = [{ ...stopOf(next, 0), status: 'done' }, stopOf(next, 2), stopOf(next, 1)];
    progress.rebase(next);
    expect(progress.served.map((s) => s.job)).toEqual(['a']);
    expect(progress.inProgress?.job).toBe('b');
    const without = route();
    without.stops = [stopOf(without, 0), stopOf(without, 2)];
    progress.rebase(without);
    expect(progress.inProgress).toBeUndefined();
  });
});
