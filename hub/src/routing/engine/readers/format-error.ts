import { ProblemError } from '../problem.js';

/** Every way a benchmark file is refused; `FormatError.code` is one of these keys. */
export const FORMAT_ERROR_CODES = {
  MISSING_SECTION: 'a required header or section is absent',
  BAD_NUMBER: 'a field that must be a number is not one',
  BAD_ROW: 'a row has the wrong number of fields',
  BAD_HEADER: 'a CSV header lacks a required column',
  UNSUPPORTED: 'the file uses a variant this reader does not handle',
  COUNT_MISMATCH: 'a section has more or fewer rows than the header announces',
  DUPLICATE_ID: 'a node or customer number appears twice',
  INVALID_PROBLEM: 'the values read make no valid problem (the ProblemError is the cause)',
} as const;

export type FormatErrorCode = keyof typeof FORMAT_ERROR_CODES;

export class FormatError extends Error {
  override readonly name = 'FormatError';
  constructor(
    readonly code: FormatErrorCode,
    /** 1-based line in the file (0 when the fault is the file as a whole, e.g. a missing section). */
    readonly line: number,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${code} at line ${line}: ${detail} (${FORMAT_ERROR_CODES[code]})`, options);
  }
}

/**
 * Builds the problem, turning a `ProblemError` into an `INVALID_PROBLEM` at the line the offending
 * item came from (a negative demand, a fleet of 0), so a user of a reader always gets a line.
 */
export function atFileLine<T>(build: () => T, lineOf: (item: string) => number | undefined): T {
  try {
    return build();
  } catch (error) {
    if (!(error instanceof ProblemError)) throw error;
    throw new FormatError('INVALID_PROBLEM', lineOf(error.item) ?? 0, error.message, { cause: error });
  }
}

/** The index in a `ProblemError.item` such as `job 3`, if it names that kind of item. */
export function itemIndex(item: string, kind: string): number | undefined {
  const match = new RegExp(`^${kind} (\\d+)$`).exec(item);
  return match ? Number(match[1]) : undefined;
}

/** The file's lines without their terminators, CRLF or LF, numbered from 1. */
export function numberedLines(text: string): { readonly line: number; readonly text: string }[] {
  return text.split(/\r?\n/).map((t, i) => ({ line: i + 1, text: t.trim() }));
}

export function parseNumber(token: string | undefined, line: number, field: string): number {
  const value = token === undefined || token === '' ? Number.NaN : Number(token);
  if (!Number.isFinite(value)) throw new FormatError('BAD_NUMBER', line, `${field} = ${JSON.stringify(token ?? '')}`);
  return value;
}
