import type { KeyObject } from 'node:crypto';
import type { TfBackend } from '@aisle/edge/tf-backend';
import type { FeatureSpec, ForecastTask } from '@aisle/protocols';
import { bundleArtifacts } from '@aisle/protocols/model-bundle';
import * as tf from '@tensorflow/tfjs';
import { bundleBytes, makeBundle, modelArtifacts } from './bundle.js';
import type { Dataset } from './dataset.js';
import { croston, type Forecaster, holtWinters, movingAverage, seasonalNaive } from './engine/baselines.js';
import { modelForecaster, type TrainOptions, trainGlobalModel } from './engine/global-model.js';
import type { WeightQuantization } from './engine/quantize.js';
import { type ForecasterScore, type RollingOriginOptions, rollingOrigin } from './engine/rolling-origin.js';

/**
 * A forecasting evaluation as the CLI runs it and the report shows it: the model trained on every
 * series' steps before the first test origin, then scored by rolling origin over the test period
 * against every baseline, as float32 and as its float16 and uint8 bundles (loaded back from the
 * signed bundle exactly as the edge would).
 */
export interface EvaluationSetup {
  readonly task: ForecastTask;
  readonly features: FeatureSpec;
  readonly rolling: RollingOriginOptions;
  readonly train: TrainOptions;
  /** The baseline the model is measured against (`seasonal-naive-168` hourly). */
  readonly reference: string;
}

export interface QuantizedScore {
  readonly quant: WeightQuantization;
  readonly bundleBytes: number;
  readonly score: ForecasterScore;
}

export interface EvaluationReport {
  readonly setup: EvaluationSetup;
  readonly dataset: {
    readonly series: number;
    readonly observed: number;
    readonly rows: number;
    readonly rejects: Dataset['rejects'];
  };
  readonly backend: TfBackend;
  readonly training: {
    readonly examples: number;
    readonly bestEpoch: number;
    readonly seconds: number;
    /** Validation loss of the model as shipped, and of each network of an ensemble. */
    readonly validationLoss: number;
    readonly members: ReadonlyArray<{ seed: number; bestEpoch: number; validationLoss: number }>;
    readonly epochs: ReadonlyArray<{ loss: number; validationLoss: number }>;
  };
  readonly baselines: readonly ForecasterScore[];
  readonly model: readonly QuantizedScore[];
}

export function baselinesFor(setup: Pick<EvaluationSetup, 'features'>): Forecaster[] {
  const { granularity } = setup.features;
  return granularity === 'hour'
    ? [seasonalNaive(168), seasonalNaive(24), movingAverage(24), holtWinters(168), croston()]
    : [seasonalNaive(7), movingAverage(7), holtWinters(7), croston()];
}

export async function evaluateForecasting(
  dataset: Dataset,
  setup: EvaluationSetup,
  backend: TfBackend,
  signer: { readonly keyId: string; readonly privateKey: KeyObject },
  progress: { epoch?: TrainOptions['onEpoch']; phase?: (name: string) => void } = {},
): Promise<EvaluationReport> {
  const { rolling } = setup;
  const ends = dataset.series.map((s) => s.values.length - rolling.horizon - (rolling.origins - 1) * rolling.every);
  progress.phase?.('training');
  const started = performance.now();
  const trained = await trainGlobalModel(dataset.series, setup.features, ends, {
    ...setup.train,
    ...(progress.epoch === undefined ? {} : { onEpoch: progress.epoch }),
  });
  const seconds = (performance.now() - started) / 1000;
  progress.phase?.('baselines');
  const baselines = rollingOrigin(dataset.series, baselinesFor(setup), rolling);
  const artifacts = await modelArtifacts(trained.model);
  const model: QuantizedScore[] = [];
  for (const quant of ['float32', 'float16', 'uint8'] as const) {
    progress.phase?.(`model ${quant}`);
    const bundle = makeBundle(
      artifacts,
      {
        name: setup.task,
        version: 'evaluation',
        task: setup.task,
        features: setup.features,
        quant,
        metrics: {},
        createdAt: Date.now(),
      },
      signer,
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(bundleArtifacts(bundle.files) as tf.io.ModelArtifacts));
    const [score] = rollingOrigin(
      dataset.series,
      [modelForecaster(loaded, setup.features, `global-mlp-${quant}`)],
      rolling,
    );
    loaded.dispose();
    model.push({ quant, bundleBytes: bundleBytes(bundle), score: score as ForecasterScore });
  }
  trained.model.dispose();
  return {
    setup,
    dataset: {
      series: dataset.series.length,
      observed: dataset.series.reduce((n, s) => n + s.values.filter((v) => !Number.isNaN(v)).length, 0),
      rows: dataset.rows,
      rejects: dataset.rejects,
    },
    backend,
    training: {
      examples: trained.examples,
      bestEpoch: trained.bestEpoch,
      seconds,
      validationLoss: trained.validationLoss,
      members: trained.members,
      epochs: trained.epochs,
    },
    baselines,
    model,
  };
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '—');

/** The report as markdown: every forecaster's accuracy, the model against the reference, quantization. */
export function reportMarkdown(report: EvaluationReport, title: string): string {
  const reference = report.baselines.find((b) => b.forecaster === report.setup.reference);
  const refMase = reference?.mean.mase ?? Number.NaN;
  const float32 = report.model.find((m) => m.quant === 'float32') as QuantizedScore;
  const { rolling, features, train } = report.setup;
  const rows = [...report.model.map((m) => m.score), ...report.baselines];
  const lines = [
    `# ${title}`,
    '',
    `Rolling origin: ${rolling.origins} origins ${rolling.every} steps apart over the end of each series, ${rolling.horizon}-step horizon; MASE and RMSSE scaled by the in-sample seasonal naive error at lag ${rolling.scaleLag}; each measure is the mean over the series of the mean over their origins. The model is trained once on every series' steps before the first test origin (its last ${train.validationSteps} origins held out to pick the epoch), so no test step is seen in training.`,
    '',
    `Data: ${report.dataset.series} series, ${report.dataset.observed} observed steps from ${report.dataset.rows} rows (rejected: ${JSON.stringify(report.dataset.rejects)}).`,
    '',
    `Model: a global multilayer perceptron (hidden ${JSON.stringify(train.hidden)}, ReLU${train.l2 > 0 ? `, L2 ${train.l2}` : ''}), input the last ${features.window} steps scaled by their ${features.scaling} plus calendar ${features.calendar.join(', ')}; ${report.training.examples} training examples (an origin every ${train.stride} steps), ${train.epochs} epochs (best ${report.training.bestEpoch + 1})${train.ensemble > 1 ? `, an ensemble of ${train.ensemble} networks (seeds ${report.training.members.map((m) => m.seed).join(', ')}; best epochs ${report.training.members.map((m) => m.bestEpoch + 1).join(', ')}) averaged in one model` : ''}, validation loss ${report.training.validationLoss.toFixed(4)}, ${report.training.seconds.toFixed(0)} s on tfjs ${report.backend}.`,
    '',
    `| forecaster | MASE | ÷ ${report.setup.reference} | RMSSE | WAPE | bias |`,
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.forecaster} | ${f3(r.mean.mase)} | ${f3(r.mean.mase / refMase)} | ${f3(r.mean.rmsse)} | ${f3(r.mean.wape)} | ${f3(r.mean.bias)} |`,
    ),
    '',
    'MASE per series:',
    '',
    `| series | ${rows.map((r) => r.forecaster).join(' | ')} |`,
    `| --- | ${rows.map(() => '---').join(' | ')} |`,
    ...float32.score.perSeries.map(
      (s, i) => `| ${s.series} | ${rows.map((r) => f3(r.perSeries[i]?.mase ?? Number.NaN)).join(' | ')} |`,
    ),
    '',
    '| weights | bundle bytes | × smaller than float32 | MASE | MASE change vs float32 |',
    '| --- | --- | --- | --- | --- |',
    ...report.model.map(
      (m) =>
        `| ${m.quant} | ${m.bundleBytes} | ${(float32.bundleBytes / m.bundleBytes).toFixed(2)} | ${f3(m.score.mean.mase)} | ${((m.score.mean.mase / float32.score.mean.mase - 1) * 100).toFixed(2)}% |`,
    ),
    '',
  ];
  return lines.join('\n');
}
