import type { FeatureSpec } from '../schemas/model.js';

/**
 * Feature encoding for the forecasting models: how a window of a series and the calendar of the
 * forecast's first step become the model's input vector, and how its output becomes values again.
 * The hub's trainer and the edge's runner both call these, with the `FeatureSpec` carried in the
 * model's manifest, so training and inference encode identically (float32, the same operations in
 * the same order). Series values are counts (sales, entries): decoded forecasts are never negative.
 *
 * Input layout: the window scaled by the series' scale (`window` values, oldest first; a missing
 * value takes the window's mean), then the calendar features in `spec.calendar` order:
 * `hour-of-day` one-hot (24), `day-of-week` one-hot (7, Monday first), `weekend` (1),
 * `day-of-month` as sin/cos (2), `month` one-hot (12), `holiday` one flag per window step and per
 * forecast step (`window + horizon`): 1 where the step's local date is in `spec.holidays`, so the
 * model knows both which past values a holiday distorted and which forecast steps fall on one.
 */

const DAY_MS = 86_400_000;
const STEP_MS = { hour: 3_600_000, day: DAY_MS } as const;

function calendarSize(spec: FeatureSpec, feature: FeatureSpec['calendar'][number]): number {
  switch (feature) {
    case 'hour-of-day':
      return 24;
    case 'day-of-week':
      return 7;
    case 'weekend':
      return 1;
    case 'day-of-month':
      return 2;
    case 'month':
      return 12;
    case 'holiday':
      return spec.window + spec.horizon;
  }
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * An instant on the local clock of an IANA time zone: ms since 1970-01-01T00:00 local, the clock
 * series steps and calendar features run on (so a week's season lines up across daylight saving).
 * Throws a RangeError for a time zone the runtime does not know.
 */
export function localClockMs(utcMs: number, timeZone: string): number {
  if (timeZone === 'UTC') return utcMs;
  let format = zoneFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    zoneFormats.set(timeZone, format);
  }
  const part: Record<string, number> = {};
  for (const p of format.formatToParts(utcMs)) if (p.type !== 'literal') part[p.type] = Number(p.value);
  const local = Date.UTC(
    part.year as number,
    (part.month as number) - 1,
    part.day as number,
    part.hour as number,
    part.minute as number,
    part.second as number,
  );
  return local + (((utcMs % 1000) + 1000) % 1000);
}

/** Length of the input vector. */
export function featureCount(spec: FeatureSpec): number {
  return spec.window + spec.calendar.reduce((n, c) => n + calendarSize(spec, c), 0);
}

const holidayDays = new WeakMap<FeatureSpec, ReadonlySet<number>>();

/** The spec's holidays as local day numbers (days since 1970-01-01 local), computed once per spec. */
function holidaysOf(spec: FeatureSpec): ReadonlySet<number> {
  let days = holidayDays.get(spec);
  if (days === undefined) {
    days = new Set((spec.holidays ?? []).map((d) => Math.floor(Date.parse(`${d}T00:00:00Z`) / DAY_MS)));
    holidayDays.set(spec, days);
  }
  return days;
}

/**
 * The scale of a window: mean |value| (`mean-abs`) or max |value| (`max-abs`) of its observed
 * values, 1 for `none`, and 1 whenever that would be 0 or nothing was observed.
 */
export function windowScale(spec: FeatureSpec, window: ArrayLike<number>): number {
  if (spec.scaling === 'none') return 1;
  let sum = 0;
  let max = 0;
  let n = 0;
  for (let i = 0; i < window.length; i++) {
    const v = window[i] as number;
    if (Number.isNaN(v)) continue;
    const a = Math.abs(v);
    sum += a;
    if (a > max) max = a;
    n++;
  }
  const scale = n === 0 ? 0 : spec.scaling === 'max-abs' ? max : sum / n;
  return scale > 0 ? Math.fround(scale) : 1;
}

/**
 * Writes one input vector at `out[offset…]` and returns the scale used. `window` holds exactly
 * `spec.window` values (NaN = missing), the last one just before the first forecast step, which
 * starts at `originLocalMs` on the series' local clock (ms since 1970-01-01T00:00 local).
 */
export function encodeInput(
  spec: FeatureSpec,
  window: ArrayLike<number>,
  originLocalMs: number,
  out: Float32Array,
  offset = 0,
): number {
  if (window.length !== spec.window)
    throw new RangeError(`window has ${window.length} values, the spec reads ${spec.window}`);
  const scale = windowScale(spec, window);
  let observed = 0;
  let n = 0;
  for (let i = 0; i < window.length; i++) {
    const v = window[i] as number;
    if (Number.isNaN(v)) continue;
    observed += v;
    n++;
  }
  const fill = n === 0 ? 0 : observed / n / scale;
  let k = offset;
  for (let i = 0; i < window.length; i++) {
    const v = window[i] as number;
    out[k++] = Number.isNaN(v) ? fill : v / scale;
  }
  const date = new Date(originLocalMs);
  for (const feature of spec.calendar) {
    const size = calendarSize(spec, feature);
    out.fill(0, k, k + size);
    switch (feature) {
      case 'hour-of-day':
        out[k + date.getUTCHours()] = 1;
        break;
      case 'day-of-week':
        out[k + ((date.getUTCDay() + 6) % 7)] = 1;
        break;
      case 'weekend':
        out[k] = date.getUTCDay() === 0 || date.getUTCDay() === 6 ? 1 : 0;
        break;
      case 'day-of-month': {
        const angle = (2 * Math.PI * (date.getUTCDate() - 1)) / 31;
        out[k] = Math.sin(angle);
        out[k + 1] = Math.cos(angle);
        break;
      }
      case 'month':
        out[k + date.getUTCMonth()] = 1;
        break;
      case 'holiday': {
        const days = holidaysOf(spec);
        const step = STEP_MS[spec.granularity];
        const first = originLocalMs - spec.window * step;
        for (let i = 0; i < size; i++) if (days.has(Math.floor((first + i * step) / DAY_MS))) out[k + i] = 1;
        break;
      }
    }
    k += size;
  }
  return scale;
}

/** The target vector of a training example: the next `horizon` values scaled like the input. */
export function encodeTarget(future: ArrayLike<number>, scale: number, out: Float32Array, offset = 0): void {
  for (let i = 0; i < future.length; i++) out[offset + i] = (future[i] as number) / scale;
}

/** Model output → forecast values: unscaled, and never below zero (counts). */
export function decodeOutput(output: ArrayLike<number>, scale: number): Float64Array {
  const values = new Float64Array(output.length);
  for (let i = 0; i < output.length; i++) values[i] = Math.max(0, (output[i] as number) * scale);
  return values;
}
