import { createReadStream } from 'node:fs';

/**
 * Streaming reader for the comma-separated files aisle loads (the simulator's replays, the
 * forecasting datasets), plus the calendar arithmetic for the timestamps written in them. Node
 * only (`@aisle/protocols/csv`, not in the package's main entry). Records are split by RFC 4180
 * rules (fields may be quoted; `""` inside a quoted field is a quote), with one deliberate limit: a
 * quoted field may not span lines. None of the shared data files needs that (none has a quote at
 * all), and it keeps memory bounded by the longest line instead of letting one stray quote swallow
 * the rest of a file.
 */

/** Row-level failures found by the CSV layer itself, before any column is interpreted. */
export const CSV_REJECT_REASONS = {
  CSV_QUOTE_INVALID: 'A quote is unbalanced, inside an unquoted field, or followed by something other than a comma.',
  COLUMN_COUNT: 'The row has a different number of fields than the header.',
  LINE_TOO_LONG: 'The line is longer than the reader accepts (1 MiB by default); it is skipped up to its end.',
} as const;
type CsvRejectReason = keyof typeof CSV_REJECT_REASONS;

/** The file lacks a column the reader needs: the wrong file, not a bad row, so it is thrown. */
export class CsvHeaderError extends Error {
  readonly code = 'CSV_HEADER_MISSING_COLUMN';
  readonly missing: readonly string[];

  constructor(path: string, missing: readonly string[]) {
    super(`CSV_HEADER_MISSING_COLUMN: ${path} has no column ${missing.join(', ')}`);
    this.name = 'CsvHeaderError';
    this.missing = missing;
  }
}

/** One data row: its 1-based line number and either the named fields or why it could not be split. */
export type CsvRow<C extends string> =
  | { readonly ok: true; readonly line: number; readonly value: Readonly<Record<C, string>> }
  | { readonly ok: false; readonly line: number; readonly reason: CsvRejectReason };

/**
 * Splits one line into fields (RFC 4180 §2 quoting), or `undefined` when the quoting is broken.
 * Unquoted fields are kept verbatim, spaces included, as §2.4 requires.
 */
export function splitCsvLine(line: string): string[] | undefined {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line.charCodeAt(i) === 0x22) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const quote = line.indexOf('"', from);
        if (quote < 0) return undefined;
        value += line.slice(from, quote);
        if (line.charCodeAt(quote + 1) === 0x22) {
          value += '"';
          from = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      fields.push(value);
      if (i === line.length) return fields;
      if (line.charCodeAt(i) !== 0x2c) return undefined;
      i++;
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      const value = line.slice(i, end);
      if (value.includes('"')) return undefined;
      fields.push(value);
      if (comma < 0) return fields;
      i = comma + 1;
    }
  }
}

/** Longest line accepted by default; a longer one is a reject, so memory stays bounded on any input. */
const DEFAULT_MAX_LINE_CHARS = 1 << 20;

/**
 * Streams `path` and calls `onRow` for each data row, in file order. The header names the columns,
 * so their order may differ and extra columns are ignored; a missing one (or an empty file) rejects
 * the promise with {@link CsvHeaderError}. Blank lines are not rows; a byte-order mark and `\r\n`
 * line ends are accepted. The callback is synchronous: one awaited chunk per 64 KiB, not per row.
 */
export async function forEachCsvRow<const C extends string>(
  path: string,
  columns: readonly C[],
  onRow: (row: CsvRow<C>) => void,
  options: { readonly maxLineChars?: number } = {},
): Promise<void> {
  const maxLineChars = options.maxLineChars ?? DEFAULT_MAX_LINE_CHARS;
  let indexes: number[] | undefined;
  let width = 0;
  let lineNo = 0;

  const onLine = (raw: string, tooLong: boolean) => {
    lineNo++;
    let text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text === '' && !tooLong) return;
    const fields = tooLong ? undefined : splitCsvLine(text);
    if (indexes === undefined) {
      const header = fields ?? [];
      const found = columns.map((c) => header.indexOf(c));
      const missing = columns.filter((_, k) => found[k] === -1);
      if (missing.length > 0) throw new CsvHeaderError(path, missing);
      indexes = found;
      width = header.length;
    } else if (tooLong) {
      onRow({ ok: false, line: lineNo, reason: 'LINE_TOO_LONG' });
    } else if (fields === undefined) {
      onRow({ ok: false, line: lineNo, reason: 'CSV_QUOTE_INVALID' });
    } else if (fields.length !== width) {
      onRow({ ok: false, line: lineNo, reason: 'COLUMN_COUNT' });
    } else {
      const value = {} as Record<C, string>;
      for (let k = 0; k < columns.length; k++) value[columns[k] as C] = fields[indexes[k] as number] as string;
      onRow({ ok: true, line: lineNo, value });
    }
  };

  // The partial last line of the previous chunk; dropped (and the line reported) once it exceeds the bound.
  let carry = '';
  let overflow = false;
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 })) {
    const text = carry + (chunk as string);
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
      onLine(overflow ? '' : text.slice(from, nl), overflow);
      overflow = false;
      from = nl + 1;
    }
    carry = text.slice(from);
    if (carry.length > maxLineChars) {
      overflow = true;
      carry = '';
    }
  }
  if (carry !== '' || overflow) onLine(carry, overflow);
  if (indexes === undefined) throw new CsvHeaderError(path, columns);
}

/** Counts rejected rows by reason; the loaders return its snapshot so no row disappears unseen. */
export class RowRejects<R extends string> {
  readonly #counts = new Map<R, number>();

  add(reason: R): void {
    this.#counts.set(reason, (this.#counts.get(reason) ?? 0) + 1);
  }

  snapshot(): Partial<Record<R, number>> {
    return Object.fromEntries(this.#counts) as Partial<Record<R, number>>;
  }
}

/** A wall-clock reading with its UTC offset, e.g. `2015-04-05T03:00:00+1000`. */
export interface OffsetDateTime {
  /** The instant, ms since the Unix epoch, UTC. */
  readonly utcMs: number;
  /** Local calendar date and hour as written. */
  readonly localDate: string;
  readonly localHour: number;
  /** Local day of the week, 0 = Monday … 6 = Sunday (ISO 8601 order, zero-based). */
  readonly localWeekday: number;
  readonly offsetMinutes: number;
}

// ISO 8601 basic-format offset (`+1100`) as R writes it; the extended `+11:00` and `Z` also pass.
const OFFSET_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:Z|([+-])(\d{2}):?(\d{2}))$/;

const DAY_MS = 86_400_000;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Milliseconds of a calendar date and clock time read as UTC (proleptic Gregorian), or `undefined`
 * for a date or time that does not exist, such as 29 February 2015 or 24:00.
 */
export function civilToUtcMs(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): number | undefined {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  if (monthDays === undefined || day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC reads years 0–99 as 1900–1999.
  return year < 100 ? new Date(ms).setUTCFullYear(year) : ms;
}

/** Parses `YYYY-MM-DDThh:mm:ss±hhmm`; `undefined` for any other shape or an impossible date. */
export function parseOffsetDateTime(text: string): OffsetDateTime | undefined {
  const m = OFFSET_DATE_TIME.exec(text);
  if (m === null) return undefined;
  const hour = Number(m[4]);
  const localAsUtc = civilToUtcMs(Number(m[1]), Number(m[2]), Number(m[3]), hour, Number(m[5]), Number(m[6]));
  const offHours = m[8] === undefined ? 0 : Number(m[8]);
  const offMinutes = m[9] === undefined ? 0 : Number(m[9]);
  if (localAsUtc === undefined || offHours > 14 || offMinutes > 59) return undefined;
  const offsetMinutes = (m[7] === '-' ? -1 : 1) * (offHours * 60 + offMinutes);
  // 1970-01-01 was a Thursday, day 3 when Monday is 0.
  const day = Math.floor(localAsUtc / DAY_MS);
  return {
    utcMs: localAsUtc - offsetMinutes * 60_000,
    localDate: text.slice(0, 10),
    localHour: hour,
    localWeekday: (((day + 3) % 7) + 7) % 7,
    offsetMinutes,
  };
}
