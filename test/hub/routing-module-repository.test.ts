/**
 * The routing repository contract on the embedded SQLite store and on a real PostgreSQL: versioned
 * plans with at most one active, activation superseding the previous one, parcel jobs and their
 * cancellation, the fleet registry (depots and vans), all surviving a reconnect.
 */
import { expect, it } from 'vitest';
import type { StoredPlan } from '../../hub/src/routing/routing.repository.js';
import { KyselyRoutingRepository, type RoutingRepository } from '../../hub/src/routing/routing.repository.js';
import type { DeliveryJob, RoutePlan } from '../../protocols/src/index.js';
import type { MakeStoreFixture } from './contracts/fixture.js';
import { onRelationalBackends } from './contracts/relational-backends.js';

const AT = 1_767_225_600_000;

const job = (id: string, createdAt = AT): DeliveryJob => ({
  id,
  kind: 'parcel',
  location: { lat: 52.5, lon: 13.4 },
  demand: [3],
  timeWindows: [{ start: AT, end: AT + 3_600_000 }],
  serviceMs: 120_000,
  priority: 2,
  createdAt,
});

const stored = (id: string, version: number): StoredPlan => {
  const plan: RoutePlan = {
    v: 1,
    id,
    version,
    createdAt: AT + version,
    objective: 'distance',
    status: 'proposed',
    kpis: { distanceM: 1234.5, durationMs: 600_000, vehicles: 1, latenessMs: 0, unassigned: 1 },
    routes: [
      {
        vehicle: 'van-1',
        gateway: 'van-1-gw',
        depot: { lat: 52.52, lon: 13.4 },
        startAt: AT,
        endAt: AT + 600_000,
        distanceM: 1234.5,
        durationMs: 600_000,
        stops: [
          {
            job: 'p-1',
            location: { lat: 52.5, lon: 13.4 },
            arrival: AT + 100_000,
            departure: AT + 220_000,
            waitMs: 0,
            latenessMs: 0,
            load: [0],
            status: 'pending',
          },
        ],
      },
    ],
    unassigned: ['p-2'],
  };
  return {
    plan,
    jobs: [job('p-1'), job('p-2')],
    refused: [{ job: 'p-2', code: 'NO_FITTING_VEHICLE', detail: 'too big' }],
    reason: 'plan',
  };
};

function routingRepositoryContract(make: MakeStoreFixture<RoutingRepository>): void {
  it('stores versioned plans as given and refuses a version twice', async () => {
    const { repository, reopen } = await make();
    expect(await repository.nextVersion()).toBe(1);
    expect(await repository.savePlan(stored('plan-a', 1))).toBe(true);
    expect(await repository.savePlan(stored('plan-b', 1))).toBe(false);
    expect(await repository.nextVersion()).toBe(2);
    const again = await reopen();
    expect(await again.plan('plan-a')).toEqual(stored('plan-a', 1));
    expect(await again.plan('nope')).toBeUndefined();
    expect(await again.activePlan()).toBeUndefined();
  });

  it('activates one plan at a time: the previous one is superseded and cannot come back', async () => {
    const { repository } = await make();
    await repository.savePlan(stored('plan-a', 1));
    await repository.savePlan(stored('plan-b', 2));
    const first = await repository.activate('plan-a', AT + 10);
    expect(first.kind).toBe('activated');
    expect((await repository.activePlan())?.plan).toMatchObject({ id: 'plan-a', status: 'active' });
    expect((await repository.activate('plan-a', AT + 11)).kind).toBe('already-active');

    const second = await repository.activate('plan-b', AT + 20);
    expect(second).toMatchObject({
      kind: 'activated',
      plan: { plan: { id: 'plan-b', status: 'active' } },
      previous: { plan: { id: 'plan-a', status: 'superseded' } },
    });
    expect((await repository.plan('plan-a'))?.plan.status).toBe('superseded');
    expect((await repository.activate('plan-a', AT + 30)).kind).toBe('superseded');
    expect((await repository.activate('missing', AT + 30)).kind).toBe('missing');
    expect((await repository.activePlan())?.plan.id).toBe('plan-b');
  });

  it('refuses to activate a plan older than the active one', async () => {
    const { repository } = await make();
    await repository.savePlan(stored('plan-a', 1));
    await repository.savePlan(stored('plan-b', 2));
    await repository.activate('plan-b', AT);
    expect((await repository.activate('plan-a', AT + 1)).kind).toBe('superseded');
    expect((await repository.activePlan())?.plan.id).toBe('plan-b');
  });

  it('keeps parcel jobs pending, oldest first, until cancelled', async () => {
    const { repository, reopen } = await make();
    expect(await repository.addJob(job('p-2', AT + 2))).toBe(true);
    expect(await repository.addJob(job('p-1', AT + 1))).toBe(true);
    expect(await repository.addJob(job('p-1', AT + 1))).toBe(false);
    expect((await repository.pendingJobs(10)).map((j) => j.id)).toEqual(['p-1', 'p-2']);
    expect(await repository.pendingJobs(1)).toEqual([job('p-1', AT + 1)]);
    expect(await repository.cancelJob('p-1')).toBe(true);
    expect(await repository.cancelJob('p-1')).toBe(false);
    expect(await repository.cancelJob('nope')).toBe(false);
    const again = await reopen();
    expect((await again.pendingJobs(10)).map((j) => j.id)).toEqual(['p-2']);
    expect(await again.job('p-1')).toEqual({ job: job('p-1', AT + 1), status: 'cancelled' });
    expect(await again.cancelled(['p-1', 'p-2', 'nope'])).toEqual(new Set(['p-1']));
    expect(await again.cancelled([])).toEqual(new Set());
  });

  it('keeps the fleet registry: a seed adds only what is absent, puts replace, a van can be removed', async () => {
    const { repository, reopen } = await make();
    const van = (vehicle: string, capacity: number[]) => ({
      vehicle,
      gateway: `${vehicle}-gw`,
      depot: 'dc',
      capacity,
      shift: { start: '06:00', end: '18:00' },
      timeZone: 'Europe/Berlin',
      fixedCost: 50,
      costPerKm: 0.4,
      costPerHour: 25,
    });
    expect(await repository.fleet()).toEqual({ depots: {}, vans: [] });
    await repository.seedFleet(
      { depots: { dc: { lat: 52.5, lon: 13.4, name: 'DC' } }, vans: [van('van-2', [10])] },
      AT,
    );
    await repository.putVan(van('van-1', [12]), AT + 1);
    await repository.putDepot('north', { lat: 52.6, lon: 13.3 }, AT + 1);
    // The same seed again (a restart with the config): what the API changed is kept.
    await repository.putVan(van('van-2', [20]), AT + 2);
    await repository.seedFleet(
      { depots: { dc: { lat: 0, lon: 0 } }, vans: [van('van-2', [10]), van('van-3', [10])] },
      AT + 3,
    );
    const again = await reopen();
    expect(await again.fleet()).toEqual({
      depots: { dc: { lat: 52.5, lon: 13.4, name: 'DC' }, north: { lat: 52.6, lon: 13.3 } },
      vans: [van('van-1', [12]), van('van-2', [20]), van('van-3', [10])],
    });
    expect(await again.deleteVan('van-3')).toBe(true);
    expect(await again.deleteVan('van-3')).toBe(false);
    expect((await again.fleet()).vans.map((v) => v.vehicle)).toEqual(['van-1', 'van-2']);
  });
}

await onRelationalBackends('RoutingRepository', (db) => new KyselyRoutingRepository(db), routingRepositoryContract);
