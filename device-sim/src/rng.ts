import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/**
 * The simulator's only source of randomness: seeded, so a world replays exactly for a given seed.
 * Nothing in the simulator calls `Math.random`.
 */
export class Rng {
  readonly #gen: ReturnType<typeof xoroshiro128plus>;

  constructor(seed: number) {
    this.#gen = xoroshiro128plus(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    // Two 32-bit draws → 53 random bits, the full precision of a double.
    const hi = this.#gen.next() >>> 5;
    const lo = this.#gen.next() >>> 6;
    return (hi * 67_108_864 + lo) / 9_007_199_254_740_992;
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Poisson(mean) by inversion (small means) or a normal approximation (large). */
  poisson(mean: number): number {
    if (mean > 50) return Math.max(0, Math.round(this.normal(mean, Math.sqrt(mean))));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Index drawn with probability proportional to `weights[i]` (cumulative weights, ascending). */
  weighted(cumulative: readonly number[]): number {
    const total = cumulative[cumulative.length - 1] ?? 0;
    const x = this.next() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] as number) > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** 16 random bytes (for seeded UUIDs). */
  bytes16(): Uint8Array {
    const out = new Uint8Array(16);
    for (let i = 0; i < 16; i += 4) {
      const n = Math.floor(this.next() * 0x1_0000_0000);
      out[i] = n & 0xff;
      out[i + 1] = (n >>> 8) & 0xff;
      out[i + 2] = (n >>> 16) & 0xff;
      out[i + 3] = (n >>> 24) & 0xff;
    }
    return out;
  }

  /** Normal(mean, sd) by Box–Muller. */
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/**
 * An independent stream per purpose (`world`, `fault:dropout`, ...), so switching one fault on
 * does not shift the random draws of anything else: the rest of the run stays identical.
 */
export function streamSeed(seed: number, purpose: string): number {
  // FNV-1a over the purpose, mixed with the seed.
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < purpose.length; i++) {
    h ^= purpose.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function rngFor(seed: number, purpose: string): Rng {
  return new Rng(streamSeed(seed, purpose));
}
