/**
 * Routing's fleet registry on a real hub: the config seeds depots and vans; planners add, change
 * and remove them over REST, bad vans are refused with their codes, the next plan uses what the
 * registry holds, and a restart with the same config keeps what the API changed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RoutePlan } from '@aisle/protocols';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/src/config.js';
import { type RunningHub, startHub } from '../../hub/src/server.js';
import { midMorningZone } from '../helpers/time-zones.js';
import { type Client, login, user } from './replenishment-harness.js';

const timeZone = midMorningZone();
const DC = { lat: 52.5, lon: 13.4, name: 'Berlin DC' };
const NORTH = { lat: 52.65, lon: 13.35 };

const seededVan = {
  vehicle: 'van-1',
  gateway: 'van-1-gw',
  depot: 'dc',
  capacity: [100],
  shift: { start: '06:00', end: '22:00' },
  timeZone,
};

describe('the fleet registry', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-hub-routing-fleet-'));
  const start = () =>
    startHub(
      parseHubConfig({
        dataDir: dir,
        http: { host: '127.0.0.1', port: 0 },
        broker: { host: '127.0.0.1', port: 0 },
        auth: { admin: { username: 'root', password: 'root-secret-1' }, jwtSecret: 'x'.repeat(32) },
        routing: { depots: { dc: DC }, fleet: [seededVan], solve: { timeLimitMs: 200 } },
      }),
      pino({ level: 'silent' }),
    );
  let hub: RunningHub = await start();
  const admin = await login(hub, 'root', 'root-secret-1');
  let planner: Client = await user(hub, admin, 'pat', 'planner');
  const staff = await user(hub, admin, 'sam', 'staff', ['store-a']);
  afterAll(async () => {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const van2 = {
    gateway: 'van-2-gw',
    depot: 'north',
    capacity: [40],
    shift: { start: '06:00', end: '22:00' },
    timeZone,
  };
  const vehiclesPlanned = async (): Promise<string[]> => {
    const answer = await planner.call('POST', '/api/routing/plans');
    expect(answer.status).toBe(201);
    const plan = answer.body.plan as RoutePlan;
    return plan.routes.filter((r) => r.stops.length > 0).map((r) => r.vehicle);
  };

  it('is seeded from the config and shown to planners, not to staff', async () => {
    expect(await planner.call('GET', '/api/routing/fleet')).toMatchObject({
      status: 200,
      body: { depots: { dc: DC }, vans: [{ ...seededVan, fixedCost: 0, costPerKm: 1, costPerHour: 0 }] },
    });
    expect((await staff.call('GET', '/api/routing/fleet')).status).toBe(403);
    expect((await staff.call('PUT', '/api/routing/fleet/vans/van-2', { ...van2, depot: 'dc' })).status).toBe(403);
  });

  it('refuses a van whose depot is unknown, whose capacity has other dimensions, or a bad time zone or id', async () => {
    expect(await planner.call('PUT', '/api/routing/fleet/vans/van-2', van2)).toMatchObject({
      status: 409,
      body: { code: 'FLEET_UNKNOWN_DEPOT' },
    });
    expect(
      await planner.call('PUT', '/api/routing/fleet/vans/van-2', { ...van2, depot: 'dc', capacity: [40, 800] }),
    ).toMatchObject({ status: 409, body: { code: 'FLEET_DIMENSION_MISMATCH' } });
    expect(
      await planner.call('PUT', '/api/routing/fleet/vans/van-2', { ...van2, depot: 'dc', timeZone: 'Mars/Base' }),
    ).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(await planner.call('PUT', '/api/routing/fleet/vans/Van_2', { ...van2, depot: 'dc' })).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED' },
    });
    expect((await planner.call('GET', '/api/routing/fleet')).body.vans).toHaveLength(1);
  });

  it('plans with a van added at runtime from its own depot, and without it once removed', async () => {
    expect((await planner.call('PUT', '/api/routing/fleet/depots/north', NORTH)).status).toBe(200);
    expect(await planner.call('PUT', '/api/routing/fleet/vans/van-2', van2)).toMatchObject({
      status: 200,
      body: { vehicle: 'van-2', depot: 'north', capacity: [40] },
    });
    // One parcel beside each depot: each van takes the one at home.
    for (const location of [
      { lat: NORTH.lat + 0.002, lon: NORTH.lon },
      { lat: DC.lat + 0.002, lon: DC.lon },
    ]) {
      const posted = await planner.call('POST', '/api/routing/jobs', { location, demand: [5], serviceMs: 60_000 });
      expect(posted.status).toBe(201);
    }
    const answer = await planner.call('POST', '/api/routing/plans');
    const plan = answer.body.plan as RoutePlan;
    const north = plan.routes.find((r) => r.vehicle === 'van-2');
    expect(north?.depot).toEqual({ lat: NORTH.lat, lon: NORTH.lon });
    expect(north?.stops).toHaveLength(1);
    expect(north?.stops[0]?.location.lat).toBeCloseTo(NORTH.lat + 0.002, 6);

    expect((await planner.call('DELETE', '/api/routing/fleet/vans/van-2')).status).toBe(204);
    expect(await planner.call('DELETE', '/api/routing/fleet/vans/van-2')).toMatchObject({
      status: 404,
      body: { code: 'NOT_FOUND' },
    });
    expect(await vehiclesPlanned()).toEqual(['van-1']);
  });

  it('keeps what the API changed over the config seed after a restart', async () => {
    expect(
      (await planner.call('PUT', '/api/routing/fleet/vans/van-1', { ...seededVan, capacity: [60], vehicle: undefined }))
        .status,
    ).toBe(200);
    await hub.close();
    hub = await start();
    planner = await login(hub, 'pat', 'pat-secret-1');
    const fleet = (await planner.call('GET', '/api/routing/fleet')).body as {
      vans: { vehicle: string; capacity: number[] }[];
    };
    expect(fleet.vans.map((v) => [v.vehicle, v.capacity])).toEqual([['van-1', [60]]]);
  });
});
