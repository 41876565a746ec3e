import { Aedes } from 'aedes';
import { gatewayPublishProblem } from './acl.js';
import { BoundedLog } from './bounded-log.js';
import { BrokerPolicy } from './broker-policy.js';
import {
  type DeviceBus,
  DeviceBusError,
  type DeviceBusStats,
  type DevicePublishListener,
  type DevicePublishOptions,
  PublishFanout,
} from './device-bus.js';
import {
  checkEdgeBrokerOptions,
  EDGE_BROKER_DEFAULTS,
  type EdgeBrokerOptions,
  PACKET_OVERHEAD_BYTES,
} from './edge-broker-options.js';
import { MqttFrameGuard } from './frame-guard.js';
import { type ListenerAddresses, type Listeners, openListeners } from './listeners.js';
import { BrokerMetrics } from './metrics.js';
import { TokenBuckets } from './rate-limit.js';
import { BrokerRefusal, type RefusalReason } from './refusals.js';
import { VerifiedPasswordCache } from './verified-password-cache.js';

/**
 * The site's embedded MQTT broker (aedes 1.x, MQTT 3.1.1): devices connect over TCP, WebSocket or
 * TLS with per-device credentials; what they may do is `BrokerPolicy`; what passes reaches the
 * gateway in-process through `onPublish`, and the gateway commands devices with `publish`.
 *
 * Every refusal is counted by reason and logged at a bounded rate (`metrics.ts`, `refusals.ts`).
 * A connection whose packet header announces more than `maxPayloadBytes` + overhead is cut before
 * the packet is buffered (`frame-guard.ts`): aedes 1.x has no packet size option of its own.
 */
export class EdgeBroker implements DeviceBus {
  readonly addresses: ListenerAddresses;
  readonly #site: string;
  readonly #aedes: Aedes;
  readonly #listeners: Listeners;
  readonly #policy: BrokerPolicy;
  readonly #metrics: BrokerMetrics;
  readonly #fanout: PublishFanout;
  readonly #unwatchDevices: () => void;
  #closing: Promise<void> | undefined;

  private constructor(parts: {
    site: string;
    aedes: Aedes;
    listeners: Listeners;
    policy: BrokerPolicy;
    metrics: BrokerMetrics;
    fanout: PublishFanout;
    unwatchDevices: () => void;
  }) {
    this.addresses = parts.listeners.addresses;
    this.#site = parts.site;
    this.#aedes = parts.aedes;
    this.#listeners = parts.listeners;
    this.#policy = parts.policy;
    this.#metrics = parts.metrics;
    this.#fanout = parts.fanout;
    this.#unwatchDevices = parts.unwatchDevices;
  }

  /** Starts aedes and the listeners; resolves once every listener is bound (see `addresses`). */
  static async start(options: EdgeBrokerOptions): Promise<EdgeBroker> {
    checkEdgeBrokerOptions(options);
    const clock = options.clock ?? (() => performance.now());
    let aedes: Aedes | undefined;
    const metrics = new BrokerMetrics(options.registry, () => aedes?.connectedClients ?? 0);
    const linesPerMinute = options.refusalLogLinesPerMinute ?? EDGE_BROKER_DEFAULTS.refusalLogLinesPerMinute;
    const log = new BoundedLog(options.logger, linesPerMinute, clock, (key) => metrics.logSuppressed(key));
    const record = (reason: RefusalReason, fields: Record<string, unknown>, message: string): void => {
      metrics.refused(reason);
      log.warn(reason, fields, message);
    };
    const fanout = new PublishFanout(log);
    const policy = new BrokerPolicy({
      devices: options.devices,
      maxPayloadBytes: options.maxPayloadBytes,
      buckets: new TokenBuckets({ perSecond: options.publishesPerSecond, burst: options.burst }, clock),
      verifier: new VerifiedPasswordCache(
        options.authCacheEntries ?? EDGE_BROKER_DEFAULTS.authCacheEntries,
        (outcome) => metrics.authCache(outcome),
      ),
      serviceSecret: options.serviceSecret,
      record,
      fanout,
      metrics,
    });

    const broker = await Aedes.createBroker({
      ...policy.hooks(),
      connectTimeout: options.connectTimeoutMs ?? EDGE_BROKER_DEFAULTS.connectTimeoutMs,
      // MQTT 3.1.1 sets no client id length limit; aedes applies its 23 only to MQTT 3.1 clients.
      // Usernames (= client ids) may be longer than 23, so lift it for 3.1 clients too.
      maxClientsIdLength: 256,
    });
    aedes = broker;
    broker.on('client', (client) => policy.registered(client));
    broker.on('clientDisconnect', (client) => policy.disconnected(client));
    broker.on('clientError', (client, error) => {
      // Refusals were counted and logged where they were decided.
      if (error instanceof BrokerRefusal) return;
      log.warn('client-error', { clientId: client.id, err: error.message }, 'client connection error');
    });
    broker.on('connectionError', (_client, error) => {
      log.warn('connection-error', { err: error.message }, 'connection error before CONNECT');
    });
    const unwatchDevices = options.devices.onAccessEnded((usernames) => policy.accessEnded(usernames));

    const maxRemainingBytes = options.maxPayloadBytes + PACKET_OVERHEAD_BYTES;
    let listeners: Listeners;
    try {
      listeners = await openListeners(
        {
          tcp: options.tcp,
          websocket: options.websocket,
          tls: options.tls,
          maxMessageBytes: maxRemainingBytes + 5,
        },
        (conn, transport, remoteAddress) => {
          const guarded = new MqttFrameGuard(
            conn,
            maxRemainingBytes,
            (announcedBytes) =>
              record('packet-too-large', { transport, remoteAddress, announcedBytes }, 'connection cut'),
            remoteAddress,
          );
          broker.handle(guarded);
        },
        (transport, error) => log.error('listener-error', { transport, err: error.message }, 'listener error'),
      );
    } catch (error) {
      unwatchDevices();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      metrics.unregister();
      throw error;
    }
    return new EdgeBroker({
      site: options.devices.site,
      aedes: broker,
      listeners,
      policy,
      metrics,
      fanout,
      unwatchDevices,
    });
  }

  onPublish(listener: DevicePublishListener): () => void {
    return this.#fanout.add(listener);
  }

  /** Publishes on behalf of the gateway (not a client: `onPublish` does not see it). */
  async publish(topic: string, payload: Uint8Array | string, options: DevicePublishOptions = {}): Promise<void> {
    if (this.#closing !== undefined) throw new DeviceBusError('BUS_CLOSED', 'the broker is closed');
    const problem = gatewayPublishProblem(this.#site, topic);
    if (problem !== undefined) throw new DeviceBusError('BUS_TOPIC_REFUSED', problem);
    const packet = {
      cmd: 'publish' as const,
      topic,
      payload: Buffer.from(payload),
      qos: options.qos ?? 0,
      retain: options.retain ?? false,
      dup: false,
    };
    await new Promise<void>((resolve, reject) =>
      this.#aedes.publish(packet, (error) => (error ? reject(error) : resolve())),
    );
  }

  stats(): DeviceBusStats {
    return {
      kind: 'embedded',
      connections: this.#aedes.connectedClients,
      publishesDelivered: this.#metrics.publishedCount,
      refusals: this.#metrics.refusalCounts(),
    };
  }

  /**
   * Stops delivering, closes every client (aedes), then the listeners and any half-open socket,
   * and unregisters the metrics. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#unwatchDevices();
    // Devices' wills fire as aedes closes them; they say nothing about the devices.
    this.#policy.stop();
    this.#fanout.clear();
    await new Promise<void>((resolve) => this.#aedes.close(() => resolve()));
    await this.#listeners.close();
    this.#metrics.unregister();
  }
}
