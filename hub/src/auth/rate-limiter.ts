/**
 * Fixed one-minute windows per key, bounded: at most `maxKeys` keys are tracked (the oldest window
 * is forgotten first), so a flood of distinct keys cannot grow memory without limit.
 */
export class RateLimiter {
  readonly #limit: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(perMinute: number, options: { maxKeys?: number; now?: () => number } = {}) {
    this.#limit = perMinute;
    this.#maxKeys = options.maxKeys ?? 100_000;
    this.#now = options.now ?? Date.now;
  }

  /** Counts one event for `key`; false when the key is over its limit for this minute. */
  take(key: string): boolean {
    const now = this.#now();
    let window = this.#windows.get(key);
    if (window === undefined || now - window.start >= 60_000) {
      this.#windows.delete(key);
      window = { start: now, count: 0 };
      this.#windows.set(key, window);
      if (this.#windows.size > this.#maxKeys) {
        const oldest = this.#windows.keys().next().value;
        if (oldest !== undefined) this.#windows.delete(oldest);
      }
    }
    window.count++;
    return window.count <= this.#limit;
  }
}
