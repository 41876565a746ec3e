import type { ModelBundle } from '@aisle/hub/forecast-bundle';
import { decodeOutput, encodeInput, featureCount, intervalOf, windowScale } from '@aisle/protocols';
import { bundleArtifacts, INTERVALS_JSON, parseIntervals } from '@aisle/protocols/model-bundle';
import * as tf from '@tensorflow/tfjs';
import { type Timing, time } from '../../harness.js';

const msOf = (ns: number): number => Math.round(ns / 1e3) / 1e3;

/** Median ms of each part of `LoadedModel.predict`, measured alone (`edge/inference`). */
export interface Parts {
  readonly encode: number;
  readonly tfjsModel: number;
  readonly decodeAndIntervals: number;
}

/**
 * Each part of `LoadedModel.predict` over `windows` alone, in its order (ms): encoding every
 * window; the tfjs model as `LoadedModel.#run` calls it (input tensor, predict in one batch inside
 * a tidy, output read outside it); decoding and intervals per lane.
 */
export async function predictParts(
  bundle: ModelBundle,
  windows: readonly Float64Array[],
  origins: readonly number[],
  rounds: number,
): Promise<Parts> {
  const spec = bundle.manifest.features;
  const width = featureCount(spec);
  const rows = windows.length;
  const input = new Float32Array(rows * width);
  const encode = time(
    () => {
      for (let k = 0; k < rows; k++)
        encodeInput(spec, windows[k] as Float64Array, origins[k] as number, input, k * width);
    },
    { rounds },
  );
  const raw = await tf.loadLayersModel(tf.io.fromMemory(bundleArtifacts(bundle.files) as tf.io.ModelArtifacts));
  let output: Float32Array = new Float32Array(0);
  let model: Timing;
  try {
    model = time(
      () => {
        const out = tf.tidy(() => raw.predict(tf.tensor2d(input, [rows, width]), { batchSize: rows }) as tf.Tensor);
        output = out.dataSync() as Float32Array;
        out.dispose();
      },
      { rounds },
    );
  } finally {
    raw.dispose();
  }
  const intervals = parseIntervals(bundle.files.get(INTERVALS_JSON) as Uint8Array, spec.horizon);
  const scales = windows.map((w) => windowScale(spec, w));
  const decode = time(
    () => {
      for (let k = 0; k < rows; k++) {
        const mean = decodeOutput(output.subarray(k * spec.horizon, (k + 1) * spec.horizon), scales[k] as number);
        intervalOf(mean, scales[k] as number, intervals);
      }
    },
    { rounds },
  );
  return {
    encode: msOf(encode.medianNs),
    tfjsModel: msOf(model.medianNs),
    decodeAndIntervals: msOf(decode.medianNs),
  };
}
