import { randomBytes } from 'node:crypto';
import { isValidLevel, topicFilters } from '@aisle/protocols';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Registry } from 'prom-client';
import { devicePublishVerdict, gatewayPublishProblem } from './acl.js';
import { BoundedLog, type BrokerLogger } from './bounded-log.js';
import {
  type DeviceBus,
  DeviceBusError,
  type DeviceBusStats,
  type DevicePublishListener,
  type DevicePublishOptions,
  PublishFanout,
} from './device-bus.js';
import { BrokerMetrics } from './metrics.js';

/**
 * The device bus on an external broker (e.g. the site's Mosquitto) instead of the embedded one:
 * one mqtt.js client subscribes to the site's device topics and hands what arrives to the same
 * `onPublish` listeners; commands go out through the same client.
 *
 * The external broker enforces who may publish what (its ACL is its operator's business); this
 * side still checks that each message is a well-formed device topic of the site and within the
 * payload bound, and counts what it drops under the same refusal reasons. It cannot know which
 * client published, so listeners get `clientId` undefined.
 *
 * Nothing is queued while the broker is unreachable: `publish` then fails with
 * `BUS_NOT_CONNECTED` (mqtt.js's offline queue would be unbounded). The client reconnects by
 * itself and subscribes again on every connect.
 *
 * Sessions: with a `clientId` (the gateway passes `aisle-edge-{site}-{gateway}`) the session is
 * persistent (`clean: false`), so the broker keeps the device messages QoS 1 published while the
 * gateway restarts and hands them over when it is back. Known limit: mqtt.js acknowledges a QoS 1
 * message when its handler returns, one message at a time, so PUBACKs cannot wait for the outbox
 * commit as the embedded broker's do; a `kill -9` can lose what arrived within the outbox append
 * delay (20 ms) before it. The embedded broker has no such window.
 */

export interface ExternalBrokerSourceOptions {
  /** `mqtt://`, `mqtts://`, `ws://` or `wss://`. */
  readonly url: string;
  readonly site: string;
  /**
   * A stable id makes the session persistent (see above). Default `aisle-edge-{site}-{random}` with
   * a clean session: two gateways never kick each other off, and nothing is kept between runs.
   */
  readonly clientId?: string;
  readonly username?: string;
  readonly password?: string;
  readonly maxPayloadBytes: number;
  readonly registry: Registry;
  readonly logger: BrokerLogger;
  /** Milliseconds on any monotonic origin; default `performance.now`. */
  readonly clock?: () => number;
  /** How long `start` waits for the first connection and subscription; default 10,000 ms. */
  readonly startTimeoutMs?: number;
  /** Between reconnect attempts; default 1,000 ms. */
  readonly reconnectMs?: number;
  /** Refusal log lines per reason per minute; default 10. */
  readonly refusalLogLinesPerMinute?: number;
}

/** The site's device topics, at QoS 1: device QoS 1 messages stay at-least-once up to here. */
function deviceFilters(site: string): string[] {
  return [topicFilters.dt(site), topicFilters.evt(site), topicFilters.state(site)];
}

export class ExternalBrokerSource implements DeviceBus {
  readonly #site: string;
  readonly #client: MqttClient;
  readonly #metrics: BrokerMetrics;
  readonly #fanout: PublishFanout;
  #closing: Promise<void> | undefined;

  private constructor(site: string, client: MqttClient, metrics: BrokerMetrics, fanout: PublishFanout) {
    this.#site = site;
    this.#client = client;
    this.#metrics = metrics;
    this.#fanout = fanout;
  }

  /** Connects and subscribes; rejects (leaving nothing open) when that fails within the start timeout. */
  static async start(options: ExternalBrokerSourceOptions): Promise<ExternalBrokerSource> {
    const { site, maxPayloadBytes } = options;
    if (!isValidLevel(site)) throw new RangeError(`site=${site} is not [a-z0-9-]{1,64}`);
    if (!Number.isInteger(maxPayloadBytes) || maxPayloadBytes < 1) {
      throw new RangeError(`maxPayloadBytes=${maxPayloadBytes} is not a positive integer`);
    }
    const clock = options.clock ?? (() => performance.now());
    const metrics = new BrokerMetrics(options.registry);
    const log = new BoundedLog(options.logger, options.refusalLogLinesPerMinute ?? 10, clock, (key) =>
      metrics.logSuppressed(key),
    );
    const fanout = new PublishFanout(log);
    const mqttOptions: IClientOptions = {
      clientId: options.clientId ?? `aisle-edge-${site}-${randomBytes(4).toString('hex')}`,
      protocolVersion: 4,
      clean: options.clientId === undefined,
      reconnectPeriod: options.reconnectMs ?? 1000,
      connectTimeout: options.startTimeoutMs ?? 10_000,
      // Subscribed again, and checked, on every connect below.
      resubscribe: false,
      queueQoSZero: false,
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
    };
    const client = connect(options.url, mqttOptions);
    const source = new ExternalBrokerSource(site, client, metrics, fanout);

    client.on('message', (topic, payload) => {
      const verdict = devicePublishVerdict(site, topic.split('/')[2] ?? '', topic);
      if (!verdict.ok) {
        metrics.refused(verdict.reason);
        log.warn(verdict.reason, { topic: topic.slice(0, 80) }, 'message dropped');
        return;
      }
      if (payload.length > maxPayloadBytes) {
        metrics.refused('payload-too-large');
        log.warn('payload-too-large', { topic, payloadBytes: payload.length }, 'message dropped');
        return;
      }
      metrics.published(verdict.kind);
      fanout.deliver(topic, payload, undefined);
    });
    client.on('error', (error) => log.error('external-error', { err: error.message }, 'external broker error'));

    const subscribe = (): Promise<void> =>
      client.subscribeAsync(deviceFilters(site), { qos: 1 }).then((granted) => {
        const refused = granted.filter((g) => g.qos === 128).map((g) => g.topic);
        if (refused.length > 0) throw new Error(`the external broker refused ${refused.join(', ')}`);
      });
    const firstSubscription = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no connection to ${options.url} within the start timeout`)),
        options.startTimeoutMs ?? 10_000,
      );
      let first = true;
      client.on('connect', () => {
        const subscribed = subscribe();
        if (first) {
          first = false;
          subscribed.then(resolve, reject).finally(() => clearTimeout(timer));
        } else {
          subscribed.catch((error: Error) =>
            log.error('external-error', { err: error.message }, 'resubscription failed'),
          );
        }
      });
    });
    try {
      await firstSubscription;
    } catch (error) {
      await source.close();
      throw error;
    }
    return source;
  }

  onPublish(listener: DevicePublishListener): () => void {
    return this.#fanout.add(listener);
  }

  async publish(topic: string, payload: Uint8Array | string, options: DevicePublishOptions = {}): Promise<void> {
    if (this.#closing !== undefined) throw new DeviceBusError('BUS_CLOSED', 'the source is closed');
    const problem = gatewayPublishProblem(this.#site, topic);
    if (problem !== undefined) throw new DeviceBusError('BUS_TOPIC_REFUSED', problem);
    if (!this.#client.connected) throw new DeviceBusError('BUS_NOT_CONNECTED', 'the external broker is unreachable');
    await this.#client.publishAsync(topic, Buffer.from(payload), {
      qos: options.qos ?? 0,
      retain: options.retain ?? false,
    });
  }

  stats(): DeviceBusStats {
    return {
      kind: 'external',
      connections: this.#client.connected ? 1 : 0,
      publishesDelivered: this.#metrics.publishedCount,
      refusals: this.#metrics.refusalCounts(),
    };
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#fanout.clear();
    // force: do not wait for in-flight QoS 1 acks from a broker that may be gone.
    await this.#client.endAsync(true);
    this.#metrics.unregister();
  }
}
