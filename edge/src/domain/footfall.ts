import type { FootfallCount, FootfallInterval } from '@aisle/protocols';

/**
 * A site's doors: line-crossing counts per interval in, intervals with the site's occupancy out.
 * Occupancy is entries minus exits since the count began, floored at zero (a counter that misses
 * an entry must not make occupancy negative), and reset at `resetHour` local time when the store
 * is closed, so counting errors do not accumulate from day to day.
 */
export class SiteFootfall {
  #occupancy = 0;
  readonly #totals = new Map<string, { in: number; out: number }>();

  get occupancy(): number {
    return this.#occupancy;
  }

  /** Entries and exits per door since the count began. */
  totals(): ReadonlyMap<string, { in: number; out: number }> {
    return this.#totals;
  }

  count(reading: FootfallCount): FootfallInterval {
    const total = this.#totals.get(reading.door) ?? { in: 0, out: 0 };
    total.in += reading.in;
    total.out += reading.out;
    this.#totals.set(reading.door, total);
    this.#occupancy = Math.max(0, this.#occupancy + reading.in - reading.out);
    return {
      door: reading.door,
      in: reading.in,
      out: reading.out,
      intervalMs: reading.intervalMs,
      occupancy: this.#occupancy,
    };
  }

  /** Closing time: nobody is inside, whatever the counters say. */
  resetOccupancy(): void {
    this.#occupancy = 0;
  }
}
