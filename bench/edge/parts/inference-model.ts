import type { KeyObject } from 'node:crypto';
import { goldenFor, type ModelBundle, makeBundle, modelArtifacts } from '@aisle/hub/forecast-bundle';
import { buildModel } from '@aisle/hub/global-model';
import { type ErrorQuantiles, encodeInput, type FeatureSpec, featureCount } from '@aisle/protocols';
import * as tf from '@tensorflow/tfjs';

/**
 * The model and data of `edge/inference` (bench/edge/inference.ts): a bundle made exactly as the
 * hub makes one (production architecture, quantized, golden self-test, prediction intervals,
 * Ed25519-signed), and a batch of lane sales windows as the gateway's history hands them over.
 *
 * Inference cost does not depend on what the weights learned, so the model is not trained: its
 * initial weights go through the same quantization and self-test as trained ones.
 */

/** Hidden layers of the committed Melbourne model (docs/forecasting/footfall-melbourne/report.json). */
export const HIDDEN = [256, 128] as const;
/** Hidden layer of the committed lane model (docs/forecasting/lanes-demo/report.json), same features. */
export const LANE_MODEL_HIDDEN = [128] as const;
const L2 = 1e-4;
const SEED = 1;
const KEY_ID = 'hub-bench';

/** Public holidays of one Victorian year, the `holiday` feature's dates (their number barely matters). */
const HOLIDAYS = [
  '2026-01-01',
  '2026-01-26',
  '2026-03-09',
  '2026-04-03',
  '2026-04-04',
  '2026-04-05',
  '2026-04-06',
  '2026-04-25',
  '2026-06-08',
  '2026-09-25',
  '2026-11-03',
  '2026-12-25',
  '2026-12-26',
  '2026-12-28',
];

/**
 * The lane model's features: a week of hours in, a day of hours out, hour and weekday one-hot (the
 * CLI's hourly calendar; the site's zone is UTC).
 */
export const LANE_SPEC: FeatureSpec = {
  granularity: 'hour',
  window: 168,
  horizon: 24,
  calendar: ['hour-of-day', 'day-of-week'],
  scaling: 'mean-abs',
  timeZone: 'UTC',
};

/** The committed Melbourne footfall model's features: two weeks in, holiday flags (the larger input). */
export const FOOTFALL_SPEC: FeatureSpec = {
  ...LANE_SPEC,
  window: 336,
  calendar: ['hour-of-day', 'day-of-week', 'holiday'],
  holidays: HOLIDAYS,
};

/** The first forecast step of every lane: Tuesday 1 December 2026, 10:00 (UTC, the site's clock). */
export const ORIGIN_LOCAL_MS = Date.UTC(2026, 11, 1, 10);
const HOUR_MS = 3_600_000;

/** Units sold per hour of the day relative to the lane's mean open hour (a store open 8–22). */
const DAY_PROFILE = [0, 0, 0, 0, 0, 0, 0, 0, 0.4, 0.6, 0.8, 1, 1.4, 1.2, 0.9, 0.9, 1.1, 1.5, 1.4, 1, 0.7, 0.4, 0, 0];
/** Monday first. */
const WEEK_PROFILE = [0.9, 0.9, 0.95, 1, 1.1, 1.3, 1.1];

/** A Poisson draw by inversion of its CDF at `u` ∈ [0, 1). */
function poisson(lambda: number, u: number): number {
  let k = 0;
  let p = Math.exp(-lambda);
  let cdf = p;
  while (u > cdf && k < 1000) {
    k++;
    p *= lambda / k;
    cdf += p;
  }
  return k;
}

/**
 * Hourly units sold for `lanes` lanes over the `hours` local hours before ORIGIN_LOCAL_MS, oldest
 * first, lane after lane: Poisson counts around a per-lane rate (0.05–4 units per open hour,
 * log-uniform: many slow movers) shaped by hour of day and weekday. Every 50th lane has a 12-hour
 * gap (gateway not running: NaN), every 37th lane stood empty for 5 hours (censored: NaN). Seeded.
 */
export function laneSales(lanes: number, hours: number, seed: number): Float64Array {
  const uniforms = tf.tidy(() => tf.randomUniform([lanes * (hours + 1)], 0, 1, 'float32', seed).dataSync());
  const values = new Float64Array(lanes * hours);
  const first = ORIGIN_LOCAL_MS - hours * HOUR_MS;
  for (let k = 0; k < lanes; k++) {
    const rate = 0.05 * 80 ** (uniforms[lanes * hours + k] as number);
    for (let i = 0; i < hours; i++) {
      const at = new Date(first + i * HOUR_MS);
      const shape = (DAY_PROFILE[at.getUTCHours()] as number) * (WEEK_PROFILE[(at.getUTCDay() + 6) % 7] as number);
      const gap = (k % 50 === 0 && i >= 30 && i < 42) || (k % 37 === 0 && i >= hours - 20 && i < hours - 15);
      values[k * hours + i] = gap ? Number.NaN : poisson(rate * shape, uniforms[k * hours + i] as number);
    }
  }
  return values;
}

/** 80% intervals of scaled errors widening over the horizon, as a trained model ships them. */
function intervals(horizon: number): ErrorQuantiles {
  return {
    level: 0.8,
    lower: Float64Array.from({ length: horizon }, (_, h) => -0.45 - 0.01 * h),
    upper: Float64Array.from({ length: horizon }, (_, h) => 0.6 + 0.015 * h),
  };
}

export interface BenchBundles {
  readonly uint8: ModelBundle;
  readonly float32: ModelBundle;
}

/**
 * The production architecture for `spec` with initial weights, bundled as uint8 and float32 the way
 * the hub bundles a trained model: golden self-test over 8 real windows' inputs, intervals, signed.
 */
export async function benchBundles(
  spec: FeatureSpec,
  sample: readonly Float64Array[],
  privateKey: KeyObject,
  hidden: readonly number[] = HIDDEN,
): Promise<BenchBundles> {
  const model = buildModel(spec, { hidden, learningRate: 0.001, seed: SEED, l2: L2 });
  try {
    const artifacts = await modelArtifacts(model);
    const width = featureCount(spec);
    const golden = sample.slice(0, 8).map((window) => {
      const row = new Float32Array(width);
      encodeInput(spec, window, ORIGIN_LOCAL_MS, row);
      return Array.from(row);
    });
    const bundle = async (quant: 'uint8' | 'float32'): Promise<ModelBundle> =>
      makeBundle(
        artifacts,
        {
          name: 'lane-depletion',
          version: `2026.12.1-${quant}`,
          task: 'lane-depletion',
          features: spec,
          quant,
          metrics: {},
          createdAt: ORIGIN_LOCAL_MS,
          intervals: intervals(spec.horizon),
          golden: await goldenFor(artifacts, quant, golden),
        },
        { keyId: KEY_ID, privateKey },
      );
    return { uint8: await bundle('uint8'), float32: await bundle('float32') };
  } finally {
    model.dispose();
  }
}

export const TRUSTED_KEY_ID = KEY_ID;
