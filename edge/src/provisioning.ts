import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DeviceCredentials, deviceCredentialsCodec, type Planogram, planogramCodec } from '@aisle/protocols';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';

/** What the hub pushed last and the gateway applied, kept in `dataDir` for the next start (offline). */
interface Provisioned {
  credentials?: DeviceCredentials;
  planogram?: Planogram;
}

type Outcome = 'applied' | 'stale' | 'invalid' | 'foreign' | 'failed' | 'ignored';

/**
 * Applies what the hub pushes on `down/{site}/{gateway}/credentials|planogram` (retained, so a
 * gateway that connects later gets the current version): a newer version replaces the device list
 * or the lanes as a whole, an older or equal one is ignored, a malformed or foreign one is refused.
 * Each applied message is written to `dataDir/provisioned.json` (temp file + rename) so that a
 * gateway restarting while the WAN is down still knows its devices and lanes. Counted by outcome.
 */
export class Provisioning {
  readonly #path: string;
  readonly #site: string;
  readonly #gateway: string;
  readonly #logger: Logger;
  readonly #apply: {
    credentials: (message: DeviceCredentials) => void;
    planogram: (message: Planogram) => void;
  };
  readonly #counter: Counter<'name' | 'outcome'>;
  #state: Provisioned;

  constructor(options: {
    dataDir: string;
    site: string;
    gateway: string;
    logger: Logger;
    metrics: Registry;
    apply: { credentials: (message: DeviceCredentials) => void; planogram: (message: Planogram) => void };
  }) {
    this.#path = join(options.dataDir, 'provisioned.json');
    this.#site = options.site;
    this.#gateway = options.gateway;
    this.#logger = options.logger;
    this.#apply = options.apply;
    this.#counter = new Counter({
      name: 'aisle_edge_downlink_total',
      help: 'Messages the hub pushed (credentials, planogram), by outcome',
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
      const raw = JSON.parse(text) as { credentials?: unknown; planogram?: unknown };
      const credentials = raw.credentials === undefined ? undefined : deviceCredentialsCodec.validate(raw.credentials);
      const planogram = raw.planogram === undefined ? undefined : planogramCodec.validate(raw.planogram);
      return {
        ...(credentials?.ok === true ? { credentials: credentials.value } : {}),
        ...(planogram?.ok === true ? { planogram: planogram.value } : {}),
      };
    } catch (error) {
      this.#logger.warn({ err: error, path: this.#path }, 'saved hub messages unreadable; using the local config');
      return {};
    }
  }
}
