import type { Command } from '@aisle/protocols';
import type { DeviceIdentity } from './output.js';

/** The MQTT fleet's options, counters and errors (see `mqtt-fleet.ts`). */

export type MqttFleetErrorCode = 'FLEET_CONFIG_INVALID' | 'FLEET_START_FAILED' | 'FLEET_STATE_INVALID';

export interface DeviceFailure {
  readonly device: string;
  readonly error: Error;
}

export class MqttFleetError extends Error {
  override readonly name = 'MqttFleetError';

  constructor(
    readonly code: MqttFleetErrorCode,
    message: string,
    readonly failures: readonly DeviceFailure[] = [],
  ) {
    super(message);
  }
}

export interface MqttFleetOptions {
  /** `mqtt://host:port` (or `tcp://`); plain TCP, like devices on a store's LAN. */
  readonly brokerUrl: string;
  readonly devices: readonly DeviceIdentity[];
  /** Connections opened at once by `start()`. Default 200. */
  readonly connectConcurrency?: number;
  /** MQTT keepalive, seconds (0 turns it off). Default 60. */
  readonly keepaliveS?: number;
  /** Outputs kept per device while it is disconnected; more are dropped (`queue-full`). Default 1000. */
  readonly maxQueuedPerDevice?: number;
  /** Wait between a lost connection and the next attempt. Default 1000. */
  readonly reconnectPeriodMs?: number;
  /** A connection without CONNACK after this long fails. Default 10,000. */
  readonly connectTimeoutMs?: number;
  /** `close()` stops waiting for acknowledgements after this long and cuts what is left. Default 5,000. */
  readonly closeTimeoutMs?: number;
  /**
   * Commands for the fleet's devices: each device subscribes to its own `cmd/{site}/{device}/+`
   * and valid commands come here (invalid ones are counted in `stats().commands.refused`).
   */
  readonly onCommand?: (site: string, device: string, command: Command) => void;
  /** Clock for the `ts` of state messages. Default `Date.now`. */
  readonly now?: () => number;
}

/** Why an output did not reach a connection. */
export type DropReason =
  /** The device was disconnected and its queue already held `maxQueuedPerDevice` outputs. */
  | 'queue-full'
  /** No device of the fleet has that id. */
  | 'unknown-device'
  /** mqtt.js refused the publish, or a QoS 1 publish failed before its PUBACK. */
  | 'publish-error'
  /** The device's connection was refused (bad credentials) or failed at start: it never comes back. */
  | 'device-failed'
  /** Written after `close()` began, or still queued when it did. */
  | 'closed'
  /** Not an MQTT output (a serial frame sent to the MQTT sink). */
  | 'not-mqtt';

export interface MqttFleetStats {
  readonly devices: number;
  /** Devices with a live, acknowledged connection now. */
  readonly connected: number;
  /** Devices that will not connect again (refused CONNACK, failed start). */
  readonly failed: number;
  /** Outputs handed to a live connection, by QoS (state messages not included). */
  readonly published: { readonly qos0: number; readonly qos1: number };
  /** Outputs waiting in device queues now. */
  readonly queued: number;
  readonly dropped: Readonly<Record<DropReason, number>>;
  /** Connections re-established after a loss (storm or otherwise). */
  readonly reconnects: number;
  /** Connections lost after being established (storms included). */
  readonly disconnects: number;
  /** Commands received on the devices' `cmd/…` topics, and those refused by the contract. */
  readonly commands: { readonly received: number; readonly refused: number };
}

/** Every option out of range, as `field=value`. */
export function badOptions(
  options: MqttFleetOptions,
  resolved: Required<Omit<MqttFleetOptions, 'devices' | 'brokerUrl' | 'onCommand'>>,
): string[] {
  const checks: [string, number, number, number][] = [
    ['connectConcurrency', resolved.connectConcurrency, 1, 100_000],
    ['keepaliveS', resolved.keepaliveS, 0, 65_535],
    ['maxQueuedPerDevice', resolved.maxQueuedPerDevice, 0, 10_000_000],
    ['reconnectPeriodMs', resolved.reconnectPeriodMs, 1, 3_600_000],
    ['connectTimeoutMs', resolved.connectTimeoutMs, 1, 3_600_000],
    ['closeTimeoutMs', resolved.closeTimeoutMs, 0, 3_600_000],
  ];
  const bad = checks
    .filter(([, value, min, max]) => !Number.isInteger(value) || value < min || value > max)
    .map(([field]) => `${field}=${String(options[field as keyof MqttFleetOptions])}`);
  if (typeof resolved.now !== 'function') bad.push(`now=${typeof resolved.now}`);
  return bad;
}
