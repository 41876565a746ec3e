import { TypeCompiler } from '@sinclair/typebox/compiler';
import { schemaError } from '../codec.js';
import { fail, ok, ProtocolError, type Result } from '../errors.js';
import { ShelfWeight } from '../schemas/telemetry.js';
import { isValidLevel } from '../topics.js';
import { encodeFrame, type Frame } from './frame.js';
import { type NmeaSentence, parseGga, parseRmc } from './nmea.js';

/**
 * aisle's own serial sentences, in NMEA 0183 framing with the proprietary-style `AI` prefix:
 *
 *   $AISW,<device>,<seq>,<lane>,<grams>,<stable>*CS   shelf scale: one lane's weight
 *
 * `<stable>` is 1 when the scale's own filter says the reading settled, 0 while it moves.
 * Scales have no clock: the gateway stamps the receive time.
 */
export interface ShelfWeightSentence {
  readonly kind: 'shelf-weight';
  readonly device: string;
  readonly seq: number;
  readonly data: ShelfWeight;
}

export type Sentence = ShelfWeightSentence | NmeaSentence;

let shelfWeightCheck: ReturnType<typeof TypeCompiler.Compile<typeof ShelfWeight>> | undefined;
const INTEGER = /^\d{1,16}$/;
const GRAMS = /^-?\d{1,8}(\.\d{1,6})?$/;

function parseShelfWeight(frame: Frame): Result<ShelfWeightSentence> {
  const f = frame.fields;
  if (f.length !== 6) return fail('SENTENCE_FIELDS', `AISW: expected 6 fields, got ${f.length}`);
  const [, device, seq, lane, grams, stable] = f as [string, string, string, string, string, string];
  if (!isValidLevel(device)) return fail('SENTENCE_FIELDS', `AISW: bad device "${device.slice(0, 64)}"`);
  if (!INTEGER.test(seq) || !Number.isSafeInteger(Number(seq))) {
    return fail('SENTENCE_FIELDS', `AISW: bad seq "${seq.slice(0, 20)}"`);
  }
  if (!GRAMS.test(grams)) return fail('SENTENCE_FIELDS', `AISW: bad grams "${grams.slice(0, 20)}"`);
  if (stable !== '0' && stable !== '1') return fail('SENTENCE_FIELDS', `AISW: stable must be 0 or 1`);
  const data = { lane, grams: Number(grams), stable: stable === '1' };
  shelfWeightCheck ??= TypeCompiler.Compile(ShelfWeight);
  if (!shelfWeightCheck.Check(data)) {
    const error = schemaError(shelfWeightCheck, data);
    return fail('SENTENCE_FIELDS', `AISW: ${error.message}`);
  }
  return ok({ kind: 'shelf-weight', device, seq: Number(seq), data });
}

/** Turns a checksummed frame into a typed sentence. Never throws. */
export function parseSentence(frame: Frame): Result<Sentence> {
  const id = frame.fields[0] ?? '';
  if (id === 'AISW') return parseShelfWeight(frame);
  if (/^[A-Z]{2}RMC$/.test(id)) return parseRmc(frame);
  if (/^[A-Z]{2}GGA$/.test(id)) return parseGga(frame);
  return fail('SENTENCE_UNKNOWN', `unknown sentence "${id.slice(0, 16)}"`);
}

/** Encodes `$AISW`; throws {@link ProtocolError} for a value the parser would refuse. */
export function encodeShelfWeight(device: string, seq: number, data: ShelfWeight): string {
  if (!Number.isSafeInteger(seq) || seq < 0)
    throw new ProtocolError('SENTENCE_FIELDS', `AISW: seq ${seq} is not a safe non-negative integer`);
  const grams = Number.isInteger(data.grams) ? String(data.grams) : data.grams.toFixed(2);
  return encodeFrame(['AISW', device, String(seq), data.lane, grams, data.stable ? '1' : '0']);
}
