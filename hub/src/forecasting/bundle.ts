import type { KeyObject } from 'node:crypto';
import type { ErrorQuantiles, FeatureSpec, ForecastTask, ModelManifest } from '@aisle/protocols';
import { featureCount } from '@aisle/protocols';
import {
  GOLDEN_JSON,
  type Golden,
  INTERVALS_JSON,
  intervalsJson,
  MODEL_JSON,
  sha256Hex,
  signManifest,
} from '@aisle/protocols/model-bundle';
import * as tf from '@tensorflow/tfjs';
import { quantizeArtifacts, type WeightQuantization, weightBytes } from './engine/quantize.js';

/** A signed model bundle: the manifest and its files by path (what the hub serves, the edge fetches). */
export interface ModelBundle {
  readonly manifest: ModelManifest;
  readonly files: ReadonlyMap<string, Uint8Array>;
}

export interface BundleMeta {
  readonly name: string;
  readonly version: string;
  readonly task: ForecastTask;
  readonly features: FeatureSpec;
  readonly quant: WeightQuantization;
  readonly metrics: Readonly<Record<string, number>>;
  readonly createdAt: number;
  /** Prediction intervals (per-step quantiles of scaled errors), shipped as `intervals.json`. */
  readonly intervals?: ErrorQuantiles;
  /** Self-test inputs and this bundle's outputs for them (`goldenFor`), shipped as `golden.json`. */
  readonly golden?: Golden;
}

/**
 * The self-test of a bundle: the outputs of its quantized weights, loaded back through tfjs as a
 * gateway will load them, for the given input vectors.
 */
export async function goldenFor(
  artifacts: tf.io.ModelArtifacts,
  quant: WeightQuantization,
  input: readonly (readonly number[])[],
): Promise<Golden> {
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(quantizeArtifacts(artifacts, quant)));
  try {
    const output = tf.tidy(() => (loaded.predict(tf.tensor2d(input.map((row) => [...row]))) as tf.Tensor).arraySync());
    return { input, output: output as number[][] };
  } finally {
    loaded.dispose();
  }
}

/** A model's tfjs artifacts in memory (plain tfjs has no file system saver). */
export async function modelArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (saved === undefined) throw new Error('tfjs saved no artifacts');
  return saved;
}

/**
 * The bundle of a trained model: weights quantized as asked, in one shard named by its content
 * (`weights.{sha256 prefix}.bin`), `model.json` naming it, both listed in the manifest with size
 * and sha256, the manifest signed with the hub's key.
 */
export function makeBundle(
  artifacts: tf.io.ModelArtifacts,
  meta: BundleMeta,
  signer: { readonly keyId: string; readonly privateKey: KeyObject },
): ModelBundle {
  const quantized = quantizeArtifacts(artifacts, meta.quant);
  const weights = weightBytes(quantized);
  const shard = `weights.${sha256Hex(weights).slice(0, 16)}.bin`;
  const modelJson = new TextEncoder().encode(
    JSON.stringify({
      modelTopology: quantized.modelTopology,
      format: quantized.format ?? 'layers-model',
      generatedBy: quantized.generatedBy,
      convertedBy: quantized.convertedBy ?? null,
      weightsManifest: [{ paths: [shard], weights: quantized.weightSpecs ?? [] }],
    }),
  );
  const files = new Map<string, Uint8Array>([
    [MODEL_JSON, modelJson],
    [shard, weights],
  ]);
  if (meta.golden !== undefined) files.set(GOLDEN_JSON, new TextEncoder().encode(JSON.stringify(meta.golden)));
  if (meta.intervals !== undefined) files.set(INTERVALS_JSON, intervalsJson(meta.intervals));
  const unsigned: ModelManifest = {
    v: 1,
    name: meta.name,
    version: meta.version,
    task: meta.task,
    features: meta.features,
    inputShape: [null, featureCount(meta.features)],
    outputShape: [null, meta.features.horizon],
    quant: meta.quant,
    files: [...files].map(([path, bytes]) => ({ path, bytes: bytes.byteLength, sha256: sha256Hex(bytes) })),
    createdAt: meta.createdAt,
    metrics: meta.metrics,
  };
  return { manifest: signManifest(unsigned, signer.keyId, signer.privateKey), files };
}

/** Total bytes of a bundle's files. */
export function bundleBytes(bundle: ModelBundle): number {
  let n = 0;
  for (const bytes of bundle.files.values()) n += bytes.byteLength;
  return n;
}
