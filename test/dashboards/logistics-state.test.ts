/**
 * The Logistics view's model without a browser: the active plan and the `logistics` deltas become
 * one picture per van (a stale plan version is dropped, a re-plan's route keeps the van's last
 * position, a route with no stops removes the van, a cleared alert goes); stops get their
 * time-window status; the vans at risk sort first; crowded vans share one screen cell.
 */
import type { Route, RoutePlan, RouteStop } from '@aisle/protocols';
import { describe, expect, it } from 'vitest';
import { clusterPoints } from '../../dashboards/src/views/logistics/clusters.js';
import {
  applyDeltas,
  emptyLogistics,
  nextStop,
  stopState,
  vanPosition,
  vansInOrder,
  withPlan,
} from '../../dashboards/src/views/logistics/logistics-state.js';

const T0 = Date.parse('2026-01-05T09:00:00Z');
const MIN = 60_000;
const DEPOT = { lat: 52.5, lon: 13.4 };

function stop(job: string, extra: Partial<RouteStop> = {}): RouteStop {
  return { job, location: { lat: 52.51, lon: 13.4 }, arrival: T0 + 10 * MIN, departure: T0 + 15 * MIN, ...extra };
}

function route(vehicle: string, stops: RouteStop[]): Route {
  return { vehicle, depot: DEPOT, startAt: T0, endAt: T0 + 60 * MIN, distanceM: 4000, durationMs: 3_600_000, stops };
}

function plan(version: number, routes: Route[]): { plan: RoutePlan; refused: []; reason: string } {
  return {
    plan: {
      v: 1,
      id: `plan-${version}`,
      version,
      createdAt: T0,
      objective: 'distance',
      status: 'active',
      kpis: { distanceM: 4000, durationMs: 3_600_000, vehicles: routes.length, latenessMs: 0, unassigned: 0 },
      routes,
      unassigned: [],
    },
    refused: [],
    reason: 'test',
  };
}

const routes = (value: unknown, key = 'van-1') => ({ channel: 'routes', key, value });

describe('logistics state', () => {
  it('takes the plan, then tracking moves the van; a stale version is dropped', () => {
    let state = withPlan(emptyLogistics, plan(2, [route('van-1', [stop('a'), stop('b')]), route('van-2', [])]));
    // A van not sent out is not shown.
    expect([...state.vans.keys()]).toEqual(['van-1']);
    expect(vanPosition(state.vans.get('van-1') ?? ({} as never))).toEqual(DEPOT);
    const tracked = route('van-1', [stop('a', { status: 'arrived' }), stop('b')]);
    state = applyDeltas(state, [
      routes({
        plan: 'plan-2',
        version: 2,
        route: tracked,
        position: { lat: 52.51, lon: 13.4 },
        updatedAt: T0,
        nextJob: 'a',
      }),
    ]);
    const van = state.vans.get('van-1');
    expect(van?.position).toEqual({ lat: 52.51, lon: 13.4 });
    expect(van && nextStop(van)?.job).toBe('a');
    // An update of the previous plan arriving late changes nothing.
    const after = applyDeltas(state, [routes({ plan: 'plan-1', version: 1, route: route('van-1', []) })]);
    expect(after.vans.get('van-1')).toBe(van);
  });

  it("keeps the van's position across a re-plan's route, and removes a van whose route is emptied", () => {
    let state = withPlan(emptyLogistics, plan(1, [route('van-1', [stop('a')]), route('van-2', [stop('b')])]));
    state = applyDeltas(state, [
      routes({
        plan: 'plan-1',
        version: 1,
        route: route('van-1', [stop('a')]),
        position: { lat: 1, lon: 2 },
        updatedAt: T0,
      }),
    ]);
    state = applyDeltas(state, [
      routes({ plan: 'plan-2', version: 2, route: route('van-1', [stop('a'), stop('c')]) }),
      routes({ plan: 'plan-2', version: 2, route: route('van-2', []) }, 'van-2'),
      routes(
        { id: 'plan-2', version: 2, status: 'active', createdAt: T0, kpis: plan(2, []).plan.kpis, unassigned: [] },
        'plan',
      ),
    ]);
    expect(state.vans.get('van-1')?.position).toEqual({ lat: 1, lon: 2 });
    expect(state.vans.get('van-1')?.route.stops.map((s) => s.job)).toEqual(['a', 'c']);
    expect(state.vans.has('van-2')).toBe(false);
    expect(state.summary?.version).toBe(2);
    // A proposed plan's summary is not what the vans drive.
    const proposed = applyDeltas(state, [
      routes(
        { id: 'p', version: 3, status: 'proposed', createdAt: T0, kpis: plan(3, []).plan.kpis, unassigned: [] },
        'plan',
      ),
    ]);
    expect(proposed.summary?.version).toBe(2);
  });

  it('holds raised alerts until cleared', () => {
    const alert = {
      alert: '0193f0a0-0000-7000-8000-000000000001',
      rule: 'late-risk',
      state: 'raised',
      severity: 'warning',
      subject: { kind: 'route', id: 'van-1' },
      message: 'late',
      since: T0,
    };
    let state = applyDeltas(emptyLogistics, [{ channel: 'route-alerts', key: 'late-risk:van-1', value: alert }]);
    expect(state.alerts.size).toBe(1);
    state = applyDeltas(state, [
      { channel: 'route-alerts', key: 'late-risk:van-1', value: { ...alert, state: 'cleared' } },
    ]);
    expect(state.alerts.size).toBe(0);
  });

  it('colours stops by time-window status and lists the vans at risk first', () => {
    const none = {};
    expect(stopState(stop('a', { status: 'done', latenessMs: 20 * MIN }), none)).toBe('done');
    expect(stopState(stop('a', { status: 'arrived', latenessMs: MIN }), none)).toBe('late');
    expect(stopState(stop('a', { status: 'arrived', latenessMs: 0 }), none)).toBe('on-time');
    expect(stopState(stop('a', { latenessMs: 20 * MIN }), none)).toBe('late');
    expect(stopState(stop('a', { latenessMs: 2 * MIN }), none)).toBe('at-risk');
    expect(stopState(stop('a'), { lateRisk: { job: 'a', minutes: 6 } })).toBe('at-risk');
    expect(stopState(stop('a'), none)).toBe('on-time');
    const state = withPlan(
      emptyLogistics,
      plan(1, [
        route('van-a', [stop('x')]),
        route('van-b', [stop('y', { latenessMs: 30 * MIN })]),
        route('van-c', [stop('z', { latenessMs: MIN })]),
      ]),
    );
    expect(vansInOrder(state.vans).map((v) => v.vehicle)).toEqual(['van-b', 'van-c', 'van-a']);
  });

  it('groups 200 vans around one depot into few screen cells, and leaves a lone van alone', () => {
    const points = Array.from({ length: 200 }, (_, i) => ({ id: `van-${i}`, x: 500 + (i % 20) * 3, y: 300 + i / 4 }));
    points.push({ id: 'far', x: 2000, y: 2000 });
    const clusters = clusterPoints(points, 44);
    expect(clusters.length).toBeLessThanOrEqual(8);
    expect(clusters.reduce((n, c) => n + c.members.length, 0)).toBe(201);
    expect(clusters.find((c) => c.members.includes('far'))?.members).toEqual(['far']);
  });
});
