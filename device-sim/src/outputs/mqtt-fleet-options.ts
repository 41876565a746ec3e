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
  /**
   * The broker every device connects to: `mqtt://host:port` (or `tcp://`), plain TCP like devices
   * on a store's LAN. Give this or `brokerFor`.
   */
  readonly brokerUrl?: string;
  /**
   * The broker of each site's devices (its gateway's), for a fleet that spans sites. A site it
   * returns `undefined` for is not connected: its devices' outputs are dropped as `unrouted`.
   * Called once per site, at construction. Give this or `brokerUrl`.
   */
  readonly brokerFor?: (site: string) => string | undefined;
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
  | 'not-mqtt'
  /** The device's site has no broker (`brokerFor` returned `undefined`): it was never connected. */
  | 'unrouted';

export interface MqttFleetStats {
  /** Devices with a broker: the fleet's clients (see `unrouted` for the others). */
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
  /** Devices not connected because their site has no broker, and those sites (sorted). */
  readonly unrouted: { readonly devices: number; readonly sites: readonly string[] };
}

/** The options with their defaults filled in (everything but the devices and where they connect). */
export type ResolvedFleetOptions = Required<
  Omit<MqttFleetOptions, 'devices' | 'brokerUrl' | 'brokerFor' | 'onCommand'>
>;

/** Where a device's connection goes. */
export interface BrokerEndpoint {
  readonly host: string;
  readonly port: number;
}

/** A broker URL's host and port (1883 by default), or `undefined` unless it is `mqtt:`/`tcp:` with a host. */
function endpointOf(url: string): BrokerEndpoint | undefined {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed === undefined || (parsed.protocol !== 'mqtt:' && parsed.protocol !== 'tcp:') || parsed.hostname === '') {
    return undefined;
  }
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: parsed.port === '' ? 1883 : Number(parsed.port) };
}

/**
 * Where each site's devices connect (`undefined`: nowhere), from `brokerUrl` or `brokerFor`, asked
 * once per site. Every bad URL, and giving both or neither option, is added to `bad`.
 */
export function brokerRoutes(options: MqttFleetOptions, bad: string[]): (site: string) => BrokerEndpoint | undefined {
  const { brokerUrl, brokerFor } = options;
  if ((brokerUrl === undefined) === (brokerFor === undefined)) {
    bad.unshift(`brokerUrl/brokerFor=${brokerUrl === undefined ? 'neither' : 'both'} (give one)`);
    return () => undefined;
  }
  if (brokerUrl !== undefined) {
    const endpoint = endpointOf(brokerUrl);
    if (endpoint === undefined) bad.unshift(`brokerUrl=${brokerUrl}`);
    return () => endpoint;
  }
  const bySite = new Map<string, BrokerEndpoint | undefined>();
  return (site) => {
    if (bySite.has(site)) return bySite.get(site);
    const url = brokerFor?.(site);
    const endpoint = url === undefined ? undefined : endpointOf(url);
    if (url !== undefined && endpoint === undefined) bad.push(`brokerFor(${site})=${url}`);
    bySite.set(site, endpoint);
    return endpoint;
  };
}

/** Every option out of range, as `field=value`. */
export function badOptions(options: MqttFleetOptions, resolved: ResolvedFleetOptions): string[] {
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
