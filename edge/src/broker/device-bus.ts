import type { BoundedLog } from './bounded-log.js';
import type { RefusalReason } from './refusals.js';

/**
 * Where the gateway hears its devices: the embedded broker (`EdgeBroker`) or an external one
 * (`ExternalBrokerSource`, e.g. the site's Mosquitto). The rest of the gateway sees only this.
 */

/**
 * A device publish that passed authorization. `clientId` is the publishing device's MQTT client id
 * (its username) on the embedded broker, and `undefined` from an external broker, which does not
 * say who published.
 */
/**
 * A device publish that passed authorization. A listener may return a promise: the embedded
 * broker then sends the PUBACK of a QoS 1 publish only once it settles (the gateway resolves it
 * when the reading is committed to the outbox), so an acknowledged reading is a durable one.
 */
export type DevicePublishListener = (topic: string, payload: Buffer, clientId: string | undefined) => unknown; // a Promise, to hold the PUBACK; anything else is ignored

export interface DevicePublishOptions {
  /** Default 0. */
  readonly qos?: 0 | 1 | 2;
  /** Default false. */
  readonly retain?: boolean;
}

export interface DeviceBusStats {
  readonly kind: 'embedded' | 'external';
  /** Embedded: MQTT sessions now (devices and service clients). External: 1 while connected to it. */
  readonly connections: number;
  /** Device publishes handed to `onPublish` listeners. */
  readonly publishesDelivered: number;
  readonly refusals: Readonly<Partial<Record<RefusalReason, number>>>;
}

export interface DeviceBus {
  /** Adds a listener for device publishes; returns the function that removes it. */
  onPublish(listener: DevicePublishListener): () => void;
  /** Publishes to devices (commands on `cmd/{site}/{device}/{command}`); the topic must parse and be of this site. */
  publish(topic: string, payload: Uint8Array | string, options?: DevicePublishOptions): Promise<void>;
  stats(): DeviceBusStats;
  /** Ends every connection and timer and unregisters the metrics; idempotent. */
  close(): Promise<void>;
}

/**
 * Why `publish` refused:
 * | code                | when                                                           |
 * | ------------------- | -------------------------------------------------------------- |
 * | `BUS_CLOSED`        | after `close()`                                                |
 * | `BUS_NOT_CONNECTED` | the external broker is unreachable now (nothing is queued)     |
 * | `BUS_TOPIC_REFUSED` | the topic does not parse, is not a device topic, or another site's |
 */
export type DeviceBusErrorCode = 'BUS_CLOSED' | 'BUS_NOT_CONNECTED' | 'BUS_TOPIC_REFUSED';

export class DeviceBusError extends Error {
  readonly code: DeviceBusErrorCode;

  constructor(code: DeviceBusErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'DeviceBusError';
    this.code = code;
  }
}

const settled = (): undefined => undefined;

/** The listeners of one bus. A listener that throws is logged and does not stop the others. */
export class PublishFanout {
  readonly #listeners = new Set<DevicePublishListener>();
  readonly #log: BoundedLog;

  constructor(log: BoundedLog) {
    this.#log = log;
  }

  add(listener: DevicePublishListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  clear(): void {
    this.#listeners.clear();
  }

  /** Hands the publish to every listener; resolves when the promises they returned settle (undefined when none did). */
  deliver(topic: string, payload: Buffer, clientId: string | undefined): Promise<void> | undefined {
    // The gateway is the one listener in practice: no array and no Promise.all for it (once per reading).
    let first: Promise<unknown> | undefined;
    let more: Promise<unknown>[] | undefined;
    for (const listener of this.#listeners) {
      try {
        const result = listener(topic, payload, clientId);
        if (!(result instanceof Promise)) continue;
        if (first === undefined) first = result;
        else if (more === undefined) more = [result];
        else more.push(result);
      } catch (error) {
        this.#log.error('listener-error', { topic, clientId, err: error }, 'an onPublish listener threw');
      }
    }
    if (first === undefined) return undefined;
    return (more === undefined ? first : Promise.all([first, ...more])).then(settled, (error: unknown) => {
      this.#log.error('listener-error', { topic, clientId, err: error }, 'an onPublish listener failed');
      throw error;
    });
  }
}
