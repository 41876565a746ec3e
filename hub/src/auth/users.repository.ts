import type { HubDatabase } from '../storage/database.js';
import type { Role } from './roles.js';

export interface UserRecord {
  readonly username: string;
  readonly passwordHash: string;
  readonly role: Role;
  readonly sites: readonly string[];
  readonly createdAt: number;
  readonly disabledAt: number | null;
}

export interface UsersRepository {
  user(username: string): Promise<UserRecord | undefined>;
  users(): Promise<UserRecord[]>;
  /** Creates the user; false when the name is taken. */
  create(user: Omit<UserRecord, 'disabledAt'>): Promise<boolean>;
  countByRole(role: Role): Promise<number>;
}

export class KyselyUsersRepository implements UsersRepository {
  readonly #db: HubDatabase;

  constructor(db: HubDatabase) {
    this.#db = db;
  }

  async user(username: string): Promise<UserRecord | undefined> {
    const row = await this.#db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  async users(): Promise<UserRecord[]> {
    return (await this.#db.selectFrom('users').selectAll().orderBy('username').execute()).map(toRecord);
  }

  async create(user: Omit<UserRecord, 'disabledAt'>): Promise<boolean> {
    const result = await this.#db
      .insertInto('users')
      .values({
        username: user.username,
        password_hash: user.passwordHash,
        role: user.role,
        sites: JSON.stringify(user.sites),
        created_at: user.createdAt,
        disabled_at: null,
      })
      .onConflict((c) => c.column('username').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async countByRole(role: Role): Promise<number> {
    const row = await this.#db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', role)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

function toRecord(row: {
  username: string;
  password_hash: string;
  role: string;
  sites: string;
  created_at: number;
  disabled_at: number | null;
}): UserRecord {
  return {
    username: row.username,
    passwordHash: row.password_hash,
    role: row.role as Role,
    sites: JSON.parse(row.sites) as string[],
    createdAt: Number(row.created_at),
    disabledAt: row.disabled_at === null ? null : Number(row.disabled_at),
  };
}
