/**
 * Interop: the same simulated store, run twice from the same seed, once into a gateway with its
 * embedded broker and once through a real Mosquitto that a second gateway consumes from
 * (`broker.external`), gives the same results: the same readings at the hub, the same derived
 * items, the same lane levels, occupancy and open alerts in `/state`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { MqttFleet } from '../../device-sim/src/outputs/mqtt-fleet.js';
import { World } from '../../device-sim/src/world/world.js';
import { parseConfig } from '../../edge/src/config.js';
import { Gateway } from '../../edge/src/gateway.js';
import { smallScenario } from '../device-sim/scenarios.js';
import { AckingConsumer } from '../helpers/ack-consumer.js';
import { externalServer, freePort } from '../helpers/external-server.js';
import { deviceEntriesOf, lanesOf } from '../helpers/world-lanes.js';

const mosquitto = await externalServer('mosquitto');
const MINUTES = 20;

interface SiteState {
  lanes: Array<{ lane: string; units: number | null }>;
  occupancy: number;
  alerts: Array<{ key: string; value?: number }>;
}

describe.skipIf(!mosquitto.ok)(
  `edge gateway consuming from an external Mosquitto${mosquitto.ok ? '' : ` (skipped: ${mosquitto.reason})`}`,
  async () => {
    if (!mosquitto.ok) return;
    const server = mosquitto.server;
    const hub = await AckingConsumer.start(server.url);
    const dirs: string[] = [];
    const closers: Array<() => Promise<void>> = [];
    afterAll(async () => {
      for (const close of closers.reverse()) await close();
      await hub.close();
      await server.stop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    /** One run of the store: a fresh world from the same seed, its fleet, and a gateway. */
    async function run(mode: 'embedded' | 'external') {
      const base = smallScenario();
      const scenario = { ...base, stores: base.stores.map((s) => ({ ...s, serialScales: 0 })), vans: [] };
      const world = new World(scenario);
      const devices = world.devices.filter((d) => d.site === 'store-a');
      const port = await freePort();
      const dataDir = mkdtempSync(join(tmpdir(), `aisle-edge-${mode}-`));
      dirs.push(dataDir);
      const gatewayId = `gw-${mode}`;
      const config = parseConfig({
        site: 'store-a',
        gateway: gatewayId,
        dataDir,
        broker:
          mode === 'embedded'
            ? { host: '127.0.0.1', port, publishesPerSecond: 1000, publishBurst: 5000 }
            : { external: { url: server.url } },
        devices: await deviceEntriesOf(devices),
        lanes: lanesOf(world, 'store-a'),
        uplink: { url: server.url, flushIntervalMs: 50 },
        http: { host: '127.0.0.1', port: 0 },
      });
      const gateway = await Gateway.start(config, pino({ level: 'silent' }));
      closers.push(() => gateway.close());
      const fleet = new MqttFleet({
        brokerUrl: mode === 'embedded' ? `mqtt://127.0.0.1:${port}` : server.url,
        devices,
      });
      await fleet.start();
      closers.push(() => fleet.close());
      let readings = 0;
      world.run(world.startMs + MINUTES * 60_000, (o) => {
        if (o.kind !== 'mqtt' || !o.device.startsWith('store-a/')) return;
        if (o.topic.startsWith('dt/')) readings++;
        fleet.write(o);
      });
      const fromThis = () => [...hub.items.entries()].filter(([key]) => key.startsWith(`${gatewayId}/`));
      const raw = () =>
        fromThis().filter(([, i]) =>
          ['shelf.weight', 'footfall.count', 'pos.basket'].includes((i.payload as { type: string }).type),
        ).length;
      await hub.until(() => raw() >= readings, `${readings} readings from ${gatewayId}`, 60_000);
      await gateway.drained(30_000);
      const state = (await (await fetch(`http://127.0.0.1:${gateway.api.port}/state`)).json()) as SiteState;
      const types = new Map<string, number>();
      for (const [, i] of fromThis()) {
        const type = (i.payload as { type: string }).type;
        types.set(type, (types.get(type) ?? 0) + 1);
      }
      return { readings, raw: raw(), types: Object.fromEntries([...types].sort()), state };
    }

    const embedded = await run('embedded');
    const external = await run('external');

    it('every reading reaches the hub through either broker, exactly once', () => {
      expect(embedded.readings).toBeGreaterThan(1000);
      expect(external.readings).toBe(embedded.readings);
      expect(embedded.raw).toBe(embedded.readings);
      expect(external.raw).toBe(external.readings);
    });

    it('derives the same items, lane levels, occupancy and open alerts', () => {
      // device.state counts connections, which differ by broker (retained states, LWT timing).
      const { 'device.state': _a, ...embeddedTypes } = embedded.types;
      const { 'device.state': _b, ...externalTypes } = external.types;
      expect(externalTypes).toEqual(embeddedTypes);
      expect(embeddedTypes['shelf.level']).toBeGreaterThan(0);
      expect(external.state.lanes).toEqual(embedded.state.lanes);
      expect(external.state.occupancy).toBe(embedded.state.occupancy);
      const open = (s: SiteState) => s.alerts.map((a) => `${a.key}=${a.value}`).sort();
      expect(open(external.state)).toEqual(open(embedded.state));
    });
  },
);
