import { parseArgs } from 'node:util';
import { StoreTraceError } from '@aisle/protocols';
import cliProgress from 'cli-progress';
import { isUsageError, UsageError, writeReport } from '../cli-usage.js';
import {
  croston,
  type Forecaster,
  holtWinters,
  movingAverage,
  seasonalNaive,
} from '../forecasting/engine/baselines.js';
import { readDailyDemandCsv } from './engine/demand-csv.js';
import {
  forecastPolicy,
  leanestMix,
  minMaxPolicy,
  type ReplayResult,
  type ReplenishmentPolicy,
  replay,
  totalOf,
  tuneMinMax,
} from './engine/evaluator.js';
import {
  DEFAULT_SIMULATE_SETUP,
  readStoreTraceFile,
  type SimulatedPolicy,
  type SimulateSetup,
  simulate,
  simulateMarkdown,
  TraceTooShort,
} from './simulate.js';

export const REPLENISH_USAGE = `  aisle-hub replenish simulate --trace FILE [options]
      The simulator's world with the policy in the loop: a store trace (\`aisle-sim trace\`) met
      by the simulator's floor rule, a backroom, staff refilling lanes by tasks after a delay,
      deliveries after the lead time; the forecast-driven policy against static min/max tuned by
      a grid search in the same run, and the phantom-inventory check against the injected shrink.
      Writes report.md and report.json (fill rate, lost sales, average units on hand, days of
      cover, orders, tasks, phantom detection).
    Options: --weeks 8 --warmup-weeks 2 --policy forecast,minmax (either or both) --lead-time 1
      --review 1 --staff-delay 30 (minutes) --backroom-lanes 100 --forecaster holt-winters
      --service-levels 0.98,0.95,0.9 (A,B,C) --service-measure cycle|fill --moq 0 --seed 1
      --out DIR (replenish-simulation) --quiet
  aisle-hub replenish evaluate --data FILE --lead-time D --review D [options]
      Offline evaluation over a daily demand CSV (sku,date,units; e.g. \`aisle-sim demand\`): every
      SKU's demand replayed (lost sales, no backorders) through the forecast-driven order-up-to
      policy and through static min/max (s, S) tuned by grid search in the same run on the same
      days; writes report.md and report.json (fill rate, lost sales, average units on hand, days
      of cover, orders).
    Options: --target 0.98 (fill rate the min/max must reach) --service-level X (the forecast
      policy's cycle service level, default --target) --warmup-days 14 (the first days only feed
      the forecasts; every policy is measured on the rest) --forecaster holt-winters|moving-average|
      seasonal-naive|croston (holt-winters) --case-pack 1 --moq 0 --out DIR (replenish-report) --quiet
`;

const FORECASTERS: Record<string, () => Forecaster> = {
  'holt-winters': () => holtWinters(7),
  'moving-average': () => movingAverage(28),
  'seasonal-naive': () => seasonalNaive(7),
  croston: () => croston(),
};

function whole(text: string | undefined, name: string, fallback: number | undefined, min: number): number {
  if (text === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  const n = Number(text);
  if (!(Number.isInteger(n) && n >= min))
    throw new UsageError(`--${name} must be a whole number ≥ ${min}, got "${text}"`);
  return n;
}

function share(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!(n > 0 && n < 1)) throw new UsageError(`--${name} must be a number in (0, 1), got "${text}"`);
  return n;
}

export interface EvaluateSetup {
  readonly leadTimeDays: number;
  readonly reviewDays: number;
  readonly targetFillRate: number;
  readonly serviceLevel: number;
  readonly warmupDays: number;
  readonly forecaster: string;
  readonly casePack: number;
  readonly moq: number;
}

/** One (s, S) that no other candidate beats on both lost units and average on hand. */
interface Candidate {
  readonly min: number;
  readonly max: number;
  readonly result: ReplayResult;
}

interface SkuEvaluation {
  readonly sku: string;
  readonly forecast: ReplayResult;
  /** The leanest (s, S) reaching the target on this SKU alone; absent when none does. */
  readonly perSku: Candidate | undefined;
  /** Candidates on the lower-left frontier of (lost units, average on hand). */
  readonly frontier: readonly Candidate[];
}

/** Levels 0 … ⌈1.5 · (L + R) · peak day⌉ + 1 in at most 60 steps (the engine's grid, finer). */
function levelsFor(demand: ArrayLike<number>, periods: number): number[] {
  let peak = 0;
  for (let t = 0; t < demand.length; t++) peak = Math.max(peak, demand[t] as number);
  const top = Math.ceil(1.5 * periods * peak) + 1;
  const step = Math.max(1, Math.ceil(top / 60));
  const levels: number[] = [];
  for (let v = 0; v <= top; v += step) levels.push(v);
  return levels;
}

function frontierOf(demand: Float64Array, levels: readonly number[], setup: EvaluateSetup): Candidate[] {
  const all: Candidate[] = [];
  for (const max of levels)
    for (const min of levels) {
      if (min >= max) break;
      const result = replay(demand, minMaxPolicy(min, max), {
        leadTimeDays: setup.leadTimeDays,
        reviewDays: setup.reviewDays,
        initialOnHand: max,
      });
      all.push({ min, max, result });
    }
  all.sort((a, b) => a.result.lostUnits - b.result.lostUnits || a.result.averageOnHand - b.result.averageOnHand);
  const frontier: Candidate[] = [];
  for (const c of all) {
    const last = frontier.at(-1);
    if (last === undefined || c.result.averageOnHand < last.result.averageOnHand) frontier.push(c);
  }
  return frontier;
}

/**
 * The forecast policy sees the warm-up days as history before day 0 of the measured period, and
 * starts with the stock it would have ordered up to at the end of the warm-up.
 */
function withWarmup(policy: ReplenishmentPolicy, full: Float64Array, warmupDays: number): ReplenishmentPolicy {
  return {
    name: policy.name,
    orderUnits: (view) => policy.orderUnits({ ...view, history: full.subarray(0, warmupDays + view.day + 1) }),
  };
}

function evaluateSku(sku: string, full: Float64Array, setup: EvaluateSetup): SkuEvaluation {
  const demand = full.subarray(setup.warmupDays);
  const inner = forecastPolicy({
    forecaster: (FORECASTERS[setup.forecaster] as () => Forecaster)(),
    serviceLevel: setup.serviceLevel,
    leadTimeDays: setup.leadTimeDays,
    reviewDays: setup.reviewDays,
    casePack: setup.casePack,
    moq: setup.moq,
  });
  const initialOnHand = inner.orderUnits({
    day: -1,
    onHand: 0,
    onOrder: 0,
    history: full.subarray(0, setup.warmupDays),
  });
  const forecast = replay(demand, withWarmup(inner, full, setup.warmupDays), {
    leadTimeDays: setup.leadTimeDays,
    reviewDays: setup.reviewDays,
    initialOnHand,
  });
  const levels = levelsFor(demand, setup.leadTimeDays + setup.reviewDays);
  const perSku = tuneMinMax(demand, {
    leadTimeDays: setup.leadTimeDays,
    reviewDays: setup.reviewDays,
    targetFillRate: setup.targetFillRate,
    levels,
  });
  return { sku, forecast, perSku, frontier: frontierOf(demand, levels, setup) };
}

export interface EvaluateReport {
  readonly data: string;
  readonly firstDate: string | undefined;
  readonly measuredDays: number;
  readonly skus: number;
  readonly setup: EvaluateSetup;
  readonly forecast: ReplayResult;
  /** Min/max mix at the forecast policy's total fill rate (or better). */
  readonly minMaxSameFillRate: ReplayResult | undefined;
  /** Min/max with every SKU at the target on its own; SKUs where no (s, S) reaches it are counted. */
  readonly minMaxPerSkuTarget: ReplayResult;
  readonly perSkuTargetUnreached: number;
  /** Forecast average on hand ÷ min/max's at the same fill rate. */
  readonly onHandRatio: number | undefined;
  readonly acceptance: { readonly fillRate: boolean; readonly onHand: boolean };
  readonly perSku: readonly {
    readonly sku: string;
    readonly demandUnits: number;
    readonly forecastFillRate: number;
    readonly forecastOnHand: number;
    readonly minMax: { readonly min: number; readonly max: number; readonly fillRate: number; readonly onHand: number };
  }[];
}

const pct = (v: number) => `${(100 * v).toFixed(2)} %`;
const num = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '—');

export function evaluateMarkdown(r: EvaluateReport, title: string): string {
  const row = (name: string, x: ReplayResult) =>
    `| ${name} | ${pct(x.fillRate)} | ${num(x.lostUnits, 0)} | ${num(x.averageOnHand)} | ${num(x.daysOfCover, 2)} | ${x.orders} |`;
  const s = r.setup;
  return [
    `# ${title}`,
    '',
    `${r.skus} SKU × site series, ${r.measuredDays} measured days after ${s.warmupDays} warm-up days (data from ${r.firstDate ?? '—'}).`,
    `Lead time ${s.leadTimeDays} d, review every ${s.reviewDays} d, target fill rate ${pct(s.targetFillRate)}; forecast policy: ${s.forecaster}, cycle service level ${s.serviceLevel}, case pack ${s.casePack}, MOQ ${s.moq}.`,
    'Lost sales: demand meeting an empty shelf is lost (no backorders). Min/max is tuned on the measured days themselves (hindsight); the forecast policy only sees the past.',
    '',
    '| policy | fill rate | lost units | avg units on hand | days of cover | orders |',
    '| --- | --- | --- | --- | --- | --- |',
    row('forecast order-up-to', r.forecast),
    r.minMaxSameFillRate === undefined
      ? '| min/max at the same total fill rate | unreachable on the grid | | | | |'
      : row('min/max, leanest mix at the same total fill rate', r.minMaxSameFillRate),
    row(`min/max, each SKU ≥ target on its own (${r.perSkuTargetUnreached} SKUs unreachable)`, r.minMaxPerSkuTarget),
    '',
    `Average on hand, forecast ÷ min/max at the same fill rate: **${r.onHandRatio === undefined ? '—' : r.onHandRatio.toFixed(3)}**.`,
    `Acceptance (fill rate ≥ ${pct(s.targetFillRate)}: ${r.acceptance.fillRate ? 'yes' : 'no'}; on hand ≤ 0.80 × min/max: ${r.acceptance.onHand ? 'yes' : 'no'}).`,
    '',
  ].join('\n');
}

export async function evaluateDemand(
  data: string,
  setup: EvaluateSetup,
  progress: (done: number, total: number) => void = () => {},
): Promise<EvaluateReport> {
  const demand = await readDailyDemandCsv(data);
  if (demand.days <= setup.warmupDays)
    throw new UsageError(`${data}: ${demand.days} days of data, not more than --warmup-days ${setup.warmupDays}`);
  const skus = [...demand.series.keys()].sort();
  const evaluations: SkuEvaluation[] = [];
  for (const [i, sku] of skus.entries()) {
    evaluations.push(evaluateSku(sku, demand.series.get(sku) as Float64Array, setup));
    progress(i + 1, skus.length);
  }
  const forecast = totalOf(
    evaluations.map((e) => e.forecast),
    'forecast',
  );
  const mix = leanestMix(
    evaluations.map((e) => e.frontier),
    (c) => ({ lost: c.result.lostUnits, onHand: c.result.averageOnHand }),
    forecast.lostUnits,
  );
  const minMaxSameFillRate =
    mix === undefined
      ? undefined
      : totalOf(
          mix.map((c) => c.result),
          'min-max-same-fill-rate',
        );
  const perSkuTarget = evaluations.map((e) => e.perSku?.result ?? (e.frontier[0] as Candidate).result);
  const onHandRatio =
    minMaxSameFillRate === undefined ? undefined : forecast.averageOnHand / minMaxSameFillRate.averageOnHand;
  return {
    data,
    firstDate: demand.firstDate,
    measuredDays: demand.days - setup.warmupDays,
    skus: skus.length,
    setup,
    forecast,
    minMaxSameFillRate,
    minMaxPerSkuTarget: totalOf(perSkuTarget, 'min-max-per-sku-target'),
    perSkuTargetUnreached: evaluations.filter((e) => e.perSku === undefined).length,
    onHandRatio,
    acceptance: {
      fillRate: forecast.fillRate >= setup.targetFillRate,
      onHand: onHandRatio !== undefined && onHandRatio <= 0.8,
    },
    perSku: evaluations.map((e, i) => {
      const chosen = mix?.[i] ?? (e.frontier[0] as Candidate);
      return {
        sku: e.sku,
        demandUnits: e.forecast.demandUnits,
        forecastFillRate: e.forecast.fillRate,
        forecastOnHand: e.forecast.averageOnHand,
        minMax: {
          min: chosen.min,
          max: chosen.max,
          fillRate: chosen.result.fillRate,
          onHand: chosen.result.averageOnHand,
        },
      };
    }),
  };
}

async function simulateCommand(values: Record<string, string | boolean | undefined>): Promise<number> {
  const text = (name: string) => values[name] as string | undefined;
  const trace = text('trace');
  if (trace === undefined) throw new UsageError('--trace FILE is required (write one with `aisle-sim trace`)');
  const forecaster = text('forecaster') ?? 'holt-winters';
  if (!(forecaster in FORECASTERS))
    throw new UsageError(`--forecaster must be one of ${Object.keys(FORECASTERS).join(', ')}, got "${forecaster}"`);
  const policies = (text('policy') ?? 'forecast,minmax').split(',');
  for (const p of policies)
    if (p !== 'forecast' && p !== 'minmax') throw new UsageError(`--policy takes forecast, minmax or both, got "${p}"`);
  const levels = (text('service-levels') ?? '0.98,0.95,0.9').split(',').map(Number);
  if (levels.length !== 3 || !levels.every((l) => l > 0 && l < 1))
    throw new UsageError(`--service-levels takes three levels in (0, 1) for A,B,C, got "${text('service-levels')}"`);
  const measure = text('service-measure') ?? 'cycle';
  if (measure !== 'cycle' && measure !== 'fill')
    throw new UsageError(`--service-measure takes cycle or fill, got "${measure}"`);
  const staffDelay = Number(text('staff-delay') ?? 30);
  if (!(staffDelay >= 0)) throw new UsageError(`--staff-delay must be minutes ≥ 0, got "${text('staff-delay')}"`);
  const setup: SimulateSetup = {
    ...DEFAULT_SIMULATE_SETUP,
    weeks: whole(text('weeks'), 'weeks', 8, 1),
    warmupWeeks: whole(text('warmup-weeks'), 'warmup-weeks', 2, 1),
    leadTimeDays: whole(text('lead-time'), 'lead-time', 1, 1),
    reviewDays: whole(text('review'), 'review', 1, 1),
    staff: { ...DEFAULT_SIMULATE_SETUP.staff, delayMinutes: staffDelay },
    backroomLanes: whole(text('backroom-lanes'), 'backroom-lanes', DEFAULT_SIMULATE_SETUP.backroomLanes, 0),
    forecaster,
    serviceLevels: { A: levels[0] as number, B: levels[1] as number, C: levels[2] as number },
    serviceMeasure: measure,
    moq: whole(text('moq'), 'moq', 0, 0),
    seed: whole(text('seed'), 'seed', 1, 0),
  };
  const quiet = values.quiet === true;
  const bar = quiet
    ? undefined
    : new cliProgress.SingleBar(
        { format: '{label} [{bar}] {percentage}%', hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
  let current = '';
  const loaded = await readStoreTraceFile(trace);
  const report = await simulate(
    loaded,
    setup,
    policies as SimulatedPolicy[],
    FORECASTERS[forecaster] as () => Forecaster,
    (label, done, total) => {
      if (label !== current) {
        bar?.stop();
        bar?.start(total, 0, { label });
        current = label;
      }
      bar?.update(done, { label });
    },
  );
  bar?.stop();
  const title = `Replenishment in the loop: ${trace.split('/').at(-1)}`;
  const written = writeReport(text('out') ?? 'replenish-simulation', simulateMarkdown(report, title), report);
  if (!quiet) process.stderr.write(`wrote ${written} and report.json\n`);
  return 0;
}

export async function replenishCli(argv: readonly string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        data: { type: 'string' },
        'lead-time': { type: 'string' },
        review: { type: 'string' },
        target: { type: 'string' },
        'service-level': { type: 'string' },
        'warmup-days': { type: 'string' },
        forecaster: { type: 'string' },
        'case-pack': { type: 'string' },
        moq: { type: 'string' },
        out: { type: 'string' },
        trace: { type: 'string' },
        weeks: { type: 'string' },
        'warmup-weeks': { type: 'string' },
        policy: { type: 'string' },
        'staff-delay': { type: 'string' },
        'backroom-lanes': { type: 'string' },
        'service-levels': { type: 'string' },
        'service-measure': { type: 'string' },
        seed: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      process.stdout.write(REPLENISH_USAGE);
      return 0;
    }
    if (positionals[0] === 'simulate') return await simulateCommand(values);
    if (positionals[0] !== 'evaluate') throw new UsageError('replenish needs simulate or evaluate');
    if (values.data === undefined) throw new UsageError('--data FILE is required');
    const forecaster = values.forecaster ?? 'holt-winters';
    if (!(forecaster in FORECASTERS))
      throw new UsageError(`--forecaster must be one of ${Object.keys(FORECASTERS).join(', ')}, got "${forecaster}"`);
    const target = share(values.target, 'target', 0.98);
    const setup: EvaluateSetup = {
      leadTimeDays: whole(values['lead-time'], 'lead-time', undefined, 0),
      reviewDays: whole(values.review, 'review', undefined, 1),
      targetFillRate: target,
      serviceLevel: share(values['service-level'], 'service-level', target),
      warmupDays: whole(values['warmup-days'], 'warmup-days', 14, 0),
      forecaster,
      casePack: whole(values['case-pack'], 'case-pack', 1, 1),
      moq: whole(values.moq, 'moq', 0, 0),
    };
    const bar = values.quiet
      ? undefined
      : new cliProgress.SingleBar(
          { format: 'replaying [{bar}] {value}/{total} SKUs', hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
    let started = false;
    const report = await evaluateDemand(values.data, setup, (done, total) => {
      if (!started) bar?.start(total, 0);
      started = true;
      bar?.update(done);
    });
    bar?.stop();
    const title = `Replenishment, offline: ${values.data.split('/').at(-1)}`;
    const written = writeReport(values.out ?? 'replenish-report', evaluateMarkdown(report, title), report);
    if (!values.quiet) process.stderr.write(`wrote ${written} and report.json\n`);
    return 0;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (isUsageError(error)) {
      process.stderr.write(`aisle-hub replenish: ${(error as Error).message}\n${REPLENISH_USAGE}`);
      return 2;
    }
    if (
      code === 'CSV_HEADER_MISSING_COLUMN' ||
      code === 'ENOENT' ||
      error instanceof StoreTraceError ||
      error instanceof TraceTooShort
    ) {
      process.stderr.write(`aisle-hub replenish: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}
