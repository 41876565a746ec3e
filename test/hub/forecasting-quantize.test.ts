/**
 * Weight quantization in the tfjs weights-manifest format: a quantized model loads through tfjs'
 * own loader (which dequantizes), is 4× (uint8) or 2× (float16) smaller in its weights, and
 * predicts nearly what the float32 model does.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../edge/src/forecasting/backend.js';
import { modelArtifacts } from '../../hub/src/forecasting/bundle.js';
import { buildModel } from '../../hub/src/forecasting/engine/global-model.js';
import { quantizeArtifacts, toFloat16, weightBytes } from '../../hub/src/forecasting/engine/quantize.js';
import { WEEK_IN_DAY_OUT } from './forecasting-fixtures.js';

const spec = WEEK_IN_DAY_OUT;

describe('weight quantization', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('rounds float32 to IEEE half precision, to nearest even', () => {
    expect(toFloat16(1)).toBe(0x3c00);
    expect(toFloat16(-2)).toBe(0xc000);
    expect(toFloat16(0.1)).toBe(0x2e66);
    expect(toFloat16(65504)).toBe(0x7bff);
    expect(toFloat16(1e6)).toBe(0x7c00);
    expect(toFloat16(2 ** -24)).toBe(0x0001);
    expect(toFloat16(2 ** -26)).toBe(0);
    expect(toFloat16(1 + 2 ** -11)).toBe(0x3c00); // a tie: to the even mantissa
    expect(toFloat16(Number.NaN) & 0x7c00).toBe(0x7c00);
  });

  it('loads quantized weights through tfjs, smaller, predicting close to float32', async () => {
    const model = buildModel(spec, { hidden: [64], learningRate: 0.001, seed: 7 });
    const input = tf.randomUniform([32, model.inputs[0]?.shape[1] as number], 0, 2, 'float32', 3);
    const reference = Array.from((model.predict(input) as tf.Tensor).dataSync());
    const range = Math.max(...reference) - Math.min(...reference);
    const artifacts = await modelArtifacts(model);
    const bytes = weightBytes(artifacts).byteLength;
    for (const [quant, shrink, tolerance] of [
      ['uint8', 3.9, 0.02],
      ['float16', 1.99, 0.002],
    ] as const) {
      const quantized = quantizeArtifacts(artifacts, quant);
      expect(bytes / weightBytes(quantized).byteLength).toBeGreaterThan(shrink);
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(quantized));
      const output = Array.from((loaded.predict(input) as tf.Tensor).dataSync());
      const worst = output.reduce((m, v, i) => Math.max(m, Math.abs(v - (reference[i] as number))), 0);
      expect(worst / range).toBeLessThan(tolerance);
      loaded.dispose();
    }
    model.dispose();
    input.dispose();
  });
});
