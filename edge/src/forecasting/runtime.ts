import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import {
  type FeatureSpec,
  type Forecast,
  type ForecastingState,
  type ForecastingTaskState,
  type ForecastTask,
  localClockMs,
  type ModelOfferOutcome,
  type ModelRef,
  modelOfferCodec,
  type OfferedModel,
  reachedAt,
  seasonalNaiveForecast,
} from '@aisle/protocols';
import { bundleId, verifyBundle, verifyManifest } from '@aisle/protocols/model-bundle';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { EdgeConfig } from '../config.js';
import { selectBackend, type TfBackend } from './backend.js';
import { dailyOf, SeriesHistory } from './history.js';
import { LoadedModel, type SeriesForecast } from './loaded-model.js';
import { type Assignment, type Assignments, ModelStore, offeredByTask } from './model-store.js';
import { ModelRefused, modelRefOf } from './refusal.js';

/**
 * The gateway's forecasting runtime (ARCHITECTURE §3). It keeps an hourly history of units sold
 * per lane and people in per door, and on a schedule forecasts every lane and door of the site in
 * one batch per task: with the model the hub assigned when one is loaded and self-tested, else with
 * the seasonal-naive baseline. The baseline is computed beside every model forecast, and the live
 * error of both over the steps that have since been observed is reported in the gateway's state —
 * the hub rolls a model back when it loses to the baseline.
 *
 * Model offers (`down/{site}/{gateway}/model`) are handled one at a time: signature checked before
 * anything is fetched, files fetched (resumed, size-bounded), every file's sha256 checked, the model
 * loaded and self-tested on the hub's golden inputs, and only then switched in (atomically, on disk
 * too); the model it replaces is kept for rollback. Any failure leaves the running model (or the
 * baseline) in place and is reported with its reason code.
 */

const HOUR_MS = 3_600_000;

/** The tasks a gateway forecasts, and the kind of series each reads. */
const EDGE_TASKS = { 'lane-depletion': 'lane', footfall: 'door' } as const satisfies Partial<
  Record<ForecastTask, 'lane' | 'door'>
>;
type EdgeTask = keyof typeof EDGE_TASKS;
const isEdgeTask = (task: ForecastTask): task is EdgeTask => task in EDGE_TASKS;

/** Series handled between two turns of the event loop in a forecast run. */
const YIELD_EVERY = 500;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Baseline intervals cover this share, like the models' (`INTERVAL_LEVEL` in the trainer). */
const BASELINE_LEVEL = 0.8;

export interface LaneNow {
  readonly lane: string;
  readonly units: number | undefined;
}

export interface ForecastSummary {
  readonly target: Forecast['target'];
  readonly source: string;
  readonly start: number;
  /** Sum of the forecast over the horizon (units sold, people in). */
  readonly total: number;
  readonly unitsNow?: number;
  readonly emptyAt?: Forecast['emptyAt'];
}

export interface ForecastRuntimeOptions {
  readonly config: EdgeConfig['forecasting'];
  readonly emptySoonMs: number;
  readonly dataDir: string;
  readonly trusted: ReadonlyMap<string, KeyObject>;
  /** `Authorization` header for fetching bundle files from the hub. */
  readonly authorization?: string;
  readonly lanes: () => readonly LaneNow[];
  readonly doors: () => readonly string[];
  /** A forecast to send upstream (with the model that made it, none for the baseline). */
  readonly emit: (forecast: Forecast, model: ModelRef | undefined, ts: number) => void;
  /** The lane is expected empty at `at` (within the alert window), or no longer (`at` undefined). */
  readonly emptySoon: (lane: string, at: number | undefined, ts: number) => void;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly now: () => number;
}

interface TaskRun {
  model: LoadedModel | undefined;
  current: Assignment | undefined;
  previous: Assignment | undefined;
  /** Live error since the model in use was switched in. */
  live: { n: number; modelAbs: number; baselineAbs: number };
  /** The last forecasts per series, to score against what is observed next. */
  pending: Map<string, { startSlot: number; stepHours: number; model?: Float64Array; baseline: Float64Array }>;
  lastRunAt?: number;
  runMs?: number;
  series: number;
}

export class ForecastRuntime {
  readonly backend: TfBackend;
  readonly history: SeriesHistory;
  readonly #o: ForecastRuntimeOptions;
  readonly #store: ModelStore;
  readonly #tasks: Record<EdgeTask, TaskRun>;
  #assignments: Assignments;
  #lastOffer: ModelOfferOutcome | undefined;
  /** Aborted by `close`: a model download in progress stops instead of holding the shutdown. */
  readonly #shutdown = new AbortController();
  /** The seq of the offer being handled. */
  #offerSeq: number | undefined;
  #queue: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;
  #summaries = new Map<string, ForecastSummary>();
  /** Lanes standing empty, since when. */
  readonly #emptySince = new Map<string, number>();
  #closed = false;
  readonly #m: {
    offers: Counter<'outcome' | 'reason'>;
    runs: Counter<'task' | 'source'>;
    runSeconds: Histogram<'task'>;
    series: Gauge<'task'>;
    fetched: Counter;
  };

  private constructor(options: ForecastRuntimeOptions, backend: TfBackend) {
    this.#o = options;
    this.backend = backend;
    this.#store = new ModelStore(options.dataDir);
    this.history = SeriesHistory.open(join(options.dataDir, 'forecast-history.db'), {
      timeZone: options.config.timeZone,
      keepHours: options.config.historyHours,
    });
    const fresh = (): TaskRun => ({
      model: undefined,
      current: undefined,
      previous: undefined,
      live: { n: 0, modelAbs: 0, baselineAbs: 0 },
      pending: new Map(),
      series: 0,
    });
    this.#tasks = { 'lane-depletion': fresh(), footfall: fresh() };
    this.#assignments = this.#store.assignments();
    const registers = [options.metrics];
    this.#m = {
      offers: new Counter({
        name: 'aisle_edge_model_offers_total',
        help: 'Model offers handled, by outcome and reason code',
        labelNames: ['outcome', 'reason'],
        registers,
      }),
      runs: new Counter({
        name: 'aisle_edge_forecast_runs_total',
        help: 'Scheduled forecast runs, by task and source (model or baseline)',
        labelNames: ['task', 'source'],
        registers,
      }),
      runSeconds: new Histogram({
        name: 'aisle_edge_forecast_run_seconds',
        help: 'Time to forecast every series of a task (one batch)',
        labelNames: ['task'],
        buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
        registers,
      }),
      series: new Gauge({
        name: 'aisle_edge_forecast_series',
        help: 'Series forecast in the last run',
        labelNames: ['task'],
        registers,
      }),
      fetched: new Counter({
        name: 'aisle_edge_model_fetched_bytes_total',
        help: 'Model bundle bytes fetched from the hub',
        registers,
      }),
    };
  }

  /** Picks the backend, loads the saved models (each verified and self-tested again), starts the schedule. */
  static async start(options: ForecastRuntimeOptions): Promise<ForecastRuntime> {
    const backend = await selectBackend(options.config.backend);
    const runtime = new ForecastRuntime(options, backend);
    await runtime.#restore();
    runtime.#timer = setInterval(() => void runtime.run(), options.config.everyMs);
    runtime.#timer.unref();
    options.logger.info({ backend }, 'forecasting runtime started');
    return runtime;
  }

  /** A message on `down/{site}/{gateway}/model`, handled after the ones before it. Never throws. */
  offer(payload: Buffer): Promise<void> {
    this.#queue = this.#queue.then(() =>
      this.#offer(payload).catch((error: unknown) => this.#o.logger.error({ err: error }, 'model offer failed')),
    );
    return this.#queue;
  }

  /** Resolves when every offer received so far has been handled. */
  settled(): Promise<void> {
    return this.#queue;
  }

  /** The models in use, for the gateway state's `models`. */
  models(): Array<ModelRef & { task: string }> {
    return (Object.entries(this.#tasks) as [EdgeTask, TaskRun][]).flatMap(([task, run]) =>
      run.model === undefined ? [] : [{ ...run.model.ref, task }],
    );
  }

  state(): ForecastingState {
    const tasks: ForecastingTaskState[] = (Object.entries(this.#tasks) as [EdgeTask, TaskRun][]).map(([task, run]) => ({
      task,
      model: run.model?.ref ?? null,
      ...(run.model !== undefined && run.current?.offered.rollout !== undefined
        ? { rollout: run.current.offered.rollout }
        : {}),
      ...(run.previous === undefined ? {} : { previous: modelRefOf(run.previous.offered.manifest) }),
      baseline: baselineName(this.#specFor(task)),
      series: run.series,
      ...(run.lastRunAt === undefined ? {} : { lastRunAt: run.lastRunAt }),
      ...(run.runMs === undefined ? {} : { runMs: run.runMs }),
      ...(run.live.n === 0
        ? {}
        : {
            live: {
              n: run.live.n,
              modelMae: run.live.modelAbs / run.live.n,
              baselineMae: run.live.baselineAbs / run.live.n,
            },
          }),
    }));
    return {
      backend: this.backend,
      tasks,
      ...(this.#lastOffer === undefined ? {} : { lastOffer: this.#lastOffer }),
    };
  }

  /** The latest forecast of every lane and door, for the local `/state`. */
  summaries(): ForecastSummary[] {
    return [...this.#summaries.values()];
  }

  /**
   * A lane's settled level: while it stands empty nothing can be sold, so every hour it spends
   * empty (levels come only on change) is censored, up to and including the hour it is refilled.
   */
  observeLevel(lane: string, units: number, ts: number): void {
    const since = this.#emptySince.get(lane);
    if (units === 0) {
      if (since === undefined) this.#emptySince.set(lane, ts);
      this.history.censor(`lane:${lane}`, ts);
    } else if (since !== undefined) {
      this.#emptySince.delete(lane);
      this.history.censorRange(`lane:${lane}`, since, ts);
    }
  }

  /**
   * Forecasts every lane and door now (the schedule calls this every `everyMs`), in turn with model
   * offers: a model never switches in the middle of a run.
   */
  run(): Promise<void> {
    this.#queue = this.#queue.then(() =>
      this.#run().catch((error: unknown) => this.#o.logger.error({ err: error }, 'forecast run failed')),
    );
    return this.#queue;
  }

  async #run(): Promise<void> {
    if (this.#closed) return;
    const now = this.#o.now();
    this.history.alive(now);
    for (const [lane, since] of this.#emptySince) this.history.censorRange(`lane:${lane}`, since, now);
    await this.#forecast(
      'lane-depletion',
      now,
      this.#o.lanes().map((l) => l.lane),
    );
    await this.#forecast('footfall', now, this.#o.doors());
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    clearTimeout(this.#retry);
    this.#shutdown.abort();
    await this.#queue;
    for (const run of Object.values(this.#tasks)) run.model?.dispose();
    this.history.close();
  }

  // ---- forecasting ----------------------------------------------------------------------------

  /** The feature spec in force for a task: the model's, or the baseline's. */
  #specFor(task: EdgeTask): FeatureSpec {
    const model = this.#tasks[task].model;
    if (model !== undefined) return model.manifest.features;
    return {
      granularity: 'hour',
      window: 24 * 7,
      horizon: this.#o.config.baselineHorizon,
      calendar: [],
      scaling: 'none',
      timeZone: this.#o.config.timeZone,
    };
  }

  async #forecast(task: EdgeTask, now: number, ids: readonly string[]): Promise<void> {
    const run = this.#tasks[task];
    const started = performance.now();
    const spec = this.#specFor(task);
    const stepHours = spec.granularity === 'day' ? 24 : 1;
    const nowSlot = this.history.slotOf(now);
    // The forecast starts at the current (incomplete) local hour or day.
    const endSlot = Math.floor(nowSlot / stepHours) * stepHours;
    const season = spec.granularity === 'day' ? 7 : 168;
    const steps = Math.max(spec.window, season * 2);
    const kind = EDGE_TASKS[task];
    const keys = ids.map((id) => `${kind}:${id}`);
    // Read and post-processed in slices, the event loop free in between (devices keep being heard);
    // the model runs once over all of them.
    const histories: Float64Array[] = [];
    for (let from = 0; from < keys.length; from += YIELD_EVERY) {
      if (from > 0) await yieldToLoop();
      const slice = keys.slice(from, from + YIELD_EVERY);
      const hourly = this.history.windows(slice, endSlot, steps * stepHours);
      for (const k of slice) {
        const h = hourly.get(k) as Float64Array;
        histories.push(stepHours === 24 ? dailyOf(h) : h);
      }
    }
    // Local midnight or hour → UTC: the instant `now` minus how far the local clock is into the step.
    const startUtc = now - (localClockMs(now, spec.timeZone) - endSlot * HOUR_MS);
    const stepMs = stepHours * HOUR_MS;
    const origin = endSlot * HOUR_MS;
    const modelOut: SeriesForecast[] | undefined = run.model?.predict(
      histories.map((h) => h.subarray(h.length - spec.window)),
      histories.map(() => origin),
    );
    const lanesNow = new Map(this.#o.lanes().map((l) => [l.lane, l.units]));
    const source = run.model === undefined ? baselineName(spec) : run.model.ref.name;
    for (const [k, history] of histories.entries()) {
      if (k > 0 && k % YIELD_EVERY === 0) await yieldToLoop();
      const id = ids[k] as string;
      const key = keys[k] as string;
      const baseline = baselineForecast(history, spec);
      this.#score(run, key, history, endSlot, stepHours);
      const chosen = modelOut?.[k] ?? baseline;
      run.pending.set(key, {
        startSlot: endSlot,
        stepHours,
        ...(modelOut === undefined ? {} : { model: chosen.mean }),
        baseline: baseline.mean,
      });
      const level = run.model !== undefined && run.model.level > 0 ? run.model.level : BASELINE_LEVEL;
      const band = run.model !== undefined && run.model.level > 0 ? chosen : residualBand(history, chosen.mean, spec);
      const forecast: Forecast = {
        task,
        target: { kind, id },
        start: startUtc,
        stepMs,
        mean: Array.from(chosen.mean, round3),
        lower: Array.from(band.lower, round3),
        upper: Array.from(band.upper, round3),
        level,
        ...(modelOut === undefined
          ? {}
          : { baseline: { name: baselineName(spec), mean: Array.from(baseline.mean, round3) } }),
      };
      let summary: ForecastSummary = {
        target: forecast.target,
        source,
        start: startUtc,
        total: round3(chosen.mean.reduce((a, b) => a + b, 0)),
      };
      if (kind === 'lane') {
        const units = lanesNow.get(id);
        if (units !== undefined) {
          // The first step is under way: what it sells before `now` is already off the shelf, so the
          // lane empties when the step's sales reach the units now plus that part.
          const elapsed = Math.min(1, Math.max(0, (now - startUtc) / stepMs));
          const at = (rates: Float64Array) => {
            const t = reachedAt(units + (rates[0] ?? 0) * elapsed, rates, startUtc, stepMs);
            return t === null ? null : Math.max(now, t);
          };
          const empty = { expected: at(chosen.mean), earliest: at(band.upper), latest: at(band.lower) };
          const emptyRounded = {
            expected: roundMs(empty.expected),
            earliest: roundMs(empty.earliest),
            latest: roundMs(empty.latest),
          };
          forecast.unitsNow = units;
          forecast.emptyAt = emptyRounded;
          summary = { ...summary, unitsNow: units, emptyAt: emptyRounded };
          const soon = empty.expected !== null && empty.expected - now <= this.#o.emptySoonMs;
          this.#o.emptySoon(id, soon ? (emptyRounded.expected as number) : undefined, now);
        }
      }
      this.#summaries.set(key, summary);
      this.#o.emit(forecast, run.model?.ref, now);
    }
    run.series = ids.length;
    run.lastRunAt = now;
    run.runMs = performance.now() - started;
    this.#m.runs.inc({ task, source: run.model === undefined ? 'baseline' : 'model' });
    this.#m.runSeconds.observe({ task }, run.runMs / 1000);
    this.#m.series.set({ task }, ids.length);
  }

  /** Adds the previous forecast's errors over the steps observed since it was made. */
  #score(run: TaskRun, key: string, history: Float64Array, endSlot: number, stepHours: number): void {
    const pending = run.pending.get(key);
    if (pending === undefined || pending.model === undefined || pending.stepHours !== stepHours) return;
    // history[i] is the step starting at endSlot − (history.length − i)·stepHours.
    const firstSlot = endSlot - history.length * stepHours;
    for (let h = 0; h < pending.model.length; h++) {
      const slot = pending.startSlot + h * stepHours;
      if (slot + stepHours > endSlot) break;
      const actual = history[(slot - firstSlot) / stepHours] as number;
      if (!Number.isFinite(actual)) continue;
      run.live.n++;
      run.live.modelAbs += Math.abs(actual - (pending.model[h] as number));
      run.live.baselineAbs += Math.abs(actual - (pending.baseline[h] as number));
    }
  }

  // ---- models -----------------------------------------------------------------------------------

  async #restore(): Promise<void> {
    for (const task of Object.keys(this.#assignments.tasks) as ForecastTask[]) {
      if (!isEdgeTask(task)) continue;
      const saved = this.#assignments.tasks[task];
      const run = this.#tasks[task];
      for (const candidate of [saved?.current, saved?.previous]) {
        if (candidate === undefined) continue;
        try {
          const files = this.#store.files(candidate.offered.manifest);
          const checked = verifyBundle(candidate.offered.manifest, files, this.#o.trusted);
          if (!checked.ok) throw new Error(`${checked.reason}: ${checked.detail}`);
          run.model = await LoadedModel.load(checked.manifest, files, this.#o.config.goldenTolerance);
          run.current = candidate;
          run.previous = candidate === saved?.current ? saved.previous : undefined;
          break;
        } catch (error) {
          this.#o.logger.warn(
            { err: error, task, version: candidate.offered.manifest.version },
            'saved model not usable; trying the one before',
          );
        }
      }
    }
  }

  async #offer(payload: Buffer): Promise<void> {
    const decoded = modelOfferCodec.decode(payload);
    if (!decoded.ok) {
      this.#m.offers.inc({ outcome: 'invalid', reason: decoded.error.code });
      this.#o.logger.warn({ error: decoded.error }, 'model offer does not decode');
      return;
    }
    const offer = decoded.value;
    if (offer.seq <= this.#assignments.seq) {
      this.#m.offers.inc({ outcome: 'stale', reason: '' });
      return;
    }
    clearTimeout(this.#retry);
    this.#offerSeq = offer.seq;
    const wanted = offeredByTask(offer);
    let retry = false;
    for (const [task, offered] of wanted)
      if (!isEdgeTask(task)) this.#reject(offered, 'TASK_UNSUPPORTED', `this gateway does not forecast ${task}`);
    for (const task of Object.keys(EDGE_TASKS) as EdgeTask[]) {
      const run = this.#tasks[task];
      const want = wanted.get(task);
      if (want === undefined) {
        if (run.current !== undefined) this.#switch(task, undefined, undefined);
        continue;
      }
      const id = bundleId(want.manifest);
      if (run.current !== undefined && bundleId(run.current.offered.manifest) === id && run.model !== undefined) {
        run.current = { offered: want };
        this.#outcome(want, 'active');
        continue;
      }
      this.#outcome(want, 'fetching');
      try {
        const model = await this.#install(want);
        this.#switch(task, { offered: want }, model);
        this.#outcome(want, 'active');
        this.#m.offers.inc({ outcome: 'active', reason: '' });
      } catch (error) {
        const reason = error instanceof ModelRefused ? error.reason : 'LOAD_FAILED';
        const detail = error instanceof ModelRefused ? error.detail : (error as Error).message;
        this.#reject(want, reason, detail);
        if (reason === 'FETCH_FAILED') retry = true;
      }
    }
    if (retry) {
      // Not applied: the same offer is tried again later (or when a newer one arrives; after a
      // shutdown, when the retained offer comes again).
      if (!this.#closed) {
        this.#retry = setTimeout(() => void this.offer(payload), this.#o.config.offerRetryMs);
        this.#retry.unref();
      }
      this.#save();
      return;
    }
    this.#assignments.seq = offer.seq;
    this.#save();
  }

  /** Verify, fetch, verify every file, load, self-test: a model ready to switch in. */
  async #install(offered: OfferedModel): Promise<LoadedModel> {
    const signed = verifyManifest(offered.manifest, this.#o.trusted);
    if (!signed.ok) throw new ModelRefused(signed.reason, signed.detail);
    const manifest = signed.manifest;
    if (manifest.features.timeZone !== this.#o.config.timeZone && manifest.features.timeZone !== 'UTC')
      this.#o.logger.warn(
        { model: manifest.features.timeZone, site: this.#o.config.timeZone },
        'model calendar is in another time zone than the site',
      );
    const total = manifest.files.reduce((n, f) => n + f.bytes, 0);
    if (total > this.#o.config.maxBundleBytes)
      throw new ModelRefused('FETCH_TOO_LARGE', `bundle of ${total} bytes exceeds ${this.#o.config.maxBundleBytes}`);
    const files = await this.#store.fetch(offered, {
      timeoutMs: this.#o.config.fetchTimeoutMs,
      retries: this.#o.config.fetchRetries,
      retryDelayMs: this.#o.config.retryDelayMs,
      ...(this.#o.authorization === undefined ? {} : { authorization: this.#o.authorization }),
      onBytes: (n) => this.#m.fetched.inc(n),
      signal: this.#shutdown.signal,
    });
    const checked = verifyBundle(manifest, files, this.#o.trusted);
    if (!checked.ok) {
      this.#store.discard(manifest);
      throw new ModelRefused(checked.reason, checked.detail);
    }
    try {
      const model = await LoadedModel.load(manifest, files, this.#o.config.goldenTolerance);
      this.#store.keep(manifest);
      return model;
    } catch (error) {
      this.#store.discard(manifest);
      throw error;
    }
  }

  /** Switches a task to a model (or to the baseline), keeping what it ran before for rollback. */
  #switch(task: EdgeTask, next: Assignment | undefined, model: LoadedModel | undefined): void {
    const run = this.#tasks[task];
    const old = run.model;
    run.previous = run.current ?? run.previous;
    run.current = next;
    run.model = model;
    run.live = { n: 0, modelAbs: 0, baselineAbs: 0 };
    run.pending.clear();
    if (old !== undefined && old !== model) old.dispose();
    this.#o.logger.info(
      { task, model: model?.ref ?? null, previous: run.previous?.offered.manifest.version },
      'forecasting model switched',
    );
  }

  #save(): void {
    const tasks: Assignments['tasks'] = {};
    for (const [task, run] of Object.entries(this.#tasks) as [EdgeTask, TaskRun][])
      tasks[task] = {
        ...(run.current === undefined ? {} : { current: run.current }),
        ...(run.previous === undefined ? {} : { previous: run.previous }),
      };
    this.#assignments = { seq: this.#assignments.seq, tasks };
    this.#store.save(this.#assignments);
  }

  #reject(offered: OfferedModel, reason: string, detail: string): void {
    this.#m.offers.inc({ outcome: 'rejected', reason });
    this.#outcome(offered, 'rejected', reason, detail);
    this.#o.logger.warn(
      { model: offered.manifest.name, version: offered.manifest.version, reason, detail },
      'model refused; keeping the running one',
    );
  }

  #outcome(offered: OfferedModel, outcome: ModelOfferOutcome['outcome'], reason?: string, detail?: string): void {
    // Offers arrive decoded: their manifests are plain JSON, which always canonicalizes.
    this.#lastOffer = {
      ...(this.#offerSeq === undefined ? {} : { seq: this.#offerSeq }),
      name: offered.manifest.name,
      version: offered.manifest.version,
      sha256: bundleId(offered.manifest),
      ...(offered.rollout === undefined ? {} : { rollout: offered.rollout }),
      outcome,
      ...(reason === undefined ? {} : { reason }),
      ...(detail === undefined ? {} : { detail: detail.slice(0, 512) }),
      at: this.#o.now(),
    };
  }
}

function seasonOf(spec: FeatureSpec): number {
  return spec.granularity === 'day' ? 7 : 168;
}

function baselineName(spec: FeatureSpec): string {
  return `seasonal-naive-${seasonOf(spec)}`;
}

function baselineForecast(history: Float64Array, spec: FeatureSpec): SeriesForecast {
  const mean = seasonalNaiveForecast(history, seasonOf(spec), spec.horizon);
  return { mean, lower: mean, upper: mean };
}

/**
 * An interval for a forecast without one of its own (the baseline): the quantiles of the series'
 * seasonal differences (y(t) − y(t−m)), the errors seasonal naive made on this very history.
 */
function residualBand(
  history: Float64Array,
  mean: Float64Array,
  spec: FeatureSpec,
): { lower: Float64Array; upper: Float64Array } {
  const m = seasonOf(spec);
  const diffs: number[] = [];
  for (let t = m; t < history.length; t++) {
    const d = (history[t] as number) - (history[t - m] as number);
    if (Number.isFinite(d)) diffs.push(d);
  }
  diffs.sort((a, b) => a - b);
  const at = (q: number) => (diffs.length === 0 ? 0 : (diffs[Math.round(q * (diffs.length - 1))] as number));
  const lo = at((1 - BASELINE_LEVEL) / 2);
  const hi = at((1 + BASELINE_LEVEL) / 2);
  const lower = new Float64Array(mean.length);
  const upper = new Float64Array(mean.length);
  for (let h = 0; h < mean.length; h++) {
    lower[h] = Math.max(0, (mean[h] as number) + lo);
    upper[h] = Math.max(lower[h] as number, (mean[h] as number) + hi);
  }
  return { lower, upper };
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function roundMs(v: number | null): number | null {
  return v === null ? null : Math.round(v);
}
