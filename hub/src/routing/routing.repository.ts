import type { DeliveryJob, RoutePlan } from '@aisle/protocols';
import type { HubDatabase } from '../storage/database.js';
import type { Database } from '../storage/schema.js';
import type { DepotPoint, FleetVan, JobRefusal } from './problem-builder.js';

/** A plan as stored: the wire plan, the jobs it planned (a re-plan starts from them), its refusals, why it was made. */
export interface StoredPlan {
  readonly plan: RoutePlan;
  readonly jobs: readonly DeliveryJob[];
  readonly refused: readonly JobRefusal[];
  readonly reason: string;
}

export type ActivateOutcome =
  | { readonly kind: 'activated'; readonly plan: StoredPlan; readonly previous?: StoredPlan }
  | { readonly kind: 'already-active'; readonly plan: StoredPlan }
  | { readonly kind: 'superseded'; readonly plan: StoredPlan }
  | { readonly kind: 'missing' };

export type ParcelJobStatus = 'pending' | 'cancelled';

/**
 * Route plans (every version) and the parcel jobs posted to routing, in the relational store.
 * At most one plan is active: activation supersedes the active one in the same transaction, and a
 * plan older than the active one can no longer be activated.
 */
export interface RoutingRepository {
  /** The version the next plan gets (one above the highest stored). */
  nextVersion(): Promise<number>;
  /** Stores a new plan; false when its version is taken (another replica planned meanwhile). */
  savePlan(plan: StoredPlan): Promise<boolean>;
  plan(id: string): Promise<StoredPlan | undefined>;
  activePlan(): Promise<StoredPlan | undefined>;
  activate(id: string, at: number): Promise<ActivateOutcome>;
  addJob(job: DeliveryJob): Promise<boolean>;
  job(id: string): Promise<{ readonly job: DeliveryJob; readonly status: ParcelJobStatus } | undefined>;
  /** Pending → cancelled; false when the job is not pending. */
  cancelJob(id: string): Promise<boolean>;
  /** Pending parcel jobs, oldest first, at most `limit`. */
  pendingJobs(limit: number): Promise<DeliveryJob[]>;
  /** Of these ids, the parcel jobs that are cancelled. */
  cancelled(ids: readonly string[]): Promise<Set<string>>;
  /** The fleet registry: every depot and van, vans in vehicle order. */
  fleet(): Promise<Fleet>;
  /** Adds the depots and vans that are absent (the config's seed); ones already stored are kept as they are. */
  seedFleet(fleet: Fleet, at: number): Promise<void>;
  putDepot(id: string, depot: DepotPoint, at: number): Promise<void>;
  putVan(van: FleetVan, at: number): Promise<void>;
  /** Removes the van from the registry; false when it was not there. */
  deleteVan(vehicle: string): Promise<boolean>;
}

export interface Fleet {
  readonly depots: Readonly<Record<string, DepotPoint>>;
  readonly vans: readonly FleetVan[];
}

type PlanRow = Database['routing_plans'];

export class KyselyRoutingRepository implements RoutingRepository {
  readonly #db: HubDatabase;

  constructor(db: HubDatabase) {
    this.#db = db;
  }

  async nextVersion(): Promise<number> {
    const row = await this.#db
      .selectFrom('routing_plans')
      .select((eb) => eb.fn.max('version').as('top'))
      .executeTakeFirst();
    return Number(row?.top ?? 0) + 1;
  }

  async savePlan(stored: StoredPlan): Promise<boolean> {
    const result = await this.#db
      .insertInto('routing_plans')
      .values({
        id: stored.plan.id,
        version: stored.plan.version,
        status: stored.plan.status,
        created_at: stored.plan.createdAt,
        activated_at: stored.plan.status === 'active' ? stored.plan.createdAt : null,
        reason: stored.reason,
        plan: JSON.stringify(stored.plan),
        jobs: JSON.stringify(stored.jobs),
        refused: JSON.stringify(stored.refused),
      })
      .onConflict((c) => c.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async plan(id: string): Promise<StoredPlan | undefined> {
    const row = await this.#db.selectFrom('routing_plans').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toStored(row);
  }

  async activePlan(): Promise<StoredPlan | undefined> {
    const row = await this.#db
      .selectFrom('routing_plans')
      .selectAll()
      .where('status', '=', 'active')
      .orderBy('version', 'desc')
      .executeTakeFirst();
    return row === undefined ? undefined : toStored(row);
  }

  activate(id: string, at: number): Promise<ActivateOutcome> {
    return this.#db.transaction().execute(async (tx): Promise<ActivateOutcome> => {
      const row = await tx.selectFrom('routing_plans').selectAll().where('id', '=', id).executeTakeFirst();
      if (row === undefined) return { kind: 'missing' };
      const target = toStored(row);
      if (row.status === 'active') return { kind: 'already-active', plan: target };
      const activeRow = await tx
        .selectFrom('routing_plans')
        .selectAll()
        .where('status', '=', 'active')
        .orderBy('version', 'desc')
        .executeTakeFirst();
      if (row.status === 'superseded' || (activeRow !== undefined && Number(activeRow.version) > Number(row.version)))
        return { kind: 'superseded', plan: target };
      let previous: StoredPlan | undefined;
      if (activeRow !== undefined) {
        previous = withStatus(toStored(activeRow), 'superseded');
        await tx
          .updateTable('routing_plans')
          .set({ status: 'superseded', plan: JSON.stringify(previous.plan) })
          .where('id', '=', activeRow.id)
          .execute();
      }
      const activated = withStatus(target, 'active');
      const moved = await tx
        .updateTable('routing_plans')
        .set({ status: 'active', activated_at: at, plan: JSON.stringify(activated.plan) })
        .where('id', '=', id)
        .where('status', '=', row.status)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) === 0) return { kind: 'superseded', plan: target };
      return { kind: 'activated', plan: activated, ...(previous === undefined ? {} : { previous }) };
    });
  }

  async addJob(job: DeliveryJob): Promise<boolean> {
    const result = await this.#db
      .insertInto('routing_jobs')
      .values({ id: job.id, status: 'pending', job: JSON.stringify(job), created_at: job.createdAt })
      .onConflict((c) => c.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async job(id: string) {
    const row = await this.#db.selectFrom('routing_jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined
      ? undefined
      : { job: JSON.parse(row.job) as DeliveryJob, status: row.status as ParcelJobStatus };
  }

  async cancelJob(id: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('routing_jobs')
      .set({ status: 'cancelled' })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async pendingJobs(limit: number): Promise<DeliveryJob[]> {
    const rows = await this.#db
      .selectFrom('routing_jobs')
      .select('job')
      .where('status', '=', 'pending')
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => JSON.parse(r.job) as DeliveryJob);
  }

  async cancelled(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.#db
      .selectFrom('routing_jobs')
      .select('id')
      .where('status', '=', 'cancelled')
      .where('id', 'in', [...ids])
      .execute();
    return new Set(rows.map((r) => r.id));
  }

  async fleet(): Promise<Fleet> {
    const [depots, vans] = await Promise.all([
      this.#db.selectFrom('routing_depots').select(['id', 'depot']).orderBy('id').execute(),
      this.#db.selectFrom('routing_vans').select(['van']).orderBy('vehicle').execute(),
    ]);
    return {
      depots: Object.fromEntries(depots.map((d) => [d.id, JSON.parse(d.depot) as DepotPoint])),
      vans: vans.map((v) => JSON.parse(v.van) as FleetVan),
    };
  }

  async seedFleet(fleet: Fleet, at: number): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      for (const [id, depot] of Object.entries(fleet.depots))
        await tx
          .insertInto('routing_depots')
          .values({ id, depot: JSON.stringify(depot), updated_at: at })
          .onConflict((c) => c.doNothing())
          .execute();
      for (const van of fleet.vans)
        await tx
          .insertInto('routing_vans')
          .values({ vehicle: van.vehicle, van: JSON.stringify(van), updated_at: at })
          .onConflict((c) => c.doNothing())
          .execute();
    });
  }

  async putDepot(id: string, depot: DepotPoint, at: number): Promise<void> {
    const value = JSON.stringify(depot);
    await this.#db
      .insertInto('routing_depots')
      .values({ id, depot: value, updated_at: at })
      .onConflict((c) => c.column('id').doUpdateSet({ depot: value, updated_at: at }))
      .execute();
  }

  async putVan(van: FleetVan, at: number): Promise<void> {
    const value = JSON.stringify(van);
    await this.#db
      .insertInto('routing_vans')
      .values({ vehicle: van.vehicle, van: value, updated_at: at })
      .onConflict((c) => c.column('vehicle').doUpdateSet({ van: value, updated_at: at }))
      .execute();
  }

  async deleteVan(vehicle: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('routing_vans').where('vehicle', '=', vehicle).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

function toStored(row: PlanRow): StoredPlan {
  return {
    plan: JSON.parse(row.plan) as RoutePlan,
    jobs: JSON.parse(row.jobs) as DeliveryJob[],
    refused: JSON.parse(row.refused) as JobRefusal[],
    reason: row.reason,
  };
}

function withStatus(stored: StoredPlan, status: RoutePlan['status']): StoredPlan {
  return { ...stored, plan: { ...stored.plan, status } };
}
