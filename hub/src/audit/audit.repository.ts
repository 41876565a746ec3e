import type { HubDatabase } from '../storage/database.js';

export interface AuditEntry {
  readonly at: number;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** Admin actions and model rollouts, append-only. */
export interface AuditRepository {
  append(entry: AuditEntry): Promise<void>;
  recent(limit: number): Promise<AuditEntry[]>;
}

export class KyselyAuditRepository implements AuditRepository {
  readonly #db: HubDatabase;

  constructor(db: HubDatabase) {
    this.#db = db;
  }

  async append(entry: AuditEntry): Promise<void> {
    await this.#db
      .insertInto('audit_log')
      .values({ ...entry, detail: JSON.stringify(entry.detail) })
      .execute();
  }

  async recent(limit: number): Promise<AuditEntry[]> {
    const rows = await this.#db.selectFrom('audit_log').selectAll().orderBy('at', 'desc').limit(limit).execute();
    return rows.map((r) => ({ ...r, at: Number(r.at), detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }
}
