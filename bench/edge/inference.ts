import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoadedModel } from '@aisle/edge/loaded-model';
import { selectBackend, type TfBackend } from '@aisle/edge/tf-backend';
import type { ModelBundle } from '@aisle/hub/forecast-bundle';
import { type FeatureSpec, featureCount } from '@aisle/protocols';
import { verifyBundle } from '@aisle/protocols/model-bundle';
import * as tf from '@tensorflow/tfjs';
import { report, time } from '../harness.js';
import { askChild, gatewayRuns } from './parts/inference-children.js';
import { windowsOf, writeBundle, writeSales } from './parts/inference-files.js';
import type { GatewayReply } from './parts/inference-gateway.js';
import {
  benchBundles,
  FOOTFALL_SPEC,
  HIDDEN,
  LANE_MODEL_HIDDEN,
  LANE_SPEC,
  laneSales,
  ORIGIN_LOCAL_MS,
  TRUSTED_KEY_ID,
} from './parts/inference-model.js';
import type { RssReply, RssRequest } from './parts/inference-rss.js';
import { type Parts, predictParts } from './parts/predict-parts.js';

/**
 * Edge inference: forecasts for every lane of a site in one batch, as the gateway runs them on
 * each schedule (`LoadedModel.predict`, imported from `@aisle/edge/loaded-model`: encode every
 * window into one Float32Array, one tfjs `predict` over all rows, output read outside `tf.tidy`,
 * decode and intervals per lane), on the WebAssembly backend the gateway selects when tfjs-node is
 * absent (it does not install here), against the plain-JavaScript `cpu` backend measured in the
 * same process as the anchor.
 *
 * Model: the production architecture with the committed Melbourne model's layers (MLP, hidden
 * [256, 128]) on the lane features (168 hours in, 24 out, hour and weekday one-hot: 199 inputs, as
 * the committed lane model reads them); beside it, the committed lane model's size (hidden [128])
 * and the Melbourne model's own shape (336 hours and holiday flags: 727 inputs). Initial weights,
 * quantized to uint8 and bundled, signed and self-tested exactly as the hub bundles a trained model
 * (inference cost does not depend on training). Each load goes through `verifyBundle` and
 * `LoadedModel.load` (self-test against golden.json) as the gateway's does.
 * Data: 5,000 lanes of seeded Poisson hourly sales with a daily and weekly shape, some gaps.
 *
 * Order: wasm (load times, batches of 500 and 5,000, where the time goes, the other model sizes),
 * then cpu, then wasm for 5,000 lanes again (the wasm figure is the mean of both medians, so a
 * change of machine load shows). Each timing is the median of its rounds (≥ 100 ms each) after a
 * warm-up. Then fresh child processes (`--expose-gc`, RSS after a GC):
 * - parts/inference-rss.ts: bare node, then tfjs and the edge's model code, then the model loaded,
 *   then after forecasting every lane three times (wasm, and cpu beside);
 * - parts/inference-gateway.ts: a real `Gateway.start` with 5,000 lanes and two weeks of their
 *   sales in its forecasting history, with forecasting off, without a model, with the model
 *   installed in its data dir; RSS and its scheduled forecast run.
 *
 * Target (issue acceptance): ≤ 1 s for 5,000 lanes on wasm, and ≥ 5× faster than cpu.
 */

const LANES = 5_000;
const BATCHES = [500, 5_000] as const;
const ROUNDS = 15;
const CPU_ROUNDS = 7;
const LOADS = 5;
const SEED = 7;
/** The gateway's default `forecasting.goldenTolerance`. */
const TOLERANCE = 1e-3;
const TARGET_MS = 1_000;
const TARGET_SPEEDUP = 5;
const RUN_LIMIT_MS = 30 * 60_000;

const round1 = (x: number): number => Math.round(x * 10) / 10;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const msOf = (ns: number): number => round3(ns / 1e6);
const seriesPerSecond = (ms: number, n: number): number => Math.round((n * 1000) / ms);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

interface Data {
  readonly windows: ReadonlyMap<FeatureSpec, readonly Float64Array[]>;
  readonly origins: readonly number[];
  readonly bundles: {
    readonly lane: ModelBundle;
    readonly laneFloat32: ModelBundle;
    /** The committed lane model's size (hidden [128]), same features. */
    readonly laneCommitted: ModelBundle;
    readonly footfall: ModelBundle;
  };
  readonly trusted: ReadonlyMap<string, KeyObject>;
}

/** Batch size → median ms of one `LoadedModel.predict` over the lane model, and the first lanes' means. */
interface Batches {
  readonly ms: ReadonlyMap<number, number>;
  readonly means: readonly Float64Array[];
}

/** What was measured on one backend beyond the batches. */
interface Details {
  /** verify + load + self-test, median ms. */
  readonly loadMs: { readonly uint8: number; readonly float32: number };
  /** 5,000 series, median ms: the committed lane model's size, and the footfall shape. */
  readonly laneCommittedMs: number;
  readonly footfallMs: number;
  /** 5,000 lanes, each part of `predict` alone (partsOf). */
  readonly parts: Parts;
}

async function loadVerified(bundle: ModelBundle, trusted: ReadonlyMap<string, KeyObject>): Promise<LoadedModel> {
  // As received: the manifest is JSON from the wire, not the signer's object.
  const checked = verifyBundle(JSON.parse(JSON.stringify(bundle.manifest)), bundle.files, trusted);
  if (!checked.ok) throw new Error(`bundle refused: ${checked.reason} ${checked.detail}`);
  return LoadedModel.load(checked.manifest, bundle.files, TOLERANCE);
}

async function medianLoadMs(bundle: ModelBundle, trusted: ReadonlyMap<string, KeyObject>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i <= LOADS; i++) {
    const start = performance.now();
    const model = await loadVerified(bundle, trusted);
    const ms = performance.now() - start;
    model.dispose();
    if (i > 0) times.push(ms); // the first load warms up
  }
  return round3(median(times));
}

async function useBackend(backend: TfBackend): Promise<void> {
  const inUse = await selectBackend(backend);
  if (inUse !== backend) throw new Error(`asked for the ${backend} backend, got ${inUse}`);
}

async function batches(data: Data, sizes: readonly number[], rounds: number): Promise<Batches> {
  const laneWindows = data.windows.get(LANE_SPEC) as readonly Float64Array[];
  const model = await loadVerified(data.bundles.lane, data.trusted);
  try {
    const ms = new Map<number, number>();
    for (const n of sizes) {
      const windows = laneWindows.slice(0, n);
      const origins = data.origins.slice(0, n);
      ms.set(n, msOf(time(() => model.predict(windows, origins), { rounds }).medianNs));
    }
    return { ms, means: model.predict(laneWindows.slice(0, 500), data.origins.slice(0, 500)).map((f) => f.mean) };
  } finally {
    model.dispose();
  }
}

async function details(data: Data, rounds: number): Promise<Details> {
  const loadMs = {
    uint8: await medianLoadMs(data.bundles.lane, data.trusted),
    float32: await medianLoadMs(data.bundles.laneFloat32, data.trusted),
  };
  const batchOf = async (bundle: ModelBundle, spec: FeatureSpec): Promise<number> => {
    const model = await loadVerified(bundle, data.trusted);
    try {
      const windows = data.windows.get(spec) as readonly Float64Array[];
      return msOf(time(() => model.predict(windows, data.origins), { rounds }).medianNs);
    } finally {
      model.dispose();
    }
  };
  const laneCommittedMs = await batchOf(data.bundles.laneCommitted, LANE_SPEC);
  const footfallMs = await batchOf(data.bundles.footfall, FOOTFALL_SPEC);
  return {
    loadMs,
    laneCommittedMs,
    footfallMs,
    parts: await predictParts(
      data.bundles.lane,
      data.windows.get(LANE_SPEC) as readonly Float64Array[],
      data.origins,
      rounds,
    ),
  };
}

/** Largest difference between two backends' forecasts, as a share of the forecasts' range. */
function disagreement(a: readonly Float64Array[], b: readonly Float64Array[]): number {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let worst = 0;
  a.forEach((row, k) => {
    const other = b[k] as Float64Array;
    for (let h = 0; h < row.length; h++) {
      const v = row[h] as number;
      if (v < min) min = v;
      if (v > max) max = v;
      worst = Math.max(worst, Math.abs(v - (other[h] as number)));
    }
  });
  return Number((worst / (max > min ? max - min : 1)).toExponential(2));
}

async function run(dir: string): Promise<void> {
  const initStart = performance.now();
  await useBackend('wasm');
  const wasmInitMs = round1(performance.now() - initStart);
  const wasmFlags = {
    simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
    // tfjs-backend-wasm answers false on Node whatever the runtime offers (tfjs issue #3830).
    multithread: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
  };

  const hub = generateKeyPairSync('ed25519');
  const hours = Math.max(LANE_SPEC.window, FOOTFALL_SPEC.window);
  const sales = laneSales(LANES, hours, SEED);
  const windows = new Map([LANE_SPEC, FOOTFALL_SPEC].map((spec) => [spec, windowsOf(sales, LANES, hours, spec)]));
  const lane = await benchBundles(LANE_SPEC, windows.get(LANE_SPEC) as Float64Array[], hub.privateKey);
  const laneCommitted = await benchBundles(
    LANE_SPEC,
    windows.get(LANE_SPEC) as Float64Array[],
    hub.privateKey,
    LANE_MODEL_HIDDEN,
  );
  const footfall = await benchBundles(FOOTFALL_SPEC, windows.get(FOOTFALL_SPEC) as Float64Array[], hub.privateKey);
  const data: Data = {
    windows,
    origins: Array.from({ length: LANES }, () => ORIGIN_LOCAL_MS),
    bundles: {
      lane: lane.uint8,
      laneFloat32: lane.float32,
      laneCommitted: laneCommitted.uint8,
      footfall: footfall.uint8,
    },
    trusted: new Map([[TRUSTED_KEY_ID, hub.publicKey]]),
  };
  const bundleBytes = (bundle: ModelBundle): number => bundle.manifest.files.reduce((n, f) => n + f.bytes, 0);
  let observed = 0;
  let missing = 0;
  for (const w of windows.get(LANE_SPEC) as Float64Array[])
    for (const v of w)
      if (Number.isNaN(v)) missing++;
      else observed += v;

  const wasm = { ...(await batches(data, BATCHES, ROUNDS)), ...(await details(data, ROUNDS)) };
  await useBackend('cpu');
  const cpu = { ...(await batches(data, BATCHES, CPU_ROUNDS)), ...(await details(data, CPU_ROUNDS)) };
  await useBackend('wasm');
  const wasmAfterMs = (await batches(data, [LANES], ROUNDS)).ms.get(LANES) as number;

  const common = {
    wasmFlags,
    wasmInitMs,
    tfjsNode: 'not installable here (optional peer of @aisle/edge): not measured',
    model: {
      hidden: HIDDEN,
      inputs: featureCount(LANE_SPEC),
      spec: { ...LANE_SPEC, holidays: LANE_SPEC.holidays?.length },
      bundleBytes: { uint8: bundleBytes(lane.uint8), float32: bundleBytes(lane.float32) },
    },
    data: {
      lanes: LANES,
      meanUnitsPerHour: round3(observed / (LANES * LANE_SPEC.window - missing)),
      missingShare: round3(missing / (LANES * LANE_SPEC.window)),
      seed: SEED,
    },
    rounds: { wasm: ROUNDS, cpu: CPU_ROUNDS },
    loadAvg1m: round1(loadavg()[0] ?? 0),
  };
  const target = `≤ ${TARGET_MS} ms per ${LANES}-lane batch on wasm and ratio (cpu ms ÷ wasm ms) ≥ ${TARGET_SPEEDUP}`;
  const model = `MLP ${featureCount(LANE_SPEC)}→${HIDDEN.join('→')}→${LANE_SPEC.horizon}, uint8 bundle`;
  const speed = (n: number, wasmMs: number, cpuMs: number, extra: Record<string, unknown>) =>
    report({
      bench: 'edge/inference',
      figure: `forecasts for ${n} lanes in one batch, LoadedModel.predict as the gateway runs it (encode, one tfjs predict over all rows, output read outside tidy, decode, intervals; ${model}), tfjs wasm`,
      value: seriesPerSecond(wasmMs, n),
      unit: 'series/s',
      anchor: {
        name: 'the same batch, code and bundle on the tfjs cpu backend, same process',
        value: seriesPerSecond(cpuMs, n),
        unit: 'series/s',
      },
      ratio: round1(cpuMs / wasmMs),
      ...(n === LANES ? { target, met: wasmMs <= TARGET_MS && cpuMs / wasmMs >= TARGET_SPEEDUP } : {}),
      batchMs: { wasm: wasmMs, cpu: cpuMs },
      ...extra,
      ...common,
    });

  const wasm5k = round1(((wasm.ms.get(LANES) as number) + wasmAfterMs) / 2);
  const whereTheTimeGoes = (r: typeof wasm) => ({
    ...r.parts,
    sum: round1(r.parts.encode + r.parts.tfjsModel + r.parts.decodeAndIntervals),
  });
  speed(500, wasm.ms.get(500) as number, cpu.ms.get(500) as number, {});
  speed(LANES, wasm5k, cpu.ms.get(LANES) as number, {
    wasmBeforeAfterMs: [wasm.ms.get(LANES), wasmAfterMs],
    whereTheTimeGoesMs: { wasm: whereTheTimeGoes(wasm), cpu: whereTheTimeGoes(cpu) },
    backendsDisagreeBy: disagreement(wasm.means, cpu.means),
  });
  report({
    bench: 'edge/inference',
    figure: `forecasts for ${LANES} lanes with the committed lane model's size (MLP ${featureCount(LANE_SPEC)}→${LANE_MODEL_HIDDEN.join('→')}→${LANE_SPEC.horizon}), tfjs wasm`,
    value: seriesPerSecond(wasm.laneCommittedMs, LANES),
    unit: 'series/s',
    anchor: { name: 'same on tfjs cpu', value: seriesPerSecond(cpu.laneCommittedMs, LANES), unit: 'series/s' },
    ratio: round1(cpu.laneCommittedMs / wasm.laneCommittedMs),
    batchMs: { wasm: wasm.laneCommittedMs, cpu: cpu.laneCommittedMs },
    ...common,
  });
  report({
    bench: 'edge/inference',
    figure: `forecasts for ${LANES} series with the committed footfall model's shape (window 336: ${featureCount(FOOTFALL_SPEC)} inputs), tfjs wasm`,
    value: seriesPerSecond(wasm.footfallMs, LANES),
    unit: 'series/s',
    anchor: { name: 'same on tfjs cpu', value: seriesPerSecond(cpu.footfallMs, LANES), unit: 'series/s' },
    ratio: round1(cpu.footfallMs / wasm.footfallMs),
    batchMs: { wasm: wasm.footfallMs, cpu: cpu.footfallMs },
    ...common,
  });
  report({
    bench: 'edge/inference',
    figure: 'verify + load + self-test of the uint8 lane bundle (verifyBundle, LoadedModel.load), tfjs wasm',
    value: wasm.loadMs.uint8,
    unit: 'ms',
    anchor: { name: 'same for the float32 bundle, tfjs wasm', value: wasm.loadMs.float32, unit: 'ms' },
    ratio: round3(wasm.loadMs.uint8 / wasm.loadMs.float32),
    cpuLoadMs: cpu.loadMs,
    loads: LOADS,
    ...common,
  });

  const shared = {
    bundleDir: join(dir, 'lane-uint8'),
    salesPath: join(dir, 'sales.f64'),
    lanes: LANES,
    hours,
    originLocalMs: ORIGIN_LOCAL_MS,
    keyId: TRUSTED_KEY_ID,
    publicKeyPem: hub.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    tolerance: TOLERANCE,
  };
  writeSales(shared.salesPath, sales);
  writeBundle(shared.bundleDir, lane.uint8);
  const rssOf = (backend: 'wasm' | 'cpu') => askChild<RssRequest, RssReply>('inference-rss', { ...shared, backend });
  const rssWasm = await rssOf('wasm');
  const rssCpu = await rssOf('cpu');
  report({
    bench: 'edge/inference',
    figure: `RSS of a fresh process with the uint8 lane model loaded (tfjs wasm, verified and self-tested)`,
    value: rssWasm.mib.loaded,
    unit: 'MiB',
    anchor: {
      name: 'the same process before loading the model (node, tfjs, wasm backend, edge model code)',
      value: rssWasm.mib.runtime,
      unit: 'MiB',
    },
    ratio: round3(rssWasm.mib.loaded / rssWasm.mib.runtime),
    stagesMiB: { wasm: rssWasm.mib, cpu: rssCpu.mib },
    tensorBytes: rssWasm.tensorBytes,
    ...common,
  });

  const { salesPath, keyId, publicKeyPem } = shared;
  const gateways = await gatewayRuns(dir, lane.uint8, {
    salesPath,
    hours,
    keyId,
    publicKeyPem,
    lanes: LANES,
    nowMs: ORIGIN_LOCAL_MS + 30 * 60_000,
  });
  const byMode = new Map(gateways.map((g) => [g.mode, g]));
  const off = byMode.get('forecasting-off') as GatewayReply;
  const noModel = byMode.get('no-model') as GatewayReply;
  const withModel = byMode.get('model') as GatewayReply;
  report({
    bench: 'edge/inference',
    figure: `RSS of the gateway (Gateway.start, ${LANES} lanes, two weeks of their sales in its history) with the uint8 lane model installed, verified and self-tested at start, after two forecast runs`,
    value: withModel.mib.afterRuns,
    unit: 'MiB',
    anchor: {
      name: 'the same gateway with forecasting on and no model (seasonal-naive baseline), after two runs',
      value: noModel.mib.afterRuns,
      unit: 'MiB',
    },
    ratio: round3(withModel.mib.afterRuns / noModel.mib.afterRuns),
    stagesMiB: Object.fromEntries(gateways.map((g) => [g.mode, g.mib])),
    startMs: Object.fromEntries(gateways.map((g) => [g.mode, g.startMs])),
    ...common,
  });
  report({
    bench: 'edge/inference',
    figure: `the gateway's scheduled forecast run (forecasting.run(): ${LANES} lane windows from SQLite, one batch through the model, seasonal naive beside, a forecast item per lane into the outbox), uint8 lane model, tfjs wasm`,
    value: median(withModel.runMs),
    unit: 'ms',
    anchor: { name: 'the same run without a model (seasonal naive only)', value: median(noModel.runMs), unit: 'ms' },
    ratio: round3(median(withModel.runMs) / median(noModel.runMs)),
    runsMs: Object.fromEntries(gateways.map((g) => [g.mode, g.runMs])),
    longestLoopBlockMs: Object.fromEntries(gateways.map((g) => [g.mode, g.loopMaxMs])),
    laneTask: Object.fromEntries(gateways.map((g) => [g.mode, g.lane])),
    forecastRows: Object.fromEntries(gateways.map((g) => [g.mode, g.forecastRows])),
    backend: withModel.backend,
    forecastingOffMiB: off.mib,
    ...common,
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-bench-inference-'));
  const limit = setTimeout(() => {
    process.stderr.write(`edge inference bench: over ${RUN_LIMIT_MS} ms, stopping\n`);
    rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  }, RUN_LIMIT_MS);
  limit.unref();
  try {
    await run(dir);
  } finally {
    clearTimeout(limit);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
