/**
 * The recommendation engine's input: an interactions CSV read into dense ids with per-user
 * time-ordered events (ties keep file order), bad lines refused with their line number and reason,
 * and the implicit feedback matrix (0/1, or the decay of the latest purchase under a half-life).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { columnSums, feedbackMatrix, transpose } from '../../hub/src/recommendation/engine/matrix.js';
import { parseTimestampMs, readInteractionsCsv } from '../../hub/src/recommendation/engine/readers.js';

const dir = mkdtempSync(join(tmpdir(), 'aisle-recommend-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('parseTimestampMs', () => {
  it('reads epoch ms, epoch s and ISO 8601 with and without an offset', () => {
    expect(parseTimestampMs('1485630413000')).toBe(1485630413000);
    expect(parseTimestampMs('1485630413')).toBe(1485630413000);
    expect(parseTimestampMs('2017-01-28T14:06:53-0500')).toBe(Date.parse('2017-01-28T19:06:53Z'));
    expect(parseTimestampMs('2017-01-28T14:06:53+05:30')).toBe(Date.parse('2017-01-28T08:36:53Z'));
    expect(parseTimestampMs('2017-01-28T14:06:53.250Z')).toBe(Date.parse('2017-01-28T14:06:53.250Z'));
    expect(parseTimestampMs('2017-01-28')).toBe(Date.parse('2017-01-28T00:00:00Z'));
    expect(parseTimestampMs('2017-02-29')).toBeUndefined();
    expect(parseTimestampMs('yesterday')).toBeUndefined();
    expect(parseTimestampMs('-5')).toBeUndefined();
  });

  it('never throws on garbage', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const v = parseTimestampMs(s);
        return v === undefined || Number.isFinite(v);
      }),
    );
  });
});

describe('readInteractionsCsv', () => {
  it('maps ids densely, orders each user by time (ties in file order) and refuses bad lines by number', async () => {
    const path = file(
      'a.csv',
      [
        'basket,hh,sku,when',
        '1,h1,milk,2020-01-02',
        '2,h2,bread,2020-01-01',
        '3,h1,eggs,2020-01-01',
        '4,h1,jam,2020-01-02',
        '5,,jam,2020-01-03',
        '6,h2,jam,never',
        '7,h2',
        '8,h2,,2020-01-01',
      ].join('\n'),
    );
    const read = await readInteractionsCsv(path, { user: 'hh', item: 'sku', ts: 'when' });
    const ix = read.interactions;
    expect(read.accepted).toBe(4);
    expect(ix.users).toEqual(['h1', 'h2']);
    expect(ix.items).toEqual(['milk', 'bread', 'eggs', 'jam']);
    const h1 = [...ix.item.slice(ix.userStart[0], ix.userStart[1])].map((i) => ix.items[i]);
    // eggs on the 1st, then milk and jam on the 2nd in file order.
    expect(h1).toEqual(['eggs', 'milk', 'jam']);
    expect(read.rejects).toEqual({
      INTERACTION_USER_EMPTY: 1,
      INTERACTION_TS_INVALID: 1,
      COLUMN_COUNT: 1,
      INTERACTION_ITEM_EMPTY: 1,
    });
    expect(read.refused).toEqual([
      { line: 6, reason: 'INTERACTION_USER_EMPTY' },
      { line: 7, reason: 'INTERACTION_TS_INVALID' },
      { line: 8, reason: 'COLUMN_COUNT' },
      { line: 9, reason: 'INTERACTION_ITEM_EMPTY' },
    ]);
  });

  it('throws the header error for a file without the named columns', async () => {
    const path = file('b.csv', 'a,b,c\n1,2,3\n');
    await expect(readInteractionsCsv(path)).rejects.toMatchObject({ code: 'CSV_HEADER_MISSING_COLUMN' });
  });
});

describe('feedbackMatrix', () => {
  const events = {
    user: Int32Array.from([0, 0, 0, 1]),
    item: Int32Array.from([2, 0, 2, 2]),
    tsMs: Float64Array.from([0, 86_400_000, 2 * 86_400_000, 0]),
  };

  it('is 0/1 without a half-life: repeat purchases collapse', () => {
    const m = feedbackMatrix(events, 2, 3);
    expect([...m.indptr]).toEqual([0, 2, 3]);
    expect([...m.indices]).toEqual([0, 2, 2]);
    expect([...m.data]).toEqual([1, 1, 1]);
    expect([...columnSums(m)]).toEqual([1, 0, 2]);
    const t = transpose(m);
    expect([...t.indptr]).toEqual([0, 1, 1, 3]);
    expect([...t.indices]).toEqual([0, 0, 1]);
  });

  it('weighs a cell by the decay of its latest purchase under a half-life', () => {
    // now = day 2; user 0: item 0 a day old (0.5 at a 1-day half-life), item 2 bought today (1);
    // user 1: item 2 two days old (0.25).
    const m = feedbackMatrix(events, 2, 3, { halfLifeDays: 1 });
    expect([...m.data]).toEqual([0.5, 1, 0.25]);
    expect([...columnSums(m)]).toEqual([0.5, 0, 1.25]);
  });
});
