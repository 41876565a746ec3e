/**
 * Regular time series for forecasting: one value per step (an hour or a day) from `start`, `NaN`
 * where nothing was observed. Gaps stay gaps: forecasters and metrics skip them rather than
 * pretending a zero was seen.
 */

export type Granularity = 'hour' | 'day';

export const STEP_MS: Readonly<Record<Granularity, number>> = { hour: 3_600_000, day: 86_400_000 };

/**
 * A series runs on its site's local clock: step boundaries are local hours and local midnights, so
 * a weekly season lines up with the local week across daylight-saving changes (the spring-forward
 * hour is a gap, the repeated autumn hour is summed into one step).
 */
export interface Series {
  readonly name: string;
  readonly granularity: Granularity;
  /** Start of the first step on the local clock, as ms since 1970-01-01T00:00 local (a step multiple). */
  readonly start: number;
  readonly values: Float64Array;
}

export interface Observation {
  /** The instant, ms UTC. */
  readonly ts: number;
  /** The local clock's offset from UTC at that instant, in minutes (0 when unknown). */
  readonly offsetMinutes?: number;
  readonly value: number;
}

/**
 * Observations onto a regular grid of local steps: each falls into the step holding its local
 * time; several in one step are summed (hourly counts from finer ones, daily from hourly); steps
 * without any are `NaN`.
 */
export function regularize(name: string, observations: readonly Observation[], granularity: Granularity): Series {
  const step = STEP_MS[granularity];
  const finite = observations.filter((o) => Number.isFinite(o.value) && Number.isFinite(o.ts));
  if (finite.length === 0) return { name, granularity, start: 0, values: new Float64Array(0) };
  const slot = (o: Observation) => Math.floor((o.ts + (o.offsetMinutes ?? 0) * 60_000) / step);
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const o of finite) {
    const s = slot(o);
    if (s < first) first = s;
    if (s > last) last = s;
  }
  const values = new Float64Array(last - first + 1).fill(Number.NaN);
  for (const o of finite) {
    const i = slot(o) - first;
    values[i] = Number.isNaN(values[i] as number) ? o.value : (values[i] as number) + o.value;
  }
  return { name, granularity, start: first * step, values };
}
