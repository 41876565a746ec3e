import {
  decodeOutput,
  type ErrorQuantiles,
  encodeInput,
  encodeTarget,
  errorQuantiles,
  type FeatureSpec,
  featureCount,
} from '@aisle/protocols';
import * as tf from '@tensorflow/tfjs';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { Forecaster } from './baselines.js';
import { type Series, STEP_MS } from './series.js';

/**
 * A global forecasting model: one network for every series (each scaled by its own window, see
 * `encodeInput`), reading `spec.window` past steps and the first forecast step's calendar, and
 * predicting all `spec.horizon` steps at once (direct multi-horizon). A multilayer perceptron:
 * it trains on tfjs' wasm backend (which lacks conv gradients) and runs batched in milliseconds.
 */

/**
 * The network reading the input vector: `mlp` (dense layers over the whole vector, the default),
 * `conv` (a 1D convolution over the window, pooled, then dense layers over it and the calendar) or
 * `gru` (a GRU over the window in daily blocks, then dense layers over its state and the calendar).
 * All three read the same single input vector (`encodeInput`): conv and gru split it inside the
 * model with built-in layers only (reshape + cropping2D), so any tfjs runtime loads them as is.
 */
export type Architecture = 'mlp' | 'conv' | 'gru';

export interface TrainOptions {
  /** Hidden layer widths (conv and gru: of the dense head after the sequence part). */
  readonly hidden: readonly number[];
  /** The network (`mlp` when absent). */
  readonly architecture?: Architecture;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** L2 penalty on the kernels (0: none): smaller weights generalise better and quantize closer. */
  readonly l2: number;
  /** Steps between training origins (1: every step). */
  readonly stride: number;
  /** The latest training origins per series (this many steps) are held out to pick the best epoch. */
  readonly validationSteps: number;
  /** Origins whose window misses more than this share of values are skipped. */
  readonly maxMissingShare: number;
  readonly seed: number;
  /**
   * Networks trained from different seeds (seed, seed + 1000, …), each keeping its best epoch, and
   * shipped as one model that averages them: the seeds' errors partly cancel, and so do their
   * quantization errors.
   */
  readonly ensemble: number;
  readonly onEpoch?: (epoch: number, loss: number, validationLoss: number) => void;
}

/** Coverage of the prediction intervals a trained model carries. */
export const INTERVAL_LEVEL = 0.8;

export const DEFAULT_TRAIN: TrainOptions = {
  hidden: [128],
  epochs: 30,
  batchSize: 256,
  learningRate: 0.001,
  l2: 0,
  stride: 1,
  validationSteps: 28 * 24,
  maxMissingShare: 0.25,
  seed: 1,
  ensemble: 1,
};

export interface Examples {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly count: number;
}

/**
 * Training examples from each series' steps before `ends[i]` (exclusive): an example per origin
 * whose window is mostly observed and whose horizon is fully observed. Origins at or after
 * `splitAt(i)` go to the second set (validation).
 */
export function buildExamples(
  series: readonly Series[],
  spec: FeatureSpec,
  ends: readonly number[],
  options: Pick<TrainOptions, 'stride' | 'maxMissingShare' | 'validationSteps'>,
): { train: Examples; validation: Examples } {
  const width = featureCount(spec);
  const sets = {
    train: { x: [] as Float32Array[], y: [] as Float32Array[] },
    validation: { x: [] as Float32Array[], y: [] as Float32Array[] },
  };
  series.forEach((s, i) => {
    const end = Math.min(ends[i] ?? s.values.length, s.values.length);
    const split = end - spec.horizon - options.validationSteps;
    for (let origin = spec.window; origin + spec.horizon <= end; origin += options.stride) {
      const window = s.values.subarray(origin - spec.window, origin);
      const future = s.values.subarray(origin, origin + spec.horizon);
      if (future.some((v) => Number.isNaN(v))) continue;
      let missing = 0;
      for (const v of window) if (Number.isNaN(v)) missing++;
      if (missing > options.maxMissingShare * spec.window) continue;
      const x = new Float32Array(width);
      const scale = encodeInput(spec, window, s.start + origin * STEP_MS[s.granularity], x);
      const y = new Float32Array(spec.horizon);
      encodeTarget(future, scale, y);
      const set = origin > split ? sets.validation : sets.train;
      set.x.push(x);
      set.y.push(y);
    }
  });
  const pack = (rows: Float32Array[], w: number): Float32Array => {
    const out = new Float32Array(rows.length * w);
    for (const [k, r] of rows.entries()) out.set(r, k * w);
    return out;
  };
  return {
    train: { x: pack(sets.train.x, width), y: pack(sets.train.y, spec.horizon), count: sets.train.x.length },
    validation: {
      x: pack(sets.validation.x, width),
      y: pack(sets.validation.y, spec.horizon),
      count: sets.validation.x.length,
    },
  };
}

export function buildModel(
  spec: FeatureSpec,
  options: Pick<TrainOptions, 'hidden' | 'learningRate' | 'seed'> & { readonly l2?: number },
): tf.Sequential {
  const model = tf.sequential();
  const l2 = options.l2 ?? 0;
  const regularizer = l2 > 0 ? { kernelRegularizer: tf.regularizers.l2({ l2 }) } : {};
  for (const [i, units] of options.hidden.entries())
    model.add(
      tf.layers.dense({
        units,
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: options.seed + i }),
        ...regularizer,
        ...(i === 0 ? { inputShape: [featureCount(spec)] } : {}),
      }),
    );
  model.add(
    tf.layers.dense({
      units: spec.horizon,
      kernelInitializer: tf.initializers.glorotUniform({ seed: options.seed + options.hidden.length }),
      ...regularizer,
      ...(options.hidden.length === 0 ? { inputShape: [featureCount(spec)] } : {}),
    }),
  );
  // Absolute error: the measure the forecasts are judged by (MASE) is absolute too.
  model.compile({ optimizer: tf.train.adam(options.learningRate), loss: 'meanAbsoluteError' });
  return model;
}

/** Conv: filters, kernel (a day of hourly steps), stride and the max-pooling after it. */
export const CONV = { filters: 16, kernel: 24, stride: 2, pool: 6 } as const;
/** GRU: units; the window is read in blocks of this many steps (a day when hourly), one GRU step each. */
export const GRU = { units: 64, block: 24 } as const;

/**
 * The network of `options.architecture` (`buildModel` for `mlp`). Conv and gru read the window part
 * of the input as a sequence: the vector is reshaped to [features, 1, 1] and cropped (cropping2D)
 * to the window steps and to the calendar part; the sequence part's output is concatenated with the
 * calendar and fed to dense layers of `options.hidden`, then the `spec.horizon` outputs.
 */
export function buildArchitecture(
  spec: FeatureSpec,
  options: Pick<TrainOptions, 'hidden' | 'learningRate' | 'seed' | 'architecture'> & { readonly l2?: number },
): tf.LayersModel {
  const architecture = options.architecture ?? 'mlp';
  if (architecture === 'mlp') return buildModel(spec, options);
  const width = featureCount(spec);
  const l2 = options.l2 ?? 0;
  const regularizer = l2 > 0 ? { kernelRegularizer: tf.regularizers.l2({ l2 }) } : {};
  const input = tf.input({ shape: [width] });
  const column = tf.layers.reshape({ targetShape: [width, 1, 1] }).apply(input) as tf.SymbolicTensor;
  const crop = (from: number, to: number) =>
    tf.layers
      .cropping2D({
        cropping: [
          [from, width - to],
          [0, 0],
        ],
      })
      .apply(column) as tf.SymbolicTensor;
  const calendar = tf.layers.flatten().apply(crop(spec.window, width)) as tf.SymbolicTensor;
  const windowPart = crop(0, spec.window);
  let sequence: tf.SymbolicTensor;
  if (architecture === 'conv') {
    const steps = tf.layers.reshape({ targetShape: [spec.window, 1] }).apply(windowPart) as tf.SymbolicTensor;
    const conv = tf.layers
      .conv1d({
        filters: CONV.filters,
        kernelSize: CONV.kernel,
        strides: CONV.stride,
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: options.seed + 100 }),
        ...regularizer,
      })
      .apply(steps) as tf.SymbolicTensor;
    const pooled = tf.layers.maxPooling1d({ poolSize: CONV.pool }).apply(conv) as tf.SymbolicTensor;
    sequence = tf.layers.flatten().apply(pooled) as tf.SymbolicTensor;
  } else {
    if (spec.window % GRU.block !== 0)
      throw new RangeError(`gru reads the window in blocks of ${GRU.block} steps, the window is ${spec.window}`);
    const blocks = tf.layers
      .reshape({ targetShape: [spec.window / GRU.block, GRU.block] })
      .apply(windowPart) as tf.SymbolicTensor;
    sequence = tf.layers
      .gru({
        units: GRU.units,
        kernelInitializer: tf.initializers.glorotUniform({ seed: options.seed + 100 }),
        recurrentInitializer: tf.initializers.orthogonal({ seed: options.seed + 101 }),
        ...regularizer,
      })
      .apply(blocks) as tf.SymbolicTensor;
  }
  let x = tf.layers.concatenate().apply([sequence, calendar]) as tf.SymbolicTensor;
  for (const [i, units] of options.hidden.entries())
    x = tf.layers
      .dense({
        units,
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: options.seed + i }),
        ...regularizer,
      })
      .apply(x) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({
      units: spec.horizon,
      kernelInitializer: tf.initializers.glorotUniform({ seed: options.seed + options.hidden.length }),
      ...regularizer,
    })
    .apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  model.compile({ optimizer: tf.train.adam(options.learningRate), loss: 'meanAbsoluteError' });
  return model;
}

/**
 * Trains on the examples in a seeded order, one epoch at a time, keeping the weights of the epoch
 * with the lowest validation loss (early stopping without a patience knob: all epochs run).
 */
export interface TrainedModel {
  readonly model: tf.LayersModel;
  /** The first network's epochs (every network's are in `members`). */
  readonly epochs: Array<{ loss: number; validationLoss: number }>;
  readonly bestEpoch: number;
  readonly examples: number;
  /** Each network of an ensemble: its best epoch and validation loss there. */
  readonly members: Array<{ seed: number; bestEpoch: number; validationLoss: number }>;
  /** Validation loss (mean absolute scaled error) of the model as shipped. */
  readonly validationLoss: number;
  /** 80% prediction intervals from the chosen model's errors on the validation examples. */
  readonly errors: ErrorQuantiles;
}

export async function trainGlobalModel(
  series: readonly Series[],
  spec: FeatureSpec,
  ends: readonly number[],
  options: TrainOptions = DEFAULT_TRAIN,
): Promise<TrainedModel> {
  const { train, validation } = buildExamples(series, spec, ends, options);
  if (train.count === 0) throw new RangeError('no training example: the series are shorter than window + horizon');
  const width = featureCount(spec);
  const count = Math.max(1, options.ensemble ?? 1);
  if (count > 1 && (options.architecture ?? 'mlp') !== 'mlp')
    throw new RangeError(`ensembles are built of mlp networks, not ${options.architecture}`);
  const trained: Array<{
    model: tf.LayersModel;
    epochs: Array<{ loss: number; validationLoss: number }>;
    best: number;
    loss: number;
    seed: number;
  }> = [];
  for (let k = 0; k < count; k++) {
    const seed = options.seed + 1000 * k;
    trained.push({ ...(await trainNetwork(spec, train, validation, { ...options, seed })), seed });
  }
  const first = trained[0] as (typeof trained)[number];
  const model =
    count === 1
      ? first.model
      : averageOf(
          trained.map((t) => t.model as tf.Sequential),
          width,
        );
  const { quantiles, meanAbsolute } = validationErrors(model, validation, spec);
  return {
    model,
    epochs: first.epochs,
    bestEpoch: first.best,
    examples: train.count,
    members: trained.map((t) => ({ seed: t.seed, bestEpoch: t.best, validationLoss: t.loss })),
    validationLoss: validation.count === 0 ? first.loss : meanAbsolute,
    errors: quantiles,
  };
}

/**
 * Scaled errors of a model on the held-out origins (the training ones would be too optimistic):
 * their per-step quantiles are the interval of any later forecast, their mean the validation loss.
 */
function validationErrors(
  model: tf.LayersModel,
  validation: Examples,
  spec: FeatureSpec,
): { quantiles: ErrorQuantiles; meanAbsolute: number } {
  const errors: number[][] = [];
  let absolute = 0;
  if (validation.count > 0) {
    const predicted = tf.tidy(() =>
      (model.predict(tf.tensor2d(validation.x, [validation.count, featureCount(spec)])) as tf.Tensor).dataSync(),
    );
    for (let k = 0; k < validation.count; k++)
      errors.push(
        Array.from({ length: spec.horizon }, (_, h) => {
          const e = (validation.y[k * spec.horizon + h] as number) - (predicted[k * spec.horizon + h] as number);
          absolute += Math.abs(e);
          return e;
        }),
      );
  }
  return {
    quantiles: errorQuantiles(errors, spec.horizon, INTERVAL_LEVEL),
    meanAbsolute: validation.count === 0 ? Number.NaN : absolute / (validation.count * spec.horizon),
  };
}

/** The prediction intervals of a model (e.g. after `scaleOutputs`) on the trainer's held-out origins. */
export function intervalsOf(
  model: tf.LayersModel,
  series: readonly Series[],
  spec: FeatureSpec,
  ends: readonly number[],
  options: TrainOptions,
): ErrorQuantiles {
  return validationErrors(model, buildExamples(series, spec, ends, options).validation, spec).quantiles;
}

/**
 * Σ actual ÷ Σ forecast of the model over the last `hours` before each series' end (an origin every
 * `every` steps, the whole horizon each): the factor that turns a model trained on absolute error,
 * which forecasts each step's median, into one of the mean. Lane depletion needs the mean (time to
 * empty adds the hours up), and few units an hour have a median below it.
 */
export function levelFactorOf(
  model: tf.LayersModel,
  series: readonly Series[],
  spec: FeatureSpec,
  ends: readonly number[],
  hours: number,
  every: number,
): number {
  const forecaster = modelForecaster(model, spec);
  let actual = 0;
  let forecast = 0;
  series.forEach((s, i) => {
    const end = ends[i] as number;
    for (let origin = Math.max(spec.window, end - hours); origin + spec.horizon <= end; origin += every) {
      const mean = forecaster.forecast(s.values.subarray(0, origin), spec.horizon, {
        localMs: s.start + origin * STEP_MS[s.granularity],
      });
      for (let h = 0; h < spec.horizon; h++) {
        const y = s.values[origin + h] as number;
        if (Number.isNaN(y)) continue;
        actual += y;
        forecast += mean[h] as number;
      }
    }
  });
  return forecast > 0 ? actual / forecast : 1;
}

/**
 * Multiplies the model's outputs by `factor` (> 0) inside the model: the last dense layer of every
 * network (an ensemble's average of scaled outputs is the scaled average), so what is shipped and
 * self-tested is exactly what forecasts.
 */
export function scaleOutputs(model: tf.LayersModel, factor: number): void {
  if (!(factor > 0 && Number.isFinite(factor))) throw new RangeError(`output factor must be > 0, got ${factor}`);
  const dense = model.layers.filter((l) => l.getClassName() === 'Dense');
  // The last dense layer of each network: one whose output no dense layer reads.
  const fedToDense = new Set<string>();
  for (const layer of dense)
    for (const node of (layer as unknown as { inboundNodes: Array<{ inboundLayers: tf.layers.Layer[] }> }).inboundNodes)
      for (const from of node.inboundLayers) fedToDense.add(from.name);
  const last = dense.filter((l) => !fedToDense.has(l.name));
  for (const layer of last) layer.setWeights(layer.getWeights().map((w) => tf.tidy(() => w.mul(factor))));
}

/** One model whose output is the mean of the given networks' (same input), for tfjs to save and load as one. */
function averageOf(networks: readonly tf.Sequential[], width: number): tf.LayersModel {
  const input = tf.input({ shape: [width] });
  const outputs = networks.map((network, n) => {
    let x: tf.SymbolicTensor = input;
    for (const [i, layer] of network.layers.entries()) {
      const dense = layer as tf.layers.Layer;
      const config = dense.getConfig() as { units: number; activation: string };
      const copy = tf.layers.dense({
        units: config.units,
        activation: config.activation as 'relu' | 'linear',
        name: `m${n}_dense${i}`,
      });
      x = copy.apply(x) as tf.SymbolicTensor;
      copy.setWeights(dense.getWeights());
    }
    return x;
  });
  const model = tf.model({ inputs: input, outputs: tf.layers.average().apply(outputs) as tf.SymbolicTensor });
  for (const network of networks) network.dispose();
  return model;
}

/** One network, trained epoch by epoch in a seeded order, ending with its best epoch's weights. */
async function trainNetwork(
  spec: FeatureSpec,
  train: Examples,
  validation: Examples,
  options: TrainOptions,
): Promise<{
  model: tf.LayersModel;
  epochs: Array<{ loss: number; validationLoss: number }>;
  best: number;
  loss: number;
}> {
  const width = featureCount(spec);
  const model = buildArchitecture(spec, options);
  const random = xoroshiro128plus(options.seed);
  const order = Array.from({ length: train.count }, (_, i) => i);
  const xs = new Float32Array(train.x.length);
  const ys = new Float32Array(train.y.length);
  const vx = tf.tensor2d(validation.x, [validation.count, width]);
  const vy = tf.tensor2d(validation.y, [validation.count, spec.horizon]);
  const epochs: Array<{ loss: number; validationLoss: number }> = [];
  let best: { loss: number; weights: tf.Tensor[]; epoch: number } | undefined;
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = (random.next() >>> 0) % (i + 1);
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
      for (const [to, from] of order.entries()) {
        xs.set(train.x.subarray(from * width, (from + 1) * width), to * width);
        ys.set(train.y.subarray(from * spec.horizon, (from + 1) * spec.horizon), to * spec.horizon);
      }
      const x = tf.tensor2d(xs, [train.count, width]);
      const y = tf.tensor2d(ys, [train.count, spec.horizon]);
      const fitted = await model.fit(x, y, { epochs: 1, batchSize: options.batchSize, shuffle: false, verbose: 0 });
      x.dispose();
      y.dispose();
      const loss = Number(fitted.history.loss?.[0]);
      const validationLoss =
        validation.count === 0 ? loss : tf.tidy(() => (model.evaluate(vx, vy) as tf.Scalar).dataSync()[0] as number);
      epochs.push({ loss, validationLoss });
      options.onEpoch?.(epoch, loss, validationLoss);
      if (best === undefined || validationLoss < best.loss) {
        for (const w of best?.weights ?? []) w.dispose();
        best = { loss: validationLoss, weights: model.getWeights().map((w) => w.clone()), epoch };
      }
    }
    if (best !== undefined) model.setWeights(best.weights);
  } finally {
    vx.dispose();
    vy.dispose();
    for (const w of best?.weights ?? []) w.dispose();
  }
  return { model, epochs, best: best?.epoch ?? 0, loss: best?.loss ?? Number.NaN };
}

/** The model as a forecaster (one series at a time; the edge batches through `encodeInput` itself). */
export function modelForecaster(model: tf.LayersModel, spec: FeatureSpec, name = 'global-mlp'): Forecaster {
  const width = featureCount(spec);
  return {
    name,
    forecast(history, horizon, origin) {
      if (origin === undefined) throw new RangeError(`${name} needs the forecast origin for its calendar features`);
      if (horizon > spec.horizon) throw new RangeError(`${name} forecasts ${spec.horizon} steps, asked for ${horizon}`);
      const window = new Float64Array(spec.window).fill(Number.NaN);
      const have = Math.min(spec.window, history.length);
      for (let i = 0; i < have; i++) window[spec.window - have + i] = history[history.length - have + i] as number;
      const input = new Float32Array(width);
      const scale = encodeInput(spec, window, origin.localMs, input);
      const output = tf.tidy(() => (model.predict(tf.tensor2d(input, [1, width])) as tf.Tensor).dataSync());
      return decodeOutput(output, scale).subarray(0, horizon);
    },
  };
}
