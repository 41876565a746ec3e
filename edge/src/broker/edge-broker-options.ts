import type { Registry } from 'prom-client';
import type { BrokerLogger } from './bounded-log.js';
import type { DeviceRegistry } from './device-registry.js';
import type { TcpListenerOptions, TlsListenerOptions, WebSocketListenerOptions } from './listeners.js';

export interface EdgeBrokerOptions {
  /** The site's devices and their credentials; replace its list to revoke. */
  readonly devices: DeviceRegistry;
  readonly tcp: TcpListenerOptions;
  readonly websocket?: WebSocketListenerOptions;
  readonly tls?: TlsListenerOptions;
  /** Largest PUBLISH (and will) payload a device may send. */
  readonly maxPayloadBytes: number;
  /** Sustained publishes per second per device (token refill rate). */
  readonly publishesPerSecond: number;
  /** Publishes a device may send at once after being quiet (bucket size). */
  readonly burst: number;
  /** The password of `$service` clients; without it no service client can connect. At least 16 characters. */
  readonly serviceSecret?: string;
  readonly registry: Registry;
  readonly logger: BrokerLogger;
  /** Milliseconds on any monotonic origin; default `performance.now`. */
  readonly clock?: () => number;
  /** Refusal log lines per reason per minute; default 10. */
  readonly refusalLogLinesPerMinute?: number;
  /** Successful verifications remembered (LRU); default 10,000. */
  readonly authCacheEntries?: number;
  /** How long a connection may take to send CONNECT; default 10,000 ms. */
  readonly connectTimeoutMs?: number;
}

export const EDGE_BROKER_DEFAULTS = {
  refusalLogLinesPerMinute: 10,
  authCacheEntries: 10_000,
  connectTimeoutMs: 10_000,
} as const;

/**
 * Remaining Length allowed over `maxPayloadBytes` before the frame guard cuts a connection: a
 * PUBLISH adds a topic (2 + at most 8 levels × 65 bytes) and a packet id; a CONNECT adds client id,
 * credentials and will topic. `authorizePublish` still enforces the payload bound exactly.
 */
export const PACKET_OVERHEAD_BYTES = 4096;

/** MQTT's largest Remaining Length (MQTT-2.2.3: four length bytes). */
const MQTT_MAX_REMAINING_LENGTH = 268_435_455;

export class EdgeBrokerOptionsError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid broker options: ${problems.join('; ')}`);
    this.name = 'EdgeBrokerOptionsError';
    this.problems = problems;
  }
}

function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 65_535;
}

function isCount(value: number | undefined, min: number): boolean {
  return value === undefined || (Number.isInteger(value) && value >= min);
}

/** Checks every option at once; throws listing each bad `field=value`. */
export function checkEdgeBrokerOptions(o: EdgeBrokerOptions): void {
  const problems: string[] = [];
  const bad = (field: string, value: unknown, why: string) => problems.push(`${field}=${String(value)} ${why}`);
  if (!isPort(o.tcp.port)) bad('tcp.port', o.tcp.port, 'is not a port');
  if (o.websocket !== undefined && !isPort(o.websocket.port)) bad('websocket.port', o.websocket.port, 'is not a port');
  if (o.tls !== undefined && !isPort(o.tls.port)) bad('tls.port', o.tls.port, 'is not a port');
  const maxPayload = MQTT_MAX_REMAINING_LENGTH - PACKET_OVERHEAD_BYTES;
  if (!Number.isInteger(o.maxPayloadBytes) || o.maxPayloadBytes < 1 || o.maxPayloadBytes > maxPayload) {
    bad('maxPayloadBytes', o.maxPayloadBytes, `is not an integer in 1..${maxPayload}`);
  }
  if (!Number.isFinite(o.publishesPerSecond) || o.publishesPerSecond <= 0) {
    bad('publishesPerSecond', o.publishesPerSecond, 'is not a positive number');
  }
  if (!isCount(o.burst, 1)) bad('burst', o.burst, 'is not an integer ≥ 1');
  if (o.serviceSecret !== undefined && o.serviceSecret.length < 16) {
    bad('serviceSecret', '<redacted>', 'is shorter than 16 characters');
  }
  if (!isCount(o.refusalLogLinesPerMinute, 0)) {
    bad('refusalLogLinesPerMinute', o.refusalLogLinesPerMinute, 'is not an integer ≥ 0');
  }
  if (!isCount(o.authCacheEntries, 0)) bad('authCacheEntries', o.authCacheEntries, 'is not an integer ≥ 0');
  if (!isCount(o.connectTimeoutMs, 1)) bad('connectTimeoutMs', o.connectTimeoutMs, 'is not an integer ≥ 1');
  if (problems.length > 0) throw new EdgeBrokerOptionsError(problems);
}
