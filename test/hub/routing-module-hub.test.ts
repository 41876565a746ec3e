/**
 * Routing on a real hub (SQLite, embedded broker, solver thread): approved store orders are
 * planned (a job no van can carry is refused with its code and counted, the others planned),
 * activation dispatches the orders and sends each van its route — received by real MQTT clients
 * logged in as the vans' gateways (the broker lets a gateway subscribe only to its own
 * `down/{site}/{gateway}/…`, so one client per van stands in for `down/+/+/replan`) — with ETAs
 * that follow the travel model; an urgent parcel re-plans only the route that must change and
 * keeps the van's pinned stop first; a planner's socket.io client sees the `routes` deltas.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '@aisle/edge/credentials';
import { type RoutePlan, routePlanCodec } from '@aisle/protocols';
import { connectAsync, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import type { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/src/config.js';
import { OrdersService } from '../../hub/src/replenishment/orders.service.js';
import { haversineMeters } from '../../hub/src/routing/engine/travel.js';
import { RoutingService } from '../../hub/src/routing/routing.service.js';
import { startHub } from '../../hub/src/server.js';
import { METRICS } from '../../hub/src/tokens.js';
import { openScreen, waitForMatch } from '../helpers/planner-screen.js';
import { midMorningZone } from '../helpers/time-zones.js';
import { login, user } from './replenishment-harness.js';

const SPEED_KMH = 40;
const DETOUR = 1.3;
const WHY = { rule: 'order-up-to', text: 'below the reorder point', values: { onHand: 2 } };

// Two clusters: west stores for one van, east stores for the other.
const STORES = {
  'west-a': { lat: 52.52, lon: 13.2 },
  'west-b': { lat: 52.5, lon: 13.22 },
  'east-a': { lat: 52.52, lon: 13.6 },
  'east-b': { lat: 52.5, lon: 13.62 },
  'far-c': { lat: 52.51, lon: 13.41 },
};
const DEPOT = { lat: 52.51, lon: 13.4 };

describe('routing on a real hub', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-hub-routing-'));
  const timeZone = midMorningZone();
  const van = (vehicle: string) => ({
    vehicle,
    gateway: `${vehicle}-gw`,
    depot: 'dc',
    capacity: [100],
    shift: { start: '06:00', end: '22:00' },
    timeZone,
  });
  const hub = await startHub(
    parseHubConfig({
      dataDir: dir,
      http: { host: '127.0.0.1', port: 0 },
      broker: { host: '127.0.0.1', port: 0 },
      auth: { admin: { username: 'root', password: 'root-secret-1' }, jwtSecret: 'x'.repeat(32) },
      realtime: { flushMs: 20 },
      replenishment: { autoApprove: { maxFactor: 0 }, delivery: { sites: STORES, serviceMs: 600_000 } },
      routing: {
        depots: { dc: { ...DEPOT, name: 'Berlin DC' } },
        fleet: [van('van-1'), van('van-2')],
        speedKmh: SPEED_KMH,
        detourFactor: DETOUR,
        solve: { timeLimitMs: 400, seed: 1 },
        replan: { debounceMs: 50 },
      },
      gateways: [
        { site: 'van-1', gateway: 'van-1-gw', passwordHash: await hashPassword('van-1-secret') },
        { site: 'van-2', gateway: 'van-2-gw', passwordHash: await hashPassword('van-2-secret') },
      ],
    }),
    pino({ level: 'silent' }),
  );
  const admin = await login(hub, 'root', 'root-secret-1');
  const planner = await user(hub, admin, 'pat', 'planner');
  const staff = await user(hub, admin, 'sam', 'staff', ['west-a']);
  const routing = hub.app.get(RoutingService);
  const orders = hub.app.get(OrdersService);
  const metrics = hub.app.get<Registry>(METRICS);
  const vans = await Promise.all(['van-1', 'van-2'].map((v) => gatewayClient(hub.brokerUrl, v)));
  const screen = await openScreen(hub.httpUrl, planner.token, { site: 'logistics', channels: ['routes'] });
  afterAll(async () => {
    screen.socket.disconnect();
    await Promise.all(vans.map((v) => v.client.endAsync()));
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const jobOf = new Map<string, string>(); // order id → delivery job id
  let planId = '';

  it('plans the approved store orders, refusing the one no van can carry with its code', async () => {
    for (const [site, units] of [
      ['west-a', 30],
      ['west-b', 30],
      ['east-a', 30],
      ['east-b', 30],
      ['far-c', 500],
    ] as const) {
      const order = await orders.propose({ site, lines: [{ sku: 'MILK-1', quantity: units, explanation: WHY }] });
      const approved = await planner.call('POST', `/api/sites/${site}/orders/${order.id}/approve`);
      expect(approved.status).toBe(200);
      const held = await planner.call('GET', `/api/sites/${site}/orders/${order.id}`);
      jobOf.set(site, held.body.jobs[0].job.id);
    }
    expect(await staff.call('POST', '/api/routing/plans')).toMatchObject({ status: 403 });

    const answer = await planner.call('POST', '/api/routing/plans');
    expect(answer.status).toBe(201);
    const { plan, refused } = answer.body as { plan: RoutePlan; refused: { job: string; code: string }[] };
    planId = plan.id;
    expect(plan).toMatchObject({ version: 1, status: 'proposed' });
    expect(refused).toEqual([expect.objectContaining({ job: jobOf.get('far-c'), code: 'NO_FITTING_VEHICLE' })]);
    expect(plan.unassigned).toEqual([jobOf.get('far-c')]);
    const routed = plan.routes.flatMap((r) => r.stops.map((s) => s.job)).sort();
    expect(routed).toEqual(['west-a', 'west-b', 'east-a', 'east-b'].map((s) => jobOf.get(s)).sort());
    expect(await metrics.getSingleMetricAsString('aisle_hub_routing_job_refusals_total')).toContain(
      'code="NO_FITTING_VEHICLE"} 1',
    );
    expect((await planner.call('GET', `/api/routing/plans/${plan.id}`)).body.plan).toEqual(plan);
    expect(await planner.call('GET', '/api/routing/plans/active')).toMatchObject({ status: 404 });
    // Nothing is active yet: every pending job waits for dispatch.
    const waiting = (await planner.call('GET', '/api/routing/jobs')).body as Array<{ id: string }>;
    expect(waiting.map((j) => j.id).sort()).toEqual([...jobOf.values()].sort());
    expect(await staff.call('GET', '/api/routing/jobs')).toMatchObject({ status: 403 });
  });

  it("activates the plan: orders dispatched, each van's gateway gets its route with consistent ETAs", async () => {
    const received = vans.map((v) => v.next((p) => p.version === 1));
    const answer = await planner.call('POST', `/api/routing/plans/${planId}/activate`);
    expect(answer.status).toBe(200);
    expect(answer.body.plan.status).toBe('active');
    const plans = await Promise.all(received);
    expect(plans.map((p) => p.routes.map((r) => r.vehicle))).toEqual([['van-1'], ['van-2']]);
    expect(plans.map((p) => p.routes[0]?.gateway)).toEqual(['van-1-gw', 'van-2-gw']);
    // Two clusters of 60 units: each van one cluster.
    const clusters = plans.map((p) => (p.routes[0]?.stops ?? []).map((s) => siteOf(jobOf, s.job).split('-')[0]));
    expect(clusters.map((c) => c.length)).toEqual([2, 2]);
    for (const c of clusters) expect(new Set(c).size).toBe(1);

    for (const route of plans.map((p) => p.routes[0])) {
      if (route === undefined) continue;
      let at = route.depot;
      let leave = route.startAt;
      let onBoard = 60;
      for (const stop of route.stops) {
        expect(Math.abs(stop.arrival - (leave + travelMs(at, stop.location)))).toBeLessThanOrEqual(1000);
        expect(stop.departure - stop.arrival - (stop.waitMs ?? 0)).toBe(600_000);
        onBoard -= 30;
        expect(stop.load).toEqual([onBoard]);
        at = stop.location;
        leave = stop.departure;
      }
      expect(Math.abs(route.endAt - (leave + travelMs(at, route.depot)))).toBeLessThanOrEqual(1000);
    }
    for (const site of ['west-a', 'east-b']) {
      const order = await planner.call('GET', `/api/sites/${site}/orders?state=dispatched`);
      expect(order.body).toHaveLength(1);
    }
    expect((await planner.call('GET', '/api/routing/plans/active')).body.plan.id).toBe(planId);
    expect(routing.activePlan()?.id).toBe(planId);
    // Only the job no van can carry still waits.
    const waiting = (await planner.call('GET', '/api/routing/jobs')).body as Array<{ id: string }>;
    expect(waiting.map((j) => j.id)).toEqual([jobOf.get('far-c')]);
    // The planner's screen got both routes and the plan's summary.
    for (const vehicle of ['van-1', 'van-2'])
      await screen.next((c) => c.key === vehicle && (c.value as { version: number }).version === 1);
    await screen.next((c) => c.key === 'plan' && (c.value as { status: string }).status === 'active');
  });

  it('re-plans an urgent parcel into the van still at the depot only; the van on the road keeps its load in order', async () => {
    const active = routing.activePlan();
    const east = active?.routes.find((r) => r.stops.some((s) => siteOf(jobOf, s.job).startsWith('east')));
    const west = active?.routes.find((r) => r !== east);
    if (east === undefined || west === undefined) throw new Error('no east or west route');
    const [first, pinned] = east.stops.map((s) => s.job);
    if (first === undefined || pinned === undefined) throw new Error('the east route has fewer than two stops');
    // Tracking says: the east van has served its first stop and is on its way to its second.
    routing.setVanProgress(east.vehicle, {
      position: { lat: 52.51, lon: 13.5 },
      doneJobs: [first],
      inProgressJob: pinned,
    });
    const published = await publishedRoutes(metrics);
    const activated = new Promise<RoutePlan>((resolve) => {
      const stop = routing.onPlanActivated((plan) => {
        stop();
        resolve(plan);
      });
    });
    const gotRoute = vans[west.vehicle === 'van-1' ? 0 : 1]?.next((p) => p.version === 2);

    // Right beside the east van, but it left the depot loaded (routing.replan.loadedAtDepot): the west van takes it.
    const posted = await planner.call('POST', '/api/routing/jobs', {
      location: { lat: 52.512, lon: 13.51 },
      demand: [5],
      timeWindows: [{ start: Date.now(), end: Date.now() + 3 * 3_600_000 }],
      serviceMs: 120_000,
    });
    expect(posted.status).toBe(201);
    const urgent = posted.body.id as string;

    const next = await activated;
    expect(next).toMatchObject({ version: 2, status: 'active' });
    const sent = await gotRoute;
    const route = sent?.routes[0];
    expect(route?.vehicle).toBe(west.vehicle);
    expect(route?.stops.map((s) => s.job)).toContain(urgent);
    // The east route keeps every stop in its order (the first one done, the pinned one next), and was not sent again.
    const eastNext = next.routes.find((r) => r.vehicle === east.vehicle);
    expect(eastNext?.stops.map((s) => s.job)).toEqual(east.stops.map((s) => s.job));
    expect(eastNext?.stops.map((s) => s.status)).toEqual(east.stops.map((_, i) => (i === 0 ? 'done' : 'pending')));
    expect(await publishedRoutes(metrics)).toBe(published + 1);
    await screen.next((c) => c.key === west.vehicle && (c.value as { version: number }).version === 2);
    expect((await planner.call('GET', `/api/routing/plans/${planId}`)).body.plan.status).toBe('superseded');
    expect(await planner.call('POST', `/api/routing/plans/${planId}/activate`)).toMatchObject({
      status: 409,
      body: { code: 'PLAN_SUPERSEDED' },
    });
  });

  it('re-plans a store order approved while a plan is active into a route, and dispatches it', async () => {
    const order = await orders.propose({
      site: 'west-b',
      lines: [{ sku: 'BREAD-1', quantity: 10, explanation: WHY }],
    });
    const activated: RoutePlan[] = [];
    const waiters = new Set<() => void>();
    const stop = routing.onPlanActivated((plan) => {
      activated.push(plan);
      for (const w of [...waiters]) w();
    });
    await planner.call('POST', `/api/sites/west-b/orders/${order.id}/approve`);
    const job = (await planner.call('GET', `/api/sites/west-b/orders/${order.id}`)).body.jobs[0].job.id as string;
    const plan = await waitForMatch(
      activated,
      waiters,
      (p) => p.routes.some((r) => r.stops.some((s) => s.job === job)),
      10_000,
      () => 'no matching plan with the new order within 10000 ms',
    ).finally(stop);
    const route = plan.routes.find((r) => r.stops.some((s) => s.job === job));
    expect(route?.stops.map((s) => siteOf(jobOf, s.job))).toContain('west-b');
    expect((await planner.call('GET', `/api/sites/west-b/orders/${order.id}`)).body.state).toBe('dispatched');
  });

  it('re-plans without a cancelled parcel, cancels it only once, and refuses to cancel a store order’s job', async () => {
    let parcel = '';
    const holds = (plan: RoutePlan) =>
      plan.unassigned.includes(parcel) || plan.routes.some((r) => r.stops.some((s) => s.job === parcel));
    // The re-plan after the cancellation (adding and cancelling within the debounce make one re-plan).
    const replanned = new Promise<RoutePlan>((resolve) => {
      const stop = routing.onPlanActivated((plan) => {
        if (parcel === '' || holds(plan)) return;
        stop();
        resolve(plan);
      });
    });
    const posted = await planner.call('POST', '/api/routing/jobs', { location: { lat: 52.5, lon: 13.3 }, demand: [1] });
    expect(posted.status).toBe(201);
    parcel = posted.body.id;
    expect((await planner.call('DELETE', `/api/routing/jobs/${parcel}`)).status).toBe(204);
    const plan = await replanned;
    expect(plan.version).toBeGreaterThan(2);
    expect(holds(plan)).toBe(false);
    expect(await planner.call('DELETE', `/api/routing/jobs/${posted.body.id}`)).toMatchObject({
      status: 409,
      body: { code: 'JOB_NOT_CANCELLABLE' },
    });
    expect(await planner.call('DELETE', `/api/routing/jobs/${jobOf.get('west-a')}`)).toMatchObject({
      status: 409,
      body: { code: 'JOB_NOT_CANCELLABLE' },
    });
    expect(
      await planner.call('POST', '/api/routing/jobs', { location: { lat: 91, lon: 0 }, demand: [] }),
    ).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(
      await planner.call('POST', '/api/routing/jobs', { location: { lat: 52.5, lon: 13.3 }, demand: [1, 2] }),
    ).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
  });
});

function travelMs(from: { lat: number; lon: number }, to: { lat: number; lon: number }): number {
  return ((haversineMeters(from, to) * DETOUR) / (SPEED_KMH / 3.6)) * 1000;
}

function siteOf(jobOf: ReadonlyMap<string, string>, job: string): string {
  for (const [site, id] of jobOf) if (id === job) return site;
  return job;
}

async function publishedRoutes(metrics: Registry): Promise<number> {
  const text = await metrics.getSingleMetricAsString('aisle_hub_routing_routes_published_total');
  return Number(/ (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
}

/** A van's gateway: logged in with its credentials, subscribed to its `replan` topic. */
async function gatewayClient(url: string, vehicle: string) {
  const client: MqttClient = await connectAsync(url, {
    clientId: `${vehicle}-gw`,
    username: `${vehicle}-gw`,
    password: `${vehicle}-secret`,
  });
  const plans: RoutePlan[] = [];
  const waiters = new Set<() => void>();
  client.on('message', (_topic, payload) => {
    const decoded = routePlanCodec.decode(payload);
    if (!decoded.ok) throw new Error(`undecodable route plan: ${decoded.error.code}`);
    plans.push(decoded.value);
    for (const w of [...waiters]) w();
  });
  await client.subscribeAsync(`down/${vehicle}/${vehicle}-gw/replan`, { qos: 1 });
  return {
    client,
    next(match: (plan: RoutePlan) => boolean, timeoutMs = 10_000): Promise<RoutePlan> {
      return waitForMatch(
        plans,
        waiters,
        match,
        timeoutMs,
        () => `no matching route plan for ${vehicle} within ${timeoutMs} ms`,
      );
    },
  };
}
