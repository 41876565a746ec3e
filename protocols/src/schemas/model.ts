import { type Static, Type } from '@sinclair/typebox';
import { EpochMs, ExternalId, Level, literals, NonNegativeInt } from './common.js';

/** Model artifacts (ARCHITECTURE §2): what the hub trains and signs and the edge verifies and runs. */

export const FORECAST_TASKS = ['lane-depletion', 'footfall', 'sku-demand'] as const;
export const ForecastTask = literals(FORECAST_TASKS);
export type ForecastTask = Static<typeof ForecastTask>;

export const QUANTIZATIONS = ['float32', 'float16', 'uint8'] as const;
export const Quantization = literals(QUANTIZATIONS);
export type Quantization = Static<typeof Quantization>;

const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });

/** A version string: semantic version or a date stamp, `[0-9A-Za-z.+-]`. */
const Version = Type.String({ pattern: '^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$' });

export const CALENDAR_FEATURES = ['hour-of-day', 'day-of-week', 'weekend', 'day-of-month', 'month', 'holiday'] as const;

/** How a series becomes model input; trainer and runner read this same object. */
export const FeatureSpec = Type.Object({
  granularity: literals(['hour', 'day']),
  /** Past steps the model reads. */
  window: Type.Integer({ minimum: 1, maximum: 10_000 }),
  /** Future steps the model predicts. */
  horizon: Type.Integer({ minimum: 1, maximum: 10_000 }),
  calendar: Type.Array(literals(CALENDAR_FEATURES), { maxItems: CALENDAR_FEATURES.length }),
  scaling: literals(['mean-abs', 'max-abs', 'none']),
  /** IANA time zone in which calendar features are computed. */
  timeZone: Type.String({ maxLength: 64 }),
  /** Local dates of public holidays (`YYYY-MM-DD`), read by the `holiday` calendar feature. */
  holidays: Type.Optional(Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), { maxItems: 4000 })),
});
export type FeatureSpec = Static<typeof FeatureSpec>;

export const ModelFile = Type.Object({
  path: Type.String({ pattern: '^[A-Za-z0-9._-]{1,128}$' }),
  bytes: NonNegativeInt,
  sha256: Sha256,
});
export type ModelFile = Static<typeof ModelFile>;

export const ModelSignature = Type.Object({
  alg: Type.Literal('ed25519'),
  keyId: ExternalId,
  /** Base64 signature over the canonical JSON of the manifest without `signature`. */
  value: Type.String({ pattern: '^[A-Za-z0-9+/]{86}==$' }),
});
export type ModelSignature = Static<typeof ModelSignature>;

const Shape = Type.Array(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]), {
  minItems: 1,
  maxItems: 8,
});

export const ModelManifest = Type.Object({
  v: Type.Literal(1),
  name: Level,
  version: Version,
  task: ForecastTask,
  features: FeatureSpec,
  inputShape: Shape,
  outputShape: Shape,
  quant: Quantization,
  files: Type.Array(ModelFile, { minItems: 1, maxItems: 256 }),
  createdAt: EpochMs,
  metrics: Type.Record(Type.String({ pattern: '^[a-zA-Z0-9_.@-]{1,64}$' }), Type.Number()),
  signature: Type.Optional(ModelSignature),
});
export type ModelManifest = Static<typeof ModelManifest>;

/** One model a gateway should run: its signed manifest and where its files are. */
export const OfferedModel = Type.Object({
  manifest: ModelManifest,
  /**
   * Files are content-addressed: the gateway GETs `baseUrl` + a file's sha256 (with `Range` to
   * resume), e.g. `https://hub.example/api/model-files/`.
   */
  baseUrl: Type.String({ pattern: '^https?://', maxLength: 2048 }),
  /** The rollout this assignment belongs to; the gateway echoes it in its state. */
  rollout: Type.Optional(ExternalId),
});
export type OfferedModel = Static<typeof OfferedModel>;

/**
 * `down/{site}/{gateway}/model` (retained): the models this gateway should run, at most one per
 * task, as a whole (desired state). A task not listed runs the seasonal-naive baseline. `seq`
 * grows with every new assignment for the gateway; an offer not newer than the applied one is
 * ignored, so a stale retained message never undoes a rollback.
 */
export const ModelOffer = Type.Object({
  v: Type.Literal(1),
  seq: NonNegativeInt,
  models: Type.Array(OfferedModel, { maxItems: FORECAST_TASKS.length }),
});
export type ModelOffer = Static<typeof ModelOffer>;

/** Which model produced an inference output (carried in the envelope's `model`). */
export const ModelRef = Type.Object({
  name: Level,
  version: Version,
  sha256: Sha256,
  quant: Quantization,
});
export type ModelRef = Static<typeof ModelRef>;

/**
 * A forecast for one series: `mean[i]` is the value for step i, starting at `start`, each
 * `stepMs` long; `[lower[i], upper[i]]` is the prediction interval at coverage `level`.
 */
export const Forecast = Type.Object({
  task: ForecastTask,
  target: Type.Object({ kind: literals(['lane', 'door', 'sku']), id: ExternalId }),
  start: EpochMs,
  stepMs: Type.Integer({ minimum: 1, maximum: 31_622_400_000 }),
  mean: Type.Array(Type.Number(), { minItems: 1, maxItems: 10_000 }),
  lower: Type.Array(Type.Number(), { minItems: 1, maxItems: 10_000 }),
  upper: Type.Array(Type.Number(), { minItems: 1, maxItems: 10_000 }),
  level: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
  /** Lane depletion: when the lane is expected to be empty (null: not within the horizon). */
  emptyAt: Type.Optional(
    Type.Object({
      expected: Type.Union([EpochMs, Type.Null()]),
      earliest: Type.Union([EpochMs, Type.Null()]),
      latest: Type.Union([EpochMs, Type.Null()]),
    }),
  ),
  unitsNow: Type.Optional(Type.Number({ minimum: 0 })),
  /** The baseline computed beside the model, for the same steps. */
  baseline: Type.Optional(Type.Object({ name: Level, mean: Type.Array(Type.Number(), { maxItems: 10_000 }) })),
});
export type Forecast = Static<typeof Forecast>;

export const TF_BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export const TfBackendName = literals(TF_BACKENDS);

/** Why a bundle fails verification (`verifyBundle` in `@aisle/protocols/model-bundle`). */
export const BUNDLE_REJECT_REASONS = {
  MANIFEST_INVALID: 'The manifest does not decode against the model-manifest schema.',
  SIGNATURE_MISSING: 'The manifest carries no signature.',
  SIGNATURE_KEY_UNKNOWN: 'The signature names a key this gateway does not trust.',
  SIGNATURE_INVALID: 'The Ed25519 signature does not verify over the canonical manifest.',
  FILE_MISSING: 'A file the manifest lists is not in the bundle.',
  FILE_SIZE_MISMATCH: 'A file has another size than the manifest says.',
  FILE_SHA256_MISMATCH: 'A file has another sha256 than the manifest says.',
} as const;

/**
 * Why a gateway did not switch to an offered model: the bundle checks (`BUNDLE_REJECT_REASONS`
 * in `@aisle/protocols/model-bundle`) and the runtime's own.
 */
export const MODEL_OFFER_FAILURES = {
  FETCH_FAILED: 'A bundle file could not be fetched from the hub (network, HTTP status) after the retries.',
  FETCH_TOO_LARGE: 'The hub sent more bytes for a file than the manifest says, or the bundle exceeds the bound.',
  TASK_UNSUPPORTED: 'The manifest is for a task or granularity this gateway does not forecast.',
  LOAD_FAILED: 'tfjs could not load the model from the verified files.',
  SHAPE_MISMATCH: "The model's input or output shape disagrees with its feature spec.",
  SELF_TEST_FAILED: "The model's outputs on the golden inputs differ from the hub's beyond the tolerance.",
  SELF_TEST_MISSING: 'The bundle carries no golden self-test.',
} as const;

/** Where a task's forecasts come from on one gateway, reported in its state. */
export const ForecastingTaskState = Type.Object({
  task: ForecastTask,
  /** The model in use; null: the seasonal-naive baseline (no valid model). */
  model: Type.Union([ModelRef, Type.Null()]),
  /** The rollout that installed the model, if any. */
  rollout: Type.Optional(ExternalId),
  /** The model kept for rollback. */
  previous: Type.Optional(ModelRef),
  baseline: Level,
  series: NonNegativeInt,
  lastRunAt: Type.Optional(EpochMs),
  runMs: Type.Optional(Type.Number({ minimum: 0 })),
  /**
   * Live error of the model in use against the baseline over the same resolved forecast steps
   * (mean absolute error, units per step), since the model was switched in.
   */
  live: Type.Optional(
    Type.Object({ n: NonNegativeInt, modelMae: Type.Number({ minimum: 0 }), baselineMae: Type.Number({ minimum: 0 }) }),
  ),
});
export type ForecastingTaskState = Static<typeof ForecastingTaskState>;

/** The last model offer a gateway handled and what came of it. */
export const ModelOfferOutcome = Type.Object({
  /** The `seq` of the offer this answers (a rollback re-offers a model under its old rollout id). */
  seq: Type.Optional(NonNegativeInt),
  name: Level,
  version: Version,
  sha256: Type.Optional(Sha256),
  rollout: Type.Optional(ExternalId),
  outcome: literals(['fetching', 'active', 'rejected']),
  /** A `BUNDLE_REJECT_REASONS` or `MODEL_OFFER_FAILURES` code when rejected. */
  reason: Type.Optional(Type.String({ pattern: '^[A-Z0-9_]{1,64}$' })),
  detail: Type.Optional(Type.String({ maxLength: 512 })),
  at: EpochMs,
});
export type ModelOfferOutcome = Static<typeof ModelOfferOutcome>;

export const ForecastingState = Type.Object({
  backend: TfBackendName,
  tasks: Type.Array(ForecastingTaskState, { maxItems: FORECAST_TASKS.length }),
  lastOffer: Type.Optional(ModelOfferOutcome),
});
export type ForecastingState = Static<typeof ForecastingState>;
