/**
 * Model bundles: signed by the hub, verified file by file before anything is loaded, and loaded
 * back through tfjs into a model that predicts exactly what the trained one did (float32), or
 * nearly (uint8). Every tampering is caught with its own reason.
 */
import { generateKeyPairSync } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../edge/src/forecasting/backend.js';
import { bundleBytes, goldenFor, makeBundle, modelArtifacts } from '../../hub/src/forecasting/bundle.js';
import { buildModel } from '../../hub/src/forecasting/engine/global-model.js';
import {
  bundleArtifacts,
  GOLDEN_JSON,
  type Golden,
  goldenAgrees,
  MODEL_JSON,
  verifyBundle,
} from '../../protocols/src/model-bundle.js';
import { WEEK_IN_DAY_OUT } from './forecasting-fixtures.js';

const spec = WEEK_IN_DAY_OUT;
const hub = generateKeyPairSync('ed25519');
const stranger = generateKeyPairSync('ed25519');
const trusted = new Map([['hub-1', hub.publicKey]]);
const meta = {
  name: 'footfall',
  version: '2026.12.1',
  task: 'footfall' as const,
  features: spec,
  metrics: { mase: 0.9 },
  createdAt: 1_764_547_200_000,
};

describe('model bundles', () => {
  let model: tf.LayersModel;
  let input: tf.Tensor;
  let reference: Float32Array;
  beforeAll(async () => {
    await selectBackend('wasm');
    model = buildModel(spec, { hidden: [32], learningRate: 0.001, seed: 3 });
    input = tf.randomUniform([8, 168 + 31], 0, 2, 'float32', 5);
    reference = (model.predict(input) as tf.Tensor).dataSync() as Float32Array;
  });

  it('verifies a signed bundle and loads it into the same model (float32: identical outputs)', async () => {
    const bundle = makeBundle(
      await modelArtifacts(model),
      { ...meta, quant: 'float32' },
      { keyId: 'hub-1', privateKey: hub.privateKey },
    );
    expect(bundle.manifest.files.map((f) => f.path)).toEqual([
      MODEL_JSON,
      expect.stringMatching(/^weights\.[0-9a-f]{16}\.bin$/),
    ]);
    const check = verifyBundle(JSON.parse(JSON.stringify(bundle.manifest)), bundle.files, trusted);
    expect(check.ok).toBe(true);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(bundleArtifacts(bundle.files) as tf.io.ModelArtifacts));
    expect(Array.from((loaded.predict(input) as tf.Tensor).dataSync())).toEqual(Array.from(reference));
  });

  it('is about 4× smaller with uint8 weights (a model of the size trained for footfall)', async () => {
    const sized = buildModel(spec, { hidden: [256, 128], learningRate: 0.001, seed: 4 });
    const artifacts = await modelArtifacts(sized);
    const full = makeBundle(artifacts, { ...meta, quant: 'float32' }, { keyId: 'hub-1', privateKey: hub.privateKey });
    const small = makeBundle(artifacts, { ...meta, quant: 'uint8' }, { keyId: 'hub-1', privateKey: hub.privateKey });
    expect(bundleBytes(full) / bundleBytes(small)).toBeGreaterThan(3.5);
    expect(verifyBundle(small.manifest, small.files, trusted).ok).toBe(true);
  });

  it('names what was tampered with: weights, sizes, a missing file, the manifest, the key', async () => {
    const bundle = makeBundle(
      await modelArtifacts(model),
      { ...meta, quant: 'uint8' },
      { keyId: 'hub-1', privateKey: hub.privateKey },
    );
    const shard = bundle.manifest.files[1]?.path as string;
    const withFile = (path: string, bytes: Uint8Array | undefined) => {
      const files = new Map(bundle.files);
      if (bytes === undefined) files.delete(path);
      else files.set(path, bytes);
      return files;
    };
    const flipped = Uint8Array.from(bundle.files.get(shard) as Uint8Array);
    flipped[10] = (flipped[10] as number) ^ 0xff;
    const reason = (manifest: unknown, files = bundle.files, keys = trusted) => {
      const check = verifyBundle(manifest, files, keys);
      return check.ok ? 'ok' : check.reason;
    };
    expect(reason(bundle.manifest, withFile(shard, flipped))).toBe('FILE_SHA256_MISMATCH');
    expect(reason(bundle.manifest, withFile(shard, flipped.subarray(1)))).toBe('FILE_SIZE_MISMATCH');
    expect(reason(bundle.manifest, withFile(MODEL_JSON, undefined))).toBe('FILE_MISSING');
    expect(reason({ ...bundle.manifest, metrics: { mase: 0.1 } })).toBe('SIGNATURE_INVALID');
    expect(reason({ ...bundle.manifest, signature: undefined })).toBe('SIGNATURE_MISSING');
    expect(reason(bundle.manifest, bundle.files, new Map([['hub-1', stranger.publicKey]]))).toBe('SIGNATURE_INVALID');
    expect(reason(bundle.manifest, bundle.files, new Map([['other', hub.publicKey]]))).toBe('SIGNATURE_KEY_UNKNOWN');
    expect(reason({ ...bundle.manifest, files: 'none' })).toBe('MANIFEST_INVALID');
  });

  it('carries a self-test that the loaded bundle passes and other weights fail', async () => {
    const artifacts = await modelArtifacts(model);
    const rows = (input.arraySync() as number[][]).slice(0, 4);
    const golden = await goldenFor(artifacts, 'uint8', rows);
    const bundle = makeBundle(
      artifacts,
      { ...meta, quant: 'uint8', golden },
      { keyId: 'hub-1', privateKey: hub.privateKey },
    );
    expect(verifyBundle(bundle.manifest, bundle.files, trusted).ok).toBe(true);
    const shipped = JSON.parse(new TextDecoder().decode(bundle.files.get(GOLDEN_JSON))) as Golden;
    const run = async (files: ReadonlyMap<string, Uint8Array>) => {
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(bundleArtifacts(files) as tf.io.ModelArtifacts));
      const output = (
        loaded.predict(tf.tensor2d(shipped.input.map((r) => [...r]))) as tf.Tensor
      ).arraySync() as number[][];
      loaded.dispose();
      return output;
    };
    expect(goldenAgrees(await run(bundle.files), shipped).ok).toBe(true);
    // Another model's weights under the same self-test: refused.
    const other = buildModel(spec, { hidden: [32], learningRate: 0.001, seed: 99 });
    const impostor = makeBundle(
      await modelArtifacts(other),
      { ...meta, quant: 'uint8' },
      { keyId: 'hub-1', privateKey: hub.privateKey },
    );
    expect(goldenAgrees(await run(impostor.files), shipped).ok).toBe(false);
    expect(goldenAgrees([[Number.NaN]], shipped).ok).toBe(false);
  });
});
