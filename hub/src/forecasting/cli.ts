import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend, type TfBackend } from '@aisle/edge/tf-backend';
import { encodeInput, type FeatureSpec, type ForecastTask, featureCount, localClockMs } from '@aisle/protocols';
import cliProgress from 'cli-progress';
import Holidays from 'date-holidays';
import { isUsageError, UsageError, writeReport } from '../cli-usage.js';
import { HubConfigError, loadHubConfig } from '../config.js';
import { InfluxSeriesRepository } from '../ingest/influx-series.repository.js';
import { KyselySeriesRepository } from '../ingest/series.repository.js';
import { openSqlite } from '../storage/database.js';
import { openPostgres } from '../storage/postgres.js';
import { goldenFor, makeBundle, modelArtifacts } from './bundle.js';
import { type Dataset, DEFAULT_COLUMNS, loadCsvDataset } from './dataset.js';
import {
  type Architecture,
  DEFAULT_TRAIN,
  intervalsOf,
  levelFactorOf,
  scaleOutputs,
  trainGlobalModel,
} from './engine/global-model.js';
import type { WeightQuantization } from './engine/quantize.js';
import { type Granularity, type Series, STEP_MS } from './engine/series.js';
import { type EvaluationSetup, evaluateForecasting, reportMarkdown } from './evaluate.js';
import { evaluateLanes, type LaneEvaluationSetup, laneDataUntil, lanesMarkdown, loadLaneData } from './lanes.js';
import { telemetryDataset } from './telemetry-dataset.js';

export const FORECAST_USAGE = `  aisle-hub forecast eval --data FILE [options]
      Train the global model on each series up to the test period and score it by rolling origin
      against every baseline, as float32, float16 and uint8; writes report.md and report.json.
  aisle-hub forecast train --data FILE --key KEY.pem [options]
      Train on all of the data and write a signed model bundle (manifest.json + files).
  aisle-hub forecast lanes --data FILE [--test-days 14] [--every 6] [--validate] [options]
      Lane time to empty on a simulated store's lanes (the CSV of \`aisle-sim lanes\`): the model
      trained on the history before the last --test-days, every forecaster's time to empty scored
      against the simulator's truth at an origin every --every hours; writes report.md and
      report.json. --validate drops the test period and scores the last history week instead (for
      choosing options without looking at the test period). Lane defaults: --window 168
      --hidden 128 --epochs 20 (the last week of history picks the epoch).
  aisle-hub forecast eval|train --hub-config FILE --site S --from ISO --to ISO --time-zone ZONE [options]
      The same from a hub's stored telemetry (--task lane: units picked per lane, hours a lane
      stood empty left out; --task footfall: entries per door), read from the storage the hub
      config names.
    Options: --task footfall|lane (footfall) --granularity hour|day (hour)
      --series-column series --time-column timestamp --value-column value
      --horizon N --window N (336; hourly lanes 168) --origins N --every N --epochs N (40; lanes 20)
      --hidden 256,128 (hourly lanes 128) --seed N
      --architecture mlp|conv|gru (eval|train: the network, mlp; conv and gru put --hidden after the sequence part)
      --stride N (steps between training origins, 1) --l2 X (kernel penalty, 1e-4)
      --ensemble N (networks from N seeds, shipped as one model averaging them, 1)
      --holidays COUNTRY[-REGION] (e.g. AU-VIC: public holidays as a feature, from date-holidays)
      --quant float32|float16|uint8 (train, uint8) --key-id ID (hub) --version V (train: a timestamp)
      --out DIR --backend wasm|cpu
`;

const TASKS: Record<string, ForecastTask> = { footfall: 'footfall', lane: 'lane-depletion', sku: 'sku-demand' };

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** An instant given as ISO 8601 with its offset (`2024-10-01T00:00:00+02:00`, `…Z`). */
function instant(text: string | undefined, name: string): number {
  if (text === undefined) throw new UsageError(`--${name} ISO is required with --hub-config`);
  const ms = ISO_WITH_OFFSET.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms))
    throw new UsageError(`--${name} must be ISO 8601 with an offset (2024-10-01T00:00:00+02:00), got "${text}"`);
  return ms;
}

/** `--time-zone ZONE` (the site's IANA zone): the local clock the series and the model's calendar run on. */
function withTimeZone(setup: EvaluationSetup, zone: string | undefined): EvaluationSetup {
  if (zone === undefined) return setup;
  try {
    localClockMs(0, zone);
  } catch {
    throw new UsageError(`--time-zone: unknown IANA time zone "${zone}"`);
  }
  return { ...setup, features: { ...setup.features, timeZone: zone } };
}

/**
 * `--hub-config FILE --site S --from ISO --to ISO`: a dataset from the telemetry a hub stored, read
 * where that hub's config keeps it, as the hub opens it: InfluxDB when `storage.series.kind` is
 * `influx`, else the `series_items` table of PostgreSQL (`storage.relational.kind: postgres`) or of
 * the SQLite file in `dataDir`.
 */
async function hubDataset(
  values: Record<string, string | boolean | undefined>,
  setup: EvaluationSetup,
): Promise<Dataset> {
  if (setup.task === 'sku-demand') throw new UsageError('--hub-config builds lane or footfall datasets');
  const site = values.site;
  if (typeof site !== 'string' || site === '') throw new UsageError('--site S is required with --hub-config');
  const from = instant(values.from as string | undefined, 'from');
  const to = instant(values.to as string | undefined, 'to');
  if (!(to > from)) throw new UsageError('--to must be after --from');
  const config = loadHubConfig(values['hub-config'] as string);
  const options = {
    site,
    task: setup.task,
    from,
    to,
    timeZone: setup.features.timeZone,
    granularity: setup.features.granularity,
  };
  const { relational, series } = config.storage;
  if (series.kind === 'influx' && series.url !== undefined)
    return telemetryDataset(new InfluxSeriesRepository({ url: series.url, database: series.database }), options);
  const postgres = relational.kind === 'postgres' && relational.url !== undefined;
  // openSqlite would create an empty database where there is none: a wrong dataDir is an error.
  if (!postgres && !existsSync(join(config.dataDir, 'hub.db')))
    throw new UsageError(`--hub-config: no hub database at ${join(config.dataDir, 'hub.db')}`);
  const db = postgres
    ? await openPostgres(relational.url as string, { maxConnections: 2 })
    : await openSqlite(config.dataDir);
  try {
    return await telemetryDataset(new KyselySeriesRepository(db), options);
  } finally {
    await db.destroy();
  }
}

function integer(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got "${text}"`);
  return n;
}

function setupFrom(values: Record<string, string | boolean | undefined>): EvaluationSetup {
  const task = TASKS[String(values.task ?? 'footfall')];
  if (task === undefined) throw new UsageError(`--task must be footfall, lane or sku, got "${String(values.task)}"`);
  const granularity = String(values.granularity ?? 'hour') as Granularity;
  if (granularity !== 'hour' && granularity !== 'day') throw new UsageError(`--granularity must be hour or day`);
  const hourly = granularity === 'hour';
  // Hourly lanes: the configuration `forecast lanes` evaluated (docs/forecasting/lanes-demo).
  const lanes = hourly && task === 'lane-depletion';
  const horizon = integer(values.horizon as string | undefined, 'horizon', hourly ? 24 : 7);
  const features: FeatureSpec = {
    granularity,
    window: integer(values.window as string | undefined, 'window', lanes ? 168 : hourly ? 336 : 56),
    horizon,
    calendar: hourly ? ['hour-of-day', 'day-of-week'] : ['day-of-week', 'day-of-month', 'month'],
    scaling: 'mean-abs',
    timeZone: 'UTC',
  };
  const hidden = String(values.hidden ?? (lanes ? '128' : '256,128'))
    .split(',')
    .map((h) => integer(h, 'hidden', 1));
  const architecture = String(values.architecture ?? 'mlp') as Architecture;
  if (!['mlp', 'conv', 'gru'].includes(architecture))
    throw new UsageError(`--architecture must be mlp, conv or gru, got "${architecture}"`);
  return {
    task,
    features,
    // The last 8 weeks: a daily origin for hourly data, a weekly one for daily data.
    rolling: {
      horizon,
      origins: integer(values.origins as string | undefined, 'origins', hourly ? 56 : 8),
      every: integer(values.every as string | undefined, 'every', hourly ? 24 : 7),
      scaleLag: hourly ? 168 : 7,
    },
    train: {
      ...DEFAULT_TRAIN,
      hidden,
      architecture,
      epochs: integer(values.epochs as string | undefined, 'epochs', lanes ? 20 : 40),
      seed: integer(values.seed as string | undefined, 'seed', 1),
      stride: integer(values.stride as string | undefined, 'stride', 1),
      ensemble: integer(values.ensemble as string | undefined, 'ensemble', 1),
      l2: values.l2 === undefined ? 1e-4 : Number(values.l2),
      validationSteps: lanes ? 7 * 24 : hourly ? 28 * 24 : 28,
    },
    reference: hourly ? 'seasonal-naive-168' : 'seasonal-naive-7',
  };
}

function epochBar(
  total: number,
  quiet: boolean,
): { update: (epoch: number, loss: number, validationLoss: number) => void; stop: () => void } {
  if (quiet) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format: 'training [{bar}] epoch {value}/{total} loss {loss} validation {validation}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { loss: '-', validation: '-' });
  return {
    update: (epoch, loss, validationLoss) =>
      bar.update(epoch + 1, { loss: loss.toFixed(4), validation: validationLoss.toFixed(4) }),
    stop: () => bar.stop(),
  };
}

/**
 * Public holidays of a country or region (`AU`, `AU-VIC`) from the years the data spans through
 * one year after it (so a trained model knows the next year's holidays), as local dates.
 */
function publicHolidays(where: string, series: readonly Series[]): string[] {
  const [country, region] = where.split('-');
  const calendar = new Holidays();
  const known =
    country !== undefined &&
    country in calendar.getCountries() &&
    (region === undefined || region in (calendar.getStates(country) ?? {}));
  if (!known) throw new UsageError(`--holidays: no holiday calendar for "${where}"`);
  if (region === undefined) calendar.init(country as string);
  else calendar.init(country as string, region);
  const years = series.flatMap((s) => [
    new Date(s.start).getUTCFullYear(),
    new Date(s.start + s.values.length * STEP_MS[s.granularity]).getUTCFullYear() + 1,
  ]);
  const dates = new Set<string>();
  for (let year = Math.min(...years); year <= Math.max(...years); year++)
    for (const holiday of calendar.getHolidays(year))
      if (holiday.type === 'public') dates.add(holiday.date.slice(0, 10));
  return [...dates].sort();
}

/** `forecast lanes`: lane defaults differ (four weeks of history hold a week's window, not two). */
async function lanesCommand(data: string, values: Record<string, string | boolean | undefined>): Promise<number> {
  const horizon = integer(values.horizon as string | undefined, 'horizon', 24);
  const validationSteps = 7 * 24;
  const setup: LaneEvaluationSetup = {
    features: {
      granularity: 'hour',
      window: integer(values.window as string | undefined, 'window', 168),
      horizon,
      calendar: ['hour-of-day', 'day-of-week'],
      scaling: 'mean-abs',
      timeZone: 'UTC',
    },
    train: {
      ...DEFAULT_TRAIN,
      hidden: String(values.hidden ?? '128')
        .split(',')
        .map((h) => integer(h, 'hidden', 1)),
      epochs: integer(values.epochs as string | undefined, 'epochs', 20),
      seed: integer(values.seed as string | undefined, 'seed', 1),
      stride: integer(values.stride as string | undefined, 'stride', 1),
      ensemble: integer(values.ensemble as string | undefined, 'ensemble', 1),
      l2: values.l2 === undefined ? 1e-4 : Number(values.l2),
      validationSteps,
    },
    testHours: 24 * integer(values['test-days'] as string | undefined, 'test-days', 14),
    every: integer(values.every as string | undefined, 'every', 6),
  };
  if (!(setup.train.l2 >= 0)) throw new UsageError('--l2 must be a number ≥ 0');
  const quiet = values.quiet === true;
  const log = (line: string) => {
    if (!quiet) process.stderr.write(`${line}\n`);
  };
  const backendName = values.backend as TfBackend | undefined;
  if (backendName !== undefined && !['wasm', 'cpu', 'tensorflow'].includes(backendName))
    throw new UsageError('--backend must be wasm, cpu or tensorflow');
  const backend = await selectBackend(backendName);
  let lanes = await loadLaneData(data);
  // Validation: the test period is dropped and the last history week is scored instead.
  if (values.validate === true) lanes = laneDataUntil(lanes, lanes.hours - setup.testHours);
  const scored = values.validate === true ? { ...setup, testHours: validationSteps } : setup;
  log(`${lanes.lanes.length} lanes, ${lanes.hours} hours from ${data}; tfjs backend ${backend}`);
  const bar = epochBar(setup.train.epochs, quiet);
  const report = await evaluateLanes(lanes, scored, {
    epoch: bar.update,
    phase: (name) => {
      if (name !== 'training') bar.stop();
      log(name === 'training' ? 'training' : `scoring ${name}`);
    },
  });
  bar.stop();
  const out = String(values.out ?? 'lanes-report');
  const name = data.split('/').at(-1);
  const title = `Lane time to empty${values.validate === true ? ' (validation: last history week)' : ''}: ${name}`;
  log(`wrote ${writeReport(out, lanesMarkdown(report, title), report)} and report.json`);
  return 0;
}

export async function forecastCli(argv: readonly string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        data: { type: 'string' },
        'hub-config': { type: 'string' },
        site: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        'time-zone': { type: 'string' },
        version: { type: 'string' },
        task: { type: 'string' },
        granularity: { type: 'string' },
        'series-column': { type: 'string' },
        'time-column': { type: 'string' },
        'value-column': { type: 'string' },
        horizon: { type: 'string' },
        window: { type: 'string' },
        origins: { type: 'string' },
        every: { type: 'string' },
        epochs: { type: 'string' },
        hidden: { type: 'string' },
        architecture: { type: 'string' },
        seed: { type: 'string' },
        quant: { type: 'string' },
        holidays: { type: 'string' },
        stride: { type: 'string' },
        ensemble: { type: 'string' },
        l2: { type: 'string' },
        key: { type: 'string' },
        'key-id': { type: 'string' },
        out: { type: 'string' },
        backend: { type: 'string' },
        'test-days': { type: 'string' },
        validate: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    const command = positionals[0];
    if (values.help === true) {
      process.stdout.write(FORECAST_USAGE);
      return 0;
    }
    if (command !== 'eval' && command !== 'train' && command !== 'lanes')
      throw new UsageError('forecast needs eval, train or lanes');
    if (values.data === undefined && (command === 'lanes' || values['hub-config'] === undefined))
      throw new UsageError(
        command === 'lanes' ? '--data FILE is required' : '--data FILE or --hub-config FILE is required',
      );
    if (command === 'lanes') return await lanesCommand(values.data as string, values);
    let setup = withTimeZone(setupFrom(values), values['time-zone']);
    if (!(setup.train.l2 >= 0)) throw new UsageError('--l2 must be a number ≥ 0');
    const backendName = values.backend as TfBackend | undefined;
    if (backendName !== undefined && !['wasm', 'cpu', 'tensorflow'].includes(backendName))
      throw new UsageError('--backend must be wasm, cpu or tensorflow');
    const backend = await selectBackend(backendName);
    const source = values.data ?? `${values.site} telemetry (${values['hub-config']})`;
    const dataset =
      values['hub-config'] !== undefined
        ? await hubDataset(values, setup)
        : await loadCsvDataset(values.data as string, setup.features.granularity, {
            series: values['series-column'] ?? DEFAULT_COLUMNS.series,
            timestamp: values['time-column'] ?? DEFAULT_COLUMNS.timestamp,
            value: values['value-column'] ?? DEFAULT_COLUMNS.value,
          });
    if (values.holidays !== undefined) {
      const holidays = publicHolidays(values.holidays, dataset.series);
      setup = {
        ...setup,
        features: { ...setup.features, calendar: [...setup.features.calendar, 'holiday'], holidays },
      };
    }
    const log = (line: string) => {
      if (!values.quiet) process.stderr.write(`${line}\n`);
    };
    log(`${dataset.series.length} series from ${source}; tfjs backend ${backend}`);
    const out = values.out ?? (command === 'eval' ? 'forecast-report' : 'model-bundle');
    mkdirSync(out, { recursive: true });
    const keyId = values['key-id'] ?? 'hub';
    let privateKey: KeyObject;
    if (values.key !== undefined) privateKey = createPrivateKey(readFileSync(values.key));
    else if (command === 'train')
      throw new UsageError('train needs --key KEY.pem (an Ed25519 private key) to sign the bundle');
    else privateKey = generateKeyPairSync('ed25519').privateKey; // eval bundles are only loaded back here
    const bar = epochBar(setup.train.epochs, values.quiet);
    if (command === 'eval') {
      const report = await evaluateForecasting(
        dataset,
        setup,
        backend,
        { keyId, privateKey },
        {
          epoch: bar.update,
          phase: (name) => {
            if (name !== 'training') bar.stop();
            log(name === 'training' ? 'training' : `scoring ${name}`);
          },
        },
      );
      bar.stop();
      const title = `Forecast evaluation: ${setup.task}, ${source.split('/').at(-1)}`;
      log(`wrote ${writeReport(out, reportMarkdown(report, title), report)} and report.json`);
      return 0;
    }
    const quant = String(values.quant ?? 'uint8') as WeightQuantization;
    if (!['float32', 'float16', 'uint8'].includes(quant))
      throw new UsageError('--quant must be float32, float16 or uint8');
    const trained = await trainGlobalModel(
      dataset.series,
      setup.features,
      dataset.series.map((s) => s.values.length),
      { ...setup.train, onEpoch: bar.update },
    );
    bar.stop();
    // Lanes: time to empty adds the hours up, so the shipped model forecasts the mean (see levelFactorOf).
    const ends = dataset.series.map((s) => s.values.length);
    const levelFactor =
      setup.task === 'lane-depletion'
        ? levelFactorOf(trained.model, dataset.series, setup.features, ends, setup.train.validationSteps, 6)
        : 1;
    if (levelFactor !== 1) scaleOutputs(trained.model, levelFactor);
    const intervals =
      levelFactor === 1
        ? trained.errors
        : intervalsOf(trained.model, dataset.series, setup.features, ends, setup.train);
    const artifacts = await modelArtifacts(trained.model);
    // Self-test inputs: the latest window of each series (at most 8), as the gateway encodes them.
    const width = featureCount(setup.features);
    const input = dataset.series.slice(0, 8).flatMap((s) => {
      const end = s.values.length;
      if (end < setup.features.window) return [];
      const row = new Float32Array(width);
      encodeInput(
        setup.features,
        s.values.subarray(end - setup.features.window, end),
        s.start + end * STEP_MS[s.granularity],
        row,
      );
      return [Array.from(row)];
    });
    const golden = input.length === 0 ? undefined : await goldenFor(artifacts, quant, input);
    const bundle = makeBundle(
      artifacts,
      {
        name: setup.task,
        version: values.version ?? new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '.'),
        task: setup.task,
        features: setup.features,
        quant,
        metrics: {
          validationLoss: trained.validationLoss,
          examples: trained.examples,
          networks: trained.members.length,
        },
        createdAt: Date.now(),
        intervals,
        ...(golden === undefined ? {} : { golden }),
      },
      { keyId, privateKey },
    );
    for (const [path, bytes] of bundle.files) writeFileSync(join(out, path), bytes);
    writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(bundle.manifest, null, 2)}\n`);
    log(`wrote the ${quant} bundle ${bundle.manifest.name}@${bundle.manifest.version} to ${out}`);
    return 0;
  } catch (error) {
    if (error instanceof HubConfigError) {
      process.stderr.write(`aisle-hub forecast: ${error.message}\n`);
      return 2;
    }
    if (isUsageError(error)) {
      process.stderr.write(`aisle-hub forecast: ${(error as Error).message}\n${FORECAST_USAGE}`);
      return 2;
    }
    if (
      (error as { code?: string }).code === 'CSV_HEADER_MISSING_COLUMN' ||
      (error as { code?: string }).code === 'ENOENT'
    ) {
      process.stderr.write(`aisle-hub forecast: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}
