import { v7 as uuidv7 } from 'uuid';

/**
 * Ids and sequence numbers.
 *
 * - Item ids are UUIDv7 (RFC 9562): time-ordered, so they index well and sort by creation.
 * - Sequence numbers are per source, monotonic and persisted across restarts without a disk write
 *   per number: a {@link SequenceCounter} reserves blocks ahead ("hi/lo"), so after a crash it
 *   resumes past the last reserved block, leaving a gap but never reusing a number.
 * - Receivers classify what arrives per source with a {@link SequenceTracker}, and a hub acks
 *   the highest contiguous number with a {@link ContiguousCursor}.
 */

/**
 * Makes UUIDv7 ids from an injected clock and random source. Ids made for the same millisecond
 * still sort in creation order: the 32-bit counter after the time part counts up from a random
 * start (RFC 9562 §6.2, method 1). A seeded `random` makes the ids reproducible (the simulator).
 */
export class IdGenerator {
  readonly #random: () => Uint8Array;
  #lastMs = -1;
  #seq = 0;

  /** `random` returns 16 fresh random bytes per call; default: the platform's crypto RNG. */
  constructor(random: () => Uint8Array = () => globalThis.crypto.getRandomValues(new Uint8Array(16))) {
    this.#random = random;
  }

  next(nowMs: number): string {
    const bytes = this.#random();
    if (nowMs === this.#lastMs && this.#seq < 0xffff_ffff) {
      this.#seq++;
    } else {
      this.#lastMs = nowMs;
      // A random start below 2^31 leaves 2^31 ids of room in one millisecond.
      this.#seq =
        (((bytes[6] as number) & 0x7f) << 24) |
        ((bytes[7] as number) << 16) |
        ((bytes[8] as number) << 8) |
        (bytes[9] as number);
    }
    return uuidv7({ msecs: nowMs, seq: this.#seq, random: bytes });
  }
}

const defaultIds = new IdGenerator();

/** A new UUIDv7, from the wall clock or from an injected time (`nowMs`). */
export function newId(nowMs?: number): string {
  return nowMs === undefined ? uuidv7() : defaultIds.next(nowMs);
}

/** The creation time carried in a UUIDv7 (ms since epoch), or undefined for other versions. */
export function idTime(id: string): number | undefined {
  if (id.length !== 36 || id[14] !== '7') return undefined;
  const hex = id.slice(0, 8) + id.slice(9, 13);
  const ms = Number.parseInt(hex, 16);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Where a counter keeps its high-water mark. `save` must be durable before it returns. */
export interface SequenceStore {
  load(): number | undefined;
  save(reservedUpTo: number): void;
}

/** Persisted per-source sequence: next() never repeats a number, even across crashes. */
export class SequenceCounter {
  readonly #store: SequenceStore;
  readonly #block: number;
  #next: number;
  #reservedUpTo: number;

  /** `block`: how many numbers to reserve per durable write (a crash skips at most this many). */
  constructor(store: SequenceStore, block = 1000) {
    if (!Number.isInteger(block) || block < 1) throw new RangeError(`block must be a positive integer, got ${block}`);
    this.#store = store;
    this.#block = block;
    const reserved = store.load() ?? 0;
    this.#next = reserved + 1;
    this.#reservedUpTo = reserved;
  }

  /** The number next() will return. */
  peek(): number {
    return this.#next;
  }

  next(): number {
    if (this.#next > this.#reservedUpTo) {
      this.#reservedUpTo = this.#next + this.#block - 1;
      this.#store.save(this.#reservedUpTo);
    }
    return this.#next++;
  }
}

/** What a receiver makes of one (boot, seq) from a source. */
export type SequenceVerdict =
  /** The next number, or a later one after a gap (`missed` numbers never arrived, yet). */
  | { readonly kind: 'next'; readonly missed: number }
  /** Already seen (inside the window). */
  | { readonly kind: 'duplicate' }
  /** Older than the newest seen but not seen before: a late arrival. */
  | { readonly kind: 'late' }
  /** The source restarted (higher boot): its sequence continues or starts over. */
  | { readonly kind: 'restart' }
  /** A lower boot than already seen: from before a restart, or a clock/config error upstream. */
  | { readonly kind: 'stale-boot' }
  /** Too old to tell whether it was seen (below the window). */
  | { readonly kind: 'too-old' };

interface SourceWindow {
  boot: number;
  highest: number;
  /** Bit i set: highest - i was seen. */
  seen: bigint;
}

/**
 * Per-source duplicate and reorder detection with a sliding window, like IPsec anti-replay
 * (RFC 4303 §3.4.3). Bounded: `maxSources` sources, evicting the least recently used.
 */
export class SequenceTracker {
  readonly #window: number;
  readonly #maxSources: number;
  readonly #sources = new Map<string, SourceWindow>();

  constructor(options: { window?: number; maxSources?: number } = {}) {
    this.#window = options.window ?? 1024;
    this.#maxSources = options.maxSources ?? 100_000;
  }

  get size(): number {
    return this.#sources.size;
  }

  observe(source: string, boot: number, seq: number): SequenceVerdict {
    const state = this.#sources.get(source);
    if (state === undefined) {
      this.#remember(source, { boot, highest: seq, seen: 1n });
      return { kind: 'next', missed: 0 };
    }
    // Refresh recency for LRU eviction.
    this.#sources.delete(source);
    this.#sources.set(source, state);
    if (boot < state.boot) return { kind: 'stale-boot' };
    if (boot > state.boot) {
      state.boot = boot;
      state.highest = seq;
      state.seen = 1n;
      return { kind: 'restart' };
    }
    if (seq > state.highest) {
      const shift = seq - state.highest;
      const missed = shift - 1;
      state.seen = shift >= this.#window ? 1n : ((state.seen << BigInt(shift)) | 1n) & this.#mask();
      state.highest = seq;
      return { kind: 'next', missed };
    }
    const age = state.highest - seq;
    if (age >= this.#window) return { kind: 'too-old' };
    const bit = 1n << BigInt(age);
    if ((state.seen & bit) !== 0n) return { kind: 'duplicate' };
    state.seen |= bit;
    return { kind: 'late' };
  }

  #mask(): bigint {
    return (1n << BigInt(this.#window)) - 1n;
  }

  #remember(source: string, state: SourceWindow): void {
    if (this.#sources.size >= this.#maxSources) {
      const oldest = this.#sources.keys().next();
      if (oldest.done !== true) this.#sources.delete(oldest.value);
    }
    this.#sources.set(source, state);
  }
}

/**
 * The highest sequence number below which everything has been stored, given stores that complete
 * out of order: the ack cursor. Ranges above the cursor wait (bounded by `maxPending`).
 */
export class ContiguousCursor {
  #cursor: number;
  #pending: Array<[number, number]> = [];
  readonly #maxPending: number;

  constructor(start = 0, maxPending = 10_000, pending: ReadonlyArray<readonly [number, number]> = []) {
    this.#cursor = start;
    this.#maxPending = maxPending;
    this.#pending = pending.map(([first, last]) => [first, last]);
  }

  /** The disjoint ranges stored above the cursor, ascending (persist them with `value`). */
  get pending(): ReadonlyArray<readonly [number, number]> {
    return this.#pending.map(([first, last]) => [first, last] as const);
  }

  get value(): number {
    return this.#cursor;
  }

  get pendingRanges(): number {
    return this.#pending.length;
  }

  /**
   * Marks [first, last] stored (overlaps and repeats are fine: at-least-once delivery redelivers);
   * returns the new cursor. Throws RangeError, changing nothing, when more than `maxPending`
   * disjoint ranges would wait above the cursor (the caller must resync).
   */
  add(first: number, last: number): number {
    if (first > last) throw new RangeError(`range [${first}, ${last}] is empty`);
    if (last <= this.#cursor) return this.#cursor;
    const ranges: Array<[number, number]> = [...this.#pending, [Math.max(first, this.#cursor + 1), last]];
    ranges.sort((a, b) => a[0] - b[0]);
    // Merge overlapping and adjacent ranges, then advance the cursor over the contiguous prefix.
    const merged: Array<[number, number]> = [];
    for (const range of ranges) {
      const tail = merged[merged.length - 1];
      if (tail !== undefined && range[0] <= tail[1] + 1) tail[1] = Math.max(tail[1], range[1]);
      else merged.push([range[0], range[1]]);
    }
    let cursor = this.#cursor;
    while (merged.length > 0 && (merged[0] as [number, number])[0] <= cursor + 1) {
      cursor = Math.max(cursor, (merged.shift() as [number, number])[1]);
    }
    if (merged.length > this.#maxPending) {
      throw new RangeError(`more than ${this.#maxPending} ranges would wait above cursor ${cursor}`);
    }
    this.#cursor = cursor;
    this.#pending = merged;
    return cursor;
  }
}
