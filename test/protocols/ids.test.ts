/**
 * Ids and sequence numbers: UUIDv7 item ids, the crash-safe per-source counter, the receiver's
 * duplicate/reorder window and the hub's contiguous ack cursor.
 */
import {
  ContiguousCursor,
  idTime,
  newId,
  SequenceCounter,
  type SequenceStore,
  SequenceTracker,
  type SequenceVerdict,
} from '@aisle/protocols';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newId / idTime', () => {
  it('returns lower-case RFC 9562 version-7 UUIDs that sort in creation order', () => {
    const ids = Array.from({ length: 2000 }, () => newId());
    for (const id of ids) expect(id).toMatch(UUID_V7);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('idTime recovers the creation millisecond', () => {
    const before = Date.now();
    const id = newId();
    const after = Date.now();
    const ms = idTime(id);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
  });

  it('idTime(newId(t)) is t for every 48-bit millisecond time, and later times sort later', () => {
    const ms = fc.integer({ min: 0, max: 2 ** 48 - 1 });
    fc.assert(
      fc.property(ms, ms, (a, b) => {
        const [idA, idB] = [newId(a), newId(b)];
        expect(idA).toMatch(UUID_V7);
        expect(idTime(idA)).toBe(a);
        expect(idTime(idB)).toBe(b);
        if (a < b) expect(idA < idB).toBe(true);
        if (a > b) expect(idA > idB).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  // With an injected clock (the house rule for anything tests control) many ids share one
  // millisecond; "sort by creation" must still hold, as it does for newId() without a clock.
  it('ids made with the same injected millisecond still sort in creation order', () => {
    const ids = Array.from({ length: 100 }, () => newId(1_718_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it.each([
    ['a version-4 UUID', '9b2f4c1e-8a3d-4e5f-9a1b-2c3d4e5f6a7b'],
    ['a shorter string', '0190a5b2-7c3d-7e4f-8a1b'],
    ['the empty string', ''],
  ])('idTime of %s is undefined', (_what, id) => {
    expect(idTime(id)).toBeUndefined();
  });
});

/** A store that lives in memory, as a file or a database row would across a process crash. */
function memoryStore(initial?: number) {
  const store = {
    value: initial,
    saves: [] as number[],
    load: () => store.value,
    save: (reservedUpTo: number) => {
      store.value = reservedUpTo;
      store.saves.push(reservedUpTo);
    },
  };
  return store satisfies SequenceStore;
}

describe('SequenceCounter', () => {
  it('counts 1, 2, 3 … and writes the store once per block', () => {
    const store = memoryStore();
    const counter = new SequenceCounter(store, 10);
    expect(counter.peek()).toBe(1);
    const numbers = Array.from({ length: 25 }, () => counter.next());
    expect(numbers).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(store.saves).toEqual([10, 20, 30]);
    expect(counter.peek()).toBe(26);
  });

  it('after a crash, resumes past the reserved block and never repeats a number', () => {
    const store = memoryStore();
    const first = new SequenceCounter(store, 10);
    const before = Array.from({ length: 13 }, () => first.next()); // reserved up to 20
    // Crash: the process dies; a new counter is built on the same store.
    const second = new SequenceCounter(store, 10);
    expect(second.peek()).toBe(21);
    const after = Array.from({ length: 5 }, () => second.next());
    expect(after).toEqual([21, 22, 23, 24, 25]);
    expect(new Set([...before, ...after]).size).toBe(18);
  });

  it('any interleaving of next() and crashes: strictly increasing, at most one write per block', () => {
    const op = fc.oneof(fc.constant('crash' as const), fc.integer({ min: 1, max: 30 }));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 20 }), fc.integer({ min: 1, max: 16 }), (ops, block) => {
        const store = memoryStore();
        let counter = new SequenceCounter(store, block);
        const issued: number[] = [];
        let expectedSaves = 0;
        let sinceStart = 0;
        for (const o of ops) {
          if (o === 'crash') {
            expectedSaves += Math.ceil(sinceStart / block);
            sinceStart = 0;
            counter = new SequenceCounter(store, block);
            continue;
          }
          for (let i = 0; i < o; i++) issued.push(counter.next());
          sinceStart += o;
        }
        expectedSaves += Math.ceil(sinceStart / block);
        for (let i = 1; i < issued.length; i++) expect(issued[i]).toBeGreaterThan(issued[i - 1] as number);
        expect(store.saves).toHaveLength(expectedSaves);
        // Every number issued is covered by a durable reservation.
        if (issued.length > 0) expect(store.value).toBeGreaterThanOrEqual(issued.at(-1) as number);
      }),
      { numRuns: 300 },
    );
  });

  it('resumes from a store that already holds a high-water mark', () => {
    const counter = new SequenceCounter(memoryStore(5000));
    expect(counter.next()).toBe(5001);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses the block size %s', (block) => {
    expect(() => new SequenceCounter(memoryStore(), block)).toThrow(RangeError);
  });
});

describe('SequenceTracker', () => {
  const verdicts = (tracker: SequenceTracker, source: string, boot: number, seqs: number[]) =>
    seqs.map((s) => tracker.observe(source, boot, s));

  it('next, gap, duplicate, late', () => {
    const tracker = new SequenceTracker({ window: 64 });
    expect(verdicts(tracker, 'scale-7', 1, [10, 11, 15, 15, 13, 13, 11])).toEqual<SequenceVerdict[]>([
      { kind: 'next', missed: 0 },
      { kind: 'next', missed: 0 },
      { kind: 'next', missed: 3 },
      { kind: 'duplicate' },
      { kind: 'late' },
      { kind: 'duplicate' },
      { kind: 'duplicate' },
    ]);
  });

  it('restart on a higher boot, stale-boot on a lower one', () => {
    const tracker = new SequenceTracker();
    tracker.observe('scale-7', 2, 500);
    expect(tracker.observe('scale-7', 3, 1)).toEqual({ kind: 'restart' });
    expect(tracker.observe('scale-7', 3, 2)).toEqual({ kind: 'next', missed: 0 });
    expect(tracker.observe('scale-7', 2, 501)).toEqual({ kind: 'stale-boot' });
    expect(tracker.observe('scale-7', 3, 1)).toEqual({ kind: 'duplicate' });
  });

  it('too-old below the window; the window edge is still tracked', () => {
    const tracker = new SequenceTracker({ window: 8 });
    tracker.observe('d', 1, 100);
    expect(tracker.observe('d', 1, 93)).toEqual({ kind: 'late' }); // age 7: inside
    expect(tracker.observe('d', 1, 92)).toEqual({ kind: 'too-old' }); // age 8: outside
    expect(tracker.observe('d', 1, 93)).toEqual({ kind: 'duplicate' });
  });

  it('a jump of a whole window or more forgets everything before it', () => {
    const tracker = new SequenceTracker({ window: 8 });
    tracker.observe('d', 1, 1);
    expect(tracker.observe('d', 1, 1001)).toEqual({ kind: 'next', missed: 999 });
    expect(tracker.observe('d', 1, 1000)).toEqual({ kind: 'late' });
    expect(tracker.observe('d', 1, 1)).toEqual({ kind: 'too-old' });
  });

  it('keeps sources apart', () => {
    const tracker = new SequenceTracker();
    tracker.observe('a', 1, 5);
    expect(tracker.observe('b', 1, 5)).toEqual({ kind: 'next', missed: 0 });
    expect(tracker.observe('a', 1, 5)).toEqual({ kind: 'duplicate' });
  });

  it('agrees with a set of everything seen, within the window', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 200 }), (seqs) => {
        const tracker = new SequenceTracker({ window: 256 });
        const seen = new Set<number>();
        let highest = -1;
        for (const s of seqs) {
          const verdict = tracker.observe('src', 1, s);
          if (seen.size === 0) expect(verdict).toEqual({ kind: 'next', missed: 0 });
          else if (s > highest) expect(verdict).toEqual({ kind: 'next', missed: s - highest - 1 });
          else if (seen.has(s)) expect(verdict).toEqual({ kind: 'duplicate' });
          else expect(verdict).toEqual({ kind: 'late' });
          seen.add(s);
          highest = Math.max(highest, s);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('holds at most maxSources, evicting the least recently used', () => {
    const tracker = new SequenceTracker({ maxSources: 2 });
    tracker.observe('a', 1, 1);
    tracker.observe('b', 1, 1);
    tracker.observe('a', 1, 2); // a is now more recent than b
    tracker.observe('c', 1, 1); // evicts b
    expect(tracker.size).toBe(2);
    expect(tracker.observe('a', 1, 2)).toEqual({ kind: 'duplicate' }); // a was kept
    expect(tracker.observe('b', 1, 1)).toEqual({ kind: 'next', missed: 0 }); // b was forgotten; evicts c
    expect(tracker.observe('c', 1, 1)).toEqual({ kind: 'next', missed: 0 });
    expect(tracker.size).toBe(2);
  });
});

describe('ContiguousCursor', () => {
  it('advances only over contiguous ranges, whatever order they complete in', () => {
    const cursor = new ContiguousCursor();
    expect(cursor.add(4, 6)).toBe(0);
    expect(cursor.add(8, 9)).toBe(0);
    expect(cursor.pendingRanges).toBe(2);
    expect(cursor.add(1, 3)).toBe(6);
    expect(cursor.add(7, 7)).toBe(9);
    expect(cursor.pendingRanges).toBe(0);
    expect(cursor.value).toBe(9);
  });

  it('handles overlapping, contained and already-acked ranges', () => {
    const cursor = new ContiguousCursor(10);
    expect(cursor.add(5, 8)).toBe(10); // below the cursor: nothing to do
    expect(cursor.add(9, 14)).toBe(14); // straddles the cursor
    expect(cursor.add(16, 30)).toBe(14);
    expect(cursor.add(18, 20)).toBe(14); // contained in a pending range
    expect(cursor.add(15, 17)).toBe(30); // overlaps the pending range, which must not be lost
    expect(cursor.pendingRanges).toBe(0);
  });

  it('equals the largest n with 1..n all added (model check)', () => {
    const range = fc
      .tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 6 }))
      .map(([first, len]) => [first, first + len] as const);
    fc.assert(
      fc.property(fc.array(range, { maxLength: 40 }), (ranges) => {
        const cursor = new ContiguousCursor(0, 1000);
        const stored = new Set<number>();
        for (const [first, last] of ranges) {
          for (let n = first; n <= last; n++) stored.add(n);
          let contiguous = 0;
          while (stored.has(contiguous + 1)) contiguous++;
          expect(cursor.add(first, last)).toBe(contiguous);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('throws RangeError past maxPending disjoint ranges above the cursor', () => {
    const cursor = new ContiguousCursor(0, 3);
    cursor.add(3, 3);
    cursor.add(5, 5);
    cursor.add(7, 7);
    expect(() => cursor.add(9, 9)).toThrow(RangeError);
  });

  it('restores from its persisted value and pending ranges, and carries on as if never stopped', () => {
    const cursor = new ContiguousCursor();
    cursor.add(1, 3);
    cursor.add(6, 8);
    cursor.add(11, 12);
    const restored = new ContiguousCursor(cursor.value, 10_000, cursor.pending);
    expect(restored.pending).toEqual([
      [6, 8],
      [11, 12],
    ]);
    expect(restored.add(4, 5)).toBe(8);
    expect(restored.add(9, 10)).toBe(12);
  });

  it('refuses an empty range', () => {
    expect(() => new ContiguousCursor().add(5, 4)).toThrow(RangeError);
  });

  // At-least-once delivery redelivers a batch whose ack was lost; the same range then completes
  // again. That is one range waiting, not many.
  it('counts a redelivered range once toward maxPending', () => {
    const cursor = new ContiguousCursor(0, 2);
    for (let i = 0; i < 5; i++) expect(() => cursor.add(5, 6)).not.toThrow();
    expect(cursor.pendingRanges).toBe(1);
    expect(cursor.add(1, 4)).toBe(6);
  });
});
