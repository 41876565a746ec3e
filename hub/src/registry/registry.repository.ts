import type { HubDatabase } from '../storage/database.js';

export interface GatewayRecord {
  readonly gateway: string;
  readonly site: string;
  readonly passwordHash: string;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

/** Sites, gateways and their credentials (devices, SKUs and planograms join with provisioning). */
export interface RegistryRepository {
  gateway(gateway: string): Promise<GatewayRecord | undefined>;
  gateways(): Promise<GatewayRecord[]>;
  /** Creates the gateway when absent; returns whether it did. */
  ensureGateway(record: Omit<GatewayRecord, 'revokedAt'>): Promise<boolean>;
}

export class KyselyRegistryRepository implements RegistryRepository {
  readonly #db: HubDatabase;

  constructor(db: HubDatabase) {
    this.#db = db;
  }

  async gateway(gateway: string): Promise<GatewayRecord | undefined> {
    const row = await this.#db.selectFrom('gateways').selectAll().where('gateway', '=', gateway).executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  async gateways(): Promise<GatewayRecord[]> {
    const rows = await this.#db.selectFrom('gateways').selectAll().orderBy('gateway').execute();
    return rows.map(toRecord);
  }

  async ensureGateway(record: Omit<GatewayRecord, 'revokedAt'>): Promise<boolean> {
    const result = await this.#db
      .insertInto('gateways')
      .values({
        gateway: record.gateway,
        site: record.site,
        password_hash: record.passwordHash,
        created_at: record.createdAt,
        revoked_at: null,
      })
      .onConflict((c) => c.column('gateway').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }
}

function toRecord(row: {
  gateway: string;
  site: string;
  password_hash: string;
  created_at: number;
  revoked_at: number | null;
}): GatewayRecord {
  return {
    gateway: row.gateway,
    site: row.site,
    passwordHash: row.password_hash,
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}
