/**
 * Why the device bus refused something: the `reason` label of `aisle_edge_broker_refusals_total`
 * and the key of the bounded refusal log. What the client sees follows MQTT 3.1.1 (the only
 * version aedes speaks):
 *
 * | reason                    | when                                                               | client sees                               |
 * | ------------------------- | ------------------------------------------------------------------ | ----------------------------------------- |
 * | `unknown-client`          | no username, or no device of the site has it                       | CONNACK 4 (bad user name or password)     |
 * | `bad-credentials`         | wrong or missing password, or wrong service secret                 | CONNACK 4                                 |
 * | `device-revoked`          | the device's credential is revoked                                 | CONNACK 5 (not authorized)                |
 * | `client-id-mismatch`      | the MQTT client id is not the username                             | CONNACK 2 (identifier rejected)           |
 * | `will-not-own-topic`      | the CONNECT's will is not on the device's own topics               | CONNACK 5                                 |
 * | `publish-topic-invalid`   | a PUBLISH topic that does not parse as an aisle topic              | connection closed (MQTT-3.3.5-2)          |
 * | `publish-not-own-topic`   | a PUBLISH on another device's (or a non-device) topic              | connection closed                         |
 * | `payload-too-large`       | a PUBLISH payload over `maxPayloadBytes` (a will's: CONNACK 5)     | connection closed                         |
 * | `packet-too-large`        | any packet whose header announces more than the frame bound        | connection closed before it is buffered   |
 * | `rate-limited`            | a PUBLISH beyond the device's token bucket                         | connection closed                         |
 * | `subscribe-not-own-topic` | a SUBSCRIBE filter other than the device's own commands            | SUBACK 0x80 for that filter (MQTT-3.9.3)  |
 *
 * MQTT 3.1.1 has no negative PUBACK: a broker that will not carry a PUBLISH either acknowledges
 * and drops it or closes the connection (MQTT-3.3.5-2). aedes does the latter; a device that is
 * refused therefore notices, and its reconnect is cheap thanks to the verification cache.
 *
 * The external-broker source counts the reasons that apply to it (`publish-topic-invalid`,
 * `publish-not-own-topic` for another site, `payload-too-large`) and simply drops the message.
 */
export const REFUSAL_REASONS = [
  'unknown-client',
  'bad-credentials',
  'device-revoked',
  'client-id-mismatch',
  'will-not-own-topic',
  'publish-topic-invalid',
  'publish-not-own-topic',
  'payload-too-large',
  'packet-too-large',
  'rate-limited',
  'subscribe-not-own-topic',
] as const;

export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** The error handed to aedes for a refused PUBLISH; its `reason` is one of the table above. */
export class BrokerRefusal extends Error {
  readonly reason: RefusalReason;

  constructor(reason: RefusalReason, message: string) {
    super(`${reason}: ${message}`);
    this.name = 'BrokerRefusal';
    this.reason = reason;
  }
}
