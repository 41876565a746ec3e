import { type AppendResult, OutboxError, type OutboxItem } from './options.js';
import type { Outbox } from './outbox.js';

/**
 * Groups appends made close together into one outbox transaction. A commit costs the same
 * whether it holds one row or a thousand, so the gateway's handlers add items as they come and
 * the buffer commits when `maxItems` wait or `maxDelayMs` after the first of them, whichever
 * comes first. Nothing waits longer than `maxDelayMs`, and never more than `maxItems` items
 * (plus the last `add`, which is never split), so the buffer needs no overflow policy of its own.
 */

export interface AppendBufferOptions {
  /** Commit as soon as this many items wait; default 500. */
  readonly maxItems?: number;
  /** Commit at most this long after the first waiting item arrived; default 20 ms. */
  readonly maxDelayMs?: number;
}

interface Waiter {
  readonly start: number;
  readonly count: number;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/** A waiter's part of a commit's result. The gateway adds one item at a time: that case allocates least. */
function share(perItem: readonly (number | null)[], start: number, count: number): AppendResult {
  const oseq = perItem[start];
  if (count === 1 && oseq !== undefined) {
    return oseq === null
      ? { accepted: [], refused: 1, perItem: [null] }
      : { accepted: [oseq], refused: 0, perItem: [oseq] };
  }
  const mine = perItem.slice(start, start + count);
  const accepted = mine.filter((oseq): oseq is number => oseq !== null);
  return { accepted, refused: mine.length - accepted.length, perItem: mine };
}

export class AppendBuffer {
  readonly #outbox: Pick<Outbox, 'append'>;
  readonly #maxItems: number;
  readonly #maxDelayMs: number;
  #items: OutboxItem[] = [];
  #waiters: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(outbox: Pick<Outbox, 'append'>, options: AppendBufferOptions = {}) {
    const maxItems = options.maxItems ?? 500;
    const maxDelayMs = options.maxDelayMs ?? 20;
    const problems = [
      ...(Number.isSafeInteger(maxItems) && maxItems > 0 ? [] : [`maxItems=${maxItems}: must be an integer ≥ 1`]),
      ...(Number.isSafeInteger(maxDelayMs) && maxDelayMs >= 0 ? [] : [`maxDelayMs=${maxDelayMs}: must be ≥ 0`]),
    ];
    if (problems.length > 0) {
      throw new OutboxError('OUTBOX_INVALID_OPTIONS', `invalid append buffer options: ${problems.join('; ')}`);
    }
    this.#outbox = outbox;
    this.#maxItems = maxItems;
    this.#maxDelayMs = maxDelayMs;
  }

  /** Items waiting for the next commit. */
  get pending(): number {
    return this.#items.length;
  }

  /**
   * Queues `items`; resolves once their transaction committed, with their share of the result
   * (oseqs, refusals). Rejects with the commit's error, so callers must handle the promise.
   */
  add(items: readonly OutboxItem[]): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new OutboxError('OUTBOX_CLOSED', 'the append buffer is closed'));
    const done = new Promise<AppendResult>((resolve, reject) => {
      this.#waiters.push({ start: this.#items.length, count: items.length, resolve, reject });
    });
    for (const item of items) this.#items.push(item);
    if (this.#items.length >= this.#maxItems) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), this.#maxDelayMs);
    return done;
  }

  /** Commits everything waiting now, in one transaction. Errors reach the waiting promises. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const items = this.#items;
    const waiters = this.#waiters;
    this.#items = [];
    this.#waiters = [];
    if (items.length === 0) {
      for (const waiter of waiters) waiter.resolve({ accepted: [], refused: 0, perItem: [] });
      return;
    }
    let result: AppendResult;
    try {
      result = this.#outbox.append(items);
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
      return;
    }
    const { perItem } = result;
    for (const waiter of waiters) waiter.resolve(share(perItem, waiter.start, waiter.count));
  }

  /** Commits what waits; later adds are refused with `OUTBOX_CLOSED`. Call before `Outbox.close()`. */
  close(): void {
    this.flush();
    this.#closed = true;
  }
}
