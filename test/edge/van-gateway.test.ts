import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Command,
  commandCodec,
  encodeGga,
  encodeRmc,
  type GpsFix,
  type LatLon,
  newId,
  type RoutePlan,
  topics,
} from '@aisle/protocols';
import { Aedes } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { SerialLineSink } from '../../device-sim/src/outputs/serial-sink.js';
import { hashPassword } from '../../edge/src/broker/credentials.js';
import { parseConfig } from '../../edge/src/config.js';
import { Gateway } from '../../edge/src/gateway.js';
import { AckingConsumer } from '../helpers/ack-consumer.js';
import { freePort } from '../helpers/external-server.js';

/**
 * A van's gateway (issue #8): the hub's plan on `down/van-1/gw-van-1/replan` becomes the van's
 * route, forwarded retained to its GPS unit on `cmd/van-1/gps/route`; foreign, stale and malformed
 * plans are refused and counted; the route survives a restart offline; and the van's fixes, over
 * MQTT and as NMEA on a serial line, become arrivals at and departures from the route's stops,
 * naming the job, which reach the hub in batches with the fixes.
 */

const depot: LatLon = { lat: -37.79, lon: 144.89 };
const stop1: LatLon = { lat: -37.8, lon: 144.92 };
const stop2: LatLon = { lat: -37.81, lon: 144.95 };
const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);

function plan(version: number, vehicles: readonly string[]): RoutePlan {
  return {
    v: 1,
    id: `plan-${version}`,
    version,
    createdAt: T0,
    objective: 'distance',
    status: 'active',
    kpis: { distanceM: 12_000, durationMs: 3_600_000, vehicles: vehicles.length, latenessMs: 0, unassigned: 0 },
    routes: vehicles.map((vehicle) => ({
      vehicle,
      gateway: `gw-${vehicle}`,
      depot,
      startAt: T0,
      endAt: T0 + 3_600_000,
      distanceM: 12_000,
      durationMs: 3_600_000,
      stops: [
        { job: 'job-1', location: stop1, arrival: T0 + 600_000, departure: T0 + 1_200_000 },
        // A job id that is no topic level: the stop is `stop-2`, the job keeps its id.
        { job: 'ord:42/7', location: stop2, arrival: T0 + 1_800_000, departure: T0 + 2_400_000 },
      ],
    })),
    unassigned: [],
  };
}

const until = async (ready: () => boolean | Promise<boolean>, what: string, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('van gateway: replan → route command → tracked stops → hub', async () => {
  const hubBroker = await Aedes.createBroker();
  const hubServer = createServer(hubBroker.handle);
  await new Promise<void>((resolve) => hubServer.listen(0, '127.0.0.1', resolve));
  const hubUrl = `mqtt://127.0.0.1:${(hubServer.address() as { port: number }).port}`;
  const hub = await AckingConsumer.start(hubUrl);
  const planner = await connectAsync(hubUrl, { clientId: 'planner' });
  const serial = await SerialLineSink.open({ lines: ['van-1--gps'] });
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'aisle-van-'));
  const configFor = (uplinkUrl: string) =>
    parseConfig({
      site: 'van-1',
      gateway: 'gw-van-1',
      dataDir,
      broker: { host: '127.0.0.1', port },
      devices: [{ device: 'gps', kind: 'gps-tracker', username: 'van-1.gps', passwordHash }],
      serial: [{ path: serial.pathFor('van-1--gps'), protocol: 'nmea', device: 'gps', reconnectMs: 50 }],
      van: { gpsDevice: 'gps', arriveRadiusM: 100, leaveRadiusM: 150 },
      uplink: { url: uplinkUrl, flushIntervalMs: 50 },
      forecasting: { enabled: false },
      http: { host: '127.0.0.1', port: 0 },
    });
  const passwordHash = await hashPassword('pw');
  let gateway = await Gateway.start(configFor(hubUrl), pino({ level: 'silent' }));
  const clients: MqttClient[] = [];
  afterAll(async () => {
    for (const c of clients) await c.endAsync(true);
    await gateway.close();
    await serial.close();
    await planner.endAsync();
    await hub.close();
    await new Promise<void>((resolve) => hubBroker.close(() => resolve()));
    await new Promise<void>((resolve) => hubServer.close(() => resolve()));
  });

  /** The GPS unit: logs in to the van's broker and keeps every route command it is sent. */
  const gpsUnit = async () => {
    const client = await connectAsync(`mqtt://127.0.0.1:${port}`, {
      clientId: 'van-1.gps',
      username: 'van-1.gps',
      password: 'pw',
      reconnectPeriod: 0,
    });
    clients.push(client);
    const routes: Command[] = [];
    client.on('message', (topic, payload) => {
      const decoded = commandCodec.decode(payload);
      if (topic === topics.cmd('van-1', 'gps', 'route') && decoded.ok) routes.push(decoded.value);
    });
    await client.subscribeAsync(topics.cmd('van-1', 'gps', 'route'), { qos: 1 });
    return { client, routes };
  };
  const outcomes = async () => {
    const metric = gateway.metrics.getSingleMetric('aisle_edge_downlink_total');
    const values = (await metric?.get())?.values ?? [];
    return Object.fromEntries(
      values.filter((v) => v.labels.name === 'replan').map((v) => [String(v.labels.outcome), v.value]),
    );
  };
  const replan = (payload: string, retain = false) =>
    planner.publishAsync(topics.down('van-1', 'gw-van-1', 'replan'), payload, { qos: 1, retain });
  const hubItems = (type: string) =>
    [...hub.items.values()]
      .map((i) => i.payload as { type: string; data: Record<string, unknown> })
      .filter((i) => i.type === type);
  let seq = 0;
  const mqttFix = (client: MqttClient, at: LatLon, speedMps: number) => {
    seq++;
    const fix: GpsFix = { ...at, speedMps };
    return client.publishAsync(
      topics.dt('van-1', 'gps', 'gps'),
      JSON.stringify({
        id: newId(),
        type: 'gps.fix',
        src: { site: 'van-1', device: 'gps' },
        boot: 1,
        seq,
        ts: Date.now(),
        tq: 'ntp',
        data: fix,
      }),
      { qos: 1 },
    );
  };

  let unit: Awaited<ReturnType<typeof gpsUnit>>;

  it('forwards the van’s route from the hub’s plan to its GPS unit, retained, with the plan’s stops', async () => {
    unit = await gpsUnit();
    await replan(JSON.stringify(plan(1, ['van-2', 'van-1'])), true);
    await until(() => unit.routes.length === 1, 'the route command at the GPS unit');
    const route = unit.routes[0];
    expect(route).toMatchObject({ command: 'route', plan: 'plan-1', version: 1, vehicle: 'van-1', depot });
    expect(route?.command === 'route' && route.stops.map((s) => s.job)).toEqual(['job-1', 'ord:42/7']);
    expect(await outcomes()).toEqual({ applied: 1 });
    // Retained: a unit that connects again later still gets it.
    await unit.client.endAsync();
    unit = await gpsUnit();
    await until(() => unit.routes.length === 1, 'the retained route at a reconnected GPS unit');
    expect(unit.routes[0]).toEqual(route);
  });

  it('refuses a plan without this van (foreign), an older or equal version (stale), and garbage (invalid)', async () => {
    await replan(JSON.stringify(plan(2, ['van-2'])));
    await replan(JSON.stringify(plan(1, ['van-1'])));
    await replan('{"v":1,"id":"broken"}');
    await until(async () => Object.keys(await outcomes()).length === 4, 'four outcomes');
    expect(await outcomes()).toEqual({ applied: 1, foreign: 1, stale: 1, invalid: 1 });
    expect(unit.routes).toHaveLength(1);
  });

  it('MQTT fixes at the first stop: arrived and departed with its job, at the hub with the fixes', async () => {
    await mqttFix(unit.client, depot, 12);
    await mqttFix(unit.client, stop1, 0.2);
    await mqttFix(unit.client, { lat: stop1.lat - 0.005, lon: stop1.lon + 0.005 }, 11);
    await hub.until(() => hubItems('van.event').length >= 2, 'two van events at the hub');
    expect(hubItems('van.event').map((e) => e.data)).toEqual([
      { van: 'van-1', event: 'arrived', stop: 'job-1', job: 'job-1', position: stop1 },
      {
        van: 'van-1',
        event: 'departed',
        stop: 'job-1',
        job: 'job-1',
        position: { lat: stop1.lat - 0.005, lon: stop1.lon + 0.005 },
      },
    ]);
    await hub.until(() => hubItems('gps.fix').length >= 3, 'the three fixes at the hub');
  });

  it('NMEA fixes on the serial line at the second stop: arrived and departed with its job', async () => {
    const nmea = (at: LatLon, speedMps: number, ts: number) => {
      const fix: GpsFix = { ...at, speedMps, courseDeg: 90, sats: 9, hdop: 0.9, quality: 'gps' };
      serial.write({ kind: 'serial', line: 'van-1--gps', at: ts, data: encodeRmc(fix, ts) + encodeGga(fix, ts) });
    };
    const t = Math.floor(Date.now() / 1000) * 1000;
    nmea({ lat: -37.805, lon: 144.935 }, 12, t);
    nmea(stop2, 0, t + 1000);
    nmea({ lat: stop2.lat, lon: stop2.lon + 0.01 }, 12, t + 2000);
    await hub.until(() => hubItems('van.event').length >= 4, 'four van events at the hub');
    expect(
      hubItems('van.event')
        .slice(2)
        .map((e) => [e.data.event, e.data.stop, e.data.job]),
    ).toEqual([
      ['arrived', 'stop-2', 'ord:42/7'],
      ['departed', 'stop-2', 'ord:42/7'],
    ]);
    // The fix at the stop went up too (NMEA keeps positions to 1e-4 of a minute).
    const near = (f: { data: Record<string, unknown> }) =>
      Math.abs((f.data.lat as number) - stop2.lat) < 1e-5 && Math.abs((f.data.lon as number) - stop2.lon) < 1e-5;
    expect(hubItems('gps.fix').filter(near)).toHaveLength(1);
  });

  it('restarted with the hub unreachable, it still holds the route and forwards it again', async () => {
    await gateway.close();
    for (const c of clients.splice(0)) await c.endAsync(true);
    gateway = await Gateway.start(configFor(`mqtt://127.0.0.1:${await freePort()}`), pino({ level: 'silent' }));
    const tracker = gateway.pipeline.context.vans.get('van-1');
    expect(tracker?.stops.map((s) => [s.id, s.job])).toEqual([
      ['job-1', 'job-1'],
      ['stop-2', 'ord:42/7'],
    ]);
    const again = await gpsUnit();
    await until(() => again.routes.length === 1, 'the route at the GPS unit after the restart');
    expect(again.routes[0]).toMatchObject({ command: 'route', plan: 'plan-1', version: 1 });
    // The local API shows the van's route and where it is.
    const state = (await (await fetch(`http://127.0.0.1:${gateway.api.port}/state`)).json()) as { van: unknown };
    expect(state.van).toEqual({
      van: 'van-1',
      stopped: false,
      atStop: null,
      route: {
        plan: 'plan-1',
        version: 1,
        stops: [
          { stop: 'job-1', job: 'job-1' },
          { stop: 'stop-2', job: 'ord:42/7' },
        ],
      },
    });
  });
});

describe('van gateway config', () => {
  it('lists a leave radius not beyond the arrival radius, and a bad GPS device id, as problems', () => {
    let problems: readonly string[] = [];
    try {
      parseConfig({ site: 'van-1', gateway: 'gw-van-1', van: { gpsDevice: 'GPS 1' } });
    } catch (error) {
      problems = (error as { problems: readonly string[] }).problems;
    }
    expect(problems.some((p) => p.startsWith('/van/gpsDevice'))).toBe(true);
    expect(() =>
      parseConfig({
        site: 'van-1',
        gateway: 'gw-van-1',
        van: { gpsDevice: 'gps', arriveRadiusM: 200, leaveRadiusM: 150 },
      }),
    ).toThrow(/\/van\/leaveRadiusM: must be greater than arriveRadiusM/);
    expect(parseConfig({ site: 'van-1', gateway: 'gw-van-1', van: { gpsDevice: 'gps' } }).van).toEqual({
      gpsDevice: 'gps',
      arriveRadiusM: 120,
      leaveRadiusM: 180,
      stoppedBelowMps: 1,
      stoppedAfterMs: 20_000,
    });
  });
});
