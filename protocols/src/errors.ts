/**
 * Reason codes for everything that can go wrong while decoding input from outside a process.
 *
 * The table below is the single source of truth: `docs/api/errors.md` is generated from it and a
 * test fails when the committed document drifts. Codes are stable strings; add new ones, never
 * rename or reuse one.
 */
export const REASONS = {
  // Topics (ARCHITECTURE §2: levels `[a-z0-9-]`, general to specific, at most 7 slashes)
  TOPIC_EMPTY: { area: 'topic', text: 'The topic is empty.' },
  TOPIC_TOO_DEEP: { area: 'topic', text: 'The topic has more than 7 slashes.' },
  TOPIC_LEVEL_INVALID: {
    area: 'topic',
    text: 'A topic level is empty, longer than 64 characters, or has a character outside [a-z0-9-].',
  },
  TOPIC_CLASS_UNKNOWN: {
    area: 'topic',
    text: 'The first level is not one of dt, evt, state, cmd, up, down.',
  },
  TOPIC_SHAPE_INVALID: {
    area: 'topic',
    text: 'The topic has the wrong number of levels for its class, or an unknown name in a fixed position.',
  },
  TOPIC_WILDCARD: {
    area: 'topic',
    text: 'A topic name to publish on contains a wildcard (+ or #) (MQTT-3.3.2-2).',
  },

  // Payload bytes
  PAYLOAD_TOO_LARGE: { area: 'payload', text: 'The payload is larger than the configured maximum.' },
  PAYLOAD_NOT_UTF8: { area: 'payload', text: 'The payload is not valid UTF-8.' },
  PAYLOAD_NOT_JSON: { area: 'payload', text: 'The payload is not valid JSON.' },

  // Message content
  SCHEMA_MISMATCH: {
    area: 'message',
    text: 'The JSON does not match the message schema; the error names the first offending path.',
  },
  TYPE_UNKNOWN: {
    area: 'message',
    text: 'The envelope `type` is not a known message type for this place.',
  },
  CHANNEL_UNKNOWN: {
    area: 'message',
    text: 'The telemetry channel in the topic has no message type.',
  },
  TOPIC_PAYLOAD_MISMATCH: {
    area: 'message',
    text: 'The payload names a different site, device or type than its topic.',
  },
  BATCH_SEQ_INVALID: {
    area: 'message',
    text: 'Batch items are not in strictly increasing outbox order inside [firstSeq, lastSeq].',
  },
  DUPLICATE_ID: {
    area: 'message',
    text: 'Two entries of a list that must be unique share an id (e.g. two planogram lanes).',
  },
  VALUE_OUT_OF_RANGE: {
    area: 'message',
    text: 'A value is well-formed but impossible (e.g. lower bound above upper bound, window end before start).',
  },

  // Serial line frames (`$…*CS\r\n`, NMEA 0183 style)
  FRAME_TOO_LONG: {
    area: 'serial',
    text: 'No end of frame within the maximum frame length; bytes discarded up to the next `$`.',
  },
  FRAME_TRUNCATED: {
    area: 'serial',
    text: 'A new `$` arrived before the current frame ended; the partial frame was discarded.',
  },
  FRAME_NO_CHECKSUM: { area: 'serial', text: 'The frame has no `*` followed by two hex digits.' },
  FRAME_BAD_CHECKSUM: {
    area: 'serial',
    text: 'The XOR checksum of the characters between `$` and `*` does not match (NMEA 0183 §5.2.1).',
  },
  FRAME_BAD_CHARACTER: {
    area: 'serial',
    text: 'The frame contains a byte outside printable ASCII (0x20–0x7E).',
  },
  FRAME_GARBAGE: {
    area: 'serial',
    text: 'A run of bytes outside any frame was skipped while looking for the next `$` (one count per run; the byte total is reported beside it).',
  },

  // Sentences carried in frames
  SENTENCE_UNKNOWN: {
    area: 'sentence',
    text: 'The sentence identifier (talker + type) is not one aisle understands.',
  },
  SENTENCE_FIELDS: {
    area: 'sentence',
    text: 'The sentence has the wrong number of fields or a field that does not parse.',
  },
  NMEA_NO_FIX: {
    area: 'sentence',
    text: 'The GPS receiver reports no valid fix (RMC status V, or GGA quality 0).',
  },
} as const satisfies Record<string, { area: string; text: string }>;

export type ReasonCode = keyof typeof REASONS;

export const REASON_CODES = Object.keys(REASONS) as ReasonCode[];

/** A decoding failure: never thrown by decoders, always returned. */
export interface DecodeError {
  readonly code: ReasonCode;
  readonly message: string;
  /** JSON pointer of the offending value, when the failure is about one value. */
  readonly path?: string;
}

export type Result<T, E = DecodeError> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function fail(
  code: ReasonCode,
  message: string,
  path?: string,
): { readonly ok: false; readonly error: DecodeError } {
  return { ok: false, error: path === undefined ? { code, message } : { code, message, path } };
}

/**
 * Thrown by builders (not decoders) when a caller passes something that can never be valid, e.g.
 * an invalid topic level. It carries the same reason code a decoder would return.
 */
export class ProtocolError extends Error {
  readonly code: ReasonCode;

  constructor(code: ReasonCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

/** Counts decode failures by reason; every component that rejects input exports these counts. */
export class RejectCounter {
  readonly #counts = new Map<ReasonCode, number>();

  add(code: ReasonCode, n = 1): void {
    this.#counts.set(code, (this.#counts.get(code) ?? 0) + n);
  }

  get(code: ReasonCode): number {
    return this.#counts.get(code) ?? 0;
  }

  total(): number {
    let sum = 0;
    for (const n of this.#counts.values()) sum += n;
    return sum;
  }

  snapshot(): Partial<Record<ReasonCode, number>> {
    return Object.fromEntries(this.#counts) as Partial<Record<ReasonCode, number>>;
  }
}
