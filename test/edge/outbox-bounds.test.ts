/**
 * The outbox's bounds: max-bytes under drop-oldest and reject-new, max-age by the injected clock,
 * and the drop counters (exact, per stream and reason, persisted, handed out once by takeDrops).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutboxItem, OutboxOptions, OverflowPolicy } from '../../edge/src/outbox/options.js';
import { Outbox } from '../../edge/src/outbox/outbox.js';

const ALL = { maxItems: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER };
const T0 = 1_700_000_000_000;

let dir: string;
let open: Outbox[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aisle-outbox-bounds-'));
  open = [];
});
afterEach(() => {
  for (const outbox of open) outbox.close();
  rmSync(dir, { recursive: true, force: true });
});

function openOutbox(options: OutboxOptions, name = 'outbox.db'): Outbox {
  const outbox = Outbox.open(join(dir, name), options);
  open.push(outbox);
  return outbox;
}

/** `count` rows of exactly 100 payload bytes; ts = firstTs, firstTs + 1, … */
function rows(stream: string, count: number, firstTs = 0): OutboxItem[] {
  return Array.from({ length: count }, (_, i) => ({ stream, ts: firstTs + i, payload: 'x'.repeat(100) }));
}

function oseqsByStream(outbox: Outbox): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const row of outbox.peek(0, ALL)) out[row.stream] = [...(out[row.stream] ?? []), row.oseq];
  return out;
}

describe('max-bytes with drop-oldest', () => {
  it('keeps the newest rows of the stream and counts each deleted one as max-bytes', () => {
    const outbox = openOutbox({ maxBytes: 1_000 });
    expect(outbox.append(rows('a', 8)).accepted).toHaveLength(8);
    expect(outbox.append(rows('a', 7, 8)).accepted).toEqual([9, 10, 11, 12, 13, 14, 15]);
    expect(oseqsByStream(outbox)).toEqual({ a: [6, 7, 8, 9, 10, 11, 12, 13, 14, 15] });
    expect(outbox.stats()).toMatchObject({ depth: 10, bytes: 1_000, dropped: { a: { 'max-bytes': 5 } } });
    expect(outbox.takeDrops()).toEqual([{ stream: 'a', reason: 'max-bytes', count: 5, oldestTs: 0, newestTs: 4 }]);
    expect(outbox.takeDrops()).toEqual([]);
  });

  it('when the stream has no rows left, drops the oldest rows of other drop-oldest streams, never of reject-new ones', () => {
    const outbox = openOutbox({ maxBytes: 1_000, policies: { alert: 'reject-new' } });
    outbox.append([...rows('alert', 3), ...rows('b', 4), ...rows('c', 3)]); // oseq 1–3, 4–7, 8–10
    // `a` holds nothing: the oldest row not of a reject-new stream goes (b's 4; the alerts stay).
    expect(outbox.append(rows('a', 1)).accepted).toEqual([11]);
    expect(oseqsByStream(outbox)).toEqual({ alert: [1, 2, 3], b: [5, 6, 7], c: [8, 9, 10], a: [11] });
    // Now `a` has a row of its own, and it goes first.
    expect(outbox.append(rows('a', 1)).accepted).toEqual([12]);
    expect(oseqsByStream(outbox)).toEqual({ alert: [1, 2, 3], b: [5, 6, 7], c: [8, 9, 10], a: [12] });
    // 150 bytes for a new stream: as many of the oldest eligible rows as it takes (b's 5 and 6).
    expect(outbox.append([{ stream: 'd', ts: 0, payload: 'd'.repeat(150) }]).accepted).toEqual([13]);
    expect(oseqsByStream(outbox)).toEqual({ alert: [1, 2, 3], b: [7], c: [8, 9, 10], a: [12], d: [13] });
    expect(outbox.stats()).toMatchObject({ bytes: 950, dropped: { a: { 'max-bytes': 1 }, b: { 'max-bytes': 3 } } });
    expect(outbox.stats().dropped).not.toHaveProperty('alert');
  });

  it('refuses the new row when only reject-new rows could make room, counting it as reject-new', () => {
    const outbox = openOutbox({ maxBytes: 500, policies: { alert: 'reject-new' } });
    outbox.append(rows('alert', 5));
    const result = outbox.append(rows('a', 1, 77));
    expect(result).toEqual({ accepted: [], refused: 1, perItem: [null] });
    expect(oseqsByStream(outbox)).toEqual({ alert: [1, 2, 3, 4, 5] });
    expect(outbox.takeDrops()).toEqual([{ stream: 'a', reason: 'reject-new', count: 1, oldestTs: 77, newestTs: 77 }]);
  });

  it('refuses a row larger than maxBytes without dropping anything for it', () => {
    const outbox = openOutbox({ maxBytes: 500 });
    outbox.append(rows('a', 3));
    expect(outbox.append([{ stream: 'a', ts: 1, payload: 'y'.repeat(501) }]).refused).toBe(1);
    expect(oseqsByStream(outbox)).toEqual({ a: [1, 2, 3] });
    expect(outbox.stats().dropped).toEqual({ a: { 'reject-new': 1 } });
  });
});

describe('max-bytes with reject-new', () => {
  it('refuses new rows once full, keeps what it holds, and refused rows take no oseq', () => {
    const outbox = openOutbox({ maxBytes: 1_000, defaultPolicy: 'reject-new' });
    outbox.append(rows('a', 9));
    const result = outbox.append([...rows('a', 2, 9), ...rows('b', 1, 11)]);
    expect(result).toEqual({ accepted: [10], refused: 2, perItem: [10, null, null] });
    expect(outbox.stats()).toMatchObject({ depth: 10, dropped: { a: { 'reject-new': 1 }, b: { 'reject-new': 1 } } });
    outbox.ack(10);
    expect(outbox.append(rows('b', 1)).accepted).toEqual([11]);
  });
});

describe('max-age', () => {
  it('drops rows that entered longer than maxAgeMs ago by the injected clock, on prune and on append', () => {
    let now = T0;
    const outbox = openOutbox({ maxAgeMs: 1_000, now: () => now });
    outbox.append(rows('a', 2, 10));
    now = T0 + 500;
    outbox.append(rows('b', 1, 20));
    now = T0 + 1_000; // exactly maxAgeMs old: kept
    expect(outbox.prune()).toBe(0);
    now = T0 + 1_001;
    expect(outbox.prune()).toBe(2);
    expect(outbox.stats()).toMatchObject({ depth: 1, oldestCreatedAt: T0 + 500, oldestAgeMs: 501 });
    now = T0 + 1_501;
    expect(outbox.append(rows('c', 1)).accepted).toEqual([4]);
    expect(oseqsByStream(outbox)).toEqual({ c: [4] });
    expect(outbox.takeDrops()).toEqual([
      { stream: 'a', reason: 'max-age', count: 2, oldestTs: 10, newestTs: 11 },
      { stream: 'b', reason: 'max-age', count: 1, oldestTs: 20, newestTs: 20 },
    ]);
  });

  it('measures age from entry (createdAt), not from a source clock that was never set', () => {
    const outbox = openOutbox({ maxAgeMs: 1_000, now: () => T0 });
    outbox.append([{ stream: 'a', ts: 0, payload: 'from a device whose clock says 1970' }]);
    expect(outbox.prune()).toBe(0);
    expect(outbox.stats()).toMatchObject({ depth: 1, oldestAgeMs: 0 });
  });
});

describe('drop counters', () => {
  it('persist across reopen: totals forever, pending ones until takeDrops hands them out once', () => {
    const first = openOutbox({ maxBytes: 300 });
    first.append(rows('a', 5)); // 2 × max-bytes
    first.close();
    const second = openOutbox({ maxBytes: 300, defaultPolicy: 'reject-new' });
    second.append(rows('a', 1, 9)); // 1 × reject-new
    expect(second.stats()).toMatchObject({ droppedTotal: 3, dropped: { a: { 'max-bytes': 2, 'reject-new': 1 } } });
    second.close();
    const third = openOutbox({ maxBytes: 300 });
    expect(third.takeDrops()).toEqual([
      { stream: 'a', reason: 'max-bytes', count: 2, oldestTs: 0, newestTs: 1 },
      { stream: 'a', reason: 'reject-new', count: 1, oldestTs: 9, newestTs: 9 },
    ]);
    third.close();
    const fourth = openOutbox({ maxBytes: 300 });
    expect(fourth.takeDrops()).toEqual([]);
    expect(fourth.stats().droppedTotal).toBe(3);
  });

  it('account for every row exactly, whatever the mix of streams, policies, sizes, ages and acks', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('append' as const),
        rows: fc.array(fc.record({ stream: fc.constantFrom('a', 'b', 'c'), size: fc.integer({ min: 1, max: 400 }) }), {
          maxLength: 8,
        }),
      }),
      fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 600 }) }),
      fc.record({ kind: fc.constant('ack' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
    );
    const policy = fc.constantFrom<OverflowPolicy>('drop-oldest', 'reject-new');
    let run = 0;
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), policy, policy, (ops, defaultPolicy, aPolicy) => {
        let now = T0;
        const outbox = Outbox.open(join(dir, `model-${run++}.db`), {
          maxBytes: 1_000,
          maxAgeMs: 1_000,
          defaultPolicy,
          policies: { a: aPolicy },
          now: () => now,
        });
        let accepted = 0;
        let refused = 0;
        let acked = 0;
        try {
          for (const step of ops) {
            if (step.kind === 'tick') now += step.ms;
            else if (step.kind === 'ack') {
              const seq = Math.floor(step.fraction * (outbox.stats().nextSeq - 1));
              const before = outbox.stats().ackedSeq;
              acked += outbox.ack(seq);
              expect(outbox.peek(0, ALL).every((r) => r.oseq > Math.max(seq, before))).toBe(true);
            } else {
              const result = outbox.append(
                step.rows.map((r, i) => ({ stream: r.stream, ts: i, payload: 'z'.repeat(r.size) })),
              );
              accepted += result.accepted.length;
              refused += result.refused;
            }
            const stats = outbox.stats();
            const held = outbox.peek(0, ALL);
            const byReason = (reason: string) =>
              Object.values(stats.dropped).reduce((sum, d) => sum + ((d as Record<string, number>)[reason] ?? 0), 0);
            expect(stats.bytes).toBe(held.reduce((sum, r) => sum + Buffer.byteLength(r.payload), 0));
            expect(stats.bytes).toBeLessThanOrEqual(1_000);
            expect(stats.depth).toBe(held.length);
            expect(accepted).toBe(held.length + acked + byReason('max-bytes') + byReason('max-age'));
            expect(refused).toBe(byReason('reject-new'));
          }
        } finally {
          outbox.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});
