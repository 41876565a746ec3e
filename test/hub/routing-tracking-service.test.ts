/**
 * Live tracking on a real hub (SQLite, embedded broker, solver thread): a planner plans two parcel
 * jobs for one van and activates the plan; a real MQTT client logged in as the van's gateway sends
 * live batches of GPS fixes and van events, as the edge would; a planner's socket.io client on
 * `logistics` sees the route's ETAs follow the fixes, the stops' status follow the events, and a
 * `late-risk` alert raised while the van stands still and cleared once it is moving on time again.
 * The readings run ahead of the wall clock, as from a simulator at speed (ingest's future-skew
 * bound is opened for it): the ETAs are in the readings' time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '@aisle/edge/credentials';
import { type AckCursor, type Alert, type LatLon, newId, type Route } from '@aisle/protocols';
import { connectAsync, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import type { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/src/config.js';
import { IngestService } from '../../hub/src/ingest/ingest.service.js';
import { haversineMeters } from '../../hub/src/routing/engine/travel.js';
import { TrackingService } from '../../hub/src/routing/tracking/tracking.service.js';
import { startHub } from '../../hub/src/server.js';
import { METRICS } from '../../hub/src/tokens.js';
import { openScreen } from '../helpers/planner-screen.js';
import { midMorningZone } from '../helpers/time-zones.js';
import { login, user } from './replenishment-harness.js';

const MIN = 60_000;
const SPEED_KMH = 36; // 10 m/s
const DETOUR = 1.3;
const DEPOT = { lat: 52.5, lon: 13.4 };
// Due north of the depot: A 2 km, B 4 km (0.01° of latitude = 1,111.95 m).
const A = { lat: 52.5 + 2000 / 111_195, lon: 13.4 };
const B = { lat: 52.5 + 4000 / 111_195, lon: 13.4 };

interface RouteDelta {
  plan: string;
  version: number;
  route: Route;
  position?: LatLon;
  updatedAt?: number;
  nextJob?: string;
  returnAt: number;
  lateRisk?: { job: string; minutes: number };
  speedMps: number;
}

/** A hub with one van (van-1, gateway van-1-gw) in its fleet, a planner, its screen and the van's gateway. */
async function trackedHub(tracking: Record<string, unknown>, restartIn?: string) {
  const dir = restartIn ?? mkdtempSync(join(tmpdir(), 'aisle-hub-tracking-'));
  const hub = await startHub(
    parseHubConfig({
      dataDir: dir,
      http: { host: '127.0.0.1', port: 0 },
      broker: { host: '127.0.0.1', port: 0 },
      auth: { admin: { username: 'root', password: 'root-secret-1' }, jwtSecret: 'x'.repeat(32) },
      realtime: { flushMs: 20 },
      // Readings up to a day ahead of the wall clock are taken as they are (a simulator at speed).
      ingest: { maxFutureSkewMs: 86_400_000 },
      routing: {
        depots: { dc: DEPOT },
        fleet: [
          {
            vehicle: 'van-1',
            gateway: 'van-1-gw',
            depot: 'dc',
            capacity: [10],
            shift: { start: '06:00', end: '22:00' },
            timeZone: midMorningZone(),
          },
        ],
        speedKmh: SPEED_KMH,
        detourFactor: DETOUR,
        solve: { timeLimitMs: 200, seed: 1 },
        replan: { debounceMs: 60_000 },
        tracking: { lateRiskMs: 5 * MIN, windowToleranceMs: 10 * MIN, pushEveryMs: 30_000, ...tracking },
      },
      gateways: [{ site: 'van-1', gateway: 'van-1-gw', passwordHash: await hashPassword('van-1-secret') }],
    }),
    pino({ level: 'silent' }),
  );
  const admin = await login(hub, 'root', 'root-secret-1');
  const planner =
    restartIn === undefined ? await user(hub, admin, 'pat', 'planner') : await login(hub, 'pat', 'pat-secret-1');
  const screen = await openScreen(hub.httpUrl, planner.token, {
    site: 'logistics',
    channels: ['routes', 'route-alerts'],
  });
  const gateway = await vanGateway(hub.brokerUrl);
  const stop = async () => {
    screen.socket.disconnect();
    await gateway.client.endAsync();
    await hub.close();
  };
  return {
    hub,
    planner,
    screen,
    gateway,
    dir,
    stop,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('route tracking on a real hub', async () => {
  const { hub, planner, screen, gateway, close } = await trackedHub({});
  const metrics = hub.app.get<Registry>(METRICS);
  afterAll(close);

  let route: Route | undefined;
  let jobA = '';
  let jobB = '';
  const now = Date.now();
  // A must be reached by 40 min from now (its job's window); B has none (plan + 10 min tolerance).
  const closeA = now + 40 * MIN;

  it('a planner activates a plan: the van is tracked, its route on the planner stream', async () => {
    const a = await planner.call('POST', '/api/routing/jobs', {
      location: A,
      demand: [1],
      serviceMs: 5 * MIN,
      timeWindows: [{ start: now, end: closeA }],
    });
    const b = await planner.call('POST', '/api/routing/jobs', { location: B, demand: [1], serviceMs: 5 * MIN });
    expect([a.status, b.status]).toEqual([201, 201]);
    jobA = a.body.id;
    jobB = b.body.id;
    const planned = await planner.call('POST', '/api/routing/plans');
    expect(planned.status).toBe(201);
    const activated = await planner.call('POST', `/api/routing/plans/${planned.body.plan.id}/activate`);
    expect(activated.status).toBe(200);
    route = (activated.body.plan.routes as Route[]).find((r) => r.vehicle === 'van-1');
    expect(route?.stops.map((s) => s.job)).toEqual([jobA, jobB]);
    expect(await metrics.getSingleMetricAsString('aisle_hub_routing_vans_tracked')).toMatch(/ 1$/m);
  });

  it('fixes on the way to A: the ETAs follow the van, in the readings’ time', async () => {
    const start = route?.startAt ?? now;
    // 1 km north of the depot, 100 s after the start, then 1.1 km at 110 s.
    const p1 = north(1000);
    const p2 = north(1100);
    await gateway.send([fix(p1, start + 100_000), fix(p2, start + 110_000)]);
    const delta = await screen.next(
      (c) => c.channel === 'routes' && c.key === 'van-1' && (c.value as RouteDelta).updatedAt === start + 110_000,
    );
    const value = delta.value as RouteDelta;
    expect(value.position).toEqual(p2);
    expect(value.nextJob).toBe(jobA);
    // A is 900 m straight ahead: 900 × 1.3 at 10 m/s (the configured speed: too few samples to learn yet) = 117 s.
    const [stopA, stopB] = value.route.stops;
    expect(stopA?.status).toBe('pending');
    expect(stopA?.arrival).toBeCloseTo(start + 110_000 + (haversineMeters(p2, A) * DETOUR * 1000) / 10, -1);
    expect(stopB?.arrival).toBeCloseTo(
      (stopA?.arrival ?? 0) + 5 * MIN + (haversineMeters(A, B) * DETOUR * 1000) / 10,
      -1,
    );
    expect(value.speedMps).toBeCloseTo(10, 6);
  });

  it('GET /api/routing/vans: the van where it was last seen, with its ETAs (what a screen loads at start)', async () => {
    const start = route?.startAt ?? now;
    const answer = await planner.call('GET', '/api/routing/vans');
    expect(answer.status).toBe(200);
    const vans = answer.body as (RouteDelta & { vehicle: string })[];
    expect(vans.map((v) => v.vehicle)).toEqual(['van-1']);
    const [van] = vans;
    // The last fix, not the depot: a reloaded page draws the van there before its next fix.
    expect(van).toMatchObject({ version: 1, position: north(1100), updatedAt: start + 110_000, nextJob: jobA });
    // The same ETAs the last push carried.
    expect(van?.route.stops[0]?.arrival).toBeCloseTo(
      start + 110_000 + (haversineMeters(north(1100), A) * DETOUR * 1000) / 10,
      -1,
    );
    expect(van?.route.stops.map((s) => s.status)).toEqual(['pending', 'pending']);
    // Planners and admins only, as the rest of routing.
    const staff = await user(hub, await login(hub, 'root', 'root-secret-1'), 'sam', 'staff', ['store-a']);
    expect((await staff.call('GET', '/api/routing/vans')).status).toBe(403);
  });

  it('van events from the gateway: A arrived, then served; B next', async () => {
    const start = route?.startAt ?? now;
    await gateway.send([
      fix(A, start + 200_000),
      vanEvent('arrived', jobA, A, start + 200_000),
      fix(A, start + 300_000),
    ]);
    const arrived = await screen.next(
      (c) => c.key === 'van-1' && (c.value as RouteDelta).route?.stops[0]?.status === 'arrived',
    );
    expect((arrived.value as RouteDelta).route.stops[0]?.arrival).toBe(start + 200_000);
    await gateway.send([vanEvent('departed', jobA, A, start + 560_000), fix(north(2300), start + 590_000)]);
    const departed = await screen.next(
      (c) => c.key === 'van-1' && (c.value as RouteDelta).route?.stops[0]?.status === 'done',
    );
    expect((departed.value as RouteDelta).nextJob).toBe(jobB);
    expect((departed.value as RouteDelta).route.stops[1]?.status).toBe('pending');
  });

  it('the van stands still: a late-risk alert naming B is raised, and cleared when it arrives', async () => {
    const start = route?.startAt ?? now;
    const stuck = north(2500);
    const plannedB = route?.stops[1]?.arrival ?? 0;
    // Standing 1.5 km short of B, a fix a minute; B closes at its planned arrival + 10 min, and is at
    // risk once its ETA is more than 5 min past that.
    const fixes = [];
    for (let t = start + 10 * MIN; t <= plannedB + 30 * MIN; t += MIN) fixes.push(fix(stuck, t));
    await gateway.send(fixes);
    const raised = await screen.next((c) => c.channel === 'route-alerts' && (c.value as Alert).state !== 'cleared');
    const alert = raised.value as Alert;
    expect(raised.key).toBe('late-risk:van-1');
    expect(alert).toMatchObject({ rule: 'late-risk', subject: { kind: 'route', id: 'van-1' }, threshold: 5 });
    expect(alert.message).toContain(`stop ${jobB}`);
    expect(alert.message).toMatch(/projected \d+ min late/);
    const routes = await screen.next((c) => c.channel === 'routes' && (c.value as RouteDelta).lateRisk?.job === jobB);
    expect((routes.value as RouteDelta).route.stops[1]?.latenessMs).toBeGreaterThan(5 * MIN);
    expect(await metrics.getSingleMetricAsString('aisle_hub_routing_late_risk_alerts_total')).toContain(
      'state="raised"} 1',
    );

    await gateway.send([vanEvent('arrived', jobB, B, plannedB + 31 * MIN)]);
    const cleared = await screen.next((c) => c.channel === 'route-alerts' && (c.value as Alert).state === 'cleared');
    expect((cleared.value as Alert).alert).toBe(alert.alert);
  });

  it('driving stretches away from stops and depot teach the speed profile', () => {
    // 1 km → 1.1 km in 10 s (10 m/s) was the one driving stretch; the rest were stops or standing.
    const profile = hub.app.get(TrackingService).speedProfile();
    expect(profile.overall.samples).toBeGreaterThanOrEqual(1);
  });

  it('a fix from a clock days ahead is clamped by ingest and does not freeze the van in the future', async () => {
    const start = route?.startAt ?? now;
    await gateway.send([fix(B, Date.now() + 2 * 86_400_000)]);
    await gateway.send([fix(B, start + 201 * MIN)]);
    const delta = await screen.next(
      (c) => c.channel === 'routes' && (c.value as RouteDelta).updatedAt === start + 201 * MIN,
    );
    expect((delta.value as RouteDelta).position).toEqual(B);
  });

  it('a stored-batch listener that throws does not stop ingest', async () => {
    const unsubscribe = hub.app.get(IngestService).onStored(() => {
      throw new Error('listener bug');
    });
    try {
      const start = route?.startAt ?? now;
      const ack = await gateway.send([fix(B, start + 202 * MIN)]);
      expect(ack.seq).toBeGreaterThan(0);
      const delta = await screen.next(
        (c) => c.channel === 'routes' && (c.value as RouteDelta).updatedAt === start + 202 * MIN,
      );
      expect((delta.value as RouteDelta).position).toEqual(B);
    } finally {
      unsubscribe();
    }
  });
});

describe('route tracking with replanOnLateRisk, and after a restart', async () => {
  const first = await trackedHub({ replanOnLateRisk: true });
  const { planner, screen, gateway } = first;
  let running = first;
  afterAll(() => running.close());
  let start = 0;

  it('a raised late risk asks for a re-plan: a new version, made active, is tracked', async () => {
    for (const location of [A, B]) {
      const job = await planner.call('POST', '/api/routing/jobs', { location, demand: [1], serviceMs: 5 * MIN });
      expect(job.status).toBe(201);
    }
    const planned = await planner.call('POST', '/api/routing/plans');
    const activated = await planner.call('POST', `/api/routing/plans/${planned.body.plan.id}/activate`);
    expect(activated.body.plan.version).toBe(1);
    const route = (activated.body.plan.routes as Route[])[0];
    start = route?.startAt ?? Date.now();
    // Stuck 1 km out for 40 min: the first stop (no window: planned arrival + 10 min) is at risk.
    const fixes = [];
    for (let t = start + 2 * MIN; t <= start + 40 * MIN; t += MIN) fixes.push(fix(north(1000), t));
    await gateway.send(fixes);
    // Raised, then updated on the new plan at once: between two flushes a screen may see only the update.
    await screen.next((c) => c.channel === 'route-alerts' && (c.value as Alert).state !== 'cleared');
    const summary = await screen.next((c) => c.key === 'plan' && (c.value as { version: number }).version === 2);
    expect((summary.value as { reason: string; status: string }).reason).toMatch(/^late-risk van-1 /);
    expect((summary.value as { status: string }).status).toBe('active');
    // Tracking follows the new version from the next reading on.
    await gateway.send([fix(north(1000), start + 41 * MIN)]);
    const tracked = await screen.next(
      (c) =>
        c.channel === 'routes' &&
        c.key === 'van-1' &&
        (c.value as RouteDelta).version === 2 &&
        (c.value as RouteDelta).updatedAt !== undefined,
    );
    expect((tracked.value as RouteDelta).position).toEqual(north(1000));
  }, 30_000);

  it('a restarted hub tracks the active plan again from the next reading', async () => {
    await first.stop();
    running = await trackedHub({ replanOnLateRisk: true }, first.dir);
    await running.gateway.send([fix(north(1200), start + 50 * MIN)]);
    const tracked = await running.screen.next(
      (c) => c.channel === 'routes' && c.key === 'van-1' && (c.value as RouteDelta).updatedAt === start + 50 * MIN,
    );
    // Version 2 (or 3: the van is still at risk, and this hub too re-plans on it).
    expect((tracked.value as RouteDelta).version).toBeGreaterThanOrEqual(2);
    expect((tracked.value as RouteDelta).position).toEqual(north(1200));
  }, 30_000);
});

function north(metres: number): LatLon {
  return { lat: 52.5 + metres / 111_195, lon: 13.4 };
}

/** An item as the gateway sends it; `send` numbers it. */
function item(type: 'gps.fix' | 'van.event', device: string, ts: number, data: unknown) {
  return {
    oseq: 0,
    id: newId(),
    type,
    src: { site: 'van-1', device, gateway: 'van-1-gw' },
    boot: 1,
    seq: 0,
    ts,
    rx: ts,
    tq: 'ntp',
    data,
  };
}
function fix(position: LatLon, ts: number) {
  return item('gps.fix', 'gps', ts, { ...position, speedMps: 0, van: 'van-1' });
}
function vanEvent(event: 'arrived' | 'departed', job: string, position: LatLon, ts: number) {
  return item('van.event', 'van-1-gw', ts, { van: 'van-1', event, job, stop: 'x', position });
}

/** The van's edge gateway as the hub sees it: live batches on `up/van-1/van-1-gw/batch`, acks back. */
async function vanGateway(url: string) {
  const client: MqttClient = await connectAsync(url, {
    clientId: 'van-1-gw',
    username: 'van-1-gw',
    password: 'van-1-secret',
  });
  const acks: AckCursor[] = [];
  client.on('message', (topic, payload) => {
    if (topic.endsWith('/ack')) acks.push(JSON.parse(payload.toString()) as AckCursor);
  });
  await client.subscribeAsync('down/van-1/van-1-gw/ack', { qos: 1 });
  const epoch = newId();
  let seq = 0;
  return {
    client,
    async send(unnumbered: ReturnType<typeof item>[]): Promise<AckCursor> {
      const items = unnumbered.map((i) => {
        seq++;
        return { ...i, oseq: seq, seq };
      });
      const lastSeq = seq;
      await client.publishAsync(
        'up/van-1/van-1-gw/batch',
        JSON.stringify({
          v: 1,
          site: 'van-1',
          gateway: 'van-1-gw',
          epoch,
          boot: 1,
          lane: 'live',
          firstSeq: items[0]?.oseq ?? 1,
          lastSeq,
          sentAt: Date.now(),
          items,
        }),
        { qos: 1 },
      );
      const deadline = Date.now() + 5000;
      for (;;) {
        const ack = acks.find((a) => a.seq >= lastSeq);
        if (ack !== undefined) return ack;
        if (Date.now() > deadline) throw new Error(`no ack for seq ${lastSeq}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}
