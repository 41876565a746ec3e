import { randomBytes, webcrypto } from 'node:crypto';
import { hashPassword, verifyPassword } from '@aisle/edge/credentials';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { jwtVerify, SignJWT } from 'jose';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { AuditRepository } from '../audit/audit.repository.js';
import type { HubConfig } from '../config.js';
import { AUDIT_REPOSITORY, HUB_CONFIG, LOGGER, METRICS, USERS_REPOSITORY } from '../tokens.js';
import { apiError } from './api-error.js';
import { RateLimiter } from './rate-limiter.js';
import { type Principal, ROLES, type Role } from './roles.js';
import type { UserRecord, UsersRepository } from './users.repository.js';

/** A hash to verify against when the user does not exist, so timing does not tell names apart. */
const DUMMY_HASH = hashPassword(randomBytes(16));

/**
 * Users, logins and tokens. Passwords are scrypt hashes; tokens are HS256 JWTs carrying the role
 * and the sites, checked on every request and socket handshake. Logins are rate limited per
 * username and per client address; every refusal is counted.
 */
@Injectable()
export class AuthService implements OnApplicationBootstrap {
  /**
   * Imported once as a WebCrypto key: jose works through WebCrypto and re-imports raw bytes or a
   * KeyObject on every sign and verify (0.1–0.3 ms a request, measured by bench/hub/recommend-serve).
   */
  readonly #key: Promise<webcrypto.CryptoKey>;
  readonly #logins: RateLimiter;
  readonly #loginsByAddress: RateLimiter;
  readonly #requests: RateLimiter;
  readonly #refusals: Counter<'reason'>;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(USERS_REPOSITORY) private readonly users: UsersRepository,
    @Inject(AUDIT_REPOSITORY) private readonly audit: AuditRepository,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) metrics: Registry,
  ) {
    this.#key = webcrypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(config.auth.jwtSecret ?? randomBytes(32).toString('base64url')),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    );
    this.#logins = new RateLimiter(config.auth.loginAttemptsPerMinute);
    this.#loginsByAddress = new RateLimiter(config.auth.loginAttemptsPerAddressPerMinute);
    this.#requests = new RateLimiter(config.auth.requestsPerMinute);
    this.#refusals = new Counter({
      name: 'aisle_hub_auth_refusals_total',
      help: 'Requests and logins refused, by reason',
      labelNames: ['reason'],
      registers: [metrics],
    });
  }

  /** The first admin, from config, when no admin exists yet. */
  async onApplicationBootstrap(): Promise<void> {
    if (this.config.auth.jwtSecret === undefined)
      this.logger.warn('auth.jwtSecret is not set: a random key signs tokens, which end with this process');
    const admin = this.config.auth.admin;
    if (admin === undefined || (await this.users.countByRole('admin')) > 0) return;
    await this.createUser('bootstrap', {
      username: admin.username,
      password: admin.password,
      role: 'admin',
      sites: [],
    });
    this.logger.info({ username: admin.username }, 'first admin created');
  }

  async login(username: string, password: string, address: string): Promise<{ token: string; principal: Principal }> {
    if (!this.#logins.take(username) || !this.#loginsByAddress.take(address)) {
      this.#refusals.inc({ reason: 'login-rate' });
      throw apiError(429, 'RATE_LIMITED', 'too many login attempts; wait a minute');
    }
    const user = await this.users.user(username);
    const ok = await verifyPassword(password, user?.passwordHash ?? (await DUMMY_HASH));
    if (user === undefined || !ok || user.disabledAt !== null) {
      this.#refusals.inc({ reason: 'login-failed' });
      throw apiError(401, 'LOGIN_FAILED', 'wrong username or password');
    }
    const principal: Principal = { username: user.username, role: user.role, sites: user.sites };
    const token = await new SignJWT({ role: principal.role, sites: principal.sites })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(principal.username)
      .setIssuedAt()
      .setExpirationTime(`${this.config.auth.tokenTtlS}s`)
      .sign(await this.#key);
    return { token, principal };
  }

  /** The principal of a bearer token; throws AUTH_INVALID (401) when it is not one of ours or expired. */
  async verify(token: string): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, await this.#key, { algorithms: ['HS256'] });
      const role = payload.role as Role;
      if (typeof payload.sub !== 'string' || !ROLES.includes(role) || !Array.isArray(payload.sites))
        throw new Error('claims');
      return { username: payload.sub, role, sites: payload.sites.filter((s): s is string => typeof s === 'string') };
    } catch {
      this.#refusals.inc({ reason: 'token-invalid' });
      throw apiError(401, 'AUTH_INVALID', 'the token is invalid or expired; log in again');
    }
  }

  /** Counts one request of `principal`; throws RATE_LIMITED (429) past the per-minute bound. */
  admit(principal: Principal): void {
    if (this.#requests.take(principal.username)) return;
    this.#refusals.inc({ reason: 'request-rate' });
    throw apiError(429, 'RATE_LIMITED', `more than ${this.config.auth.requestsPerMinute} requests per minute`);
  }

  refused(reason: 'no-token' | 'role' | 'site'): void {
    this.#refusals.inc({ reason });
  }

  async createUser(
    actor: string,
    input: { username: string; password: string; role: Role; sites: readonly string[] },
  ): Promise<Omit<UserRecord, 'passwordHash'>> {
    const record = {
      username: input.username,
      passwordHash: await hashPassword(input.password),
      role: input.role,
      sites: input.role === 'staff' ? input.sites : [],
      createdAt: Date.now(),
    };
    if (!(await this.users.create(record))) throw apiError(409, 'CONFLICT', `user "${input.username}" exists`);
    await this.audit.append({
      at: record.createdAt,
      actor,
      action: 'user.create',
      target: input.username,
      detail: { role: record.role, sites: record.sites },
    });
    const { passwordHash: _, ...visible } = record;
    return { ...visible, disabledAt: null };
  }

  recentAudit(limit: number) {
    return this.audit.recent(limit);
  }

  async listUsers(): Promise<Array<Omit<UserRecord, 'passwordHash'>>> {
    return (await this.users.users()).map(({ passwordHash: _, ...visible }) => visible);
  }
}
