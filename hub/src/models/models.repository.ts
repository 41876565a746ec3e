import type { ForecastTask, ModelManifest, Quantization } from '@aisle/protocols';
import type { HubDatabase } from '../storage/database.js';
import type { Database } from '../storage/schema.js';
import type { AssignedModel, Rollout, RolloutStatus } from './engine/rollout.js';

export interface ModelRecord {
  readonly name: string;
  readonly version: string;
  readonly task: ForecastTask;
  readonly quant: Quantization;
  /** `bundleId(manifest)`, the `sha256` gateways report in their ModelRef. */
  readonly bundleId: string;
  readonly manifest: ModelManifest;
  /** The files' total size. */
  readonly bytes: number;
  readonly createdAt: number;
  readonly registeredAt: number;
  readonly registeredBy: string;
}

/** A gateway's desired models and the seq of the offer that carries them. */
export interface Assignment {
  readonly gateway: string;
  readonly site: string;
  readonly seq: number;
  readonly models: readonly AssignedModel[];
  readonly updatedAt: number;
}

export type PutModelOutcome = 'created' | 'exists' | 'conflict';

/**
 * The model registry, gateways' assignments and rollouts in the relational store.
 *
 * Bundle files live in the database (`model_files`, content-addressed by sha256), not in the data
 * directory: PostgreSQL is shared by every hub replica while each replica has its own disk, and a
 * gateway's resumed download may reach another replica. Bundles are small (bounded by
 * `models.maxBundleBytes`, a few MB for the models trained here), so a row per file is cheap.
 */
export interface ModelsRepository {
  /** Stores the model and its files; `exists` when name+version holds the same bundle, `conflict` another. */
  putModel(record: ModelRecord, files: ReadonlyMap<string, Uint8Array>): Promise<PutModelOutcome>;
  model(name: string, version: string): Promise<ModelRecord | undefined>;
  /** By name, newest registration first. */
  models(): Promise<ModelRecord[]>;
  /** A bundle file's bytes by sha256. */
  file(sha256: string): Promise<Uint8Array | undefined>;
  assignment(gateway: string): Promise<Assignment | undefined>;
  assignments(): Promise<Assignment[]>;
  putAssignment(assignment: Assignment): Promise<void>;
  createRollout(rollout: Rollout): Promise<void>;
  rollout(id: string): Promise<Rollout | undefined>;
  /** Newest first. */
  rollouts(filter?: { status?: RolloutStatus }): Promise<Rollout[]>;
  /**
   * Stores `rollout` if the stored revision is still `rollout.revision` (what it was read at) and
   * bumps `rollout.revision`; false when another writer (a replica) updated it meanwhile.
   */
  updateRollout(rollout: Rollout): Promise<boolean>;
}

export class KyselyModelsRepository implements ModelsRepository {
  readonly #db: HubDatabase;

  constructor(db: HubDatabase) {
    this.#db = db;
  }

  async putModel(record: ModelRecord, files: ReadonlyMap<string, Uint8Array>): Promise<PutModelOutcome> {
    return this.#db.transaction().execute(async (tx) => {
      const held = await tx
        .selectFrom('models')
        .select('bundle_id')
        .where('name', '=', record.name)
        .where('version', '=', record.version)
        .executeTakeFirst();
      if (held !== undefined) return held.bundle_id === record.bundleId ? 'exists' : 'conflict';
      for (const [sha256, data] of files)
        await tx
          .insertInto('model_files')
          .values({ sha256, bytes: data.byteLength, data })
          .onConflict((c) => c.column('sha256').doNothing())
          .execute();
      await tx
        .insertInto('models')
        .values({
          name: record.name,
          version: record.version,
          task: record.task,
          quant: record.quant,
          bundle_id: record.bundleId,
          manifest: JSON.stringify(record.manifest),
          bytes: record.bytes,
          created_at: record.createdAt,
          registered_at: record.registeredAt,
          registered_by: record.registeredBy,
        })
        .execute();
      return 'created';
    });
  }

  async model(name: string, version: string): Promise<ModelRecord | undefined> {
    const row = await this.#db
      .selectFrom('models')
      .selectAll()
      .where('name', '=', name)
      .where('version', '=', version)
      .executeTakeFirst();
    return row === undefined ? undefined : toModel(row);
  }

  async models(): Promise<ModelRecord[]> {
    const rows = await this.#db
      .selectFrom('models')
      .selectAll()
      .orderBy('name')
      .orderBy('registered_at', 'desc')
      .orderBy('version', 'desc')
      .execute();
    return rows.map(toModel);
  }

  async file(sha256: string): Promise<Uint8Array | undefined> {
    const row = await this.#db.selectFrom('model_files').select('data').where('sha256', '=', sha256).executeTakeFirst();
    return row === undefined ? undefined : new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength);
  }

  async assignment(gateway: string): Promise<Assignment | undefined> {
    const row = await this.#db
      .selectFrom('model_assignments')
      .selectAll()
      .where('gateway', '=', gateway)
      .executeTakeFirst();
    return row === undefined ? undefined : toAssignment(row);
  }

  async assignments(): Promise<Assignment[]> {
    return (await this.#db.selectFrom('model_assignments').selectAll().orderBy('gateway').execute()).map(toAssignment);
  }

  async putAssignment(assignment: Assignment): Promise<void> {
    const values = {
      site: assignment.site,
      seq: assignment.seq,
      models: JSON.stringify(assignment.models),
      updated_at: assignment.updatedAt,
    };
    await this.#db
      .insertInto('model_assignments')
      .values({ gateway: assignment.gateway, ...values })
      .onConflict((c) => c.column('gateway').doUpdateSet(values))
      .execute();
  }

  async createRollout(rollout: Rollout): Promise<void> {
    await this.#db
      .insertInto('rollouts')
      .values({
        id: rollout.id,
        status: rollout.status,
        task: rollout.task,
        body: JSON.stringify(rollout),
        created_at: rollout.createdAt,
        revision: rollout.revision,
      })
      .execute();
  }

  async rollout(id: string): Promise<Rollout | undefined> {
    const row = await this.#db.selectFrom('rollouts').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toRollout(row);
  }

  async rollouts(filter: { status?: RolloutStatus } = {}): Promise<Rollout[]> {
    let query = this.#db.selectFrom('rollouts').selectAll();
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    return (await query.orderBy('created_at', 'desc').orderBy('id', 'desc').execute()).map(toRollout);
  }

  async updateRollout(rollout: Rollout): Promise<boolean> {
    const revision = rollout.revision + 1;
    const result = await this.#db
      .updateTable('rollouts')
      .set({ status: rollout.status, body: JSON.stringify({ ...rollout, revision }), revision })
      .where('id', '=', rollout.id)
      .where('revision', '=', rollout.revision)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    rollout.revision = revision;
    return true;
  }
}

function toModel(row: Database['models']): ModelRecord {
  return {
    name: row.name,
    version: row.version,
    task: row.task as ForecastTask,
    quant: row.quant as Quantization,
    bundleId: row.bundle_id,
    manifest: JSON.parse(row.manifest) as ModelManifest,
    bytes: Number(row.bytes),
    createdAt: Number(row.created_at),
    registeredAt: Number(row.registered_at),
    registeredBy: row.registered_by,
  };
}

function toAssignment(row: {
  gateway: string;
  site: string;
  seq: number;
  models: string;
  updated_at: number;
}): Assignment {
  return {
    gateway: row.gateway,
    site: row.site,
    seq: Number(row.seq),
    models: JSON.parse(row.models) as AssignedModel[],
    updatedAt: Number(row.updated_at),
  };
}

function toRollout(row: { body: string; revision: number }): Rollout {
  return { ...(JSON.parse(row.body) as Rollout), revision: Number(row.revision) };
}
