import {
  decodeOutput,
  type ErrorQuantiles,
  encodeInput,
  errorQuantiles,
  type FeatureSpec,
  featureCount,
  intervalOf,
  windowScale,
} from '@aisle/protocols';
import { forEachCsvRow, parseOffsetDateTime, RowRejects } from '@aisle/protocols/csv';
import * as tf from '@tensorflow/tfjs';
import { croston, type Forecaster, holtWinters, movingAverage, seasonalNaive } from './engine/baselines.js';
import { INTERVAL_LEVEL, type TrainOptions, trainGlobalModel } from './engine/global-model.js';
import { type Series, STEP_MS } from './engine/series.js';
import {
  censoredSales,
  predictTimeToEmpty,
  scoreTimeToEmpty,
  type TimeToEmptyCase,
  type TimeToEmptyScore,
  truthWithin,
} from './engine/time-to-empty.js';

/**
 * Lane time to empty on simulated lanes (`aisle-hub forecast lanes`): hourly sales per shelf lane
 * with the simulator's truth (`aisle-sim lanes`), the global model trained on the history before
 * the test period, and every forecaster's time to empty scored against the truth at origins
 * through the test period.
 */

const HOUR_MS = STEP_MS.hour;

export interface LaneData {
  /** Local ms of the first hour (see `Series`). */
  readonly start: number;
  readonly hours: number;
  readonly lanes: ReadonlyArray<{
    readonly lane: string;
    readonly sold: Float64Array;
    readonly units: Float64Array;
    readonly emptyMinutes: Float64Array;
    readonly emptiesInH: Float64Array;
  }>;
  readonly rows: number;
  readonly rejects: Partial<Record<string, number>>;
}

const COLUMNS = ['lane', 'start', 'sold', 'units', 'empty_minutes', 'empties_in_h'] as const;

/** Reads `aisle-sim lanes` CSV; bad rows are counted by reason and left out (their hours are gaps). */
export async function loadLaneData(path: string): Promise<LaneData> {
  const rejects = new RowRejects<string>();
  const rows: Array<{ lane: string; slot: number; values: [number, number, number, number] }> = [];
  let count = 0;
  await forEachCsvRow(path, COLUMNS, (row) => {
    count++;
    if (!row.ok) return rejects.add(row.reason);
    const stamp = parseOffsetDateTime(row.value.start);
    if (stamp === undefined) return rejects.add('TIMESTAMP_INVALID');
    const numbers = [row.value.sold, row.value.units, row.value.empty_minutes].map((t) => (t === '' ? NaN : Number(t)));
    if (numbers.some((n) => !Number.isFinite(n)) || row.value.lane === '') return rejects.add('VALUE_INVALID');
    const empties = row.value.empties_in_h === '' ? Number.NaN : Number(row.value.empties_in_h);
    rows.push({
      lane: row.value.lane,
      slot: Math.floor((stamp.utcMs + stamp.offsetMinutes * 60_000) / HOUR_MS),
      values: [numbers[0] as number, numbers[1] as number, numbers[2] as number, empties],
    });
  });
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    first = Math.min(first, r.slot);
    last = Math.max(last, r.slot);
  }
  const hours = rows.length === 0 ? 0 : last - first + 1;
  const byLane = new Map<string, LaneData['lanes'][number]>();
  for (const r of rows) {
    let lane = byLane.get(r.lane);
    if (lane === undefined) {
      const gap = () => new Float64Array(hours).fill(Number.NaN);
      lane = { lane: r.lane, sold: gap(), units: gap(), emptyMinutes: gap(), emptiesInH: gap() };
      byLane.set(r.lane, lane);
    }
    const h = r.slot - first;
    [lane.sold[h], lane.units[h], lane.emptyMinutes[h], lane.emptiesInH[h]] = r.values;
  }
  return { start: first * HOUR_MS, hours, lanes: [...byLane.values()], rows: count, rejects: rejects.snapshot() };
}

/** The data up to (not including) hour `end`: what a validation run sees. */
export function laneDataUntil(data: LaneData, end: number): LaneData {
  return {
    ...data,
    hours: end,
    lanes: data.lanes.map((l) => ({
      lane: l.lane,
      sold: l.sold.slice(0, end),
      units: l.units.slice(0, end),
      emptyMinutes: l.emptyMinutes.slice(0, end),
      // The truth looked past `end`; a validation run must not.
      emptiesInH: l.emptiesInH.slice(0, end).map((v, h) => (v <= end - h ? v : Number.NaN)),
    })),
  };
}

export interface LaneEvaluationSetup {
  readonly features: FeatureSpec;
  readonly train: TrainOptions;
  /** Hours at the end of the data that are forecast and scored (the rest is history). */
  readonly testHours: number;
  /** Hours between origins (in the test period, and in the validation hours intervals come from). */
  readonly every: number;
}

/** Forecasts of every lane from one origin: the mean and the scale its interval is measured in. */
interface LaneForecaster {
  readonly name: string;
  forecastAt(origin: number): ReadonlyArray<{ mean: Float64Array; scale: number }>;
}

function baselineAt(f: Forecaster, series: readonly Series[], spec: FeatureSpec): LaneForecaster {
  return {
    name: f.name,
    forecastAt: (origin) =>
      series.map((s) => ({
        mean: f.forecast(s.values.subarray(0, origin), spec.horizon),
        scale: windowScale(spec, s.values.subarray(Math.max(0, origin - spec.window), origin)),
      })),
  };
}

/** The model over all lanes in one batch per origin. */
function modelAt(model: tf.LayersModel, series: readonly Series[], spec: FeatureSpec): LaneForecaster {
  const width = featureCount(spec);
  return {
    name: 'global-mlp',
    forecastAt(origin) {
      const input = new Float32Array(series.length * width);
      const scales = series.map((s, i) => {
        const window = new Float64Array(spec.window).fill(Number.NaN);
        const from = Math.max(0, origin - spec.window);
        window.set(s.values.subarray(from, origin), spec.window - (origin - from));
        return encodeInput(spec, window, s.start + origin * HOUR_MS, input, i * width);
      });
      const output = tf.tidy(() => (model.predict(tf.tensor2d(input, [series.length, width])) as tf.Tensor).dataSync());
      return scales.map((scale, i) => ({
        mean: decodeOutput(output.subarray(i * spec.horizon, (i + 1) * spec.horizon), scale),
        scale,
      }));
    },
  };
}

/** Origins from `from` every `every` hours while the horizon still fits before `end`. */
function originsBetween(from: number, end: number, every: number, horizon: number): number[] {
  const origins: number[] = [];
  for (let o = from; o + horizon <= end; o += every) origins.push(o);
  return origins;
}

/**
 * Each forecaster's own interval: quantiles of its scaled errors (actual − forecast, over the
 * window's scale) at origins in the hours just before the test period, the same hours the model
 * picks its epoch on, so no test hour is seen.
 */
function calibrate(f: LaneForecaster, series: readonly Series[], origins: readonly number[], horizon: number) {
  const errors: Float64Array[] = [];
  for (const origin of origins) {
    f.forecastAt(origin).forEach(({ mean, scale }, i) => {
      const actual = (series[i] as Series).values;
      errors.push(Float64Array.from(mean, (m, h) => ((actual[origin + h] as number) - m) / scale));
    });
  }
  return errorQuantiles(errors, horizon, INTERVAL_LEVEL);
}

/**
 * Σ actual ÷ Σ forecast over the calibration origins. The model is trained on absolute error, so
 * it forecasts each hour's median, and a few units an hour have a median below their mean: time to
 * empty sums the hours, so it needs the mean (#6).
 */
function levelFactor(
  f: LaneForecaster,
  series: readonly Series[],
  origins: readonly number[],
  horizon: number,
): number {
  let actualSum = 0;
  let forecastSum = 0;
  for (const origin of origins)
    f.forecastAt(origin).forEach(({ mean }, i) => {
      const actual = (series[i] as Series).values;
      for (let h = 0; h < horizon; h++) {
        const y = actual[origin + h] as number;
        if (Number.isNaN(y)) continue;
        actualSum += y;
        forecastSum += mean[h] as number;
      }
    });
  return forecastSum > 0 ? actualSum / forecastSum : 1;
}

function rescaled(f: LaneForecaster, factor: number): LaneForecaster {
  return {
    name: `${f.name}-level`,
    forecastAt: (origin) =>
      f.forecastAt(origin).map(({ mean, scale }) => ({ mean: mean.map((m) => m * factor), scale })),
  };
}

export interface ForecasterTimeToEmpty {
  readonly forecaster: string;
  readonly score: TimeToEmptyScore;
  /** The same score by the origin's local hour of day. */
  readonly byOriginHour: Readonly<Record<string, TimeToEmptyScore>>;
  readonly intervals: { readonly level: number; readonly lower: number[]; readonly upper: number[] };
}

export interface LaneEvaluationReport {
  readonly setup: LaneEvaluationSetup;
  readonly data: {
    readonly lanes: number;
    readonly hours: number;
    readonly rows: number;
    readonly rejects: LaneData['rejects'];
    /** Share of history hours (before the test period) that are gaps: the lane stood empty. */
    readonly censoredShare: number;
    readonly firstTestHour: string;
    readonly origins: number;
  };
  readonly training: {
    readonly examples: number;
    readonly bestEpoch: number;
    readonly seconds: number;
    readonly epochs: ReadonlyArray<{ loss: number; validationLoss: number }>;
    /** What `global-mlp-level` multiplies the model's forecasts by. */
    readonly levelFactor: number;
  };
  readonly forecasters: readonly ForecasterTimeToEmpty[];
}

/** `2026-02-02T07:00` for a local-ms hour. */
const localHourText = (localMs: number) => new Date(localMs).toISOString().slice(0, 16);

export async function evaluateLanes(
  data: LaneData,
  setup: LaneEvaluationSetup,
  progress: { epoch?: TrainOptions['onEpoch']; phase?: (name: string) => void } = {},
): Promise<LaneEvaluationReport> {
  const { features: spec, every } = setup;
  const horizon = spec.horizon;
  const testStart = data.hours - setup.testHours;
  if (testStart <= spec.window + horizon + setup.train.validationSteps)
    throw new RangeError(`${testStart} history hours are too few for the window, horizon and validation hours`);
  const series: Series[] = data.lanes.map((l) => ({
    name: l.lane,
    granularity: 'hour',
    start: data.start,
    values: censoredSales(l.sold, l.emptyMinutes),
  }));
  progress.phase?.('training');
  const started = performance.now();
  const trained = await trainGlobalModel(
    series,
    spec,
    series.map(() => testStart),
    {
      ...setup.train,
      ...(progress.epoch === undefined ? {} : { onEpoch: progress.epoch }),
    },
  );
  const seconds = (performance.now() - started) / 1000;
  const calibration = originsBetween(testStart - setup.train.validationSteps, testStart, every, horizon);
  const model = modelAt(trained.model, series, spec);
  const level = levelFactor(model, series, calibration, horizon);
  const forecasters: LaneForecaster[] = [
    model,
    rescaled(model, level),
    ...[
      movingAverage(24),
      movingAverage(168),
      seasonalNaive(24),
      seasonalNaive(168),
      holtWinters(24),
      holtWinters(168),
      croston(),
    ].map((f) => baselineAt(f, series, spec)),
  ];
  const origins = originsBetween(testStart, data.hours, every, horizon);
  const results: ForecasterTimeToEmpty[] = [];
  for (const f of forecasters) {
    progress.phase?.(f.name);
    const quantiles: ErrorQuantiles = calibrate(f, series, calibration, horizon);
    const cases: Array<TimeToEmptyCase & { hour: number }> = [];
    for (const origin of origins) {
      const hour = new Date(data.start + origin * HOUR_MS).getUTCHours();
      f.forecastAt(origin).forEach(({ mean, scale }, i) => {
        const lane = data.lanes[i] as LaneData['lanes'][number];
        const units = lane.units[origin] as number;
        if (!(units > 0)) return; // already empty (or unknown): nothing to forecast
        const interval = intervalOf(mean, scale, quantiles);
        cases.push({
          lane: lane.lane,
          origin,
          hour,
          units,
          truthH: truthWithin(lane.emptiesInH[origin] as number, horizon),
          ...predictTimeToEmpty(units, { mean, ...interval }),
        });
      });
    }
    const hours = [...new Set(cases.map((c) => c.hour))].sort((a, b) => a - b);
    results.push({
      forecaster: f.name,
      score: scoreTimeToEmpty(cases, horizon),
      byOriginHour: Object.fromEntries(
        hours.map((h) => [
          `${String(h).padStart(2, '0')}:00`,
          scoreTimeToEmpty(
            cases.filter((c) => c.hour === h),
            horizon,
          ),
        ]),
      ),
      intervals: { level: quantiles.level, lower: [...quantiles.lower], upper: [...quantiles.upper] },
    });
  }
  trained.model.dispose();
  let gaps = 0;
  for (const s of series) for (let h = 0; h < testStart; h++) if (Number.isNaN(s.values[h] as number)) gaps++;
  return {
    setup,
    data: {
      lanes: data.lanes.length,
      hours: data.hours,
      rows: data.rows,
      rejects: data.rejects,
      censoredShare: gaps / (series.length * testStart),
      firstTestHour: localHourText(data.start + testStart * HOUR_MS),
      origins: origins.length,
    },
    training: {
      examples: trained.examples,
      bestEpoch: trained.bestEpoch,
      seconds,
      epochs: trained.epochs,
      levelFactor: level,
    },
    forecasters: results,
  };
}

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');
const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '—');

/** The report as markdown: time-to-empty accuracy per forecaster, against the moving average. */
export function lanesMarkdown(report: LaneEvaluationReport, title: string, reference = 'moving-average-24'): string {
  const { setup, data, training } = report;
  const ref = report.forecasters.find((f) => f.forecaster === reference)?.score.medianAbsErrorH ?? Number.NaN;
  const hours = Object.keys(report.forecasters[0]?.byOriginHour ?? {});
  const t = setup.train;
  return [
    `# ${title}`,
    '',
    `Data: ${data.lanes} lanes, ${data.hours} hours each (${data.rows} rows, rejected: ${JSON.stringify(data.rejects)}); ${pct(data.censoredShare)} of history hours are gaps because the lane stood empty for part of them. Test period: the last ${setup.testHours} hours from ${data.firstTestHour} local, ${data.origins} origins ${setup.every} h apart, ${setup.features.horizon}-hour horizon; a case is a lane with units on the shelf at an origin.`,
    '',
    `Truth: hours from the origin until the units shoppers wanted from the lane (sold, or lost because it was empty) plus shrink reach the units on the shelf at the origin, with no restock. Error: |predicted − true| over the cases whose truth empties within the horizon; a prediction of "not within the horizon" counts as the horizon (a lower bound on its error, also counted as missed). Interval: the first moment the ${Math.round(INTERVAL_LEVEL * 100)}% upper sales bound empties the lane to the moment the lower one does, each forecaster's bounds from its own errors on the ${t.validationSteps} hours before the test period.`,
    '',
    `Model: a global multilayer perceptron (hidden ${JSON.stringify(t.hidden)}, ReLU${t.l2 > 0 ? `, L2 ${t.l2}` : ''}), input the last ${setup.features.window} hours scaled by their ${setup.features.scaling} plus calendar ${setup.features.calendar.join(', ')}; ${training.examples} training examples (an origin every ${t.stride} hours, gaps allowed in the window but not the horizon), ${t.epochs} epochs (best ${training.bestEpoch + 1}, picked on the last ${t.validationSteps} history hours), seed ${t.seed}, ${training.seconds.toFixed(0)} s. \`global-mlp-level\` is the same model with its forecasts multiplied by ${training.levelFactor.toFixed(3)}, actual ÷ forecast sales over the validation hours: trained on absolute error, the model forecasts each hour's median, which for a few units an hour lies below the mean that time to empty adds up.`,
    '',
    `| forecaster | median abs error (h) | ÷ ${reference} | mean abs error (h) | p90 (h) | median predicted − true (h) | missed | false alarms | coverage | median interval (h) |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...report.forecasters.map(
      ({ forecaster, score: s }) =>
        `| ${forecaster} | ${f2(s.medianAbsErrorH)} | ${f2(s.medianAbsErrorH / ref)} | ${f2(s.meanAbsErrorH)} | ${f2(s.p90AbsErrorH)} | ${f2(s.medianErrorH)} | ${s.missed} | ${s.falseAlarms} | ${pct(s.coverage)} | ${f2(s.medianIntervalH)} |`,
    ),
    '',
    `Cases: ${report.forecasters[0]?.score.cases ?? 0}, of which the truth empties within the horizon in ${report.forecasters[0]?.score.truthEmpties ?? 0}. Coverage of the others (the interval allows "not within the horizon"): ${report.forecasters.map((f) => `${f.forecaster} ${pct(f.score.coverageNotEmpty)}`).join(', ')}.`,
    '',
    'Median abs error (h) by the origin’s local hour:',
    '',
    `| forecaster | ${hours.join(' | ')} |`,
    `| --- | ${hours.map(() => '---').join(' | ')} |`,
    ...report.forecasters.map(
      (f) =>
        `| ${f.forecaster} | ${hours.map((h) => f2(f.byOriginHour[h]?.medianAbsErrorH ?? Number.NaN)).join(' | ')} |`,
    ),
    '',
  ].join('\n');
}
