import { createHash, type KeyObject, sign, verify } from 'node:crypto';
import type { ErrorQuantiles } from './forecasting/depletion.js';
import { modelManifestCodec } from './messages.js';
import type { BUNDLE_REJECT_REASONS, ModelManifest } from './schemas/model.js';
import { manifestSigningPayload } from './signing.js';

/**
 * Model bundles (ARCHITECTURE §2): the files of a tfjs model, each named in a manifest with its
 * size and sha256, the manifest signed with the hub's Ed25519 key. The hub signs with `signManifest`;
 * the edge runs `verifyBundle` before loading anything. Node only (`@aisle/protocols/model-bundle`).
 */

export { BUNDLE_REJECT_REASONS } from './schemas/model.js';
export type BundleRejectReason = keyof typeof BUNDLE_REJECT_REASONS;

export type BundleCheck =
  | { readonly ok: true; readonly manifest: ModelManifest }
  | { readonly ok: false; readonly reason: BundleRejectReason; readonly detail: string };

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A bundle's identity: the sha256 of its manifest's signed bytes (which name every file's sha256),
 * the `sha256` of a `ModelRef`. The same files and metadata give the same id whoever signed them.
 */
export function bundleId(manifest: ModelManifest): string {
  return sha256Hex(manifestSigningPayload(manifest));
}

/** Signs the manifest (without any old signature) and returns it with the signature attached. */
export function signManifest(manifest: ModelManifest, keyId: string, privateKey: KeyObject): ModelManifest {
  const { signature: _old, ...unsigned } = manifest;
  const value = sign(null, manifestSigningPayload(unsigned), privateKey).toString('base64');
  return { ...unsigned, signature: { alg: 'ed25519', keyId, value } };
}

/** The manifest's signature against the trusted keys (by key id). */
export function verifyManifest(manifest: unknown, trusted: ReadonlyMap<string, KeyObject>): BundleCheck {
  const decoded = modelManifestCodec.validate(manifest);
  if (!decoded.ok) return { ok: false, reason: 'MANIFEST_INVALID', detail: decoded.error.message };
  const checked = decoded.value;
  if (checked.signature === undefined) return { ok: false, reason: 'SIGNATURE_MISSING', detail: checked.version };
  const key = trusted.get(checked.signature.keyId);
  if (key === undefined) return { ok: false, reason: 'SIGNATURE_KEY_UNKNOWN', detail: checked.signature.keyId };
  const good = verify(null, manifestSigningPayload(checked), key, Buffer.from(checked.signature.value, 'base64'));
  return good ? { ok: true, manifest: checked } : { ok: false, reason: 'SIGNATURE_INVALID', detail: checked.version };
}

/** Signature first, then every listed file's presence, size and sha256. */
export function verifyBundle(
  manifest: unknown,
  files: ReadonlyMap<string, Uint8Array>,
  trusted: ReadonlyMap<string, KeyObject>,
): BundleCheck {
  const signed = verifyManifest(manifest, trusted);
  if (!signed.ok) return signed;
  for (const file of signed.manifest.files) {
    const bytes = files.get(file.path);
    if (bytes === undefined) return { ok: false, reason: 'FILE_MISSING', detail: file.path };
    if (bytes.byteLength !== file.bytes)
      return { ok: false, reason: 'FILE_SIZE_MISMATCH', detail: `${file.path}: ${bytes.byteLength} ≠ ${file.bytes}` };
    if (sha256Hex(bytes) !== file.sha256) return { ok: false, reason: 'FILE_SHA256_MISMATCH', detail: file.path };
  }
  return signed;
}

/** The tfjs model files of a bundle: `model.json` names its weight shards (tfjs layers format). */
export const MODEL_JSON = 'model.json';

/**
 * The self-test of a bundle: input vectors and the outputs the hub got from this very bundle's
 * weights. A gateway runs the inputs after loading and keeps the model only if its outputs agree.
 */
export const GOLDEN_JSON = 'golden.json';

/** The bundle file holding the model's prediction intervals (`ErrorQuantiles` as JSON arrays). */
export const INTERVALS_JSON = 'intervals.json';

export function intervalsJson(intervals: ErrorQuantiles): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({ level: intervals.level, lower: Array.from(intervals.lower), upper: Array.from(intervals.upper) }),
  );
}

/** `intervals.json` back, checked: `horizon` finite lower/upper errors and a level in (0, 1). */
export function parseIntervals(bytes: Uint8Array, horizon: number): ErrorQuantiles {
  const raw = JSON.parse(new TextDecoder().decode(bytes)) as { level?: unknown; lower?: unknown; upper?: unknown };
  const numbers = (v: unknown): v is number[] =>
    Array.isArray(v) && v.length === horizon && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (typeof raw.level !== 'number' || !(raw.level > 0 && raw.level < 1) || !numbers(raw.lower) || !numbers(raw.upper))
    throw new Error(`${INTERVALS_JSON} is not ${horizon} lower and upper errors with a level in (0, 1)`);
  return { level: raw.level, lower: Float64Array.from(raw.lower), upper: Float64Array.from(raw.upper) };
}

export interface Golden {
  readonly input: readonly (readonly number[])[];
  readonly output: readonly (readonly number[])[];
}

/**
 * Whether outputs agree with the golden ones: the largest difference at most `tolerance` of the
 * golden outputs' range (backends differ in float rounding, not more). Returns the worst share.
 */
export function goldenAgrees(
  output: readonly ArrayLike<number>[],
  golden: Golden,
  tolerance = 1e-3,
): { readonly ok: boolean; readonly worst: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const row of golden.output)
    for (const v of row) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  const range = max > min ? max - min : 1;
  let worst = output.length === golden.output.length ? 0 : Number.POSITIVE_INFINITY;
  golden.output.forEach((row, k) => {
    const got = output[k];
    if (got === undefined || got.length !== row.length) worst = Number.POSITIVE_INFINITY;
    else
      for (let i = 0; i < row.length; i++)
        worst = Math.max(worst, Math.abs((got[i] as number) - (row[i] as number)) / range);
  });
  // NaN anywhere fails too.
  return { ok: worst <= tolerance, worst };
}

interface ModelJson {
  readonly modelTopology: unknown;
  readonly format?: string;
  readonly generatedBy?: string;
  readonly convertedBy?: string | null;
  readonly weightsManifest: ReadonlyArray<{ readonly paths: readonly string[]; readonly weights: readonly unknown[] }>;
}

/**
 * A verified bundle's files as tfjs model artifacts (what `tf.io.fromMemory` takes): topology,
 * weight specs (quantization included, tfjs dequantizes on load) and the shards' bytes in order.
 * Throws on a `model.json` that is not one, or a shard it names that is not there.
 */
export function bundleArtifacts(files: ReadonlyMap<string, Uint8Array>): {
  modelTopology: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightSpecs: unknown[];
  weightData: ArrayBuffer;
} {
  const json = files.get(MODEL_JSON);
  if (json === undefined) throw new Error(`bundle has no ${MODEL_JSON}`);
  const model = JSON.parse(new TextDecoder().decode(json)) as ModelJson;
  if (typeof model !== 'object' || model === null || !Array.isArray(model.weightsManifest))
    throw new Error(`${MODEL_JSON} is not a tfjs layers model`);
  const shards: Uint8Array[] = [];
  const weightSpecs: unknown[] = [];
  for (const group of model.weightsManifest) {
    for (const path of group.paths) {
      const shard = files.get(path);
      if (shard === undefined) throw new Error(`${MODEL_JSON} names ${path}, which the bundle lacks`);
      shards.push(shard);
    }
    weightSpecs.push(...group.weights);
  }
  const weightData = new Uint8Array(shards.reduce((n, s) => n + s.byteLength, 0));
  let at = 0;
  for (const shard of shards) {
    weightData.set(shard, at);
    at += shard.byteLength;
  }
  return {
    modelTopology: model.modelTopology,
    ...(model.format === undefined ? {} : { format: model.format }),
    ...(model.generatedBy === undefined ? {} : { generatedBy: model.generatedBy }),
    ...(model.convertedBy === undefined ? {} : { convertedBy: model.convertedBy }),
    weightSpecs,
    weightData: weightData.buffer,
  };
}
