import type { Static, TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { type DecodeError, fail, ok, type Result } from './errors.js';

/**
 * Decoding: bytes → UTF-8 → JSON → schema → semantic checks. Every step returns a typed error with
 * a reason code instead of throwing (parse, don't validate: past this point a value is typed).
 */

export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

export interface DecodeOptions {
  /** Refuse payloads above this size (PAYLOAD_TOO_LARGE). Default 1 MiB. */
  readonly maxBytes?: number;
}

export interface Codec<T> {
  readonly name: string;
  readonly schema: TSchema;
  /** Decodes a raw payload. Never throws. */
  decode(input: Uint8Array | string, options?: DecodeOptions): Result<T>;
  /** Checks an already parsed JSON value. Never throws. */
  validate(value: unknown): Result<T>;
  encode(value: T): string;
}

/** A check beyond what JSON Schema can say (ordering, uniqueness, lower ≤ upper). */
export type SemanticCheck<T> = (value: T) => DecodeError | undefined;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes → JSON value, or the reason it is not one. */
export function parseJson(input: Uint8Array | string, options?: DecodeOptions): Result<unknown> {
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  let text: string;
  if (typeof input === 'string') {
    // A JS string's UTF-8 size is at most 3 bytes per UTF-16 unit; measure exactly only near the limit.
    if (input.length * 3 > maxBytes && new TextEncoder().encode(input).length > maxBytes) {
      return fail('PAYLOAD_TOO_LARGE', `payload exceeds ${maxBytes} bytes`);
    }
    text = input;
  } else {
    if (input.byteLength > maxBytes) {
      return fail('PAYLOAD_TOO_LARGE', `payload of ${input.byteLength} bytes exceeds ${maxBytes}`);
    }
    try {
      text = utf8.decode(input);
    } catch {
      return fail('PAYLOAD_NOT_UTF8', 'payload is not valid UTF-8');
    }
  }
  try {
    return ok(JSON.parse(text) as unknown);
  } catch (error) {
    // JSON.parse throws SyntaxError, or RangeError on absurd nesting; both mean "not JSON we take".
    return fail('PAYLOAD_NOT_JSON', error instanceof Error ? error.message : 'invalid JSON');
  }
}

/** The first schema error as a reason-coded DecodeError, with its JSON pointer. */
export function schemaError(check: TypeCheck<TSchema>, value: unknown, prefix = ''): DecodeError {
  const first = check.Errors(value).First();
  if (first === undefined) return { code: 'SCHEMA_MISMATCH', message: 'value does not match schema', path: prefix };
  const path = `${prefix}${first.path}`;
  return { code: 'SCHEMA_MISMATCH', message: `${path || '/'}: ${first.message}`, path };
}

/**
 * Every schema error of `value`, each as `path: message (got value)`, without repeats: for files
 * a person wrote (configs, scenarios), where the error must list every bad field at once.
 */
export function schemaProblems(check: TypeCheck<TSchema>, value: unknown): string[] {
  const problems = new Set<string>();
  for (const error of check.Errors(value)) {
    const got = JSON.stringify(error.value);
    problems.add(`${error.path || '/'}: ${error.message} (got ${got === undefined ? 'nothing' : got.slice(0, 60)})`);
  }
  return [...problems];
}

export function defineCodec<S extends TSchema>(
  name: string,
  schema: S,
  semantic?: SemanticCheck<Static<S>>,
): Codec<Static<S>> {
  let compiled: TypeCheck<S> | undefined;
  const checker = () => {
    compiled ??= TypeCompiler.Compile(schema);
    return compiled;
  };
  const validate = (value: unknown): Result<Static<S>> => {
    const check = checker();
    if (!check.Check(value)) return { ok: false, error: schemaError(check, value) };
    const problem = semantic?.(value);
    return problem === undefined ? ok(value) : { ok: false, error: problem };
  };
  return {
    name,
    schema,
    validate,
    decode(input, options) {
      const parsed = parseJson(input, options);
      return parsed.ok ? validate(parsed.value) : parsed;
    },
    encode: (value) => JSON.stringify(value),
  };
}

/** Checks that `ids` has no repeats; returns the DUPLICATE_ID error for the first repeat. */
export function firstDuplicate(ids: readonly string[], path: string): DecodeError | undefined {
  const seen = new Set<string>();
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as string;
    if (seen.has(id)) return { code: 'DUPLICATE_ID', message: `${path}/${i}: "${id}" repeats`, path: `${path}/${i}` };
    seen.add(id);
  }
  return undefined;
}

export function outOfRange(path: string, message: string): DecodeError {
  return { code: 'VALUE_OUT_OF_RANGE', message: `${path}: ${message}`, path };
}
