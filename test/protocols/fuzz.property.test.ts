/**
 * Never-throws on garbage: every decoder of input from outside a process (MQTT payloads, topics,
 * serial bytes, sentences) returns a Result, and a refusal carries a documented reason code from
 * the right area. Each decoder family sees at least 10,000 random byte strings, plus mutated valid
 * payloads and random JSON values.
 */
import {
  CHANNEL_TYPES,
  CODECS,
  COMMAND_NAMES,
  DOWN_NAMES,
  decodeMessage,
  encodeFrame,
  type Frame,
  FrameDecoder,
  ITEM_TYPES,
  parseSentence,
  parseTopic,
  REASONS,
  UP_STREAMS,
} from '@aisle/protocols';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { batch, bytes, item, level, validPayload } from './arbitraries.js';

type Area = (typeof REASONS)[keyof typeof REASONS]['area'];

const RANDOM_RUNS = 10_000;

/**
 * Throws (failing the property) unless `result` is `{ok: true, value}` or `{ok: false, error}`
 * with a reason code of one of `areas`. Plain checks, not `expect`: this runs some 300,000 times.
 */
function checkResult(result: unknown, areas: readonly Area[], where: string): void {
  const r = result as { ok?: unknown; value?: unknown; error?: { code?: unknown; message?: unknown; path?: unknown } };
  if (r.ok === true) {
    if (!('value' in r)) throw new Error(`${where}: ok result without a value`);
    return;
  }
  if (r.ok !== false || r.error === undefined) throw new Error(`${where}: not a Result: ${String(result)}`);
  const { code, message, path } = r.error;
  const reason = typeof code === 'string' ? (REASONS as Record<string, { area: Area }>)[code] : undefined;
  if (reason === undefined || !Object.hasOwn(REASONS, code as string)) {
    throw new Error(`${where}: undocumented reason code ${String(code)}`);
  }
  if (!areas.includes(reason.area)) throw new Error(`${where}: ${String(code)} is not a ${areas.join('/')} reason`);
  if (typeof message !== 'string') throw new Error(`${where}: error without a message`);
  if (path !== undefined && (typeof path !== 'string' || (path !== '' && !path.startsWith('/')))) {
    throw new Error(`${where}: path ${String(path)} is not a JSON pointer`);
  }
}

const PAYLOAD_AREAS: readonly Area[] = ['payload', 'message'];
const MESSAGE_AREAS: readonly Area[] = ['topic', 'payload', 'message'];

/** One valid topic of every shape decodeMessage distinguishes, plus a channel it does not know. */
const VALID_TOPICS = [
  ...Object.keys(CHANNEL_TYPES).map((channel) => `dt/store-12/scale-7/${channel}`),
  'dt/store-12/scale-7/humidity',
  'dt/store-12/scale-7/constructor',
  'evt/store-12/scale-7/tare-done',
  'state/store-12/scale-7',
  ...COMMAND_NAMES.map((name) => `cmd/store-12/scale-7/${name}`),
  ...UP_STREAMS.map((stream) => `up/store-12/gw-1/${stream}`),
  ...DOWN_NAMES.map((name) => `down/store-12/gw-1/${name}`),
];

/** Strings made of the pieces topics are made of, so the parser's later branches get exercised. */
const topicish = fc.string({
  unit: fc.constantFrom(
    'dt',
    'evt',
    'state',
    'cmd',
    'up',
    'down',
    'tare',
    'batch',
    'ack',
    'a',
    '7',
    '-',
    '/',
    '/',
    '+',
    '#',
    'A',
    '_',
    ' ',
    '$',
    '\u00e9',
    '\u0000',
  ),
  maxLength: 24,
});

const anyTopic = fc.oneof(
  fc.constantFrom(...VALID_TOPICS),
  topicish,
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.tuple(fc.constantFrom('dt', 'evt', 'cmd', 'up', 'down'), level, level, level).map((ls) => ls.join('/')),
);

function decodeEverywhere(payload: Uint8Array | string, topic: string): void {
  for (const [name, codec] of Object.entries(CODECS)) checkResult(codec.decode(payload), PAYLOAD_AREAS, name);
  checkResult(decodeMessage(topic, payload), MESSAGE_AREAS, `decodeMessage ${topic}`);
}

/** Byte-level damage to a valid payload: flips, truncation, insertion, deletion. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    byte: fc.constantFrom(0x22, 0x2c, 0x7b, 0x7d, 0x5b, 0x5d, 0x3a, 0x30, 0x2d, 0x5c, 0xc3, 0xff, 0x00),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(input: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = input;
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    switch (m.kind) {
      case 'flip':
        out = Uint8Array.from(out);
        if (out.length > 0) out[at] = m.byte;
        break;
      case 'truncate':
        out = out.slice(0, at);
        break;
      case 'insert':
        out = Uint8Array.from([...out.subarray(0, at), m.byte, ...out.subarray(at)]);
        break;
      case 'delete':
        out = Uint8Array.from([...out.subarray(0, at), ...out.subarray(at + m.length)]);
        break;
    }
  }
  return out;
}

describe('payload decoders never throw', () => {
  it(`every codec and decodeMessage on ${RANDOM_RUNS} random byte strings`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), anyTopic, (payload, topic) => decodeEverywhere(payload, topic)),
      { numRuns: RANDOM_RUNS },
    );
  });

  it('every codec and decodeMessage on mutated valid payloads', () => {
    fc.assert(
      fc.property(
        validPayload,
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(...VALID_TOPICS),
        (json, mutations, topic) => {
          const damaged = mutate(bytes(json), mutations);
          decodeEverywhere(damaged, topic);
          decodeEverywhere(new TextDecoder().decode(damaged), topic);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('every codec, validate and decodeMessage on random JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(...VALID_TOPICS), (value, topic) => {
        for (const [name, codec] of Object.entries(CODECS)) checkResult(codec.validate(value), PAYLOAD_AREAS, name);
        decodeEverywhere(JSON.stringify(value) ?? 'null', topic);
      }),
      { numRuns: 2000 },
    );
  });

  /** Strings a structure-aware fuzzer tries in string positions. */
  const interesting = fc.oneof(
    fc.constantFrom(
      ...ITEM_TYPES,
      'constructor',
      'toString',
      '__proto__',
      'hasOwnProperty',
      'valueOf',
      '',
      '\u0000',
      'NaN',
    ),
    fc.string({ unit: 'binary', maxLength: 20 }),
  );
  const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 2 }), interesting);

  it('item and batch decoders on valid messages with one field replaced', () => {
    const damagedItem = fc.tuple(item, fc.nat(), anyValue, fc.boolean()).map(([it, pick, value, inData]) => {
      const target: Record<string, unknown> = inData ? { ...(it.data as object) } : { ...it };
      const keys = Object.keys(target);
      const key = keys[pick % keys.length] ?? 'type';
      target[key] = value;
      return inData ? { ...it, data: target } : target;
    });
    fc.assert(
      fc.property(damagedItem, batch, fc.constantFrom(...VALID_TOPICS), (damaged, b, topic) => {
        checkResult(CODECS.item.validate(damaged), PAYLOAD_AREAS, 'item.validate');
        decodeEverywhere(JSON.stringify(damaged), topic);
        const inBatch = { ...b, items: [damaged, ...b.items] };
        checkResult(CODECS.batch.validate(inBatch), PAYLOAD_AREAS, 'batch.validate');
        decodeEverywhere(JSON.stringify(inBatch), 'up/store-12/gw-1/batch');
      }),
      { numRuns: 800 },
    );
  });
});

describe('parseTopic never throws', () => {
  it(`on ${RANDOM_RUNS} random strings (and random bytes read as text)`, () => {
    fc.assert(
      fc.property(
        fc.oneof(
          topicish,
          fc.string({ unit: 'binary', maxLength: 100 }),
          fc.uint8Array({ maxLength: 100 }).map((b) => new TextDecoder().decode(b)),
        ),
        (topic) => checkResult(parseTopic(topic), ['topic'], `parseTopic ${JSON.stringify(topic)}`),
      ),
      { numRuns: RANDOM_RUNS },
    );
  });
});

/** Random bytes with the characters that drive the frame state machine over-represented. */
const serialNoise = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }) },
      fc.constantFrom(0x24, 0x2a, 0x0d, 0x0a, 0x2c, 0x30, 0x41),
    ),
    {
      maxLength: 200,
    },
  )
  .map((values) => Uint8Array.from(values));

function checkFrame(frame: Frame): void {
  if (!/^[\x20-\x7e]*$/.test(frame.body)) throw new Error(`frame body ${JSON.stringify(frame.body)} is not printable`);
  if (frame.fields.join(',') !== frame.body) throw new Error('fields do not make up the body');
  checkResult(parseSentence(frame), ['sentence'], `parseSentence ${frame.body}`);
}

describe('FrameDecoder.push never throws', () => {
  it(`on ${RANDOM_RUNS} random byte strings, fresh and long-lived decoders alike`, () => {
    const longLived = new FrameDecoder({ maxFrameBytes: 64 });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), serialNoise), (input) => {
        const fresh = new FrameDecoder();
        for (const frame of [...fresh.push(input), ...longLived.push(input)]) checkFrame(frame);
        fresh.end();
        for (const code of Object.keys(fresh.stats.rejects)) {
          if (!Object.hasOwn(REASONS, code) || REASONS[code as keyof typeof REASONS].area !== 'serial') {
            throw new Error(`stats count ${code}, not a serial reason`);
          }
        }
        if (longLived.pendingBytes > 64) throw new Error(`holds ${longLived.pendingBytes} bytes`);
      }),
      { numRuns: RANDOM_RUNS },
    );
  });
});

describe('parseSentence never throws', () => {
  const token = fc.oneof(
    fc.constantFrom(
      '',
      'A',
      'V',
      'N',
      'S',
      'E',
      'W',
      'M',
      'F',
      '0',
      '1',
      '2',
      '9',
      '-1',
      '0.0',
      '4807.038',
      '01131.000',
      '123519',
      '230394',
      '999999',
      '.5',
      '1e3',
      '360.1',
      '99999999999999999999',
    ),
    fc.stringMatching(/^-?\d{0,12}(\.\d{0,9})?$/),
    fc.string({ maxLength: 12 }),
  );
  const sentenceId = fc.oneof(
    fc.constantFrom('GPRMC', 'GNRMC', 'GPGGA', 'BDGGA', 'AISW', 'GPGSV', 'gprmc', ''),
    fc.string({ maxLength: 6 }),
  );

  it(`on ${RANDOM_RUNS} random frames of known and unknown sentence ids`, () => {
    fc.assert(
      fc.property(sentenceId, fc.array(token, { maxLength: 16 }), (id, rest) => {
        const fields = [id, ...rest];
        checkResult(parseSentence({ fields, body: fields.join(',') }), ['sentence'], fields.join(','));
      }),
      { numRuns: RANDOM_RUNS },
    );
  });

  it('on published sentences with random fields replaced, through the frame decoder', () => {
    const published = [
      'GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W',
      'GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,',
      'AISW,scale-7,1042,lane-3,1250.50,1',
    ].map((body) => body.split(','));
    fc.assert(
      fc.property(
        fc.constantFrom(...published),
        fc.array(fc.tuple(fc.nat(), token), { minLength: 1, maxLength: 4 }),
        (fields, edits) => {
          const edited = [...fields];
          for (const [at, value] of edits) edited[at % edited.length] = value.replace(/[^\x20-\x7e]|[$*,!]/g, '');
          for (const frame of new FrameDecoder({ maxFrameBytes: 256 }).push(encodeFrame(edited))) checkFrame(frame);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
