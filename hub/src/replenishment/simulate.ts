import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { type StoreTrace, StoreTraceReader } from '@aisle/protocols';
import type { Forecaster } from '../forecasting/engine/baselines.js';
import { leanestMix } from './engine/evaluator.js';
import { DEFAULT_PHANTOM_OPTIONS, type PhantomOptions } from './engine/phantom.js';
import {
  type OrderingPolicy,
  type RefillRule,
  runStoreLoop,
  type SkuOutcome,
  type StoreLoopOptions,
  type StoreLoopResult,
  totals,
} from './engine/store-loop.js';
import { forecastOrdering, minMaxOrdering } from './engine/store-policies.js';
import { DEFAULT_SERVICE_LEVELS, type ServiceLevels } from './engine/velocity.js';

/**
 * `aisle-hub replenish simulate`: the simulator's world (a store trace from `aisle-sim trace`) with
 * a policy in the loop (`engine/store-loop.ts`), the forecast-driven policy against static min/max
 * tuned by a grid search in the same run, and the phantom-inventory check measured against the
 * shrink the simulator injected.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export async function readStoreTraceFile(path: string): Promise<StoreTrace> {
  const reader = new StoreTraceReader();
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (lineNo === 1) reader.header(line);
    else reader.line(line, lineNo);
  }
  return reader.finish();
}

export interface SimulateSetup {
  readonly weeks: number;
  readonly warmupWeeks: number;
  readonly leadTimeDays: number;
  readonly leadTimeSdDays: number;
  readonly reviewDays: number;
  readonly orderHour: number;
  readonly deliveryHour: number;
  readonly moq: number;
  readonly backroomLanes: number;
  readonly staff: StoreLoopOptions['staff'];
  readonly thresholdShare: number;
  readonly refillZ: number;
  readonly serviceLevels: ServiceLevels;
  readonly forecaster: string;
  readonly errorWindowDays: number;
  readonly unitsPerFacing: number;
  readonly seed: number;
  /** Static min/max grid: s in days of mean sales, and S − s in days. */
  readonly minDays: readonly number[];
  readonly spreadDays: readonly number[];
  /** The refill rule min/max runs with; `forecast` compares the ordering alone. */
  readonly minMaxRefill: RefillRule;
  readonly phantomWindowHours: number;
  readonly phantom: PhantomOptions;
}

export const DEFAULT_SIMULATE_SETUP: SimulateSetup = {
  weeks: 8,
  warmupWeeks: 2,
  leadTimeDays: 1,
  leadTimeSdDays: 0,
  reviewDays: 1,
  orderHour: 23,
  deliveryHour: 6,
  moq: 0,
  backroomLanes: 100,
  staff: { fromHour: 6, toHour: 22, passHours: 1, delayMinutes: 30 },
  thresholdShare: 0.25,
  refillZ: 1.64,
  serviceLevels: DEFAULT_SERVICE_LEVELS,
  forecaster: 'holt-winters',
  errorWindowDays: 28,
  unitsPerFacing: 1,
  seed: 1,
  minDays: [0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3],
  spreadDays: [0.5, 1, 1.5, 2, 3],
  minMaxRefill: 'forecast',
  phantomWindowHours: 24,
  phantom: DEFAULT_PHANTOM_OPTIONS,
};

export type SimulatedPolicy = 'forecast' | 'minmax';

type Totals = ReturnType<typeof totals>;

export interface PhantomMeasure {
  readonly injected: number;
  /** Shrink lanes whose SKU × site was flagged within 24 h of the first shrink. */
  readonly flaggedWithin24h: number;
  readonly detectionRate: number;
  readonly medianHoursToFlag: number | null;
  readonly healthy: number;
  readonly healthyFlagged: number;
  readonly falseFlagRate: number;
  /** The test behind each healthy SKU × store's first flag. */
  readonly healthyFlagsByTest: Readonly<Record<string, number>>;
  readonly examples: readonly {
    readonly key: string;
    readonly hours: number | null;
    readonly text: string | undefined;
  }[];
}

export interface SimulateReport {
  readonly trace: { readonly scenario: string; readonly seed: number; readonly sites: number; readonly skus: number };
  readonly setup: SimulateSetup;
  readonly measuredFrom: string;
  readonly measuredDays: number;
  readonly forecast?: StoreLoopResultSummary;
  /** Forecast orders with the threshold refill rule (separates the ordering from the refill rule). */
  readonly forecastThresholdRefill?: StoreLoopResultSummary;
  readonly minMaxGrid?: readonly (StoreLoopResultSummary & { readonly minDays: number; readonly maxDays: number })[];
  /** The grid's leanest uniform (s, S) in days reaching the forecast policy's fill rate. */
  readonly minMaxBest?: (StoreLoopResultSummary & { readonly minDays: number; readonly maxDays: number }) | undefined;
  /** Per SKU the grid point chosen in hindsight, the leanest mix at the forecast's total lost units. */
  readonly minMaxPerSkuHindsight?: Totals | undefined;
  readonly onHandRatio?: number | undefined;
  readonly onHandRatioPerSkuHindsight?: number | undefined;
  readonly phantom?: PhantomMeasure;
  readonly acceptance?: { readonly fillRate: boolean; readonly onHand: boolean; readonly phantom: boolean };
  readonly wallMs: number;
}

export type StoreLoopResultSummary = Omit<StoreLoopResult, 'perSku' | 'phantomFlags'>;

const summary = (r: StoreLoopResult): StoreLoopResultSummary => {
  const { perSku: _perSku, phantomFlags: _flags, ...rest } = r;
  return rest;
};

function phantomMeasure(trace: StoreTrace, result: StoreLoopResult, fromMs: number, toMs: number): PhantomMeasure {
  const flags = result.phantomFlags ?? new Map();
  const skuOfLane = new Map<string, string>();
  for (const site of trace.header.sites)
    for (const lane of site.lanes) skuOfLane.set(`${site.id}/${lane.lane}`, `${site.id}/${lane.sku}`);
  const shrinkKeys = new Set<string>();
  for (const s of trace.header.shrinkLanes) shrinkKeys.add(skuOfLane.get(`${s.site}/${s.lane}`) ?? '');
  // Cases: shrink lanes whose first attempt falls in the measured period with 24 h left to see it.
  const cases = trace.header.shrinkLanes.filter((s) => s.onsetMs >= fromMs && s.onsetMs + DAY_MS <= toMs);
  const hours: number[] = [];
  const examples: PhantomMeasure['examples'][number][] = [];
  let within = 0;
  for (const c of cases) {
    const key = skuOfLane.get(`${c.site}/${c.lane}`) ?? '';
    const flag = flags.get(key);
    const h = flag === undefined || flag.at < c.onsetMs ? null : (flag.at - c.onsetMs) / HOUR_MS;
    if (h !== null) hours.push(h);
    if (h !== null && h <= 24) within++;
    examples.push({ key, hours: h, text: flag?.text });
  }
  hours.sort((a, b) => a - b);
  const healthy = result.perSku.map((o) => `${o.site}/${o.sku}`).filter((k) => !shrinkKeys.has(k));
  const healthyFlagged = healthy.filter((k) => flags.has(k)).length;
  const healthyFlagsByTest: Record<string, number> = {};
  for (const k of healthy) {
    const test = flags.get(k)?.test;
    if (test !== undefined) healthyFlagsByTest[test] = (healthyFlagsByTest[test] ?? 0) + 1;
  }
  return {
    injected: cases.length,
    flaggedWithin24h: within,
    detectionRate: cases.length === 0 ? 0 : within / cases.length,
    medianHoursToFlag: hours.length === 0 ? null : (hours[Math.floor(hours.length / 2)] as number),
    healthy: healthy.length,
    healthyFlagged,
    falseFlagRate: healthy.length === 0 ? 0 : healthyFlagged / healthy.length,
    healthyFlagsByTest,
    examples: examples.slice(0, 10),
  };
}

export async function simulate(
  trace: StoreTrace,
  setup: SimulateSetup,
  policies: readonly SimulatedPolicy[],
  forecaster: () => Forecaster,
  progress: (label: string, done: number, total: number) => void = () => {},
): Promise<SimulateReport> {
  const started = performance.now();
  const { header } = trace;
  const offsetMs = header.utcOffsetHours * HOUR_MS;
  const startDay = Math.floor((header.startMs + offsetMs) / DAY_MS);
  const measureFromMs = (startDay + 7 * setup.warmupWeeks) * DAY_MS - offsetMs;
  const endMs = measureFromMs + 7 * setup.weeks * DAY_MS;
  if (endMs > header.endMs)
    throw new RangeError(
      `the trace ends ${new Date(header.endMs).toISOString()}, before ${setup.warmupWeeks} warm-up + ${setup.weeks} measured weeks (${new Date(endMs).toISOString()})`,
    );
  const loopOptions = (refill: RefillRule, label: string): StoreLoopOptions => ({
    measureFromMs,
    endMs,
    leadTimeDays: setup.leadTimeDays,
    reviewDays: setup.reviewDays,
    orderHour: setup.orderHour,
    deliveryHour: setup.deliveryHour,
    moq: setup.moq,
    backroomLanes: setup.backroomLanes,
    staff: setup.staff,
    refill,
    thresholdShare: setup.thresholdShare,
    refillZ: setup.refillZ,
    seed: setup.seed,
    onProgress: (done, total) => progress(label, done, total),
  });
  const forecastPolicy = (): OrderingPolicy =>
    forecastOrdering({
      forecaster: forecaster(),
      serviceLevels: setup.serviceLevels,
      leadTimeDays: setup.leadTimeDays - 1,
      leadTimeSdDays: setup.leadTimeSdDays,
      reviewDays: setup.reviewDays,
      errorWindowDays: setup.errorWindowDays,
      unitsPerFacing: setup.unitsPerFacing,
      moq: setup.moq,
    });

  let forecast: StoreLoopResult | undefined;
  let forecastThresholdRefill: StoreLoopResult | undefined;
  let phantom: PhantomMeasure | undefined;
  if (policies.includes('forecast')) {
    forecast = runStoreLoop(trace, forecastPolicy(), {
      ...loopOptions('forecast', 'forecast policy'),
      phantom: { windowHours: setup.phantomWindowHours, options: setup.phantom },
    });
    phantom = phantomMeasure(trace, forecast, measureFromMs, endMs);
    forecastThresholdRefill = runStoreLoop(
      trace,
      forecastPolicy(),
      loopOptions('threshold', 'forecast, threshold refills'),
    );
  }

  let grid: Array<{ minDays: number; maxDays: number; result: StoreLoopResult }> | undefined;
  const refill = setup.minMaxRefill;
  if (policies.includes('minmax')) {
    grid = [];
    const points = setup.minDays.flatMap((min) => setup.spreadDays.map((spread) => [min, min + spread] as const));
    for (const [i, [minDays, maxDays]] of points.entries()) {
      const result = runStoreLoop(
        trace,
        minMaxOrdering(minDays, maxDays),
        loopOptions(refill, `min/max ${i + 1}/${points.length}`),
      );
      grid.push({ minDays, maxDays, result });
    }
  }

  let minMaxBest: (typeof grid extends undefined ? never : NonNullable<typeof grid>[number]) | undefined;
  let perSkuHindsight: Totals | undefined;
  if (grid !== undefined) {
    const target = forecast?.fillRate ?? 0.98;
    for (const g of grid)
      if (
        g.result.fillRate >= target &&
        (minMaxBest === undefined || g.result.averageOnHand < minMaxBest.result.averageOnHand)
      )
        minMaxBest = g;
    if (forecast !== undefined) {
      // Per SKU × site, every grid point's outcome; SKUs do not interact in the loop (no staff limit).
      const frontiers = forecast.perSku.map((_, k) => grid.map((g) => g.result.perSku[k] as SkuOutcome));
      const mix = leanestMix(frontiers, (o) => ({ lost: o.wanted - o.sold, onHand: o.averageOnHand }), forecast.lost);
      if (mix !== undefined) perSkuHindsight = totals('min-max-per-sku-hindsight', refill, forecast.days, mix);
    }
  }
  const withDays = (g: NonNullable<typeof minMaxBest>) => ({
    ...summary(g.result),
    minDays: g.minDays,
    maxDays: g.maxDays,
  });
  const onHandRatio =
    forecast === undefined || minMaxBest === undefined
      ? undefined
      : forecast.averageOnHand / minMaxBest.result.averageOnHand;
  const onHandRatioPerSkuHindsight =
    forecast === undefined || perSkuHindsight === undefined
      ? undefined
      : forecast.averageOnHand / perSkuHindsight.averageOnHand;
  return {
    trace: {
      scenario: header.scenario,
      seed: header.seed,
      sites: header.sites.length,
      skus: forecast?.perSku.length ?? grid?.[0]?.result.perSku.length ?? 0,
    },
    setup,
    measuredFrom: new Date(measureFromMs).toISOString(),
    measuredDays: 7 * setup.weeks,
    ...(forecast === undefined ? {} : { forecast: summary(forecast) }),
    ...(forecastThresholdRefill === undefined ? {} : { forecastThresholdRefill: summary(forecastThresholdRefill) }),
    ...(grid === undefined ? {} : { minMaxGrid: grid.map(withDays), minMaxBest: minMaxBest && withDays(minMaxBest) }),
    ...(perSkuHindsight === undefined ? {} : { minMaxPerSkuHindsight: perSkuHindsight }),
    onHandRatio,
    onHandRatioPerSkuHindsight,
    ...(phantom === undefined ? {} : { phantom }),
    ...(forecast === undefined || grid === undefined || phantom === undefined
      ? {}
      : {
          acceptance: {
            fillRate: forecast.fillRate >= 0.98,
            onHand: onHandRatio !== undefined && onHandRatio <= 0.8,
            phantom: phantom.detectionRate >= 0.9 && phantom.falseFlagRate < 0.05,
          },
        }),
    wallMs: Math.round(performance.now() - started),
  };
}

const pct = (v: number) => `${(100 * v).toFixed(2)} %`;
const num = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '—');

export function simulateMarkdown(r: SimulateReport, title: string): string {
  const row = (name: string, x: Totals & { tasks?: number; lostOnFloor?: number }) =>
    `| ${name} | ${pct(x.fillRate)} | ${num(x.lost, 0)} | ${x.lostOnFloor === undefined ? '—' : num(x.lostOnFloor, 0)} | ${num(x.averageOnHand, 0)} | ${num(x.daysOfCover, 2)} | ${x.orders} | ${x.tasks ?? '—'} |`;
  const s = r.setup;
  const lines = [
    `# ${title}`,
    '',
    `Store trace of scenario \`${r.trace.scenario}\` (seed ${r.trace.seed}): ${r.trace.sites} stores, ${r.trace.skus} SKU × store. ${s.warmupWeeks} warm-up weeks, then ${r.measuredDays} measured days from ${r.measuredFrom}.`,
    `Lead time ${s.leadTimeDays} d (σ ${s.leadTimeSdDays} d), review every ${s.reviewDays} d at ${s.orderHour}:00, deliveries at ${s.deliveryHour}:00; staff passes every ${s.staff.passHours} h from ${s.staff.fromHour}:00 to ${s.staff.toHour}:00, tasks done ${s.staff.delayMinutes} min × U(0.5, 1.5) later; backroom ${s.backroomLanes} × shelf capacity; case packs from the catalogue, MOQ ${s.moq}.`,
    `Forecast policy: ${s.forecaster}, service levels A ${s.serviceLevels.A} / B ${s.serviceLevels.B} / C ${s.serviceLevels.C}; refills by time to empty. Min/max: s and S in days of each SKU's mean warm-up sales, grid s ∈ {${s.minDays.join(', ')}}, S − s ∈ {${s.spreadDays.join(', ')}}; refills at ${s.thresholdShare} of the lane.`,
    '',
    '| policy | fill rate | lost units | of which with stock in the backroom | avg units on hand | days of cover | orders | tasks |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  if (r.forecast !== undefined) lines.push(row('forecast order-up-to, forecast refills', r.forecast));
  if (r.forecastThresholdRefill !== undefined)
    lines.push(row('forecast order-up-to, threshold refills', r.forecastThresholdRefill));
  if (r.minMaxBest !== undefined)
    lines.push(
      row(
        `best static min/max at that fill rate (s ${r.minMaxBest.minDays} d, S ${r.minMaxBest.maxDays} d)`,
        r.minMaxBest,
      ),
    );
  else if (r.minMaxGrid !== undefined)
    lines.push('| best static min/max at that fill rate | none on the grid reaches it | | | | | | |');
  if (r.minMaxPerSkuHindsight !== undefined)
    lines.push(row('min/max, per SKU the grid point chosen in hindsight (same total lost)', r.minMaxPerSkuHindsight));
  lines.push('');
  if (r.onHandRatio !== undefined)
    lines.push(`Average on hand, forecast ÷ best static min/max: **${r.onHandRatio.toFixed(3)}**.`);
  if (r.onHandRatioPerSkuHindsight !== undefined)
    lines.push(`Forecast ÷ per-SKU hindsight min/max: ${r.onHandRatioPerSkuHindsight.toFixed(3)}.`);
  if (r.phantom !== undefined) {
    const p = r.phantom;
    lines.push(
      '',
      `Phantom inventory: ${p.flaggedWithin24h} of ${p.injected} shrink lanes flagged within 24 h (${pct(p.detectionRate)}; median ${p.medianHoursToFlag === null ? '—' : num(p.medianHoursToFlag)} h); ${p.healthyFlagged} of ${p.healthy} healthy SKU × store ever flagged (${pct(p.falseFlagRate)}; first flag by test: ${
        Object.entries(p.healthyFlagsByTest)
          .map(([t, n]) => `${t} ${n}`)
          .join(', ') || 'none'
      }).`,
    );
  }
  if (r.minMaxGrid !== undefined) {
    lines.push(
      '',
      '## Min/max grid',
      '',
      '| s (days) | S (days) | fill rate | avg units on hand | orders |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const g of r.minMaxGrid)
      lines.push(`| ${g.minDays} | ${g.maxDays} | ${pct(g.fillRate)} | ${num(g.averageOnHand, 0)} | ${g.orders} |`);
  }
  if (r.acceptance !== undefined)
    lines.push(
      '',
      `Acceptance: fill rate ≥ 98 %: ${r.acceptance.fillRate ? 'yes' : 'no'}; on hand ≤ 0.80 × best static min/max: ${r.acceptance.onHand ? 'yes' : 'no'}; phantom ≥ 90 % within 24 h with < 5 % false: ${r.acceptance.phantom ? 'yes' : 'no'}.`,
    );
  lines.push('', `Wall time ${num(r.wallMs / 1000, 0)} s.`, '');
  return lines.join('\n');
}
