import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { verifyPassword } from './credentials.js';

/**
 * Remembers successful password verifications, so a reconnect storm (a store's Wi-Fi comes back and
 * thousands of devices reconnect within seconds) does not cost thousands × 50 ms of scrypt. Each
 * entry is keyed by (username, stored hash): rotating or revoking a credential changes the hash
 * or removes the device, and the old entry can never match again.
 *
 * An entry holds an HMAC-SHA256 of the secret under a random key that lives only in this process,
 * never the secret itself; a hit still compares that digest in constant time, so a wrong password
 * is never accepted from the cache. Someone who can read this process's memory could brute-force
 * the fast HMAC instead of scrypt, but they could also read the secrets off the wire: the cache
 * does not lower the bar below what a live gateway already exposes.
 *
 * Only successes are cached: failures stay slow (that is the point of scrypt), and an attacker
 * spraying wrong passwords cannot evict the devices' entries. The cache is a bounded LRU
 * (`maxEntries`); evictions are reported so the bound has a metric.
 */

export type CacheOutcome = 'hit' | 'miss' | 'eviction';

export class VerifiedPasswordCache {
  readonly #maxEntries: number;
  readonly #onOutcome: (outcome: CacheOutcome) => void;
  readonly #hmacKey = randomBytes(32);
  /** Map iteration order is insertion order: the first key is the least recently used. */
  readonly #entries = new Map<string, Buffer>();

  constructor(maxEntries: number, onOutcome: (outcome: CacheOutcome) => void = () => {}) {
    if (!Number.isInteger(maxEntries) || maxEntries < 0) throw new RangeError(`maxEntries=${maxEntries}`);
    this.#maxEntries = maxEntries;
    this.#onOutcome = onOutcome;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Verifies `secret` against `passwordHash`, from the cache when this pair was verified before. */
  async verify(username: string, passwordHash: string, secret: Uint8Array | string): Promise<boolean> {
    // '\n' cannot occur in a hash (base64 and '$'), so the key is unambiguous.
    const key = `${passwordHash}\n${username}`;
    const digest = createHmac('sha256', this.#hmacKey).update(secret).digest();
    const cached = this.#entries.get(key);
    if (cached !== undefined && timingSafeEqual(cached, digest)) {
      this.#entries.delete(key);
      this.#entries.set(key, cached);
      this.#onOutcome('hit');
      return true;
    }
    this.#onOutcome('miss');
    const ok = await verifyPassword(secret, passwordHash);
    if (ok) this.#remember(key, digest);
    return ok;
  }

  #remember(key: string, digest: Buffer): void {
    if (this.#maxEntries === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, digest);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
      this.#onOutcome('eviction');
    }
  }
}
