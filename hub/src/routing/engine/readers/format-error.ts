/** Every way a benchmark file is refused; `FormatError.code` is one of these keys. */
export const FORMAT_ERROR_CODES = {
  MISSING_SECTION: 'a required header or section is absent',
  BAD_NUMBER: 'a field that must be a number is not one',
  BAD_ROW: 'a row has the wrong number of fields',
  BAD_HEADER: 'a CSV header lacks a required column',
  UNSUPPORTED: 'the file uses a variant this reader does not handle',
  COUNT_MISMATCH: 'a section has more or fewer rows than the header announces',
  DUPLICATE_ID: 'a node or customer number appears twice',
} as const;

export type FormatErrorCode = keyof typeof FORMAT_ERROR_CODES;

export class FormatError extends Error {
  override readonly name = 'FormatError';
  constructor(
    readonly code: FormatErrorCode,
    /** 1-based line in the file (0 when the fault is the file as a whole, e.g. a missing section). */
    readonly line: number,
    detail: string,
  ) {
    super(`${code} at line ${line}: ${detail} (${FORMAT_ERROR_CODES[code]})`);
  }
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
