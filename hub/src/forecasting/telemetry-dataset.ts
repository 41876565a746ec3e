import { localClockMs } from '@aisle/protocols';
import type { HourlyFieldRow, SeriesGroupKey, SeriesRepository } from '../ingest/series.repository.js';
import type { Dataset } from './dataset.js';
import { type Granularity, type Series, STEP_MS } from './engine/series.js';

/**
 * Forecasting datasets from the hub's stored telemetry (issue #6), the same shape as
 * `loadCsvDataset`'s: one series per lane (`lane:<lane>`, units sold) or per door (`door:<door>`,
 * people in), named as the gateway's own forecasting history names them. The store sums per UTC
 * hour (`SeriesRepository.hourlyField`); each hour goes onto the site's local clock
 * (`localClockMs`) and into the step holding it, on the same grid as `regularize`: the
 * spring-forward hour is a gap, the repeated autumn hour is summed into one step.
 *
 * What a step holds:
 * - **Observed**: an hour in which the hub holds any item of the site (of any type: shelf weights
 *   every few seconds, door counts every minute) was seen, and a series without events in it sold
 *   or counted 0. An hour without any item is unknown (`NaN`): the gateway, or its uplink backlog,
 *   has nothing for it yet. This is the gateway's own rule (its history marks the hours it is
 *   alive in), so a model sees at the hub what it will see at the edge.
 * - **Censored** (lanes): a lane stands empty from a `shelf.level` of 0 units until its next level
 *   above 0; every hour it stood empty in for any time is `NaN`, since nothing could be sold then
 *   (the hour of the restock too). Levels are looked for from `LEVEL_LOOKBACK_MS` before `from`,
 *   so a lane already empty at `from` starts censored.
 * - A step is `NaN` when any of its hours is unknown or censored (a day with one unknown hour is
 *   not a day's sales), or when part of it lies outside [from, to).
 */

export type TelemetryTask = 'lane-depletion' | 'footfall';

export interface TelemetryDatasetOptions {
  readonly site: string;
  readonly task: TelemetryTask;
  /** [from, to) in ms UTC, rounded out to whole hours. */
  readonly from: number;
  readonly to: number;
  /** The site's IANA time zone: steps are its local hours or days. */
  readonly timeZone: string;
  readonly granularity: Granularity;
}

const HOUR_MS = STEP_MS.hour;

/** How far before `from` a lane's last level is looked for. */
export const LEVEL_LOOKBACK_MS = 14 * STEP_MS.day;

/** What each task reads: the summed field, and the items that count. */
const SOURCES: Readonly<
  Record<TelemetryTask, { type: string; key: SeriesGroupKey; field: string; where?: Record<string, string> }>
> = {
  'lane-depletion': { type: 'shelf.event', key: 'lane', field: 'units', where: { event: 'pick' } },
  footfall: { type: 'footfall.interval', key: 'door', field: 'in' },
};

export async function telemetryDataset(repo: SeriesRepository, options: TelemetryDatasetOptions): Promise<Dataset> {
  const from = Math.floor(options.from / HOUR_MS) * HOUR_MS;
  const to = Math.ceil(options.to / HOUR_MS) * HOUR_MS;
  if (!(to > from)) throw new RangeError(`telemetry dataset: empty range [${options.from}, ${options.to})`);
  const step = STEP_MS[options.granularity];
  const hours = (to - from) / HOUR_MS;
  const slots = new Int32Array(hours);
  for (let i = 0; i < hours; i++) {
    const local = localClockMs(from + i * HOUR_MS, options.timeZone);
    if (local % HOUR_MS !== 0)
      throw new RangeError(
        `telemetry dataset: ${options.timeZone} is not a whole number of hours from UTC at ${new Date(from + i * HOUR_MS).toISOString()}`,
      );
    slots[i] = Math.floor(local / step);
  }
  const slotOf = (utcMs: number) => Math.floor(localClockMs(utcMs, options.timeZone) / step);
  const first = slots[0] as number;
  const length = (slots[hours - 1] as number) - first + 1;

  const { site } = options;
  const source = SOURCES[options.task];
  const [counts, sums, levels] = await Promise.all([
    repo.hourlyCounts({ site, from, to }),
    repo.hourlyField({ site, from, to, ...source }),
    options.task === 'lane-depletion'
      ? repo.hourlyField({ site, type: 'shelf.level', key: 'lane', field: 'units', from: from - LEVEL_LOOKBACK_MS, to })
      : Promise.resolve([]),
  ]);

  // Steps that are unknown for every series: an hour without items, or a step cut by the range.
  const unknownSteps = new Uint8Array(length);
  const observed = new Set(counts.filter((c) => c.count > 0).map((c) => c.hour));
  for (let i = 0; i < hours; i++) if (!observed.has(from + i * HOUR_MS)) unknownSteps[(slots[i] as number) - first] = 1;
  if (slotOf(from - HOUR_MS) === first) unknownSteps[0] = 1;
  if (slotOf(to) === first + length - 1) unknownSteps[length - 1] = 1;
  // A slot no hour maps to (the spring-forward hour) was never seen.
  const seen = new Uint8Array(length);
  for (const s of slots) seen[s - first] = 1;

  const sumsByKey = groupByKey(sums);
  const levelsByKey = groupByKey(levels);
  const keys = new Set([...sumsByKey.keys(), ...levels.filter((l) => l.hour >= from).map((l) => l.key)]);
  const series: Series[] = [...keys].sort().map((key) => {
    const sold = new Float64Array(hours);
    for (const row of sumsByKey.get(key) ?? []) sold[(row.hour - from) / HOUR_MS] = row.sum;
    const censored = emptyHours(levelsByKey.get(key) ?? [], from, hours);
    const values = new Float64Array(length);
    for (let i = 0; i < hours; i++) {
      const s = (slots[i] as number) - first;
      values[s] = censored[i] === 1 ? Number.NaN : (values[s] as number) + (sold[i] as number);
    }
    for (let s = 0; s < length; s++) if (unknownSteps[s] === 1 || seen[s] === 0) values[s] = Number.NaN;
    return { name: `${source.key}:${key}`, granularity: options.granularity, start: first * step, values };
  });
  return { series, rows: sums.reduce((n, r) => n + r.count, 0), rejects: {} };
}

function groupByKey(rows: readonly HourlyFieldRow[]): Map<string, HourlyFieldRow[]> {
  const out = new Map<string, HourlyFieldRow[]>();
  for (const row of rows) {
    const list = out.get(row.key);
    if (list === undefined) out.set(row.key, [row]);
    else list.push(row);
  }
  return out;
}

/**
 * The hours of [from, from + hours h) a lane stood empty in for any time (1), from its hourly
 * levels in order (some before `from`): empty at an hour's start if its last level before was 0,
 * or within it if a level of 0 was reported in it.
 */
function emptyHours(levels: readonly HourlyFieldRow[], from: number, hours: number): Uint8Array {
  const out = new Uint8Array(hours);
  let empty = false;
  let next = 0;
  for (const row of levels) {
    if (row.hour >= from) break;
    empty = row.last === 0;
    next++;
  }
  for (let i = 0; i < hours; i++) {
    const row = levels[next];
    if (row !== undefined && row.hour === from + i * HOUR_MS) {
      out[i] = empty || row.min === 0 ? 1 : 0;
      empty = row.last === 0;
      next++;
    } else out[i] = empty ? 1 : 0;
  }
  return out;
}
