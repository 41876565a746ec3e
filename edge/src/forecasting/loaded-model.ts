import {
  decodeOutput,
  type ErrorQuantiles,
  encodeInput,
  featureCount,
  intervalOf,
  type ModelManifest,
  type ModelRef,
} from '@aisle/protocols';
import {
  bundleArtifacts,
  GOLDEN_JSON,
  type Golden,
  goldenAgrees,
  INTERVALS_JSON,
  parseIntervals,
} from '@aisle/protocols/model-bundle';
import * as tf from '@tensorflow/tfjs';
import { ModelRefused, modelRefOf } from './refusal.js';

/**
 * A verified model bundle loaded into tfjs and self-tested: the hub's golden inputs run through the
 * loaded weights must give the hub's outputs (within `tolerance` of their range), or the model is
 * refused before it forecasts anything. Inference is batched: every series of a task in one call.
 */

export interface SeriesForecast {
  readonly mean: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

export class LoadedModel {
  readonly manifest: ModelManifest;
  readonly ref: ModelRef;
  readonly #model: tf.LayersModel;
  readonly #intervals: ErrorQuantiles | undefined;
  readonly #inputs: number;

  private constructor(manifest: ModelManifest, model: tf.LayersModel, intervals: ErrorQuantiles | undefined) {
    this.manifest = manifest;
    this.ref = modelRefOf(manifest);
    this.#model = model;
    this.#intervals = intervals;
    this.#inputs = featureCount(manifest.features);
  }

  /** Loads a bundle whose files were verified against its signed manifest, then self-tests it. */
  static async load(
    manifest: ModelManifest,
    files: ReadonlyMap<string, Uint8Array>,
    tolerance: number,
  ): Promise<LoadedModel> {
    const spec = manifest.features;
    const inputs = featureCount(spec);
    if (manifest.inputShape.at(-1) !== inputs || manifest.outputShape.at(-1) !== spec.horizon)
      throw new ModelRefused(
        'SHAPE_MISMATCH',
        `manifest shapes ${JSON.stringify(manifest.inputShape)} → ${JSON.stringify(manifest.outputShape)}, features need ${inputs} → ${spec.horizon}`,
      );
    const goldenBytes = files.get(GOLDEN_JSON);
    if (goldenBytes === undefined) throw new ModelRefused('SELF_TEST_MISSING', `no ${GOLDEN_JSON} in the bundle`);
    let model: tf.LayersModel;
    let intervals: ErrorQuantiles | undefined;
    try {
      model = await tf.loadLayersModel(tf.io.fromMemory(bundleArtifacts(files) as tf.io.ModelArtifacts));
      const intervalBytes = files.get(INTERVALS_JSON);
      intervals = intervalBytes === undefined ? undefined : parseIntervals(intervalBytes, spec.horizon);
    } catch (error) {
      throw new ModelRefused('LOAD_FAILED', error instanceof Error ? error.message : String(error));
    }
    const loaded = new LoadedModel(manifest, model, intervals);
    try {
      const shape = model.inputs[0]?.shape;
      const out = model.outputs[0]?.shape;
      if (shape?.at(-1) !== inputs || out?.at(-1) !== spec.horizon)
        throw new ModelRefused(
          'SHAPE_MISMATCH',
          `model reads ${JSON.stringify(shape)} → ${JSON.stringify(out)}, features need ${inputs} → ${spec.horizon}`,
        );
      loaded.#selfTest(goldenBytes, tolerance);
      return loaded;
    } catch (error) {
      loaded.dispose();
      throw error;
    }
  }

  #selfTest(bytes: Uint8Array, tolerance: number): void {
    let golden: Golden;
    try {
      golden = JSON.parse(new TextDecoder().decode(bytes)) as Golden;
      if (!Array.isArray(golden.input) || !Array.isArray(golden.output) || golden.input.length === 0)
        throw new Error('no golden inputs');
    } catch (error) {
      throw new ModelRefused('SELF_TEST_MISSING', error instanceof Error ? error.message : String(error));
    }
    if (golden.input.some((row) => !Array.isArray(row) || row.length !== this.#inputs))
      throw new ModelRefused('SELF_TEST_FAILED', `golden inputs are not ${this.#inputs} features wide`);
    const input = new Float32Array(golden.input.length * this.#inputs);
    golden.input.forEach((row, k) => {
      input.set(row, k * this.#inputs);
    });
    const flat = this.#run(input, golden.input.length);
    const horizon = this.manifest.features.horizon;
    const output = golden.input.map((_, k) => flat.subarray(k * horizon, (k + 1) * horizon));
    const agreement = goldenAgrees(output, golden, tolerance);
    if (!agreement.ok)
      throw new ModelRefused(
        'SELF_TEST_FAILED',
        `outputs differ from the hub's by ${(agreement.worst * 100).toPrecision(3)}% of their range (tolerance ${tolerance * 100}%)`,
      );
  }

  /**
   * One `predict` over every row: tfjs-layers would otherwise predict in slices of 32, and on wasm
   * each slice copies the whole input out of wasm memory (quadratic in the batch). The output is
   * read outside `tidy`, which would walk the returned array element by element.
   */
  #run(input: Float32Array, rows: number): Float32Array {
    const out = tf.tidy(
      () => this.#model.predict(tf.tensor2d(input, [rows, this.#inputs]), { batchSize: rows }) as tf.Tensor,
    );
    try {
      return out.dataSync() as Float32Array;
    } finally {
      out.dispose();
    }
  }

  /**
   * Forecasts for many series at once: `windows[k]` holds the spec's window of series k (oldest
   * first, NaN = missing) and `originsLocalMs[k]` the local-clock start of its first forecast step.
   */
  predict(windows: readonly ArrayLike<number>[], originsLocalMs: readonly number[]): SeriesForecast[] {
    const spec = this.manifest.features;
    const rows = windows.length;
    if (rows === 0) return [];
    const input = new Float32Array(rows * this.#inputs);
    const scales = new Float64Array(rows);
    for (let k = 0; k < rows; k++)
      scales[k] = encodeInput(
        spec,
        windows[k] as ArrayLike<number>,
        originsLocalMs[k] as number,
        input,
        k * this.#inputs,
      );
    const flat = this.#run(input, rows);
    const out: SeriesForecast[] = [];
    for (let k = 0; k < rows; k++) {
      const scale = scales[k] as number;
      const mean = decodeOutput(flat.subarray(k * spec.horizon, (k + 1) * spec.horizon), scale);
      const band =
        this.#intervals === undefined
          ? { lower: mean.slice(), upper: mean.slice() }
          : intervalOf(mean, scale, this.#intervals);
      out.push({ mean, ...band });
    }
    return out;
  }

  /** The interval level of `predict`'s bounds (0 when the bundle carries no intervals). */
  get level(): number {
    return this.#intervals?.level ?? 0;
  }

  dispose(): void {
    this.#model.dispose();
  }
}
