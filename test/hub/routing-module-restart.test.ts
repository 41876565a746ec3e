/**
 * The active plan survives a hub restart: it is read back from the database, and each van's
 * gateway, connecting to the restarted (embedded) broker, gets its route again, retained.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '@aisle/edge/credentials';
import { type RoutePlan, routePlanCodec } from '@aisle/protocols';
import { connectAsync } from 'mqtt';
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/src/config.js';
import { OrdersService } from '../../hub/src/replenishment/orders.service.js';
import { RoutingService } from '../../hub/src/routing/routing.service.js';
import { type RunningHub, startHub } from '../../hub/src/server.js';
import { midMorningZone } from '../helpers/time-zones.js';

const timeZone = midMorningZone();

const dir = mkdtempSync(join(tmpdir(), 'aisle-hub-routing-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function start(): Promise<RunningHub> {
  return startHub(
    parseHubConfig({
      dataDir: dir,
      http: { host: '127.0.0.1', port: 0 },
      broker: { host: '127.0.0.1', port: 0 },
      replenishment: { delivery: { sites: { 'store-a': { lat: 52.52, lon: 13.41 } } } },
      routing: {
        depots: { dc: { lat: 52.5, lon: 13.4 } },
        fleet: [
          {
            vehicle: 'van-1',
            gateway: 'van-1-gw',
            depot: 'dc',
            capacity: [100],
            shift: { start: '06:00', end: '22:00' },
            timeZone,
          },
        ],
        solve: { timeLimitMs: 100 },
      },
      gateways: [{ site: 'van-1', gateway: 'van-1-gw', passwordHash: await hashPassword('van-1-secret') }],
    }),
    pino({ level: 'silent' }),
  );
}

it("sends the active plan's routes again after a restart", async () => {
  let hub = await start();
  const WHY = { rule: 'order-up-to', text: 'low', values: {} };
  const order = await hub.app
    .get(OrdersService)
    .propose({ site: 'store-a', lines: [{ sku: 'MILK-1', quantity: 12, explanation: WHY }] });
  if (order.state === 'proposed')
    await hub.app.get(OrdersService).act('pat', 'store-a', order.id, { kind: 'approve', auto: false });
  const routing = hub.app.get(RoutingService);
  const proposed = await routing.plan('pat');
  await routing.activate('pat', proposed.plan.id);
  expect(proposed.plan.routes[0]?.stops).toHaveLength(1);
  await hub.close();

  hub = await start();
  try {
    expect(hub.app.get(RoutingService).activePlan()?.id).toBe(proposed.plan.id);
    const gateway = await connectAsync(hub.brokerUrl, {
      clientId: 'van-1-gw',
      username: 'van-1-gw',
      password: 'van-1-secret',
    });
    const received = new Promise<RoutePlan>((resolve, reject) => {
      gateway.once('message', (_topic, payload) => {
        const decoded = routePlanCodec.decode(payload);
        if (decoded.ok) resolve(decoded.value);
        else reject(new Error(decoded.error.code));
      });
    });
    await gateway.subscribeAsync('down/van-1/van-1-gw/replan', { qos: 1 });
    const plan = await received;
    expect(plan).toMatchObject({ id: proposed.plan.id, status: 'active' });
    expect(plan.routes[0]?.stops.map((s) => s.job)).toEqual(proposed.plan.routes[0]?.stops.map((s) => s.job));
    await gateway.endAsync();
  } finally {
    await hub.close();
  }
});
