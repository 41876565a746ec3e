import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandCodec, type GpsFix, type LatLon, type RouteCommand, topics } from '@aisle/protocols';
import { Aedes } from 'aedes';
import { connectAsync } from 'mqtt';
import { describe, expect, it } from 'vitest';
import type { DeviceOutput } from '../../device-sim/src/outputs/output.js';
import { loadWorld, runCommand } from '../../device-sim/src/run-command.js';
import { parseScenario, ScenarioError } from '../../device-sim/src/scenario.js';
import { distanceM, offset } from '../../device-sim/src/world/geo.js';
import { MemoryTruth } from '../../device-sim/src/world/truth.js';
import { World } from '../../device-sim/src/world/world.js';

/**
 * Issue #8: a simulated van drives the route its GPS unit is sent (`cmd/{van}/gps/route`) from
 * where it is, at its cruising speed, serving each stop for its planned time, instead of its
 * scenario round; `faults.vanDelay` holds it up before a stop, and every later arrival moves by
 * that much. Deterministic for a seed; and over real MQTT the route reaches the van's GPS unit.
 */

const dc: LatLon = { lat: -37.79, lon: 144.89 };
const stopA = offset(dc, 3000, 0);
const stopB = offset(dc, 3000, 4000);
const MIN = 60_000;

function scenario(extra: Record<string, unknown> = {}) {
  return parseScenario({
    name: 'van-route',
    seed: 3,
    start: '2026-01-05T10:00:00+11:00',
    catalog: { skus: 20, bundles: 2 },
    stores: [{ id: 'store-a', location: { lat: -37.8136, lon: 144.9631 }, lanes: 8, peakShoppersPerHour: 20 }],
    dc: { id: 'dc-1', location: dc },
    // 36 km/h = 10 m/s; the round (to store-a) starts at 10:05 local.
    vans: [{ id: 'van-1', speedKmh: 36, route: ['store-a'], departAtHour: 10.0833, gpsOverSerial: false }],
    ...extra,
  });
}

function routeCommand(at: number, version = 1): RouteCommand {
  return {
    id: `0190b4a0-0000-7000-8000-00000000000${version}`,
    ts: at,
    command: 'route',
    plan: 'plan-7',
    version,
    vehicle: 'van-1',
    depot: dc,
    startAt: at,
    stops: [
      // 10 minutes of service planned (2 of them waiting for the window: not service).
      { job: 'job-a', location: stopA, arrival: at + 5 * MIN, departure: at + 17 * MIN, waitMs: 2 * MIN },
      // No service planned: the scenario's 15 minutes.
      { job: 'job-b', location: stopB, arrival: at + 25 * MIN, departure: at + 25 * MIN },
    ],
  };
}

/** Runs the world, sends the route at `commandAt`, runs on to `untilMs`; returns the truth and outputs. */
function drive(world: World, commandAt: number, untilMs: number, command = routeCommand(commandAt)) {
  const outputs: DeviceOutput[] = [];
  world.run(commandAt, (o) => outputs.push(o));
  expect(world.command('van-1', 'gps', command)).toBe(true);
  world.run(untilMs, (o) => outputs.push(o));
  return outputs;
}

const fixesOf = (outputs: readonly DeviceOutput[]) =>
  outputs.flatMap((o) => {
    if (o.kind !== 'mqtt' || o.topic !== topics.dt('van-1', 'gps', 'gps')) return [];
    const item = JSON.parse(o.payload.toString()) as { ts: number; data: GpsFix };
    return [{ ts: item.ts, ...item.data }];
  });

describe('a van driving a route command', () => {
  const speedMps = 36 / 3.6;
  const legMs = (a: LatLon, b: LatLon) => Math.round((distanceM(a, b) / speedMps) * 1000);

  it('arrives at the stops in order, at the times the geometry and its speed give, serving each its planned time', () => {
    const truth = new MemoryTruth();
    const world = new World(scenario(), { truth });
    const t0 = world.startMs + MIN; // parked at the DC: its round starts at 10:05
    const outputs = drive(world, t0, t0 + 3 * 3_600_000);
    const arrivalA = t0 + legMs(dc, stopA);
    const departureA = arrivalA + 10 * MIN;
    const arrivalB = departureA + legMs(stopA, stopB);
    const departureB = arrivalB + 15 * MIN;
    const visits = truth.events.filter((e) => e.kind === 'van-arrival' || e.kind === 'van-departure');
    expect(visits).toEqual([
      { t: arrivalA, kind: 'van-arrival', van: 'van-1', stop: 'job-a', job: 'job-a' },
      { t: departureA, kind: 'van-departure', van: 'van-1', stop: 'job-a', job: 'job-a' },
      { t: arrivalB, kind: 'van-arrival', van: 'van-1', stop: 'job-b', job: 'job-b' },
      { t: departureB, kind: 'van-departure', van: 'van-1', stop: 'job-b', job: 'job-b' },
    ]);
    expect(truth.of('van-route')).toEqual([
      { t: t0, kind: 'van-route', van: 'van-1', plan: 'plan-7', version: 1, jobs: ['job-a', 'job-b'] },
    ]);
    // GPS at the driving rate from the command on, closing in on stop A, parked at it while serving.
    const fixes = fixesOf(outputs).filter((f) => f.ts >= t0 && f.ts < arrivalA);
    expect(fixes[0]?.ts).toBe(t0);
    expect(fixes.length).toBe(Math.ceil((arrivalA - t0) / 1000));
    const gaps = fixes.map((f) => distanceM(f, stopA));
    expect(gaps.every((d, i) => i === 0 || d < (gaps[i - 1] as number))).toBe(true);
    const atA = fixesOf(outputs).filter((f) => f.ts >= arrivalA && f.ts < departureA);
    expect(atA.every((f) => f.speedMps === 0 && distanceM(f, stopA) < 1)).toBe(true);
    // The route replaced the day's round: store-a saw no van.
    expect(truth.of('van-arrival').some((e) => e.stop === 'store-a')).toBe(false);
    // Back at the depot once the route is done.
    const last = fixesOf(outputs).at(-1);
    expect(last === undefined ? Number.NaN : distanceM(last, dc)).toBeLessThan(1);
  });

  it('takes a route mid-round from where it is, ignores the same command again and an older version', () => {
    const truth = new MemoryTruth();
    const world = new World(scenario(), { truth });
    const t0 = world.startMs + 8 * MIN; // 3 minutes into its round towards store-a
    const command = routeCommand(t0, 2);
    drive(world, t0, t0 + MIN, command);
    world.command('van-1', 'gps', command);
    world.command('van-1', 'gps', { ...routeCommand(t0, 1), id: '0190b4a0-0000-7000-8000-0000000000ff' });
    world.run(t0 + 3 * 3_600_000, () => {});
    const from = truth.of('van').find((e) => e.t === t0)?.position;
    expect(from).toBeDefined();
    expect(distanceM(from as LatLon, dc)).toBeGreaterThan(500);
    expect(truth.of('van-route')).toHaveLength(1);
    expect(truth.of('van-arrival').map((e) => [e.t, e.stop])).toEqual([
      [t0 + legMs(from as LatLon, stopA), 'job-a'],
      [t0 + legMs(from as LatLon, stopA) + 10 * MIN + legMs(stopA, stopB), 'job-b'],
    ]);
  });

  it('a delay before stop 2 holds the van at stop 1, stationary and reporting, and moves every later arrival by it', () => {
    const plain = new MemoryTruth();
    const delayed = new MemoryTruth();
    const base = new World(scenario(), { truth: plain });
    const faults = { vanDelay: [{ van: 'van-1', beforeStop: 2, minutes: 25 }] };
    const world = new World(scenario({ faults }), { truth: delayed });
    const t0 = base.startMs + MIN;
    drive(base, t0, t0 + 3 * 3_600_000);
    const outputs = drive(world, t0, t0 + 3 * 3_600_000);
    const arrivals = (truth: MemoryTruth) => truth.of('van-arrival').map((e) => e.t);
    const [a1, b1] = arrivals(plain);
    expect(arrivals(delayed)).toEqual([a1, (b1 as number) + 25 * MIN]);
    const departureA = truth(delayed, 'van-departure', 'job-a');
    expect(delayed.of('van-delay')).toEqual([
      { t: departureA, kind: 'van-delay', van: 'van-1', beforeStop: 2, job: 'job-b', durationMs: 25 * MIN },
    ]);
    const held = fixesOf(outputs).filter((f) => f.ts > departureA && f.ts < departureA + 25 * MIN);
    expect(held.length).toBe(25 * 60 - 1);
    expect(held.every((f) => f.speedMps === 0 && distanceM(f, stopA) < 1)).toBe(true);
  });

  it('a new route while held up or while serving a stop keeps the hold and the service: no new arrival, same times', () => {
    const faults = { vanDelay: [{ van: 'van-1', beforeStop: 2, minutes: 25 }] };
    const reference = new MemoryTruth();
    const base = new World(scenario({ faults }), { truth: reference });
    const t0 = base.startMs + MIN;
    drive(base, t0, t0 + 3 * 3_600_000);
    const arrivalA = truth(reference, 'van-arrival', 'job-a');
    const departureA = truth(reference, 'van-departure', 'job-a');
    const visits = (t: MemoryTruth) =>
      t.events.filter((e) => e.kind === 'van-arrival' || e.kind === 'van-departure' || e.kind === 'van-delay');
    const replanned = (at: number, status: 'arrived' | 'done') => {
      const seen = new MemoryTruth();
      const world = new World(scenario({ faults }), { truth: seen });
      drive(world, t0, at);
      const v1 = routeCommand(t0);
      const v2 = { ...routeCommand(t0, 2), stops: v1.stops.map((s, i) => (i === 0 ? { ...s, status } : s)) };
      world.command('van-1', 'gps', v2);
      world.run(t0 + 3 * 3_600_000, () => {});
      expect(seen.of('van-route').map((e) => e.version)).toEqual([1, 2]);
      return visits(seen);
    };
    // Half-way through serving stop A, the hub re-plans with A still on the route (arrived).
    expect(replanned(arrivalA + 5 * MIN, 'arrived')).toEqual(visits(reference));
    // Ten minutes into the hold before stop B, the hub re-plans with A done.
    expect(replanned(departureA + 10 * MIN, 'done')).toEqual(visits(reference));
  });

  it('is deterministic for a seed: the same command at the same time gives the same stream', () => {
    const run = () => {
      const world = new World(scenario({ faults: { vanDelay: [{ van: 'van-1', beforeStop: 1, minutes: 5 }] } }));
      const t0 = world.startMs + 2 * MIN;
      return drive(world, t0, t0 + 2 * 3_600_000).map((o) => JSON.stringify(o));
    };
    const first = run();
    expect(first.length).toBeGreaterThan(1000);
    expect(run()).toEqual(first);
  });

  it('lists a delay for a van that is not in the scenario, and a stop number below 1, as problems', () => {
    let problems: readonly string[] = [];
    try {
      scenario({
        faults: {
          vanDelay: [
            { van: 'van-9', beforeStop: 1, minutes: 5 },
            { van: 'van-1', beforeStop: 0, minutes: 5 },
          ],
        },
      });
    } catch (error) {
      expect(error).toBeInstanceOf(ScenarioError);
      problems = (error as ScenarioError).problems;
    }
    expect(problems.some((p) => p.startsWith('/faults/vanDelay/1/beforeStop'))).toBe(true);
    expect(() => scenario({ faults: { vanDelay: [{ van: 'van-9', beforeStop: 1, minutes: 5 }] } })).toThrow(
      /\/faults\/vanDelay\/0\/van: "van-9" is not a van/,
    );
  });
});

function truth(t: MemoryTruth, kind: 'van-arrival' | 'van-departure', job: string): number {
  const event = t.of(kind).find((e) => e.job === job);
  if (event === undefined) throw new Error(`no ${kind} at ${job}`);
  return event.t;
}

describe('aisle-sim run --start / --van-delay', () => {
  it('override the scenario’s start and add to its van delays, validated like the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisle-van-flags-'));
    const path = join(dir, 'scenario.yaml');
    writeFileSync(
      path,
      [
        'name: van-flags',
        'stores: [{ id: store-a, location: { lat: -37.8136, lon: 144.9631 }, lanes: 8 }]',
        `dc: { id: dc-1, location: { lat: ${dc.lat}, lon: ${dc.lon} } }`,
        'vans: [{ id: van-1 }]',
        'faults: { vanDelay: [{ van: van-1, beforeStop: 1, minutes: 5 }] }',
      ].join('\n'),
    );
    const start = '2026-12-02T03:00:00.000Z';
    const { scenario: loaded, world } = await loadWorld({
      scenarioPath: path,
      start,
      vanDelays: [{ van: 'van-1', beforeStop: 3, minutes: 25 }],
    });
    expect(world.startMs).toBe(Date.parse(start));
    expect(loaded.faults.vanDelay).toEqual([
      { van: 'van-1', beforeStop: 1, minutes: 5 },
      { van: 'van-1', beforeStop: 3, minutes: 25 },
    ]);
    await expect(
      loadWorld({ scenarioPath: path, vanDelays: [{ van: 'van-2', beforeStop: 1, minutes: 5 }] }),
    ).rejects.toThrow(/\/faults\/vanDelay\/1\/van: "van-2" is not a van/);
  });
});

describe('aisle-sim run --mqtt-only: the route reaches the van over MQTT', () => {
  it('the van’s GPS unit takes the retained route from the broker and its fixes close in on the first stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisle-van-route-'));
    const path = join(dir, 'scenario.yaml');
    writeFileSync(
      path,
      [
        'name: van-route-mqtt',
        'seed: 5',
        'start: "2026-01-05T10:00:00+11:00"',
        'catalog: { skus: 20, bundles: 2 }',
        'stores: [{ id: store-a, location: { lat: -37.8136, lon: 144.9631 }, lanes: 8, peakShoppersPerHour: 20 }]',
        `dc: { id: dc-1, location: { lat: ${dc.lat}, lon: ${dc.lon} } }`,
        'vans: [{ id: van-1, speedKmh: 36, departAtHour: 18 }]',
      ].join('\n'),
    );
    const broker = await Aedes.createBroker();
    const server = createServer(broker.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
    // The van's gateway: the route it forwards is retained on the van's broker.
    const gateway = await connectAsync(url, { clientId: 'gateway' });
    const fixes: Array<GpsFix & { ts: number }> = [];
    gateway.on('message', (_topic, payload) => {
      const item = JSON.parse(payload.toString()) as { ts: number; data: GpsFix };
      fixes.push({ ts: item.ts, ...item.data });
    });
    try {
      await gateway.subscribeAsync(topics.dt('van-1', 'gps', 'gps'), { qos: 0 });
      const command = routeCommand(Date.parse('2026-01-05T10:00:00+11:00'));
      await gateway.publishAsync(topics.cmd('van-1', 'gps', 'route'), commandCodec.encode(command), {
        qos: 1,
        retain: true,
      });
      const summary = await runCommand({
        scenarioPath: path,
        mqttOnly: true,
        durationMs: 20 * MIN,
        speed: 'max',
        progress: false,
        brokerUrl: url,
        truthPath: join(dir, 'truth.jsonl'),
      });
      expect(summary.mqtt?.commands).toEqual({ received: 1, refused: 0 });
      const truthEvents = readFileSync(join(dir, 'truth.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { kind: string; t: number; job?: string });
      const taken = truthEvents.find((e) => e.kind === 'van-route');
      expect(taken).toMatchObject({ van: 'van-1', plan: 'plan-7', jobs: ['job-a', 'job-b'] });
      const arrived = truthEvents.find((e) => e.kind === 'van-arrival');
      expect(arrived?.job).toBe('job-a');
      // The fixes published on the broker: from the route on, ever closer to stop A, then at it.
      const published = summary.mqtt?.published.qos0 ?? 0;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`fixes: ${fixes.length}`)), 10_000);
        const check = () => {
          if (fixes.some((f) => f.ts >= (arrived?.t ?? Number.POSITIVE_INFINITY))) {
            clearTimeout(timer);
            resolve();
          } else setTimeout(check, 20);
        };
        check();
      });
      expect(published).toBeGreaterThan(0);
      const driving = fixes.filter((f) => f.ts >= (taken?.t ?? 0) && f.ts < (arrived?.t ?? 0));
      expect(driving.length).toBeGreaterThan(100);
      const gaps = driving.map((f) => distanceM(f, stopA));
      expect(gaps.every((d, i) => i === 0 || d < (gaps[i - 1] as number))).toBe(true);
      const atStop = fixes.find((f) => f.ts === arrived?.t);
      expect(atStop === undefined ? Number.NaN : distanceM(atStop, stopA)).toBeLessThan(1);
    } finally {
      await gateway.endAsync();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
