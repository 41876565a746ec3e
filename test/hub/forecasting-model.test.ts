/**
 * The global forecasting model on tfjs' wasm backend: trained on noisy daily-seasonal series of
 * very different sizes (one network, each series scaled by its window), it must forecast better
 * than seasonal naive, which copies yesterday's noise; and it must not look past its origin.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../edge/src/forecasting/backend.js';
import { modelArtifacts } from '../../hub/src/forecasting/bundle.js';
import { seasonalNaive } from '../../hub/src/forecasting/engine/baselines.js';
import {
  buildArchitecture,
  buildExamples,
  DEFAULT_TRAIN,
  modelForecaster,
  scaleOutputs,
  trainGlobalModel,
} from '../../hub/src/forecasting/engine/global-model.js';
import { rollingOrigin } from '../../hub/src/forecasting/engine/rolling-origin.js';
import type { Series } from '../../hub/src/forecasting/engine/series.js';
import { type FeatureSpec, featureCount, intervalOf, windowScale } from '../../protocols/src/index.js';

const spec: FeatureSpec = {
  granularity: 'hour',
  window: 72,
  horizon: 24,
  calendar: ['hour-of-day'],
  scaling: 'mean-abs',
  timeZone: 'UTC',
};

/** Deterministic noise in [-1, 1). */
function noise(seed: number): () => number {
  let a = seed;
  return () => {
    a = (Math.imul(a, 1_103_515_245) + 12_345) >>> 0;
    return a / 2 ** 31 - 1;
  };
}

function synthetic(name: string, amplitude: number, seed: number): Series {
  const next = noise(seed);
  const values = Float64Array.from(
    { length: 24 * 60 },
    (_, t) => amplitude * (2 + Math.sin((2 * Math.PI * t) / 24) + 0.6 * next()),
  );
  return { name, granularity: 'hour', start: 0, values };
}

describe('global forecasting model', () => {
  let backend = '';
  beforeAll(async () => {
    backend = await selectBackend('wasm');
  });
  const series = [synthetic('small', 3, 1), synthetic('large', 400, 2), synthetic('mid', 40, 3)];
  const evaluation = { horizon: 24, origins: 10, every: 24, scaleLag: 24 };
  const ends = series.map((s) => s.values.length - evaluation.horizon - (evaluation.origins - 1) * evaluation.every);

  it('builds examples only from steps before each series end, validation last', () => {
    const { train, validation } = buildExamples(series, spec, ends, { ...DEFAULT_TRAIN, validationSteps: 48 });
    const perSeries = (end: number) => end - spec.window - spec.horizon + 1;
    expect(train.count + validation.count).toBe(ends.reduce((n, end) => n + perSeries(end), 0));
    expect(validation.count).toBe(3 * 48);
  });

  it('beats seasonal naive on noisy seasonal series of any size, trained on wasm', async () => {
    const { model, examples, errors } = await trainGlobalModel(series, spec, ends, {
      ...DEFAULT_TRAIN,
      hidden: [32],
      epochs: 40,
      validationSteps: 72,
    });
    expect(backend).toBe('wasm');
    expect(examples).toBeGreaterThan(2000);
    const [mlp, naive] = rollingOrigin(series, [modelForecaster(model, spec), seasonalNaive(24)], evaluation);
    // Ideal: the noise alone (3/4 of what seasonal naive, copying yesterday's noise too, gets).
    expect(mlp?.mean.mase).toBeLessThan(0.88 * (naive?.mean.mase ?? 0));
    // The 80% intervals from the validation errors cover about 80% of the test steps.
    let inside = 0;
    let total = 0;
    const forecaster = modelForecaster(model, spec);
    for (const [i, s] of series.entries())
      for (let origin = ends[i] as number; origin + 24 <= s.values.length; origin += 24) {
        const window = s.values.subarray(origin - spec.window, origin);
        const mean = forecaster.forecast(s.values.subarray(0, origin), 24, { localMs: s.start + origin * 3_600_000 });
        const { lower, upper } = intervalOf(mean, windowScale(spec, window), errors);
        for (let h = 0; h < 24; h++) {
          const y = s.values[origin + h] as number;
          if (y >= (lower[h] as number) && y <= (upper[h] as number)) inside++;
          total++;
        }
      }
    expect(errors.level).toBe(0.8);
    expect(inside / total).toBeGreaterThan(0.65);
    expect(inside / total).toBeLessThan(0.95);
    model.dispose();
  }, 60_000);

  it('ships an ensemble as one model that averages its networks, each at its own best epoch', async () => {
    const options = { ...DEFAULT_TRAIN, hidden: [16], epochs: 6, validationSteps: 72 };
    const single = await trainGlobalModel(series, spec, ends, options);
    const pair = await trainGlobalModel(series, spec, ends, { ...options, ensemble: 2 });
    expect(pair.members.map((m) => m.seed)).toEqual([1, 1001]);
    // The first network is the single model: same seed, same order, same best epoch.
    expect(pair.members[0]?.validationLoss).toBeCloseTo(single.validationLoss, 6);
    // The average's validation error is below the mean of its networks' (errors partly cancel).
    const meanOfMembers = ((pair.members[0]?.validationLoss ?? 0) + (pair.members[1]?.validationLoss ?? 0)) / 2;
    expect(pair.validationLoss).toBeLessThan(meanOfMembers);
    // It saves and loads as one tfjs model, as a bundle does.
    const artifacts = await modelArtifacts(pair.model);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    const input = tf.randomUniform([3, pair.model.inputs[0]?.shape[1] as number], 0, 2, 'float32', 7);
    expect(Array.from((loaded.predict(input) as tf.Tensor).dataSync())).toEqual(
      Array.from((pair.model.predict(input) as tf.Tensor).dataSync()),
    );
    // A factor baked into the model scales every output, for a single network and an ensemble.
    for (const m of [single.model, pair.model]) {
      const before = Array.from((m.predict(input) as tf.Tensor).dataSync());
      scaleOutputs(m, 1.25);
      const after = Array.from((m.predict(input) as tf.Tensor).dataSync());
      after.forEach((v, i) => {
        expect(v).toBeCloseTo((before[i] as number) * 1.25, 4);
      });
    }
    for (const m of [single.model, pair.model, loaded]) m.dispose();
  }, 60_000);

  it('builds 1D-conv and GRU models that read the same input vector and load back as plain tfjs models', async () => {
    const width = featureCount(spec);
    const input = tf.randomUniform([4, width], 0, 2, 'float32', 11);
    for (const architecture of ['conv', 'gru'] as const) {
      const model = buildArchitecture(spec, { hidden: [8], learningRate: 0.001, seed: 2, architecture });
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(await modelArtifacts(model)));
      expect(loaded.outputs[0]?.shape).toEqual([null, spec.horizon]);
      const a = Array.from((model.predict(input) as tf.Tensor).dataSync());
      const b = Array.from((loaded.predict(input) as tf.Tensor).dataSync());
      expect(b).toHaveLength(4 * spec.horizon);
      b.forEach((v, i) => {
        expect(v).toBeCloseTo(a[i] as number, 5);
      });
      model.dispose();
      loaded.dispose();
    }
  });
});
