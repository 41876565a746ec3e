import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/**
 * The search's only source of randomness: seeded, so a run is reproducible (no `Math.random`).
 *
 * xoroshiro128+ fills its 128-bit state from the 32-bit seed as it is, so neighbouring small
 * seeds (1, 2, 3…) start from nearly equal states and their first draws nearly agree (seeds 4–7
 * all began 1.0, 0.98, then 0.00x). The seed is therefore scrambled by a bijective integer hash
 * (murmur3's 32-bit finaliser) and the first `WARM_UP` draws are thrown away, as the generator's
 * authors advise for low-entropy seeds; distinct seeds still give distinct, reproducible runs.
 */
const WARM_UP = 32;

/** murmur3's fmix32: a bijection on 32-bit integers whose outputs differ in ~half their bits for neighbouring inputs. */
function scramble(seed: number): number {
  let h = seed | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

export class SearchRandom {
  readonly #generator;

  constructor(seed: number) {
    this.#generator = xoroshiro128plus(scramble(seed));
    for (let i = 0; i < WARM_UP; i++) this.#generator.next();
  }

  /** Uniform in [0, 1). */
  float(): number {
    return (this.#generator.next() >>> 0) / 2 ** 32;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const k = this.int(i + 1);
      const a = items[i] as T;
      items[i] = items[k] as T;
      items[k] = a;
    }
    return items;
  }
}
