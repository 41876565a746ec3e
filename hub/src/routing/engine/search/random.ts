import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/** The search's only source of randomness: seeded, so a run is reproducible (no `Math.random`). */
export class SearchRandom {
  readonly #generator;

  constructor(seed: number) {
    this.#generator = xoroshiro128plus(seed);
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
