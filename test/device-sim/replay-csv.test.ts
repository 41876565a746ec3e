import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CsvHeaderError,
  type CsvRow,
  civilToUtcMs,
  forEachCsvRow,
  parseOffsetDateTime,
  splitCsvLine,
} from '@aisle/protocols/csv';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let files = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aisle-replay-csv-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect<C extends string>(
  text: string,
  columns: readonly C[],
  options: { maxLineChars?: number } = {},
): Promise<CsvRow<C>[]> {
  const path = join(dir, `f${files++}.csv`);
  await writeFile(path, text);
  const rows: CsvRow<C>[] = [];
  await forEachCsvRow(path, columns, (row) => rows.push(row), options);
  return rows;
}

/** RFC 4180 encoding of one record, quoting only the fields that need it. */
const encode = (fields: string[]) =>
  fields.map((f) => (/[",]/.test(f) || f === '' ? `"${f.replaceAll('"', '""')}"` : f)).join(',');

describe('CSV splitting (RFC 4180 on one line)', () => {
  it('splits quoted fields holding commas and doubled quotes, and keeps empty fields', () => {
    expect(splitCsvLine('1,"SOAP, BAR","12 ""OZ""",,x')).toEqual(['1', 'SOAP, BAR', '12 "OZ"', '', 'x']);
    expect(splitCsvLine('a,')).toEqual(['a', '']);
    expect(splitCsvLine('""')).toEqual(['']);
  });

  it('refuses broken quoting instead of guessing', () => {
    expect(splitCsvLine('"open,1')).toBeUndefined();
    expect(splitCsvLine('a"b,1')).toBeUndefined();
    expect(splitCsvLine('"a"b,1')).toBeUndefined();
  });

  it('round-trips any single-line fields and never throws on garbage', () => {
    const field = fc.string({ unit: fc.constantFrom('a', ',', '"', ' ', '1', 'é') });
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 6 }), (fields) => {
        expect(splitCsvLine(encode(fields))).toEqual(fields);
      }),
    );
    fc.assert(
      fc.property(fc.string(), (line) => {
        const out = splitCsvLine(line);
        expect(out === undefined || Array.isArray(out)).toBe(true);
      }),
    );
  });
});

describe('CSV reading', () => {
  it('maps columns by header name, ignores a BOM, CRLF and blank lines, and numbers lines from 1', async () => {
    const rows = await collect('\uFEFFextra,b,a\r\n1,2,3\r\n\r\n4,"5,5",6\r\n', ['a', 'b'] as const);
    expect(rows).toEqual([
      { ok: true, line: 2, value: { a: '3', b: '2' } },
      { ok: true, line: 4, value: { a: '6', b: '5,5' } },
    ]);
  });

  it('reports rows with the wrong width or broken quotes by reason and line', async () => {
    const rows = await collect('a,b\n1\n1,2,3\n"1,2\n1,2\n', ['a', 'b'] as const);
    expect(rows).toEqual([
      { ok: false, line: 2, reason: 'COLUMN_COUNT' },
      { ok: false, line: 3, reason: 'COLUMN_COUNT' },
      { ok: false, line: 4, reason: 'CSV_QUOTE_INVALID' },
      { ok: true, line: 5, value: { a: '1', b: '2' } },
    ]);
  });

  it('skips a line longer than the bound as one reject and goes on with the next line', async () => {
    const long = `1,${'x'.repeat(200_000)}`;
    const rows = await collect(`a,b\n${long}\n3,4\n${long}`, ['a', 'b'] as const, { maxLineChars: 1000 });
    expect(rows).toEqual([
      { ok: false, line: 2, reason: 'LINE_TOO_LONG' },
      { ok: true, line: 3, value: { a: '3', b: '4' } },
      { ok: false, line: 4, reason: 'LINE_TOO_LONG' },
    ]);
  });

  it('reads rows across chunk boundaries and a last line without a newline', async () => {
    const body = Array.from({ length: 20_000 }, (_, i) => `${i},"v,${i}"`);
    const rows = await collect(['a,b', ...body].join('\n'), ['a', 'b'] as const);
    expect(rows).toHaveLength(20_000);
    expect(rows.every((r, i) => r.ok && r.value.a === String(i) && r.value.b === `v,${i}`)).toBe(true);
  });

  it('throws CsvHeaderError naming the missing columns, also for an empty file', async () => {
    await expect(collect('a,c\n1,2\n', ['a', 'b', 'd'])).rejects.toMatchObject({
      code: 'CSV_HEADER_MISSING_COLUMN',
      missing: ['b', 'd'],
    });
    await expect(collect('', ['a'])).rejects.toBeInstanceOf(CsvHeaderError);
  });
});

describe('timestamps with a UTC offset', () => {
  it('reads the instant, the local date, hour and weekday (0 = Monday)', () => {
    // 2015-04-05 was a Sunday; 03:00 at +1000 is 17:00 UTC the day before.
    expect(parseOffsetDateTime('2015-04-05T03:00:00+1000')).toEqual({
      utcMs: Date.UTC(2015, 3, 4, 17),
      localDate: '2015-04-05',
      localHour: 3,
      localWeekday: 6,
      offsetMinutes: 600,
    });
    expect(parseOffsetDateTime('2017-01-28T14:06:53-0500')?.utcMs).toBe(Date.UTC(2017, 0, 28, 19, 6, 53));
    expect(parseOffsetDateTime('2017-01-28T14:06:53-05:00')?.utcMs).toBe(Date.UTC(2017, 0, 28, 19, 6, 53));
    expect(parseOffsetDateTime('2017-01-28T14:06:53Z')?.localWeekday).toBe(5);
  });

  it('knows leap years and years before 100', () => {
    expect(civilToUtcMs(2016, 2, 29, 0, 0, 0)).toBe(Date.UTC(2016, 1, 29));
    expect(civilToUtcMs(1900, 2, 29, 0, 0, 0)).toBeUndefined();
    expect(civilToUtcMs(2000, 2, 29, 0, 0, 0)).toBe(Date.UTC(2000, 1, 29));
    expect(new Date(civilToUtcMs(15, 6, 1, 0, 0, 0) ?? 0).getUTCFullYear()).toBe(15);
    expect(civilToUtcMs(2015, 13, 1, 0, 0, 0)).toBeUndefined();
    expect(civilToUtcMs(2015, 1, 0, 0, 0, 0)).toBeUndefined();
  });

  it('rejects impossible dates and other shapes', () => {
    for (const bad of [
      '2015-02-29T00:00:00+1100',
      '2015-04-31T00:00:00+1000',
      '2015-01-01T24:00:00+1100',
      '2015-01-01 00:00:00+1100',
      '2015-01-01T00:00:00',
      '2015-01-01T00:00:00+1560',
    ]) {
      expect(parseOffsetDateTime(bad), bad).toBeUndefined();
    }
  });
});
