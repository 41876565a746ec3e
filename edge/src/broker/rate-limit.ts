/**
 * Token buckets, one per key (a device's client id): each holds at most `burst` tokens, refills at
 * `perSecond` tokens per second, and one publish takes one token. The clock is injected (ms, any
 * monotonic origin) so tests step time by hand.
 *
 * Buckets outlive sessions on purpose: an over-rate device that is disconnected and reconnects gets
 * no fresh burst. The owner deletes a key when the device leaves the site, which bounds the map
 * by the number of devices.
 */

export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

export class TokenBuckets {
  readonly #limit: RateLimit;
  readonly #clock: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(limit: RateLimit, clock: () => number) {
    if (!(limit.perSecond > 0) || !Number.isFinite(limit.perSecond)) {
      throw new RangeError(`perSecond=${limit.perSecond}`);
    }
    if (!Number.isInteger(limit.burst) || limit.burst < 1) throw new RangeError(`burst=${limit.burst}`);
    this.#limit = limit;
    this.#clock = clock;
  }

  get size(): number {
    return this.#buckets.size;
  }

  /** Takes a token for `key`; false when its bucket is empty (the publish is over the rate). */
  take(key: string): boolean {
    const now = this.#clock();
    const bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      this.#buckets.set(key, { tokens: this.#limit.burst - 1, atMs: now });
      return true;
    }
    // A clock that steps backwards refills nothing rather than draining the bucket.
    const elapsedMs = Math.max(0, now - bucket.atMs);
    bucket.tokens = Math.min(this.#limit.burst, bucket.tokens + (elapsedMs * this.#limit.perSecond) / 1000);
    bucket.atMs = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  delete(key: string): void {
    this.#buckets.delete(key);
  }
}
