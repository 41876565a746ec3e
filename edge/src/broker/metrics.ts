import { Counter, Gauge, type Registry } from 'prom-client';
import type { DevicePublishKind } from './acl.js';
import { REFUSAL_REASONS, type RefusalReason } from './refusals.js';
import type { CacheOutcome } from './verified-password-cache.js';

/**
 * The device bus's Prometheus metrics, on the registry the gateway injects. The embedded broker and
 * the external-broker source register the same names, so dashboards do not care which one runs;
 * one device bus per registry at a time (prom-client refuses a name registered twice; `close()`
 * unregisters them).
 *
 * - `aisle_edge_broker_refusals_total{reason}`: every refusal, by reason (see `refusals.ts`)
 * - `aisle_edge_broker_publishes_total{kind}`: device publishes handed to the gateway (dt|evt|state)
 * - `aisle_edge_broker_connected_clients`: MQTT sessions now (embedded broker only)
 * - `aisle_edge_broker_refusal_logs_suppressed_total{reason}`: refusal log lines dropped by the bound
 * - `aisle_edge_broker_auth_cache_total{outcome}`: verification cache hits, misses, evictions
 */
export class BrokerMetrics {
  readonly #registry: Registry;
  readonly #names: string[] = [];
  readonly #refusals: Counter<'reason'>;
  readonly #publishes: Counter<'kind'>;
  readonly #suppressed: Counter<'reason'>;
  readonly #authCache: Counter<'outcome'>;
  /** Plain copies for `stats()`, which is synchronous (prom-client's `get()` is not). */
  readonly #refusalCounts = new Map<RefusalReason, number>();
  #published = 0;

  constructor(registry: Registry, connectedClients?: () => number) {
    this.#registry = registry;
    const registers = [registry];
    this.#refusals = new Counter({
      name: 'aisle_edge_broker_refusals_total',
      help: 'Connections, publishes and subscriptions the device bus refused, by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.#publishes = new Counter({
      name: 'aisle_edge_broker_publishes_total',
      help: 'Device publishes accepted and handed to the gateway, by topic class.',
      labelNames: ['kind'],
      registers,
    });
    this.#suppressed = new Counter({
      name: 'aisle_edge_broker_refusal_logs_suppressed_total',
      help: 'Refusal log lines not written because the per-reason bound per minute was reached.',
      labelNames: ['reason'],
      registers,
    });
    this.#authCache = new Counter({
      name: 'aisle_edge_broker_auth_cache_total',
      help: 'Password verification cache lookups (hit, miss) and evictions by its size bound.',
      labelNames: ['outcome'],
      registers,
    });
    // Every series exists from the start at 0, so a dashboard's rate() sees the first refusal.
    for (const reason of REFUSAL_REASONS) {
      this.#refusals.inc({ reason }, 0);
      this.#suppressed.inc({ reason }, 0);
    }
    for (const kind of ['dt', 'evt', 'state'] as const) this.#publishes.inc({ kind }, 0);
    this.#names.push(
      'aisle_edge_broker_refusals_total',
      'aisle_edge_broker_publishes_total',
      'aisle_edge_broker_refusal_logs_suppressed_total',
      'aisle_edge_broker_auth_cache_total',
    );
    if (connectedClients !== undefined) {
      this.#names.push('aisle_edge_broker_connected_clients');
      new Gauge({
        name: 'aisle_edge_broker_connected_clients',
        help: 'MQTT clients connected to the embedded broker now (devices and service clients).',
        registers,
        collect() {
          this.set(connectedClients());
        },
      });
    }
  }

  /** Removes these metrics from the registry, so a new device bus can register them again. */
  unregister(): void {
    for (const name of this.#names.splice(0)) this.#registry.removeSingleMetric(name);
  }

  refused(reason: RefusalReason): void {
    this.#refusals.inc({ reason });
    this.#refusalCounts.set(reason, (this.#refusalCounts.get(reason) ?? 0) + 1);
  }

  published(kind: DevicePublishKind): void {
    this.#publishes.inc({ kind });
    this.#published += 1;
  }

  logSuppressed(reason: string): void {
    this.#suppressed.inc({ reason });
  }

  authCache(outcome: CacheOutcome): void {
    this.#authCache.inc({ outcome });
  }

  get publishedCount(): number {
    return this.#published;
  }

  refusalCounts(): Partial<Record<RefusalReason, number>> {
    return Object.fromEntries(this.#refusalCounts) as Partial<Record<RefusalReason, number>>;
  }
}
