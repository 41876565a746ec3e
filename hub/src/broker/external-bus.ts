import { randomBytes } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import type { BusHandler, HubBus } from './hub-bus.js';

/**
 * The hub on an external broker (Mosquitto, EMQX, HiveMQ) for production and scale-out. Uplink
 * filters (`up/…`) are taken through a shared subscription, `$share/{group}/up/…`, so the broker
 * hands each gateway message to one replica of the group and replicas split the load. A replica
 * that dies with batches in hand loses nothing: those batches are never acked, and the gateway
 * resends them from its cursor (they reach a live replica).
 *
 * The broker authenticates gateways (its password file or dynamic-security plugin); the hub's
 * registry still issues their secrets. `disconnect` is therefore the broker's business: revoking
 * a gateway must also remove it there.
 */
export interface ExternalBusOptions {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** The shared-subscription group of the hub replicas. */
  readonly group: string;
  readonly connectTimeoutMs?: number;
}

export class ExternalHubBus implements HubBus {
  readonly url: string;
  readonly #client: MqttClient;
  readonly #group: string;
  readonly #handlers: Array<{ filter: string; pattern: RegExp; handler: BusHandler }> = [];

  private constructor(url: string, client: MqttClient, group: string) {
    this.url = url;
    this.#client = client;
    this.#group = group;
    // mqtt.js hands over the next message (and sends this one's PUBACK) when the callback runs:
    // waiting for the handlers is the hub's backpressure on the broker.
    client.handleMessage = (packet, callback) => {
      const { topic } = packet;
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      const running = this.#handlers
        .filter((h) => h.pattern.test(topic))
        .map(
          (h) =>
            Promise.resolve()
              .then(() => h.handler(topic, payload))
              .catch(() => undefined), // handlers count and log their own failures
        );
      void Promise.all(running).then(() => callback());
    };
  }

  static async start(options: ExternalBusOptions): Promise<ExternalHubBus> {
    const client = await connectAsync(options.url, {
      clientId: `aisle-hub-${randomBytes(4).toString('hex')}`,
      protocolVersion: 5,
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
    });
    return new ExternalHubBus(options.url, client, options.group);
  }

  async subscribe(filter: string, handler: BusHandler): Promise<void> {
    this.#handlers.push({ filter, pattern: filterPattern(filter), handler });
    const shared = filter.startsWith('up/') ? `$share/${this.#group}/${filter}` : filter;
    const granted = await this.#client.subscribeAsync(shared, { qos: 1 });
    const refused = granted.filter((g) => g.qos >= 128);
    if (refused.length > 0) throw new Error(`the broker refused the subscription ${shared}`);
  }

  async publish(topic: string, payload: string | Buffer, options: { qos: 0 | 1; retain?: boolean }): Promise<void> {
    await this.#client.publishAsync(topic, payload, { qos: options.qos, retain: options.retain ?? false });
  }

  disconnect(): boolean {
    return false;
  }

  async close(): Promise<void> {
    await this.#client.endAsync();
  }
}

/** An MQTT filter (`+`, `#`) as a regular expression over topics. */
function filterPattern(filter: string): RegExp {
  const levels = filter.split('/').map((level) => {
    if (level === '+') return '[^/]+';
    if (level === '#') return '.*';
    return level.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${levels.join('/')}$`);
}
