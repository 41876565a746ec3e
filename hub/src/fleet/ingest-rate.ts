/**
 * Items stored per interval, the last N intervals: what the Fleet dashboard draws as the ingest
 * rate. The hub already counts stored items (`aisle_hub_items_total`, by lane); a chart needs
 * that counter's increase per interval over time, which Prometheus would compute but the hub
 * must serve on its own (no Prometheus in the embedded setup). So the counter is sampled once per
 * interval and the increase kept here, in a ring bounded by `fleet.ingestRate.buckets`: the
 * oldest interval goes when a new one comes (counted by the caller as dropped, since that is by
 * design and not a loss of data: the counter itself keeps the total).
 *
 * Pure: the caller passes the time and the counter's totals, so tests control both.
 */
export interface IngestRatePoint {
  /** End of the interval (ms UTC). */
  readonly at: number;
  /** Items stored for the first time in the interval, live lane. */
  readonly live: number;
  /** Same, backlog (hist) lane. */
  readonly hist: number;
}

export interface LaneTotals {
  readonly live: number;
  readonly hist: number;
}

export class IngestRateRing {
  readonly #points: IngestRatePoint[] = [];
  #last: LaneTotals | undefined;

  constructor(readonly bound: number) {
    if (!Number.isInteger(bound) || bound < 1) throw new RangeError(`bound must be a positive integer, got ${bound}`);
  }

  /**
   * The counter's totals at `at`: the increase since the previous sample becomes the interval
   * ending at `at`. The first sample only sets the base. A total that went down (the counter was
   * reset) counts from zero. Returns how many old points were dropped to keep the bound (0 or 1).
   */
  sample(at: number, totals: LaneTotals): number {
    const last = this.#last;
    this.#last = totals;
    if (last === undefined) return 0;
    const increase = (now: number, before: number) => (now >= before ? now - before : now);
    this.#points.push({ at, live: increase(totals.live, last.live), hist: increase(totals.hist, last.hist) });
    if (this.#points.length <= this.bound) return 0;
    this.#points.shift();
    return 1;
  }

  /** The kept intervals, oldest first; with `since`, only those ending after it (a client's delta). */
  points(since?: number): readonly IngestRatePoint[] {
    if (since === undefined) return [...this.#points];
    return this.#points.filter((p) => p.at > since);
  }
}
