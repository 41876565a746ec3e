/**
 * Simulator → gateway → hub on embedded defaults (aedes, SQLite), all real: the simulated store's
 * devices publish with their credentials into the gateway's broker; the gateway logs into the hub's
 * broker with the credentials the hub holds for it; the hub stores every item once and acks.
 * Faults injected on the wire: devices send duplicates, deliver out of order, and some clocks are
 * unset or wrong; the hub must store every reading exactly once and keep "latest" right.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { io } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { MqttFleet } from '../../device-sim/src/outputs/mqtt-fleet.js';
import type { DeviceOutput } from '../../device-sim/src/outputs/output.js';
import { World } from '../../device-sim/src/world/world.js';
import { hashPassword } from '../../edge/src/broker/credentials.js';
import { parseConfig } from '../../edge/src/config.js';
import { Gateway } from '../../edge/src/gateway.js';
import { parseHubConfig } from '../../hub/src/config.js';
import type { IngestRepository } from '../../hub/src/ingest/ingest.repository.js';
import type { SeriesRepository } from '../../hub/src/ingest/series.repository.js';
import { startHub } from '../../hub/src/server.js';
import { INGEST_REPOSITORY, SERIES_REPOSITORY } from '../../hub/src/tokens.js';
import { smallScenario } from '../device-sim/scenarios.js';
import { externalServer, freePort } from '../helpers/external-server.js';
import { deviceEntriesOf, lanesOf } from '../helpers/world-lanes.js';

/** The hub's storage for one run: embedded SQLite, or PostgreSQL + InfluxDB started for the run. */
interface Backend {
  readonly storage: Record<string, unknown>;
}

const servers = await Promise.all([externalServer('postgres'), externalServer('influxdb')]);
const [postgres, influx] = servers;
const backends: Array<{ name: string; skip: string | undefined; start: () => Promise<Backend> }> = [
  { name: 'SQLite (embedded default)', skip: undefined, start: async () => ({ storage: {} }) },
  {
    name: 'PostgreSQL + InfluxDB',
    skip: servers.flatMap((s) => (s.ok ? [] : [s.reason])).join('; ') || undefined,
    start: async () => {
      if (!postgres?.ok || !influx?.ok) throw new Error('servers unavailable');
      return {
        storage: {
          relational: { kind: 'postgres', url: postgres.server.url },
          // The simulated day is in January: keep raw items forever, or the retention policy refuses them.
          series: { kind: 'influx', url: influx.server.url, database: 'aisle_test', rawRetention: 'INF' },
        },
      };
    },
  },
];
afterAll(async () => {
  for (const s of servers) if (s.ok) await s.server.stop().catch(() => undefined);
});

for (const backend of backends) {
  describe.skipIf(backend.skip !== undefined)(
    `simulator → gateway → hub on ${backend.name}${backend.skip === undefined ? '' : ` (skipped: ${backend.skip})`}`,
    async () => {
      if (backend.skip !== undefined) return;
      const storage = await backend.start();
      const dir = mkdtempSync(join(tmpdir(), 'aisle-hub-ingest-'));
      const gatewaySecret = 'gw-store-a-secret';
      const hub = await startHub(
        parseHubConfig({
          dataDir: join(dir, 'hub'),
          http: { host: '127.0.0.1', port: 0 },
          broker: { host: '127.0.0.1', port: 0 },
          storage: storage.storage,
          gateways: [{ site: 'store-a', gateway: 'gw-store-a', passwordHash: await hashPassword(gatewaySecret) }],
          auth: { admin: { username: 'admin', password: 'admin-secret-1' } },
        }),
        pino({ level: 'silent' }),
      );
      const base = smallScenario({
        faults: {
          duplicate: { rate: 0.02 },
          reorder: { rate: 0.02 },
          clockSkew: { share: 0.2, maxSkewS: 120 },
          unsyncedClock: { share: 0.05 },
        },
      });
      const scenario = { ...base, stores: base.stores.map((s) => ({ ...s, serialScales: 0 })), vans: [] };
      const world = new World(scenario);
      const devices = world.devices.filter((d) => d.site === 'store-a');
      const port = await freePort();
      const gateway = await Gateway.start(
        parseConfig({
          site: 'store-a',
          gateway: 'gw-store-a',
          dataDir: join(dir, 'gw'),
          broker: { host: '127.0.0.1', port, publishesPerSecond: 1000, publishBurst: 5000 },
          devices: await deviceEntriesOf(devices),
          lanes: lanesOf(world, 'store-a'),
          uplink: { url: hub.brokerUrl, username: 'gw-store-a', password: gatewaySecret, flushIntervalMs: 50 },
          http: { host: '127.0.0.1', port: 0 },
        }),
        pino({ level: 'silent' }),
      );
      // A store tablet watching live: logged in as the admin, subscribed to store-a's latest values.
      const token = (
        (await (
          await fetch(`${hub.httpUrl}/api/auth/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ username: 'admin', password: 'admin-secret-1' }),
          })
        ).json()) as { token: string }
      ).token;
      const tablet = io(hub.httpUrl, { transports: ['websocket'], auth: { token } });
      await new Promise<void>((resolve) => tablet.once('connect', () => resolve()));
      await tablet.emitWithAck('subscribe', { site: 'store-a', channels: ['latest'] });
      const live = new Map<string, number>();
      tablet.on(
        'delta',
        (delta: { changes: Array<{ value: { type: string; item: { data: { lane: string; units: number } } } }> }) => {
          for (const change of delta.changes)
            if (change.value.type === 'shelf.level')
              live.set(change.value.item.data.lane, change.value.item.data.units);
        },
      );
      const fleet = new MqttFleet({ brokerUrl: `mqtt://127.0.0.1:${port}`, devices });
      await fleet.start();
      const sent: DeviceOutput[] = [];
      world.run(world.startMs + 30 * 60_000, (o) => {
        if (o.kind !== 'mqtt' || !o.device.startsWith('store-a/')) return;
        sent.push(o);
        fleet.write(o);
      });
      const series = hub.app.get<SeriesRepository>(SERIES_REPOSITORY);
      const ingest = hub.app.get<IngestRepository>(INGEST_REPOSITORY);

      afterAll(async () => {
        tablet.close();
        await fleet.close();
        await gateway.close();
        await hub.close();
        rmSync(dir, { recursive: true, force: true });
      });

      /** Distinct readings the devices sent (duplicates injected by the world count once). */
      const distinctReadings = new Set(
        sent
          .filter((o) => o.kind === 'mqtt' && o.topic.startsWith('dt/'))
          .map((o) => {
            const item = JSON.parse(o.kind === 'mqtt' ? o.payload : '{}') as {
              src: { device: string };
              boot: number;
              seq: number;
            };
            return `${item.src.device}/${item.boot}/${item.seq}`;
          }),
      );

      it('stores every reading exactly once, with duplicates and reordering on the wire', async () => {
        await gateway.drained(60_000);
        const stored =
          (await series.count({ site: 'store-a', type: 'shelf.weight' })) +
          (await series.count({ site: 'store-a', type: 'footfall.count' })) +
          (await series.count({ site: 'store-a', type: 'pos.basket' }));
        expect(distinctReadings.size).toBeGreaterThan(1000);
        expect(stored).toBe(distinctReadings.size);
      });

      it('keeps the latest level of each lane: the newest by ts, equal to what the gateway shows', async () => {
        const state = (await (await fetch(`http://127.0.0.1:${gateway.api.port}/state`)).json()) as {
          lanes: Array<{ lane: string; units: number | null }>;
        };
        const latest = (await (
          await fetch(`${hub.httpUrl}/api/sites/store-a/latest?type=shelf.level`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).json()) as Array<{
          key: string;
          item: { data: { lane: string; units: number } };
        }>;
        const byLane = new Map(latest.map((l) => [l.item.data.lane, l.item.data.units]));
        const known = state.lanes.filter((l) => l.units !== null);
        expect(known.length).toBeGreaterThan(10);
        for (const lane of known) expect(byLane.get(lane.lane), lane.lane).toBe(lane.units);
      });

      it('derives inventory per lane and per SKU, and keeps every basket once as demand history', async () => {
        const get = async (path: string) =>
          (await (
            await fetch(`${hub.httpUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })
          ).json()) as Record<string, unknown>;
        const inventory = (await get('/api/sites/store-a/inventory')) as {
          lanes: Array<{ sku: string; units: number }>;
          skus: Array<{ sku: string; units: number; lanes: number }>;
        };
        expect(inventory.lanes.length).toBeGreaterThan(10);
        for (const sku of inventory.skus) {
          const lanes = inventory.lanes.filter((l) => l.sku === sku.sku);
          expect(sku.units).toBe(lanes.reduce((n, l) => n + l.units, 0));
          expect(sku.lanes).toBe(lanes.length);
        }
        const sentBaskets = new Set(
          sent
            .filter((o) => o.kind === 'mqtt' && o.topic.endsWith('/basket'))
            .map((o) => (JSON.parse(o.kind === 'mqtt' ? o.payload : '{}') as { data: { basket: string } }).data.basket),
        );
        const stored = (await get('/api/sites/store-a/baskets?limit=10000')) as unknown as Array<{ basket: string }>;
        expect(sentBaskets.size).toBeGreaterThan(0);
        expect(new Set(stored.map((b) => b.basket))).toEqual(sentBaskets);
        expect(stored).toHaveLength(sentBaskets.size);
      });

      it('streamed the same lane levels to a socket.io client as deltas', async () => {
        await new Promise((resolve) => setTimeout(resolve, 300)); // one flush interval and then some
        const latest = (await (
          await fetch(`${hub.httpUrl}/api/sites/store-a/latest?type=shelf.level`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).json()) as Array<{ item: { data: { lane: string; units: number } } }>;
        expect(live.size).toBe(latest.length);
        for (const l of latest) expect(live.get(l.item.data.lane), l.item.data.lane).toBe(l.item.data.units);
      });

      it('knows the gateway is online, and serves health and metrics', async () => {
        const gateways = await ingest.gatewayStates();
        expect(gateways.map((g) => [g.gateway, g.status])).toEqual([['gw-store-a', 'online']]);
        expect((await fetch(`${hub.httpUrl}/health`)).status).toBe(200);
        const metrics = await (await fetch(`${hub.httpUrl}/metrics`)).text();
        expect(metrics).toMatch(/^aisle_hub_batches_total\{lane="live"\} [1-9]/m);
      });
    },
  );
}
