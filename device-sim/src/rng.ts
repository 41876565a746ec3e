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

  /** Normal(mean, sd) by Box–Muller. */
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
