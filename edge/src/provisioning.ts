import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  commandCodec,
  type DeviceCredentials,
  deviceCredentialsCodec,
  newId,
  type Planogram,
  planogramCodec,
  type RouteCommand,
  routePlanCodec,
} from '@aisle/protocols';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { routeCommandOf } from './domain/van-route.js';

/** What the hub pushed last and the gateway applied, kept in `dataDir` for the next start (offline). */
interface Provisioned {
  credentials?: DeviceCredentials;
  planogram?: Planogram;
  /** A van gateway's route, as forwarded to its driver terminal (`version`: the plan's). */
  route?: RouteCommand;
}

/** What the gateway does with what the hub pushed; `route` only on a van's gateway. */
export interface ProvisioningHooks {
  credentials: (message: DeviceCredentials) => void;
  planogram: (message: Planogram) => void;
  route?: (command: RouteCommand) => void;
}

type Outcome = 'applied' | 'stale' | 'invalid' | 'foreign' | 'failed' | 'ignored';

/**
 * Applies what the hub pushes on `down/{site}/{gateway}/credentials|planogram|replan` (retained, so
 * a gateway that connects later gets the current version): a newer version replaces the device
 * list, the lanes or the van's route as a whole, an older or equal one is ignored, a malformed or
 * foreign one (another site's, or a plan with no route for this van) is refused.
 * Each applied message is written to `dataDir/provisioned.json` (temp file + rename) so that a
 * gateway restarting while the WAN is down still knows its devices and lanes. Counted by outcome.
 */
export class Provisioning {
  readonly #path: string;
  readonly #site: string;
  readonly #gateway: string;
  readonly #logger: Logger;
  readonly #apply: ProvisioningHooks;
  readonly #now: () => number;
  readonly #counter: Counter<'name' | 'outcome'>;
  #state: Provisioned;

  constructor(options: {
    dataDir: string;
    site: string;
    gateway: string;
    logger: Logger;
    metrics: Registry;
    apply: ProvisioningHooks;
    now?: () => number;
  }) {
    this.#path = join(options.dataDir, 'provisioned.json');
    this.#site = options.site;
    this.#gateway = options.gateway;
    this.#logger = options.logger;
    this.#apply = options.apply;
    this.#now = options.now ?? Date.now;
    this.#counter = new Counter({
      name: 'aisle_edge_downlink_total',
      help: 'Messages the hub pushed (credentials, planogram, replan), by outcome',
      labelNames: ['name', 'outcome'],
      registers: [options.metrics],
    });
    this.#state = this.#load();
  }

  /** What was applied before this start (undefined parts: use the local config). */
  get saved(): Readonly<Provisioned> {
    return this.#state;
  }

  /** A message on `down/{site}/{gateway}/{name}`. Never throws. */
  receive(name: string, payload: Buffer): void {
    const outcome = this.#receive(name, payload);
    this.#counter.inc({ name, outcome });
    if (outcome !== 'applied' && outcome !== 'stale' && outcome !== 'ignored')
      this.#logger.warn({ name, outcome }, 'hub message not applied');
  }

  #receive(name: string, payload: Buffer): Outcome {
    if (name === 'credentials') {
      const decoded = deviceCredentialsCodec.decode(payload);
      if (!decoded.ok) return 'invalid';
      const message = decoded.value;
      if (message.site !== this.#site || message.gateway !== this.#gateway) return 'foreign';
      if (message.version <= (this.#state.credentials?.version ?? 0)) return 'stale';
      return this.#commit('credentials', message, () => this.#apply.credentials(message));
    }
    if (name === 'planogram') {
      const decoded = planogramCodec.decode(payload);
      if (!decoded.ok) return 'invalid';
      const message = decoded.value;
      if (message.site !== this.#site) return 'foreign';
      if (message.version <= (this.#state.planogram?.version ?? 0)) return 'stale';
      return this.#commit('planogram', message, () => this.#apply.planogram(message));
    }
    if (name === 'replan') {
      const apply = this.#apply.route;
      if (apply === undefined) return 'ignored';
      const decoded = routePlanCodec.decode(payload);
      if (!decoded.ok) return 'invalid';
      const plan = decoded.value;
      // The van is the site: the hub addresses the plan to it, and the route in it names it.
      const command = routeCommandOf(plan, this.#site, newId(), this.#now());
      if (command === undefined) return 'foreign';
      if (plan.version <= (this.#state.route?.version ?? -1)) return 'stale';
      return this.#commit('route', command, () => apply(command));
    }
    return 'ignored';
  }

  #commit<K extends keyof Provisioned>(key: K, message: NonNullable<Provisioned[K]>, apply: () => void): Outcome {
    try {
      apply();
    } catch (error) {
      this.#logger.error({ err: error, key }, 'hub message refused by the gateway');
      return 'failed';
    }
    this.#state = { ...this.#state, [key]: message };
    writeFileSync(`${this.#path}.tmp`, JSON.stringify(this.#state));
    renameSync(`${this.#path}.tmp`, this.#path);
    this.#logger.info({ key, version: message.version }, 'hub message applied');
    return 'applied';
  }

  #load(): Provisioned {
    let text: string;
    try {
      text = readFileSync(this.#path, 'utf8');
    } catch {
      return {};
    }
    try {
      const raw = JSON.parse(text) as { credentials?: unknown; planogram?: unknown; route?: unknown };
      const credentials = raw.credentials === undefined ? undefined : deviceCredentialsCodec.validate(raw.credentials);
      const planogram = raw.planogram === undefined ? undefined : planogramCodec.validate(raw.planogram);
      const route = raw.route === undefined ? undefined : commandCodec.validate(raw.route);
      return {
        ...(credentials?.ok === true ? { credentials: credentials.value } : {}),
        ...(planogram?.ok === true ? { planogram: planogram.value } : {}),
        ...(route?.ok === true && route.value.command === 'route' ? { route: route.value } : {}),
      };
    } catch (error) {
      this.#logger.warn({ err: error, path: this.#path }, 'saved hub messages unreadable; using the local config');
      return {};
    }
  }
}
