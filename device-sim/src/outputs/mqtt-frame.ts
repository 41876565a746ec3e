/**
 * A QoS 0 PUBLISH packet encoded by hand (MQTT 3.1.1 §3.3), so the fleet can write readings to
 * each device's socket in batches without mqtt.js's per-publish overhead; mqtt.js still owns the
 * connection, keepalive, reconnects and QoS 1.
 */

/** MQTT-1.5.3: a UTF-8 string is prefixed by its length in two bytes. */
const MAX_TOPIC_BYTES = 65_535;
/** MQTT-2.2.3: the Remaining Length is at most four bytes of seven bits. */
const MAX_REMAINING_LENGTH = 268_435_455;

/**
 * A whole QoS 0 PUBLISH packet (MQTT 3.1.1 §3.3): fixed header (type 3, DUP 0, QoS 0, RETAIN),
 * Remaining Length, topic name, and the payload; no packet identifier at QoS 0 (MQTT-2.3.1-5).
 * Undefined when the topic or the packet is too long to encode.
 */
export function publishFrameQos0(topic: string, payload: string, retain: boolean): Buffer | undefined {
  const topicBytes = Buffer.byteLength(topic);
  const payloadBytes = Buffer.byteLength(payload);
  const remaining = 2 + topicBytes + payloadBytes;
  if (topicBytes > MAX_TOPIC_BYTES || remaining > MAX_REMAINING_LENGTH) return undefined;
  const lengthBytes = remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4;
  const frame = Buffer.allocUnsafe(1 + lengthBytes + remaining);
  frame[0] = retain ? 0x31 : 0x30;
  let offset = 1;
  for (let rest = remaining; ; ) {
    const digit = rest % 128;
    rest = Math.floor(rest / 128);
    frame[offset++] = rest > 0 ? digit | 0x80 : digit;
    if (rest === 0) break;
  }
  frame.writeUInt16BE(topicBytes, offset);
  offset += 2;
  offset += frame.write(topic, offset, 'utf8');
  frame.write(payload, offset, 'utf8');
  return frame;
}
