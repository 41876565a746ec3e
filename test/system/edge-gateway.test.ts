import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '@aisle/protocols';
import { Aedes } from 'aedes';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { MqttFleet } from '../../device-sim/src/outputs/mqtt-fleet.js';
import type { DeviceOutput } from '../../device-sim/src/outputs/output.js';
import { MemoryTruth } from '../../device-sim/src/world/truth.js';
import { World } from '../../device-sim/src/world/world.js';
import { parseConfig } from '../../edge/src/config.js';
import { Gateway } from '../../edge/src/gateway.js';
import { smallScenario } from '../device-sim/scenarios.js';
import { AckingConsumer } from '../helpers/ack-consumer.js';
import { freePort } from '../helpers/external-server.js';
import { deviceEntriesOf, lanesOf } from '../helpers/world-lanes.js';

/**
 * The gateway end to end: the simulator's devices connect to the gateway's embedded broker with
 * their own credentials, the gateway turns their readings into lanes and alerts, keeps everything
 * in its SQLite outbox, and sends it to a hub stand-in that acks what it stored.
 */
describe('edge gateway: simulator → embedded broker → pipeline → outbox → uplink → hub', async () => {
  const hubBroker = await Aedes.createBroker();
  const hubServer = createServer(hubBroker.handle);
  await new Promise<void>((resolve) => hubServer.listen(0, '127.0.0.1', resolve));
  const hubUrl = `mqtt://127.0.0.1:${(hubServer.address() as { port: number }).port}`;
  const hub = await AckingConsumer.start(hubUrl);

  const base = smallScenario();
  const scenario = { ...base, stores: base.stores.map((s) => ({ ...s, serialScales: 0 })), vans: [] };
  const truth = new MemoryTruth();
  const world = new World(scenario, { truth });
  const devices = world.devices.filter((d) => d.site === 'store-a');
  const layout = world.layout('store-a');
  const port = await freePort();
  const config = parseConfig({
    site: 'store-a',
    gateway: 'gw-store-a',
    dataDir: mkdtempSync(join(tmpdir(), 'aisle-edge-')),
    broker: { host: '127.0.0.1', port, publishesPerSecond: 1000, publishBurst: 5000 },
    devices: await deviceEntriesOf(devices),
    lanes: lanesOf(world, 'store-a'),
    uplink: { url: hubUrl, flushIntervalMs: 50 },
    http: { host: '127.0.0.1', port: 0 },
  });
  const gateway = await Gateway.start(config, pino({ level: 'silent' }));
  const fleet = new MqttFleet({
    brokerUrl: `mqtt://127.0.0.1:${port}`,
    devices,
    onCommand: (site, device, command) => world.command(site, device, command),
  });
  await fleet.start();
  const sent: DeviceOutput[] = [];
  world.run(world.startMs + 20 * 60_000, (o) => {
    if (o.kind !== 'mqtt' || !o.device.startsWith('store-a/')) return;
    sent.push(o);
    fleet.write(o);
  });
  const readings = sent.filter((o) => o.kind === 'mqtt' && o.topic.startsWith('dt/')).length;

  afterAll(async () => {
    await fleet.close();
    await gateway.close();
    await hub.close();
    await new Promise<void>((resolve) => hubBroker.close(() => resolve()));
    await new Promise<void>((resolve) => hubServer.close(() => resolve()));
  });

  it('every device reading reaches the hub exactly once (after dedupe), with what the gateway derived', async () => {
    const raw = () =>
      [...hub.items.values()].filter((i) =>
        ['shelf.weight', 'footfall.count', 'pos.basket'].includes((i.payload as { type: string }).type),
      ).length;
    await hub.until(() => raw() >= readings, `${readings} readings at the hub`, 60_000);
    expect(raw()).toBe(readings);
    expect(hub.rejected).toBe(0);
    const types = new Set([...hub.items.values()].map((i) => (i.payload as { type: string }).type));
    for (const t of ['shelf.level', 'footfall.interval', 'device.state']) expect(types.has(t)).toBe(true);
  });

  it('rows leave the outbox once the hub has acked them', async () => {
    await gateway.drained(30_000);
    expect(gateway.outbox.stats().depth).toBe(0);
    expect(gateway.outbox.stats().ackedSeq).toBeGreaterThan(readings);
  });

  it('a tare sent by the gateway reaches the simulated scale, which answers tare-done with the command id', async () => {
    const lane = layout?.lanes[2];
    if (lane === undefined) throw new Error('no lane');
    const id = newId();
    const heard = new Promise<void>((resolve) => {
      const off = gateway.bus.onPublish((topic, payload) => {
        if (topic === `evt/store-a/${lane.scale}/tare-done` && payload.toString().includes(id)) {
          off();
          resolve();
        }
      });
    });
    await gateway.command(lane.scale, { id, ts: world.now, command: 'tare', lane: lane.lane });
    // The simulated device handles commands inside the world's next step.
    world.run(world.now + 1000, (o) => fleet.write(o));
    await heard;
  });

  it('serves the live shelf state and metrics locally: lane units match the true stock within one unit', async () => {
    const state = (await (await fetch(`http://127.0.0.1:${gateway.api.port}/state`)).json()) as {
      lanes: Array<{ lane: string; units: number | null }>;
    };
    const truthUnits = world.units('store-a');
    let close = 0;
    state.lanes.forEach((l, i) => {
      if (l.units !== null && Math.abs(l.units - (truthUnits[i] ?? -99)) <= 1) close++;
    });
    expect(close / state.lanes.length).toBeGreaterThan(0.9);
    const metrics = await (await fetch(`http://127.0.0.1:${gateway.api.port}/metrics`)).text();
    expect(metrics).toContain('aisle_edge_ingested_total{type="shelf.weight"}');
    expect(metrics).toContain('aisle_edge_broker_refusals_total');
  });
});
