import type { PlanogramLane, PlanogramSku } from '@aisle/protocols';
import type { HubDatabase } from '../storage/database.js';

export interface GatewayRecord {
  readonly gateway: string;
  readonly site: string;
  readonly passwordHash: string;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export interface SiteRecord {
  readonly site: string;
  readonly name: string;
  readonly kind: 'store' | 'van' | 'dc';
  readonly createdAt: number;
}

export interface DeviceRecord {
  readonly site: string;
  readonly device: string;
  readonly kind: string;
  readonly gateway: string;
  readonly username: string;
  readonly passwordHash: string;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export interface PlanogramRecord {
  readonly site: string;
  readonly version: number;
  readonly updatedAt: number;
  readonly lanes: readonly PlanogramLane[];
}

/** Sites, gateways, devices, SKUs and planograms, with the credentials the hub issues. */
export interface RegistryRepository {
  gateway(gateway: string): Promise<GatewayRecord | undefined>;
  gateways(): Promise<GatewayRecord[]>;
  /** Creates the gateway when absent; returns whether it did. */
  ensureGateway(record: Omit<GatewayRecord, 'revokedAt'>): Promise<boolean>;
  setGatewayPassword(gateway: string, passwordHash: string): Promise<void>;
  revokeGateway(gateway: string, at: number): Promise<void>;
  site(site: string): Promise<SiteRecord | undefined>;
  sites(): Promise<SiteRecord[]>;
  /** Creates the site when absent; returns whether it did. */
  createSite(record: SiteRecord): Promise<boolean>;
  devices(filter: { site?: string; gateway?: string }): Promise<DeviceRecord[]>;
  /** Creates or replaces the device's record (new credentials). */
  putDevice(record: DeviceRecord): Promise<void>;
  revokeDevice(site: string, device: string, at: number): Promise<boolean>;
  /** The next version of a gateway's device-credential list (1, 2, …). */
  nextCredentialVersion(gateway: string): Promise<number>;
  putSkus(skus: readonly PlanogramSku[]): Promise<void>;
  skus(ids: readonly string[]): Promise<PlanogramSku[]>;
  planogram(site: string): Promise<PlanogramRecord | undefined>;
  /** Stores the site's lanes as the next version; returns it. */
  putPlanogram(site: string, lanes: readonly PlanogramLane[], at: number): Promise<PlanogramRecord>;
}

export class KyselyRegistryRepository implements RegistryRepository {
  readonly #db: HubDatabase;

  constructor(db: HubDatabase) {
    this.#db = db;
  }

  async gateway(gateway: string): Promise<GatewayRecord | undefined> {
    const row = await this.#db.selectFrom('gateways').selectAll().where('gateway', '=', gateway).executeTakeFirst();
    return row === undefined ? undefined : toGateway(row);
  }

  async gateways(): Promise<GatewayRecord[]> {
    const rows = await this.#db.selectFrom('gateways').selectAll().orderBy('gateway').execute();
    return rows.map(toGateway);
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

  async setGatewayPassword(gateway: string, passwordHash: string): Promise<void> {
    await this.#db
      .updateTable('gateways')
      .set({ password_hash: passwordHash })
      .where('gateway', '=', gateway)
      .execute();
  }

  async revokeGateway(gateway: string, at: number): Promise<void> {
    await this.#db.updateTable('gateways').set({ revoked_at: at }).where('gateway', '=', gateway).execute();
  }

  async site(site: string): Promise<SiteRecord | undefined> {
    const row = await this.#db.selectFrom('sites').selectAll().where('site', '=', site).executeTakeFirst();
    return row === undefined ? undefined : toSite(row);
  }

  async sites(): Promise<SiteRecord[]> {
    return (await this.#db.selectFrom('sites').selectAll().orderBy('site').execute()).map(toSite);
  }

  async createSite(record: SiteRecord): Promise<boolean> {
    const result = await this.#db
      .insertInto('sites')
      .values({ site: record.site, name: record.name, kind: record.kind, created_at: record.createdAt })
      .onConflict((c) => c.column('site').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async devices(filter: { site?: string; gateway?: string }): Promise<DeviceRecord[]> {
    let query = this.#db.selectFrom('devices').selectAll();
    if (filter.site !== undefined) query = query.where('site', '=', filter.site);
    if (filter.gateway !== undefined) query = query.where('gateway', '=', filter.gateway);
    return (await query.orderBy('site').orderBy('device').execute()).map((r) => ({
      site: r.site,
      device: r.device,
      kind: r.kind,
      gateway: r.gateway,
      username: r.username,
      passwordHash: r.password_hash,
      createdAt: Number(r.created_at),
      revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    }));
  }

  async putDevice(record: DeviceRecord): Promise<void> {
    const values = {
      kind: record.kind,
      gateway: record.gateway,
      username: record.username,
      password_hash: record.passwordHash,
      created_at: record.createdAt,
      revoked_at: record.revokedAt,
    };
    await this.#db
      .insertInto('devices')
      .values({ site: record.site, device: record.device, ...values })
      .onConflict((c) => c.columns(['site', 'device']).doUpdateSet(values))
      .execute();
  }

  async revokeDevice(site: string, device: string, at: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('devices')
      .set({ revoked_at: at })
      .where('site', '=', site)
      .where('device', '=', device)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async nextCredentialVersion(gateway: string): Promise<number> {
    return this.#db.transaction().execute(async (tx) => {
      const row = await tx
        .selectFrom('credential_versions')
        .select('version')
        .where('gateway', '=', gateway)
        .executeTakeFirst();
      const version = (row === undefined ? 0 : Number(row.version)) + 1;
      await tx
        .insertInto('credential_versions')
        .values({ gateway, version })
        .onConflict((c) => c.column('gateway').doUpdateSet({ version }))
        .execute();
      return version;
    });
  }

  async putSkus(skus: readonly PlanogramSku[]): Promise<void> {
    // One statement per 1,000 SKUs in one transaction: a 20,000-SKU catalogue took 10–65 s one by one.
    const latest = new Map(skus.map((sku) => [sku.sku, sku]));
    const rows = [...latest.values()].map((sku) => ({
      sku: sku.sku,
      name: sku.name,
      category: sku.category ?? null,
      case_pack: sku.casePack ?? null,
    }));
    await this.#db.transaction().execute(async (tx) => {
      for (let i = 0; i < rows.length; i += 1000)
        await tx
          .insertInto('skus')
          .values(rows.slice(i, i + 1000))
          .onConflict((c) =>
            c.column('sku').doUpdateSet((eb) => ({
              name: eb.ref('excluded.name'),
              category: eb.ref('excluded.category'),
              case_pack: eb.ref('excluded.case_pack'),
            })),
          )
          .execute();
    });
  }

  async skus(ids: readonly string[]): Promise<PlanogramSku[]> {
    if (ids.length === 0) return [];
    const rows = await this.#db
      .selectFrom('skus')
      .selectAll()
      .where('sku', 'in', [...ids])
      .orderBy('sku')
      .execute();
    return rows.map((r) => ({
      sku: r.sku,
      name: r.name,
      ...(r.category === null ? {} : { category: r.category }),
      ...(r.case_pack === null ? {} : { casePack: Number(r.case_pack) }),
    }));
  }

  async planogram(site: string): Promise<PlanogramRecord | undefined> {
    const row = await this.#db.selectFrom('planograms').selectAll().where('site', '=', site).executeTakeFirst();
    return row === undefined
      ? undefined
      : {
          site: row.site,
          version: Number(row.version),
          updatedAt: Number(row.updated_at),
          lanes: JSON.parse(row.lanes) as PlanogramLane[],
        };
  }

  async putPlanogram(site: string, lanes: readonly PlanogramLane[], at: number): Promise<PlanogramRecord> {
    return this.#db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('planograms').select('version').where('site', '=', site).executeTakeFirst();
      const version = (row === undefined ? 0 : Number(row.version)) + 1;
      const values = { version, updated_at: at, lanes: JSON.stringify(lanes) };
      await tx
        .insertInto('planograms')
        .values({ site, ...values })
        .onConflict((c) => c.column('site').doUpdateSet(values))
        .execute();
      return { site, version, updatedAt: at, lanes };
    });
  }
}

function toGateway(row: {
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

function toSite(row: { site: string; name: string; kind: string; created_at: number }): SiteRecord {
  return { site: row.site, name: row.name, kind: row.kind as SiteRecord['kind'], createdAt: Number(row.created_at) };
}
