import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { type StoreTrace, StoreTraceReader, TRACE_WANT } from '@aisle/protocols';
import type { Forecaster } from '../forecasting/engine/baselines.js';
import { leanestMix } from './engine/evaluator.js';
import { DEFAULT_PHANTOM_OPTIONS, type PhantomOptions } from './engine/phantom.js';
import {
  type OrderingPolicy,
  type PhantomFlagAt,
  type RefillRule,
  runStoreLoop,
  type SkuOutcome,
  type StoreLoopOptions,
  type StoreLoopResult,
  totals,
} from './engine/store-loop.js';
import { forecastOrdering, minMaxOrdering } from './engine/store-policies.js';
import {
  classifyVelocity,
  DEFAULT_SERVICE_LEVELS,
  type ServiceLevels,
  VELOCITY_CLASSES,
  type VelocityClass,
} from './engine/velocity.js';

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

/** The trace does not cover the warm-up and measured weeks asked for. */
export class TraceTooShort extends Error {
  override readonly name = 'TraceTooShort';
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
  readonly serviceMeasure: 'cycle' | 'fill';
  readonly forecaster: string;
  readonly errorWindowDays: number;
  readonly unitsPerFacing: number;
  readonly seed: number;
  /** Static min/max grid: s in days of mean sales, and S − s in days. */
  readonly minDays: readonly number[];
  readonly spreadDays: readonly number[];
  /** Bisection steps on s per spread, between the grid levels around the forecast's fill rate. */
  readonly refineSteps: number;
  /** The refill rule min/max runs with; `forecast` compares the ordering alone. */
  readonly minMaxRefill: RefillRule;
  readonly phantomWindowHours: number;
  /** When the phantom check runs: at the hours a store is closed (no basket open), or every hour. */
  readonly phantomWhen: 'closed' | 'hourly';
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
  serviceMeasure: 'cycle',
  forecaster: 'holt-winters',
  errorWindowDays: 28,
  unitsPerFacing: 1,
  seed: 1,
  minDays: [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3],
  spreadDays: [0.25, 0.5, 0.75, 1, 1.5, 2, 3],
  refineSteps: 6,
  minMaxRefill: 'forecast',
  phantomWindowHours: 24,
  phantomWhen: 'closed',
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
  /** One grid point per velocity class, chosen in hindsight: the leanest mix at the forecast's total lost units. */
  readonly minMaxPerClassHindsight?: Totals | undefined;
  /** Per SKU the grid point chosen in hindsight, the leanest mix at the forecast's total lost units. */
  readonly minMaxPerSkuHindsight?: Totals | undefined;
  readonly onHandRatio?: number | undefined;
  readonly onHandRatioPerClassHindsight?: number | undefined;
  readonly onHandRatioPerSkuHindsight?: number | undefined;
  readonly phantom?: PhantomMeasure;
  /** `phantom` is null when no shrink began within the measured weeks (nothing to detect). */
  readonly acceptance?: {
    readonly fillRate: boolean;
    /** null without a min/max run. */
    readonly onHand: boolean | null;
    readonly phantom: boolean | null;
  };
  readonly wallMs: number;
}

export type StoreLoopResultSummary = Omit<StoreLoopResult, 'perSku' | 'phantomFlags'>;

const summary = (r: StoreLoopResult): StoreLoopResultSummary => {
  const { perSku: _perSku, phantomFlags: _flags, ...rest } = r;
  return rest;
};

function phantomMeasure(trace: StoreTrace, result: StoreLoopResult, fromMs: number, toMs: number): PhantomMeasure {
  const flags = result.phantomFlags ?? new Map<string, readonly PhantomFlagAt[]>();
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
    const flag = (flags.get(key) ?? []).find((f) => f.at >= c.onsetMs);
    const h = flag === undefined ? null : (flag.at - c.onsetMs) / HOUR_MS;
    if (h !== null) hours.push(h);
    if (h !== null && h <= 24) within++;
    examples.push({ key, hours: h, text: flag?.text });
  }
  hours.sort((a, b) => a - b);
  const healthy = result.perSku.map((o) => `${o.site}/${o.sku}`).filter((k) => !shrinkKeys.has(k));
  const healthyFlagged = healthy.filter((k) => flags.has(k)).length;
  const healthyFlagsByTest: Record<string, number> = {};
  for (const k of healthy) {
    const test = flags.get(k)?.[0]?.test;
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

/** Velocity class of each SKU × site (in `perSku` order) by its units wanted before `untilMs`, ranked per site. */
function warmupClasses(trace: StoreTrace, untilMs: number, perSku: readonly SkuOutcome[]): VelocityClass[] {
  const { header } = trace;
  const nSku = header.skus.length;
  const wanted = new Float64Array(header.sites.length * nSku);
  for (let e = 0; e < trace.length && (trace.t[e] as number) < untilMs; e++)
    if (trace.kind[e] === TRACE_WANT) {
      const k = (trace.site[e] as number) * nSku + (trace.target[e] as number);
      wanted[k] = (wanted[k] as number) + (trace.units[e] as number);
    }
  const skuIndex = new Map(header.skus.map((s, i) => [s.sku, i]));
  const siteIndex = new Map(header.sites.map((s, i) => [s.id, i]));
  const classes = new Map<string, VelocityClass>();
  for (const site of header.sites) {
    const units = new Map<string, number>();
    for (const o of perSku)
      if (o.site === site.id)
        units.set(o.sku, wanted[(siteIndex.get(o.site) as number) * nSku + (skuIndex.get(o.sku) as number)] as number);
    for (const [sku, c] of classifyVelocity(units)) classes.set(`${site.id}/${sku}`, c);
  }
  return perSku.map((o) => classes.get(`${o.site}/${o.sku}`) ?? 'C');
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
    throw new TraceTooShort(
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
      serviceMeasure: setup.serviceMeasure,
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
      phantom: { windowHours: setup.phantomWindowHours, when: setup.phantomWhen, options: setup.phantom },
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
    const runs: Array<{ minDays: number; maxDays: number; result: StoreLoopResult }> = [];
    const points = setup.minDays.flatMap((min) => setup.spreadDays.map((spread) => [min, spread] as const));
    const total = points.length + setup.spreadDays.length * setup.refineSteps;
    const run = (minDays: number, spread: number) => {
      const result = runStoreLoop(
        trace,
        minMaxOrdering(minDays, minDays + spread),
        loopOptions(refill, `min/max ${runs.length + 1}/${total}`),
      );
      const entry = { minDays, maxDays: minDays + spread, result };
      runs.push(entry);
      return entry;
    };
    for (const [min, spread] of points) run(min, spread);
    // Per spread, s bisected between the grid's last level short of the forecast's fill rate and
    // its first level reaching it: the static policy at that fill rate, not the grid's next step up.
    const target = forecast?.fillRate ?? 0.98;
    for (const spread of setup.spreadDays) {
      const line = runs.filter((r) => r.maxDays - r.minDays === spread).sort((a, b) => a.minDays - b.minDays);
      const firstReaching = line.findIndex((r) => r.result.fillRate >= target);
      if (firstReaching <= 0) continue;
      let lo = (line[firstReaching - 1] as (typeof line)[number]).minDays;
      let hi = (line[firstReaching] as (typeof line)[number]).minDays;
      for (let i = 0; i < setup.refineSteps; i++) {
        const mid = Math.round(((lo + hi) / 2) * 1e4) / 1e4;
        if (run(mid, spread).result.fillRate >= target) hi = mid;
        else lo = mid;
      }
    }
    grid = runs.sort((a, b) => a.minDays - b.minDays || a.maxDays - b.maxDays);
  }

  let minMaxBest: NonNullable<typeof grid>[number] | undefined;
  let perSkuHindsight: Totals | undefined;
  let perClassHindsight: Totals | undefined;
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
      // One (s, S) in days per velocity class (ranked on the warm-up's wants, as the forecast policy
      // ranks them), each class's point chosen on the measured weeks.
      const classOf = warmupClasses(trace, measureFromMs, forecast.perSku);
      const byClass = VELOCITY_CLASSES.map((c) => forecast.perSku.flatMap((_, k) => (classOf[k] === c ? [k] : [])));
      const classFrontiers = byClass
        .filter((keys) => keys.length > 0)
        .map((keys) => grid.map((g) => keys.map((k) => g.result.perSku[k] as SkuOutcome)));
      const classMix = leanestMix(
        classFrontiers,
        (outcomes) => ({
          lost: outcomes.reduce((sum, o) => sum + o.wanted - o.sold, 0),
          onHand: outcomes.reduce((sum, o) => sum + o.averageOnHand, 0),
        }),
        forecast.lost,
      );
      if (classMix !== undefined)
        perClassHindsight = totals('min-max-per-class-hindsight', refill, forecast.days, classMix.flat());
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
  const onHandRatioPerClassHindsight =
    forecast === undefined || perClassHindsight === undefined
      ? undefined
      : forecast.averageOnHand / perClassHindsight.averageOnHand;
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
    ...(perClassHindsight === undefined ? {} : { minMaxPerClassHindsight: perClassHindsight }),
    ...(perSkuHindsight === undefined ? {} : { minMaxPerSkuHindsight: perSkuHindsight }),
    onHandRatio,
    onHandRatioPerClassHindsight,
    onHandRatioPerSkuHindsight,
    ...(phantom === undefined ? {} : { phantom }),
    ...(forecast === undefined || phantom === undefined
      ? {}
      : {
          acceptance: {
            fillRate: forecast.fillRate >= 0.98,
            onHand: onHandRatio === undefined ? null : onHandRatio <= 0.8,
            phantom: phantom.injected === 0 ? null : phantom.detectionRate >= 0.9 && phantom.falseFlagRate < 0.05,
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
    `Store trace of scenario \`${r.trace.scenario}\` (seed ${r.trace.seed}): ${r.trace.sites} stores, ${r.trace.skus} SKU × store. ${s.warmupWeeks} warm-up weeks, then ${r.measuredDays} measured days from ${r.measuredFrom} (local midnight).`,
    `Lead time ${s.leadTimeDays} d (σ ${s.leadTimeSdDays} d), review every ${s.reviewDays} d at ${s.orderHour}:00, deliveries at ${s.deliveryHour}:00; staff passes every ${s.staff.passHours} h from ${s.staff.fromHour}:00 to ${s.staff.toHour}:00, tasks done ${s.staff.delayMinutes} min × U(0.5, 1.5) later; backroom ${s.backroomLanes} × shelf capacity; case packs from the catalogue, MOQ ${s.moq}.`,
    `Forecast policy: ${s.forecaster}, service levels A ${s.serviceLevels.A} / B ${s.serviceLevels.B} / C ${s.serviceLevels.C}; refills by time to empty. Min/max: s and S in days of each SKU's mean warm-up demand, grid s ∈ {${s.minDays.join(', ')}}, S − s ∈ {${s.spreadDays.join(', ')}}, then per spread ${s.refineSteps} bisection steps on s around the forecast's fill rate; refills ${s.minMaxRefill === 'forecast' ? 'by time to empty, as for the forecast policy' : `at ${s.thresholdShare} of the lane`}.`,
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
  if (r.minMaxPerClassHindsight !== undefined)
    lines.push(
      row(
        'min/max, one grid point per velocity class chosen in hindsight (same total lost)',
        r.minMaxPerClassHindsight,
      ),
    );
  if (r.minMaxPerSkuHindsight !== undefined)
    lines.push(row('min/max, per SKU the grid point chosen in hindsight (same total lost)', r.minMaxPerSkuHindsight));
  lines.push('');
  if (r.onHandRatio !== undefined)
    lines.push(`Average on hand, forecast ÷ best static min/max: **${r.onHandRatio.toFixed(3)}**.`);
  if (r.onHandRatioPerClassHindsight !== undefined)
    lines.push(`Forecast ÷ per-class hindsight min/max: ${r.onHandRatioPerClassHindsight.toFixed(3)}.`);
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
  const verdict = (v: boolean | null, none: string) => (v === null ? none : v ? 'yes' : 'no');
  if (r.acceptance !== undefined)
    lines.push(
      '',
      `Acceptance: fill rate ≥ 98 %: ${verdict(r.acceptance.fillRate, '')}; on hand ≤ 0.80 × best static min/max: ${verdict(r.acceptance.onHand, 'not run (no min/max)')}; phantom ≥ 90 % within 24 h with < 5 % false: ${verdict(r.acceptance.phantom, 'not measured (no shrink began in the measured weeks)')}.`,
    );
  lines.push('', `Wall time ${num(r.wallMs / 1000, 0)} s.`, '');
  return lines.join('\n');
}
