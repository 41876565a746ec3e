import { generateKeyPairSync } from 'node:crypto';
import { loadavg } from 'node:os';
import { selectBackend, type TfBackend } from '@aisle/edge/tf-backend';
import { bundleBytes, makeBundle, modelArtifacts } from '@aisle/hub/forecast-bundle';
import { type Architecture, buildArchitecture } from '@aisle/hub/global-model';
import { type FeatureSpec, featureCount } from '@aisle/protocols';
import * as tf from '@tensorflow/tfjs';
import { report, time } from '../harness.js';

/**
 * Inference cost of the global model's architectures (docs/forecasting/README.md, "Architecture:
 * dense vs 1D-conv vs GRU"): each built by `buildArchitecture` with the Melbourne evaluation's
 * shape (336 hourly steps, hour and weekday one-hots, holiday flags: 727 inputs, 24 outputs; head
 * [256, 128]), its parameter count and float32 / uint8 bundle bytes, and one `predict` over 5,000
 * input rows in one batch (output read back, as `LoadedModel` does), on wasm then on cpu.
 * Inference cost does not depend on the weights, so the models are untrained. Each time is the
 * median of 5 rounds after a warm-up. Anchor: the MLP on the same backend.
 */

const ROWS = 5_000;
const ROUNDS = 5;
const ARCHITECTURES: readonly Architecture[] = ['mlp', 'conv', 'gru'];
const SPEC: FeatureSpec = {
  granularity: 'hour',
  window: 336,
  horizon: 24,
  calendar: ['hour-of-day', 'day-of-week', 'holiday'],
  scaling: 'mean-abs',
  timeZone: 'UTC',
  holidays: [],
};
const signer = { keyId: 'bench', privateKey: generateKeyPairSync('ed25519').privateKey };

async function sizes(model: tf.LayersModel): Promise<{ float32: number; uint8: number }> {
  const artifacts = await modelArtifacts(model);
  const bytes = (quant: 'float32' | 'uint8') =>
    bundleBytes(
      makeBundle(
        artifacts,
        {
          name: 'footfall',
          version: 'bench',
          task: 'footfall',
          features: SPEC,
          quant,
          metrics: {},
          createdAt: 0,
        },
        signer,
      ),
    );
  return { float32: bytes('float32'), uint8: bytes('uint8') };
}

async function main(): Promise<void> {
  const width = featureCount(SPEC);
  const input = new Float32Array(ROWS * width);
  for (let i = 0; i < input.length; i++) input[i] = ((i * 2654435761) % 1000) / 500;
  const mlpMs = new Map<TfBackend, number>();
  for (const wanted of ['wasm', 'cpu'] as const) {
    const backend = await selectBackend(wanted);
    for (const architecture of ARCHITECTURES) {
      const model = buildArchitecture(SPEC, { architecture, hidden: [256, 128], learningRate: 0.001, seed: 1 });
      const params = model.countParams();
      const bytes = await sizes(model);
      const timing = time(
        () => {
          const x = tf.tensor2d(input, [ROWS, width]);
          const y = model.predict(x, { batchSize: ROWS }) as tf.Tensor; // one batch, as the edge does
          y.dataSync();
          x.dispose();
          y.dispose();
        },
        { rounds: ROUNDS, minRoundMs: 1 },
      );
      model.dispose();
      const ms = Math.round(timing.medianNs / 1e4) / 100;
      if (architecture === 'mlp') mlpMs.set(backend, ms);
      const anchor = mlpMs.get(backend) as number;
      report({
        bench: 'forecasting-architectures',
        figure: `${architecture} predict ${ROWS} rows (${backend})`,
        value: ms,
        unit: 'ms',
        anchor: { name: `mlp predict ${ROWS} rows (${backend})`, value: anchor, unit: 'ms' },
        ratio: Math.round((ms / anchor) * 100) / 100,
        architecture,
        backend,
        inputs: width,
        params,
        float32BundleBytes: bytes.float32,
        uint8BundleBytes: bytes.uint8,
        load1: Math.round((loadavg()[0] as number) * 100) / 100,
      });
    }
  }
}

await main();
