/**
 * Live route tracking end to end (issue #8 acceptance): the hub (`aisle-hub serve`), the van's edge
 * gateway (`aisle-edge`) and the simulator (`aisle-sim run --mqtt-only`), each its own process from
 * the sources. A planner plans three parcel stops for van-1 and activates the plan; the hub sends
 * the route to the van's gateway, which forwards it to the van's GPS unit; the simulator drives it,
 * much faster than real time, and holds the van in traffic before its second stop
 * (`--van-delay van-1:2:MINUTES`). The planner's socket.io client on `logistics` sees the route's
 * ETAs move with the van's fixes and the stops' status follow the gateway's arrivals and departures,
 * and a `late-risk` alert naming the second stop once the hold makes it later than its window.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '@aisle/edge/credentials';
import type { Alert, LatLon, Route } from '@aisle/protocols';
import type { Socket } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/external-server.js';
import { openScreen, type ScreenChange } from '../helpers/planner-screen.js';
import { SHARED_DATA } from '../helpers/shared-data.js';
import { MAIN, SourceProcesses, simSite, simSites, writeGatewayConfig } from '../helpers/source-processes.js';
import { midMorningZone } from '../helpers/time-zones.js';

const MIN = 60_000;
/** Simulated seconds per real second: the 3½-hour day below takes about 40 s. */
const SPEED = 300;
/** The hold before stop 2: it ends far past stop 2's window (2 h from planning). */
const DELAY_MIN = 150;
const WINDOW_MS = 120 * MIN;
const DEPOT = { lat: 52.5, lon: 13.4 };
/** 2 km apart, due north: 200 s a leg at 36 km/h. */
const north = (km: number): LatLon => ({ lat: DEPOT.lat + (km * 1000) / 111_195, lon: DEPOT.lon });
const STOPS = [north(2), north(4), north(6)];

interface RouteDelta {
  plan: string;
  route: Route;
  position?: LatLon;
  updatedAt?: number;
  nextJob?: string;
  lateRisk?: { job: string; minutes: number };
}
type Change = ScreenChange;

describe('route tracking: hub, van gateway and simulator as processes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-route-tracking-'));
  const processes = new SourceProcesses();
  const sockets: Socket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.close();
    // The simulator first (it publishes into the gateway), then the gateway, then the hub.
    await processes.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  // The world: one store (the scenario needs one), the DC at the routing depot, van-1 reporting
  // its GPS over MQTT, with no round of its own today (it waits for the hub's route).
  const scenario = join(dir, 'scenario.yaml');
  writeFileSync(
    scenario,
    [
      'name: route-tracking',
      'seed: 7',
      'utcOffsetHours: 0',
      'stores:',
      '  - { id: store-a, location: { lat: 52.52, lon: 13.45 }, lanes: 8, aisles: 1, doors: 1, registers: 1, peakShoppersPerHour: 5 }',
      `dc: { id: dc-1, location: { lat: ${DEPOT.lat}, lon: ${DEPOT.lon} } }`,
      'vans:',
      '  - { id: van-1, route: [], speedKmh: 36, serviceMinutes: 5, gpsOverSerial: false, departAtHour: 23.9 }',
      '',
    ].join('\n'),
  );
  const van = simSite(simSites(scenario), 'van-1');

  const [httpPort, hubMqtt, gwMqtt, gwHttp] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const gatewaySecret = 'gw-van-1-secret';
  const hubConfig = join(dir, 'hub.json');
  writeFileSync(
    hubConfig,
    JSON.stringify({
      dataDir: join(dir, 'hub'),
      http: { host: '127.0.0.1', port: httpPort },
      broker: { host: '127.0.0.1', port: hubMqtt },
      auth: { admin: { username: 'root', password: 'root-secret-1' }, jwtSecret: 'x'.repeat(32) },
      realtime: { flushMs: 50 },
      // The simulator runs ahead of the wall clock: its readings are taken at their own time.
      ingest: { maxFutureSkewMs: 86_400_000 },
      gateways: [{ site: 'van-1', gateway: 'gw-van-1', passwordHash: await hashPassword(gatewaySecret) }],
      routing: {
        depots: { 'dc-1': DEPOT },
        fleet: [
          {
            vehicle: 'van-1',
            gateway: 'gw-van-1',
            depot: 'dc-1',
            capacity: [10],
            shift: { start: '06:00', end: '22:00' },
            timeZone: midMorningZone(),
          },
        ],
        // The simulated van drives straight lines at 36 km/h.
        speedKmh: 36,
        detourFactor: 1,
        solve: { timeLimitMs: 300 },
        replan: { debounceMs: 3_600_000 },
        tracking: {
          lateRiskMs: 5 * MIN,
          pushEveryMs: MIN,
          speed: { tracesFile: join(SHARED_DATA, 'gps/delivery_traces.csv') },
        },
      },
      log: { level: 'info' },
    }),
  );
  const edgeConfig = await writeGatewayConfig({
    path: join(dir, 'gw-van-1.json'),
    dataDir: join(dir, 'gw-van-1'),
    site: 'van-1',
    gateway: 'gw-van-1',
    devices: van.devices,
    broker: { port: gwMqtt, publishesPerSecond: 4 * SPEED, publishBurst: 16 * SPEED },
    httpPort: gwHttp,
    uplink: { url: `mqtt://127.0.0.1:${hubMqtt}`, password: gatewaySecret, flushIntervalMs: 50 },
    extra: { van: { gpsDevice: 'gps' } },
  });

  const hubUrl = `http://127.0.0.1:${httpPort}`;
  await processes.start('hub', MAIN.hub, ['serve', '--config', hubConfig], (line) =>
    line.includes('"msg":"hub started"'),
  );
  await processes.start('gw-van-1', MAIN.edge, ['--config', edgeConfig], (line) =>
    line.includes('"msg":"gateway started"'),
  );

  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const answer = await fetch(`${hubUrl}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await answer.text();
    return { status: answer.status, body: text === '' ? undefined : JSON.parse(text) };
  };
  const root = (await call('POST', '/api/auth/login', undefined, { username: 'root', password: 'root-secret-1' })).body
    .token as string;
  await call('POST', '/api/users', root, { username: 'pat', password: 'pat-secret-1', role: 'planner', sites: [] });
  const planner = (await call('POST', '/api/auth/login', undefined, { username: 'pat', password: 'pat-secret-1' })).body
    .token as string;

  // The planner's screen: every route and route alert, as it arrives.
  const screen = await openScreen(hubUrl, planner, { site: 'logistics', channels: ['routes', 'route-alerts'] });
  sockets.push(screen.socket);
  const next = (what: string, match: (c: Change) => boolean, timeoutMs = 90_000) =>
    screen.next(match, {
      what,
      timeoutMs,
      detail: () => processes.logs(),
    });
  const tracked = (c: Change): RouteDelta | undefined =>
    c.channel === 'routes' && c.key === 'van-1' && (c.value as RouteDelta).updatedAt !== undefined
      ? (c.value as RouteDelta)
      : undefined;

  const plannedAt = Date.now();
  const jobs: string[] = [];
  let route: Route | undefined;

  it('a planner plans three stops for van-1 and activates the plan', async () => {
    for (const [i, location] of STOPS.entries()) {
      // Stop 1 closes after 20 min: the reverse tour (as long as this one) would reach it too late.
      // Stop 3 is open long after the hold, so stop 2 is the one the hold makes late.
      const end = plannedAt + (i === 0 ? 20 * MIN : i === 1 ? WINDOW_MS : 5 * WINDOW_MS);
      const job = await call('POST', '/api/routing/jobs', planner, {
        location,
        demand: [1],
        serviceMs: 5 * MIN,
        timeWindows: [{ start: plannedAt, end }],
      });
      expect(job.status).toBe(201);
      jobs.push(job.body.id as string);
    }
    const planned = await call('POST', '/api/routing/plans', planner);
    expect(planned.status).toBe(201);
    const activated = await call('POST', `/api/routing/plans/${planned.body.plan.id}/activate`, planner);
    expect(activated.status).toBe(200);
    route = (activated.body.plan.routes as Route[]).find((r) => r.vehicle === 'van-1');
    // North and back: the stops in distance order.
    expect(route?.stops.map((s) => s.job)).toEqual(jobs);
    expect(route?.stops.every((s) => (s.latenessMs ?? 0) === 0)).toBe(true);
  });

  it('the simulator drives the route: ETAs update on the planner stream as the fixes come', async () => {
    await processes.start('simulator', MAIN.sim, [
      'run',
      '--scenario',
      scenario,
      '--mqtt-only',
      '--broker',
      `van-1=mqtt://127.0.0.1:${gwMqtt}`,
      '--start',
      'now',
      '--speed',
      String(SPEED),
      '--duration',
      '5h',
      '--van-delay',
      `van-1:2:${DELAY_MIN}`,
      '--quiet',
    ]);
    // Route updates from the fixes: a first one, then a later one with the van elsewhere.
    const first = tracked(await next('a tracked route update', (c) => tracked(c)?.position !== undefined));
    const moved = tracked(
      await next('a later route update, the van moved', (c) => {
        const v = tracked(c);
        return (
          v !== undefined &&
          (v.updatedAt ?? 0) > (first?.updatedAt ?? 0) &&
          JSON.stringify(v.position) !== JSON.stringify(first?.position)
        );
      }),
    );
    // Its ETAs are from that fix, in the simulator's time.
    expect(moved?.route.stops.find((s) => s.status === 'pending')?.arrival).toBeGreaterThan(moved?.updatedAt ?? 0);
    // The first stop is reached: its status follows the gateway's van events.
    const arrived = tracked(await next('stop 1 reached', (c) => tracked(c)?.route.stops[0]?.status === 'arrived'));
    expect(arrived?.nextJob).toBe(jobs[0]);
  });

  it('the hold before stop 2 raises a late-risk alert naming it, and its ETA slips past the window', async () => {
    // Raised, then updated minute by minute: a screen may get the raise merged into an update.
    const alerted = await next(
      'a late-risk alert',
      (c) => c.channel === 'route-alerts' && (c.value as Alert).state !== 'cleared',
    );
    const alert = alerted.value as Alert;
    expect(alert).toMatchObject({ rule: 'late-risk', subject: { kind: 'route', id: 'van-1' } });
    expect(alert.message).toContain(`stop ${jobs[1]}`);
    const late = await next('a route update at risk', (c) => tracked(c)?.lateRisk?.job === jobs[1]);
    const stop2 = tracked(late)?.route.stops[1];
    expect(stop2?.status).toBe('pending');
    expect(stop2?.arrival).toBeGreaterThan(plannedAt + WINDOW_MS + 5 * MIN);
    expect(stop2?.latenessMs).toBeGreaterThan(5 * MIN);
    // Before the hold the stop was on time: its ETA moved with the fixes, not only at the end.
    const onTime = screen.changes
      .map(tracked)
      .find((v) => v?.route.stops[1]?.status === 'pending' && (v.route.stops[1]?.latenessMs ?? 1) === 0);
    expect(onTime).toBeDefined();
    const metrics = await (await fetch(`${hubUrl}/metrics`)).text();
    expect(metrics).toMatch(/^aisle_hub_routing_late_risk_alerts_total\{state="raised"\} 1$/m);
  });

  it('after the hold the van goes on: stop 1 served, stop 2 reached late, the alert cleared', async () => {
    const served = tracked(await next('stop 1 served', (c) => tracked(c)?.route.stops[0]?.status === 'done'));
    expect(served?.nextJob).toBe(jobs[1]);
    const reached = tracked(await next('stop 2 reached', (c) => tracked(c)?.route.stops[1]?.status === 'arrived'));
    expect(reached?.route.stops[1]?.arrival).toBeGreaterThan(plannedAt + WINDOW_MS + 5 * MIN);
    // Stop 3 is within its window: nothing ahead is at risk any more.
    expect(reached?.route.stops[2]?.latenessMs).toBe(0);
    const held = screen.changes.find((c) => c.channel === 'route-alerts' && (c.value as Alert).state !== 'cleared');
    const cleared = await next(
      'the alert cleared',
      (c) => c.channel === 'route-alerts' && (c.value as Alert).state === 'cleared',
    );
    expect((cleared.value as Alert).alert).toBe((held?.value as Alert | undefined)?.alert);
  });
});
