import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';

/**
 * One set of migrations for every relational backend (SQLite and PostgreSQL): only Kysely's
 * portable schema builder, `bigint` for epoch milliseconds (SQLite stores it as INTEGER).
 * Append new migrations; never edit one that has shipped.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001-ingest': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('gateways')
        .addColumn('gateway', 'text', (c) => c.primaryKey())
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema
        .createTable('uplink_cursors')
        .addColumn('gateway', 'text', (c) => c.notNull())
        .addColumn('epoch', 'text', (c) => c.notNull())
        .addColumn('acked_seq', 'bigint', (c) => c.notNull())
        .addColumn('pending', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('uplink_cursors_pk', ['gateway', 'epoch'])
        .execute();
      await db.schema
        .createTable('gateway_states')
        .addColumn('gateway', 'text', (c) => c.primaryKey())
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('boot', 'bigint', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('latest')
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('item', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('latest_pk', ['site', 'device', 'key'])
        .execute();
      await db.schema.createIndex('latest_site_type').on('latest').columns(['site', 'type']).execute();
      await db.schema
        .createTable('series_items')
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('boot', 'bigint', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('gateway', 'text', (c) => c.notNull())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('rx', 'bigint')
        .addColumn('lane', 'text', (c) => c.notNull())
        .addColumn('flags', 'text')
        .addColumn('data', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('series_items_pk', ['origin', 'boot', 'seq'])
        .execute();
      await db.schema
        .createIndex('series_items_site_type_ts')
        .on('series_items')
        .columns(['site', 'type', 'ts'])
        .execute();
    },
  },
};

MIGRATIONS['0002-auth'] = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('users')
      .addColumn('username', 'text', (c) => c.primaryKey())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      /** JSON array of site ids (staff only). */
      .addColumn('sites', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('disabled_at', 'bigint')
      .execute();
    await db.schema
      .createTable('audit_log')
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('detail', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
  },
};

MIGRATIONS['0003-registry'] = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('sites')
      .addColumn('site', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('devices')
      .addColumn('site', 'text', (c) => c.notNull())
      .addColumn('device', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('gateway', 'text', (c) => c.notNull())
      .addColumn('username', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .addPrimaryKeyConstraint('devices_pk', ['site', 'device'])
      .execute();
    await db.schema.createIndex('devices_gateway').on('devices').column('gateway').execute();
    await db.schema
      .createTable('skus')
      .addColumn('sku', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('category', 'text')
      .addColumn('case_pack', 'integer')
      .execute();
    await db.schema
      .createTable('planograms')
      .addColumn('site', 'text', (c) => c.primaryKey())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      /** The lanes (JSON array of PlanogramLane). */
      .addColumn('lanes', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('credential_versions')
      .addColumn('gateway', 'text', (c) => c.primaryKey())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .execute();
  },
};

MIGRATIONS['0004-baskets'] = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('baskets')
      .addColumn('site', 'text', (c) => c.notNull())
      .addColumn('basket', 'text', (c) => c.notNull())
      .addColumn('ts', 'bigint', (c) => c.notNull())
      .addColumn('register', 'text', (c) => c.notNull())
      .addColumn('customer', 'text')
      /** JSON array of BasketLine. */
      .addColumn('lines', 'text', (c) => c.notNull())
      .addColumn('total_cents', 'bigint')
      /** `mqtt` (through a gateway) or `rest` (the batch endpoint). */
      .addColumn('source', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('baskets_pk', ['site', 'basket'])
      .execute();
    await db.schema.createIndex('baskets_site_ts').on('baskets').columns(['site', 'ts']).execute();
  },
};

MIGRATIONS['0005-models'] = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('models')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('task', 'text', (c) => c.notNull())
      .addColumn('quant', 'text', (c) => c.notNull())
      /** `bundleId(manifest)`: the sha256 of the manifest's signed bytes. */
      .addColumn('bundle_id', 'text', (c) => c.notNull())
      /** The signed manifest (JSON). */
      .addColumn('manifest', 'text', (c) => c.notNull())
      .addColumn('bytes', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('registered_at', 'bigint', (c) => c.notNull())
      .addColumn('registered_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('models_pk', ['name', 'version'])
      .execute();
    // `bytea` is PostgreSQL's byte string; SQLite stores the Buffer as a BLOB whatever the declared type.
    await db.schema
      .createTable('model_files')
      .addColumn('sha256', 'text', (c) => c.primaryKey())
      .addColumn('bytes', 'bigint', (c) => c.notNull())
      .addColumn('data', 'bytea', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('model_assignments')
      .addColumn('gateway', 'text', (c) => c.primaryKey())
      .addColumn('site', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      /** JSON array of AssignedModel (one per task). */
      .addColumn('models', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('rollouts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('task', 'text', (c) => c.notNull())
      /** The whole rollout (JSON): stages, per-gateway status, failure. */
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      /** Bumped by every update; an update names the revision it read (replicas never overwrite each other). */
      .addColumn('revision', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('rollouts_status').on('rollouts').column('status').execute();
  },
};

MIGRATIONS['0006-replenishment'] = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('replenishment_tasks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('site', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('lane', 'text')
      .addColumn('zone', 'text')
      .addColumn('units', 'bigint', (c) => c.notNull())
      .addColumn('priority', 'double precision', (c) => c.notNull())
      .addColumn('due_by', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('claimed_by', 'text')
      .addColumn('claimed_at', 'bigint')
      .addColumn('closed_by', 'text')
      .addColumn('closed_at', 'bigint')
      .addColumn('units_moved', 'bigint')
      .addColumn('skip_reason', 'text')
      /** The Explanation (JSON). */
      .addColumn('explanation', 'text', (c) => c.notNull())
      /** `{site}/{lane}` while a refill task is open or claimed, else null: one such task per lane. */
      .addColumn('active_lane', 'text', (c) => c.unique())
      /** Bumped by every update; an update names the revision it read. */
      .addColumn('revision', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('replenishment_tasks_site_state')
      .on('replenishment_tasks')
      .columns(['site', 'state', 'created_at'])
      .execute();
    await db.schema
      .createTable('store_orders')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('site', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('total_units', 'bigint', (c) => c.notNull())
      /** Why the order waits for a human (JSON array of OrderReviewReason; empty when within bounds). */
      .addColumn('review', 'text', (c) => c.notNull())
      .addColumn('need_by', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      /** `auto` or `manual` once approved. */
      .addColumn('approval', 'text')
      .addColumn('decided_by', 'text')
      .addColumn('decided_at', 'bigint')
      .addColumn('dispatched_at', 'bigint')
      .addColumn('delivered_at', 'bigint')
      .addColumn('closed_reason', 'text')
      .addColumn('revision', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('store_orders_site_state')
      .on('store_orders')
      .columns(['site', 'state', 'created_at'])
      .execute();
    await db.schema
      .createTable('store_order_lines')
      .addColumn('order_id', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('site', 'text', (c) => c.notNull())
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('quantity', 'bigint', (c) => c.notNull())
      .addColumn('explanation', 'text', (c) => c.notNull())
      /** Set when the order is delivered: the lines a SKU's typical quantity comes from. */
      .addColumn('delivered_at', 'bigint')
      .addPrimaryKeyConstraint('store_order_lines_pk', ['order_id', 'position'])
      .execute();
    await db.schema
      .createIndex('store_order_lines_site_sku')
      .on('store_order_lines')
      .columns(['site', 'sku', 'delivered_at'])
      .execute();
    await db.schema
      .createTable('delivery_jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('order_id', 'text', (c) => c.notNull())
      .addColumn('site', 'text', (c) => c.notNull())
      /** `pending` (to be routed), `dispatched`, `delivered` or `cancelled`. */
      .addColumn('status', 'text', (c) => c.notNull())
      /** Earliest window start and latest window end; null when the job has no window (any time). */
      .addColumn('window_start', 'bigint')
      .addColumn('window_end', 'bigint')
      /** The protocol DeliveryJob (JSON). */
      .addColumn('job', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('delivery_jobs_status').on('delivery_jobs').columns(['status', 'created_at']).execute();
    await db.schema.createIndex('delivery_jobs_order').on('delivery_jobs').column('order_id').execute();
  },
};

MIGRATIONS['0007-routing'] = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('routing_plans')
      .addColumn('id', 'text', (c) => c.primaryKey())
      /** Every plan, proposed or re-planned, gets the next version; unique, so two replicas never share one. */
      .addColumn('version', 'bigint', (c) => c.notNull().unique())
      /** `proposed`, `active` (at most one) or `superseded`. */
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('activated_at', 'bigint')
      /** Why it was made: `plan`, `job`, `cancel`, or the reason a planner gave a re-plan. */
      .addColumn('reason', 'text', (c) => c.notNull())
      /** The protocol RoutePlan (JSON), its status kept equal to the column. */
      .addColumn('plan', 'text', (c) => c.notNull())
      /** The DeliveryJobs it planned (JSON): what a re-plan starts from. */
      .addColumn('jobs', 'text', (c) => c.notNull())
      /** The jobs refused before solving, with their codes (JSON). */
      .addColumn('refused', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('routing_plans_status').on('routing_plans').column('status').execute();
    await db.schema
      .createTable('routing_jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      /** `pending` or `cancelled`. */
      .addColumn('status', 'text', (c) => c.notNull())
      /** The protocol DeliveryJob (JSON). */
      .addColumn('job', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('routing_jobs_status').on('routing_jobs').columns(['status', 'created_at']).execute();
  },
};

MIGRATIONS['0008-routing-fleet'] = {
  async up(db: Kysely<unknown>) {
    /** Routing's fleet registry: depots and vans, seeded from `routing.*` and kept by the fleet API. */
    await db.schema
      .createTable('routing_depots')
      .addColumn('id', 'text', (c) => c.primaryKey())
      /** `{lat, lon, name?}` (JSON). */
      .addColumn('depot', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('routing_vans')
      .addColumn('vehicle', 'text', (c) => c.primaryKey())
      /** The van as `routing.fleet[]` describes it (JSON). */
      .addColumn('van', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};

MIGRATIONS['0009-alert-acks'] = {
  async up(db: Kysely<unknown>) {
    /** Who acknowledged which store alert (`alerts/`): one row per alert key, for one raising of it. */
    await db.schema
      .createTable('alert_acks')
      .addColumn('site', 'text', (c) => c.notNull())
      /** The alert's `latest` key: `alert:{rule}:{subject.kind}:{subject.id}`. */
      .addColumn('key', 'text', (c) => c.notNull())
      /** The raising acknowledged (the alert's `since`): a later raising is not covered. */
      .addColumn('raised_at', 'bigint', (c) => c.notNull())
      .addColumn('acked_at', 'bigint', (c) => c.notNull())
      .addColumn('acked_by', 'text', (c) => c.notNull())
      .addColumn('note', 'text')
      .addPrimaryKeyConstraint('alert_acks_pk', ['site', 'key'])
      .execute();
    await db.schema.createIndex('alert_acks_site_at').on('alert_acks').columns(['site', 'acked_at']).execute();
  },
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/** Brings the schema up to date; throws with the failing migration's name and error. */
export async function migrate(db: Kysely<unknown>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${(error as Error).message ?? String(error)}`);
  }
}
