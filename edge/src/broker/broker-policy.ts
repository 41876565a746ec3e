import { createHash, timingSafeEqual } from 'node:crypto';
import type { AedesOptions, AuthErrorCode, AuthenticateError, Client } from 'aedes';
import { type DevicePublishKind, deviceMaySubscribe, devicePublishVerdict } from './acl.js';
import type { PublishFanout } from './device-bus.js';
import { type DeviceRecord, type DeviceRegistry, RESERVED_USERNAME_PREFIX } from './device-registry.js';
import type { BrokerMetrics } from './metrics.js';
import type { TokenBuckets } from './rate-limit.js';
import { BrokerRefusal, type RefusalReason } from './refusals.js';
import type { VerifiedPasswordCache } from './verified-password-cache.js';

/**
 * What the embedded broker lets each client do: the aedes hooks (`preConnect`, `authenticate`,
 * `authorizePublish`, `authorizeSubscribe`, `published`) and the session bookkeeping that makes
 * revocation take effect. Refusal reasons and what clients see: `refusals.ts`.
 *
 * Identity rules:
 * - A device connects with its username and secret, and **its MQTT client id must equal its
 *   username** (CONNACK 2 otherwise). Client ids are the broker's session keys and a new session
 *   takes over an existing one with the same id (MQTT-3.1.4-2): tying the id to the authenticated
 *   username means no client can kick, or inherit the session of, a device it is not. It also
 *   rules out empty client ids (aedes would invent `aedes_<uuid>`).
 * - Service clients (the gateway's own internal consumers, tools) connect with username
 *   `$service`, the gateway's internal secret as password, and a client id beginning with
 *   `$service`. Devices can never hold a `$` username (`DeviceRegistry`), so the two namespaces
 *   cannot collide. Service clients may publish and subscribe anywhere but `$SYS`; their
 *   publishes are not device data and never reach `onPublish`.
 */

export const SERVICE_USERNAME = '$service';

interface DevicePrincipal {
  readonly kind: 'device';
  readonly device: string;
  readonly username: string;
  readonly passwordHash: string;
  /**
   * Topics this session may publish on, as the ACL judged them (a pure function of site, device
   * and topic, so the answer never changes for a session). A device publishes on a handful of
   * topics; parsing the topic of every publish cost about 0.5 µs per reading.
   */
  readonly allowed: Map<string, DevicePublishKind>;
}

type Principal = DevicePrincipal | { readonly kind: 'service' };

/** Topics remembered per session at most; past that, the ACL is asked every time. */
const ALLOWED_TOPICS_PER_SESSION = 64;

interface Will {
  readonly topic: string;
  readonly payloadBytes: number;
}

/** A CONNACK refusal: 2 identifier rejected, 4 bad user name or password, 5 not authorized (MQTT-3.2.2.3). */
interface ConnectRefusal {
  readonly reason: RefusalReason;
  readonly returnCode: 2 | 4 | 5;
  readonly message: string;
}

function connectRefusal(reason: RefusalReason, returnCode: 2 | 4 | 5, message: string): ConnectRefusal {
  return { reason, returnCode, message };
}

export type RecordRefusal = (reason: RefusalReason, fields: Record<string, unknown>, message: string) => void;

export interface BrokerPolicyOptions {
  readonly devices: DeviceRegistry;
  readonly maxPayloadBytes: number;
  readonly buckets: TokenBuckets;
  readonly verifier: VerifiedPasswordCache;
  readonly serviceSecret: string | undefined;
  readonly record: RecordRefusal;
  readonly fanout: PublishFanout;
  readonly metrics: BrokerMetrics;
}

type Hooks = Required<
  Pick<AedesOptions, 'preConnect' | 'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'published'>
>;

function byteLength(payload: Buffer | string): number {
  return typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
}

/** Attacker-chosen strings go into logs clipped. */
function clip(text: string | undefined): string | undefined {
  return text !== undefined && text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function sameSecret(given: Buffer, expected: string): boolean {
  // Digests first: timingSafeEqual needs equal lengths, and the length must not leak either.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export class BrokerPolicy {
  readonly #o: BrokerPolicyOptions;
  readonly #site: string;
  readonly #principals = new WeakMap<Client, Principal>();
  /** Wills seen in CONNECT (`preConnect`), checked in `authenticate` so a bad will is a CONNACK refusal. */
  readonly #wills = new WeakMap<Client, Will>();
  /** Registered device sessions by client id (= username), for revocation. */
  readonly #sessions = new Map<string, Client>();
  #stopped = false;

  constructor(options: BrokerPolicyOptions) {
    this.#o = options;
    this.#site = options.devices.site;
  }

  hooks(): Hooks {
    return {
      preConnect: (client, packet, callback) => {
        if (packet.will !== undefined && packet.will !== null) {
          this.#wills.set(client, { topic: packet.will.topic, payloadBytes: byteLength(packet.will.payload) });
        }
        callback(null, true);
      },
      authenticate: (client, username, password, done) => this.#authenticate(client, username, password, done),
      authorizePublish: (client, packet, callback) => {
        // aedes passes no client only for wills left by an earlier run in shared persistence: nobody vouches for them.
        const principal = client === null ? undefined : this.#principals.get(client);
        const topic = packet.topic;
        const payloadBytes = byteLength(packet.payload);
        if (client === null || principal === undefined) {
          return callback(
            this.#refusePublish(client, topic, payloadBytes, 'unknown-client', 'publish from no known client'),
          );
        }
        if (principal.kind === 'service') {
          return callback(topic.startsWith('$SYS') ? new Error('$SYS topics are reserved') : null);
        }
        const kind = this.#deviceMayPublish(client, principal, topic, payloadBytes);
        if (typeof kind !== 'string') return callback(kind);
        if (this.#stopped) return callback(null);
        // Devices' publishes reach the gateway here, not in `published`: aedes writes a QoS 1
        // PUBACK right after this callback and before routing, so waiting here for the listeners
        // (the outbox commit) makes an acknowledged reading a durable one. A failed commit sends
        // no PUBACK: the device keeps the reading and resends it.
        const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
        this.#o.metrics.published(kind);
        const pending = this.#o.fanout.deliver(topic, payload, principal.username);
        if (pending === undefined) return callback(null);
        if (packet.qos === 0) {
          // Nobody waits for a QoS 0 reading; a failed commit is already logged by the gateway and
          // must not become an unhandled rejection that ends the process.
          pending.catch(() => undefined);
          return callback(null);
        }
        pending.then(
          () => callback(null),
          (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
        );
      },
      authorizeSubscribe: (client, subscription, callback) => {
        const principal = this.#principals.get(client);
        if (principal?.kind === 'service') return callback(null, subscription);
        if (principal?.kind === 'device' && deviceMaySubscribe(this.#site, principal.device, subscription.topic)) {
          return callback(null, subscription);
        }
        this.#o.record(
          'subscribe-not-own-topic',
          { clientId: clip(client.id), filter: clip(subscription.topic) },
          'subscription refused',
        );
        // A null subscription makes aedes answer SUBACK 0x80 for this filter (MQTT-3.9.3).
        return callback(null, null);
      },
      published: (_packet, _client, callback) => callback(),
    };
  }

  /** aedes registered `client` (authenticated, CONNACK next): track it, unless its access ended meanwhile. */
  registered(client: Client): void {
    const principal = this.#principals.get(client);
    if (principal?.kind !== 'device') return;
    const record = this.#o.devices.find(principal.username);
    if (
      record === undefined ||
      record.revoked === true ||
      record.device !== principal.device ||
      record.passwordHash !== principal.passwordHash
    ) {
      client.close();
      return;
    }
    this.#sessions.set(client.id, client);
  }

  disconnected(client: Client): void {
    if (this.#sessions.get(client.id) === client) this.#sessions.delete(client.id);
  }

  /** Devices whose credentials were removed, revoked or rotated: end their sessions and buckets. */
  accessEnded(usernames: readonly string[]): void {
    for (const username of usernames) {
      this.#o.buckets.delete(username);
      this.#sessions.get(username)?.close();
    }
  }

  /** No more deliveries to `onPublish` (the broker is closing; wills published now are noise). */
  stop(): void {
    this.#stopped = true;
  }

  #authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    const refuse = ({ reason, returnCode, message }: ConnectRefusal): void => {
      this.#o.record(reason, { clientId: clip(client.id), username: clip(username) }, message);
      const error = new Error(message) as AuthenticateError;
      error.returnCode = returnCode as AuthErrorCode;
      done(error, false);
    };
    const will = this.#wills.get(client);
    this.#wills.delete(client);
    const checked = this.#checkConnect(client, username, password, will);
    if ('reason' in checked) {
      refuse(checked);
    } else if (checked.kind === 'service') {
      this.#principals.set(client, checked);
      done(null, true);
    } else {
      const { record, secret } = checked;
      this.#o.verifier.verify(record.username, record.passwordHash, secret).then(
        (ok) => {
          // The list may have been replaced while scrypt ran.
          const now = this.#o.devices.find(record.username);
          if (!ok) {
            refuse(connectRefusal('bad-credentials', 4, 'wrong password'));
          } else if (
            now?.passwordHash !== record.passwordHash ||
            now.revoked === true ||
            now.device !== record.device
          ) {
            refuse(connectRefusal('device-revoked', 5, 'the credential changed during verification'));
          } else {
            const { device, username, passwordHash } = record;
            this.#principals.set(client, { kind: 'device', device, username, passwordHash, allowed: new Map() });
            done(null, true);
          }
        },
        () => refuse(connectRefusal('bad-credentials', 4, 'verification failed')),
      );
    }
  }

  /** Everything about a CONNECT that can be decided without running scrypt. */
  #checkConnect(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    will: Will | undefined,
  ): ConnectRefusal | { readonly kind: 'service' } | { readonly kind: 'device'; record: DeviceRecord; secret: Buffer } {
    if (username === undefined || username.length === 0) return connectRefusal('unknown-client', 4, 'no username');
    if (username.startsWith(RESERVED_USERNAME_PREFIX)) {
      const secret = this.#o.serviceSecret;
      if (username !== SERVICE_USERNAME || secret === undefined) {
        return connectRefusal('unknown-client', 4, 'no such service');
      }
      if (!client.id.startsWith(SERVICE_USERNAME)) {
        return connectRefusal('client-id-mismatch', 2, `a service client id begins with ${SERVICE_USERNAME}`);
      }
      if (password === undefined || !sameSecret(password, secret)) {
        return connectRefusal('bad-credentials', 4, 'wrong service secret');
      }
      return { kind: 'service' };
    }
    const record = this.#o.devices.find(username);
    if (record === undefined) return connectRefusal('unknown-client', 4, 'no device of this site has this username');
    if (record.revoked === true) return connectRefusal('device-revoked', 5, 'the device is revoked');
    if (client.id !== username) return connectRefusal('client-id-mismatch', 2, 'the client id must be the username');
    if (will !== undefined) {
      if (!devicePublishVerdict(this.#site, record.device, will.topic).ok) {
        return connectRefusal('will-not-own-topic', 5, `will on ${clip(will.topic)}`);
      }
      if (will.payloadBytes > this.#o.maxPayloadBytes) {
        return connectRefusal('payload-too-large', 5, `will payload of ${will.payloadBytes} bytes`);
      }
    }
    if (password === undefined) return connectRefusal('bad-credentials', 4, 'no password');
    return { kind: 'device', record, secret: password };
  }

  /** The topic's class when `principal`'s device may publish this now, else the refusal (counted and logged). */
  #deviceMayPublish(
    client: Client,
    principal: DevicePrincipal,
    topic: string,
    payloadBytes: number,
  ): DevicePublishKind | BrokerRefusal {
    let kind = principal.allowed.get(topic);
    if (kind === undefined) {
      const verdict = devicePublishVerdict(this.#site, principal.device, topic);
      if (!verdict.ok) return this.#refusePublish(client, topic, payloadBytes, verdict.reason, 'publish refused');
      kind = verdict.kind;
      if (principal.allowed.size < ALLOWED_TOPICS_PER_SESSION) principal.allowed.set(topic, kind);
    }
    if (payloadBytes > this.#o.maxPayloadBytes) {
      return this.#refusePublish(client, topic, payloadBytes, 'payload-too-large', 'publish refused');
    }
    // aedes publishes a will from `close()`, after setting `closed`. A will is not a publish the
    // device chose to make now, so it takes no token: an over-rate device still reports "lost".
    if (!client.closed && !this.#o.buckets.take(principal.username)) {
      return this.#refusePublish(client, topic, payloadBytes, 'rate-limited', 'publish refused');
    }
    return kind;
  }

  #refusePublish(
    client: Client | null,
    topic: string,
    payloadBytes: number,
    reason: RefusalReason,
    message: string,
  ): BrokerRefusal {
    this.#o.record(reason, { clientId: clip(client?.id), topic: clip(topic), payloadBytes }, message);
    return new BrokerRefusal(reason, message);
  }
}
