/**
 * How fast vans drive at each hour of the day, learned from GPS traces (issue #8: "ETA per stop,
 * time-of-day speed profile learned from traces"). Pure: no clock, no I/O.
 *
 * A sample is the speed of one driving segment between two consecutive fixes. Segments are cut
 * every few seconds, so the mean of their speeds is close to distance ÷ time over the drive; the
 * figure per hour is a *trimmed* mean (`trimShare` of the samples dropped at each end: 0 is the
 * mean, 0.5 the median), because one GPS jump makes a 200 km/h segment and a mean would follow it.
 *
 * An hour with fewer than `minSamplesPerHour` samples has no figure of its own and answers with
 * the overall figure (all hours' samples, and samples whose hour is unknown); with fewer than that
 * overall, the configured default. Memory is bounded: each hour keeps its latest
 * `maxSamplesPerHour` samples in a ring, the overall pool its latest `24 × maxSamplesPerHour`, so
 * a profile fed by live fixes for months follows the recent traffic and never grows.
 */

export const HOUR_MS = 3_600_000;

export interface SpeedProfileOptions {
  /** The answer while there are too few samples overall (m/s). */
  readonly defaultSpeedMps: number;
  /** Samples an hour needs before it has a figure of its own (and overall, before the default is left). */
  readonly minSamplesPerHour: number;
  /** Share of the samples dropped at each end before averaging, in [0, 0.5]. */
  readonly trimShare: number;
  /** Ring size per hour (the overall pool holds 24 × this). */
  readonly maxSamplesPerHour: number;
  /** Local hour of day (0–23) of an instant; default: the UTC hour. */
  readonly hourOf?: (ms: number) => number;
}

/** Where a speed came from: the hour's own samples, all samples, or the configured default. */
export type SpeedSource = 'hour' | 'overall' | 'default';

export interface SpeedAnswer {
  readonly speedMps: number;
  readonly source: SpeedSource;
}

export interface SpeedProfileSnapshot {
  readonly overall: { readonly speedMps: number | undefined; readonly samples: number };
  /** Index = local hour; `speedMps` undefined while the hour has too few samples. */
  readonly hours: ReadonlyArray<{ readonly speedMps: number | undefined; readonly samples: number }>;
  readonly defaultSpeedMps: number;
}

/** One driving segment's speed: distance ÷ time between two fixes. */
export interface DrivingSegment {
  readonly fromMs: number;
  readonly toMs: number;
  readonly distanceM: number;
}

/** Which segments are trusted as samples, whatever their source (trace file or live fixes). */
export interface SegmentFilter {
  /** Longer gaps between fixes say nothing about the speed in between (a tunnel, a dropout). */
  readonly maxGapMs: number;
  /** Faster than this is a GPS jump, not a van. */
  readonly maxSpeedMps: number;
}

export const DEFAULT_SEGMENT_FILTER: SegmentFilter = { maxGapMs: 60_000, maxSpeedMps: 50 };

/** The segment's speed, or undefined when the filter does not trust it. */
export function segmentSpeed(
  segment: DrivingSegment,
  filter: SegmentFilter = DEFAULT_SEGMENT_FILTER,
): number | undefined {
  const dtMs = segment.toMs - segment.fromMs;
  if (!(dtMs > 0) || dtMs > filter.maxGapMs || !Number.isFinite(segment.distanceM) || segment.distanceM < 0)
    return undefined;
  const speed = segment.distanceM / (dtMs / 1000);
  return speed > filter.maxSpeedMps ? undefined : speed;
}

/** A fixed-size ring of the latest samples, with its trimmed mean cached until the next sample. */
class SampleRing {
  readonly #values: Float64Array;
  #next = 0;
  #size = 0;
  #figure: number | undefined;
  #fresh = false;

  constructor(capacity: number) {
    this.#values = new Float64Array(capacity);
  }

  get size(): number {
    return this.#size;
  }

  add(value: number): void {
    this.#values[this.#next] = value;
    this.#next = (this.#next + 1) % this.#values.length;
    if (this.#size < this.#values.length) this.#size++;
    this.#fresh = false;
  }

  trimmedMean(trimShare: number): number | undefined {
    if (this.#fresh) return this.#figure;
    this.#figure = trimmedMean(this.#values.subarray(0, this.#size), trimShare);
    this.#fresh = true;
    return this.#figure;
  }
}

/** Mean of the values left after dropping ⌊n × trimShare⌋ at each end (at least one kept). */
export function trimmedMean(values: ArrayLike<number>, trimShare: number): number | undefined {
  const n = values.length;
  if (n === 0) return undefined;
  const sorted = Float64Array.from(values).sort();
  let drop = Math.floor(n * Math.min(0.5, Math.max(0, trimShare)));
  if (2 * drop >= n) drop = Math.floor((n - 1) / 2);
  // At 0.5 an even count keeps its middle pair: the median's usual mean of the two.
  const kept = sorted.subarray(drop, n - drop);
  let sum = 0;
  for (const v of kept) sum += v;
  return sum / kept.length;
}

export class SpeedProfile {
  readonly #options: SpeedProfileOptions;
  readonly #hours: SampleRing[];
  readonly #overall: SampleRing;
  readonly #hourOf: (ms: number) => number;

  constructor(options: SpeedProfileOptions) {
    if (!(options.defaultSpeedMps > 0))
      throw new RangeError(`defaultSpeedMps must be > 0, got ${options.defaultSpeedMps}`);
    if (!(options.trimShare >= 0 && options.trimShare <= 0.5))
      throw new RangeError(`trimShare must be in [0, 0.5], got ${options.trimShare}`);
    if (!Number.isInteger(options.maxSamplesPerHour) || options.maxSamplesPerHour < 1)
      throw new RangeError(`maxSamplesPerHour must be a whole number ≥ 1, got ${options.maxSamplesPerHour}`);
    if (!Number.isInteger(options.minSamplesPerHour) || options.minSamplesPerHour < 1)
      throw new RangeError(`minSamplesPerHour must be a whole number ≥ 1, got ${options.minSamplesPerHour}`);
    this.#options = options;
    this.#hours = Array.from({ length: 24 }, () => new SampleRing(options.maxSamplesPerHour));
    this.#overall = new SampleRing(24 * options.maxSamplesPerHour);
    this.#hourOf = options.hourOf ?? ((ms) => Math.floor(ms / HOUR_MS) % 24);
  }

  /**
   * One driving segment's speed. `atMs` is when it was driven (its middle); undefined when the
   * time of day is not known (the public trace file's dates and times are shifted): such samples
   * count overall only.
   */
  add(speedMps: number, atMs: number | undefined): void {
    if (!Number.isFinite(speedMps) || speedMps < 0) return;
    this.#overall.add(speedMps);
    if (atMs === undefined) return;
    this.#hours[this.#hour(atMs)]?.add(speedMps);
  }

  /** A segment between two fixes, if the filter trusts it; its hour is the one its middle falls in. */
  addSegment(segment: DrivingSegment, hourKnown = true, filter: SegmentFilter = DEFAULT_SEGMENT_FILTER): boolean {
    const speed = segmentSpeed(segment, filter);
    if (speed === undefined) return false;
    this.add(speed, hourKnown ? (segment.fromMs + segment.toMs) / 2 : undefined);
    return true;
  }

  /** The speed to expect at `atMs`: the hour's figure, else the overall one, else the default. */
  speedAt(atMs: number): SpeedAnswer {
    const ring = this.#hours[this.#hour(atMs)];
    const { minSamplesPerHour, trimShare, defaultSpeedMps } = this.#options;
    if (ring !== undefined && ring.size >= minSamplesPerHour) {
      const speed = ring.trimmedMean(trimShare);
      if (speed !== undefined && speed > 0) return { speedMps: speed, source: 'hour' };
    }
    if (this.#overall.size >= minSamplesPerHour) {
      const speed = this.#overall.trimmedMean(trimShare);
      if (speed !== undefined && speed > 0) return { speedMps: speed, source: 'overall' };
    }
    return { speedMps: defaultSpeedMps, source: 'default' };
  }

  snapshot(): SpeedProfileSnapshot {
    const { minSamplesPerHour, trimShare, defaultSpeedMps } = this.#options;
    const figure = (ring: SampleRing) => (ring.size >= minSamplesPerHour ? ring.trimmedMean(trimShare) : undefined);
    return {
      overall: { speedMps: figure(this.#overall), samples: this.#overall.size },
      hours: this.#hours.map((ring) => ({ speedMps: figure(ring), samples: ring.size })),
      defaultSpeedMps,
    };
  }

  #hour(ms: number): number {
    const h = this.#hourOf(ms);
    return ((Math.floor(h) % 24) + 24) % 24;
  }
}
