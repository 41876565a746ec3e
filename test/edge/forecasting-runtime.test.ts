/**
 * The gateway's forecasting runtime: a model offer is verified, fetched (resumed, bounded), checked
 * file by file, self-tested and only then switched in; every tampering leaves the running model in
 * place and says why; without a model the seasonal-naive baseline forecasts; a restart without the
 * hub keeps forecasting with the cached model; and lanes forecast to run empty raise `empty-soon`.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../edge/src/config.js';
import { ForecastRuntime, type LaneNow } from '../../edge/src/forecasting/runtime.js';
import type { ModelBundle } from '../../hub/src/forecasting/bundle.js';
import {
  type Forecast,
  type ModelManifest,
  type ModelRef,
  modelOfferCodec,
  type OfferedModel,
} from '../../protocols/src/index.js';
import { bundleId, signManifest } from '../../protocols/src/model-bundle.js';
import { BundleServer, testBundle, withBrokenSelfTest } from '../helpers/model-bundles.js';

const HOUR = 3_600_000;
const hubKey = generateKeyPairSync('ed25519');
const stranger = generateKeyPairSync('ed25519');
const signer = { keyId: 'hub-1', privateKey: hubKey.privateKey };
const T0 = Date.UTC(2026, 10, 2, 0, 0); // a Monday, 00:00 UTC

let server: BundleServer;
let v1: ModelBundle;
let v2: ModelBundle;
const dirs: string[] = [];
const runtimes: ForecastRuntime[] = [];

interface Harness {
  readonly runtime: ForecastRuntime;
  readonly forecasts: Array<{ forecast: Forecast; model: ModelRef | undefined }>;
  readonly alerts: Array<{ lane: string; at: number | undefined }>;
  readonly clock: { now: number };
  readonly lanes: LaneNow[];
  readonly dataDir: string;
}

async function start(options: { dataDir?: string; lanes?: LaneNow[]; retries?: number } = {}): Promise<Harness> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'aisle-forecast-'));
  if (options.dataDir === undefined) dirs.push(dataDir);
  const { forecasting: config } = parseConfig({
    site: 's1',
    gateway: 'g1',
    forecasting: { fetchRetries: options.retries ?? 2, retryDelayMs: 10, backend: 'wasm' },
  });
  const forecasts: Harness['forecasts'] = [];
  const alerts: Harness['alerts'] = [];
  const clock = { now: T0 + 14 * 24 * HOUR + 30 * 60_000 };
  const lanes = options.lanes ?? [
    { lane: 'a1', units: 5 },
    { lane: 'a2', units: 200 },
  ];
  const runtime = await ForecastRuntime.start({
    config,
    emptySoonMs: 4 * HOUR,
    dataDir,
    trusted: new Map([['hub-1', hubKey.publicKey]]),
    lanes: () => lanes,
    doors: () => ['front'],
    emit: (forecast, model) => forecasts.push({ forecast, model }),
    emptySoon: (lane, at) => alerts.push({ lane, at }),
    logger: pino({ level: 'silent' }),
    metrics: new Registry(),
    now: () => clock.now,
  });
  runtimes.push(runtime);
  return { runtime, forecasts, alerts, clock, lanes, dataDir };
}

/** Two weeks of sales: 2 units per hour on every lane, 10 people per hour at the front door. */
function feed(h: Harness): void {
  for (let t = T0; t < T0 + 14 * 24 * HOUR; t += HOUR) {
    for (const lane of h.lanes) h.runtime.history.add(`lane:${lane.lane}`, t + 60_000, 2);
    h.runtime.history.add('door:front', t + 60_000, 10);
  }
}

let seq = 0;
function offer(...models: OfferedModel[]): Buffer {
  seq += 1;
  return Buffer.from(modelOfferCodec.encode({ v: 1, seq, models }));
}

function offered(bundle: ModelBundle, rollout?: string, manifest: ModelManifest = bundle.manifest): OfferedModel {
  return { manifest, baseUrl: server.baseUrl, ...(rollout === undefined ? {} : { rollout }) };
}

function laneTask(h: Harness) {
  return h.runtime.state().tasks.find((t) => t.task === 'lane-depletion');
}

beforeAll(async () => {
  server = await BundleServer.start();
  v1 = await testBundle({ signer, version: '1.0.0', seed: 1 });
  v2 = await testBundle({ signer, version: '2.0.0', seed: 2 });
  server.add(v1);
  server.add(v2);
}, 60_000);

afterEach(async () => {
  server.requests.length = 0;
  server.corrupt.clear();
  server.oversize.clear();
  server.cutNextAfter = undefined;
  await Promise.all(runtimes.splice(0).map((r) => r.close()));
});

afterAll(async () => {
  await server.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('forecasting runtime', () => {
  it('forecasts with the seasonal-naive baseline until a model is offered, and raises empty-soon', async () => {
    const h = await start();
    feed(h);
    await h.runtime.run();
    const lane = h.forecasts.find((f) => f.forecast.target.id === 'a1');
    expect(lane?.model).toBeUndefined();
    expect(lane?.forecast.mean).toEqual(new Array(24).fill(2));
    // 5 units at 2 per hour, half an hour into the hour (one unit of it already sold): empty at 03:00.
    expect(lane?.forecast.emptyAt?.expected).toBe(T0 + 14 * 24 * HOUR + 3 * HOUR);
    expect(h.alerts).toEqual([
      { lane: 'a1', at: T0 + 14 * 24 * HOUR + 3 * HOUR },
      { lane: 'a2', at: undefined },
    ]);
    const door = h.forecasts.find((f) => f.forecast.target.kind === 'door');
    expect(door?.forecast.mean.reduce((a, b) => a + b, 0)).toBe(240);
    expect(laneTask(h)).toMatchObject({ model: null, baseline: 'seasonal-naive-168', series: 2 });
    expect(h.runtime.state().backend).toBe('wasm');
  });

  it('censors every hour a lane stands empty, up to the hour it is refilled', async () => {
    const h = await start();
    const t = T0 + 24 * HOUR;
    for (let k = 0; k < 8; k++) h.runtime.history.add('lane:a1', t + k * HOUR + 60_000, 3);
    h.runtime.observeLevel('a1', 0, t + 2 * HOUR + 20 * 60_000); // sold out at 02:20
    h.runtime.observeLevel('a1', 0, t + 3 * HOUR); // still empty (a repeated level changes nothing)
    h.runtime.observeLevel('a1', 12, t + 5 * HOUR + 40 * 60_000); // refilled at 05:40
    const window = h.runtime.history.windows(['lane:a1'], h.runtime.history.slotOf(t + 8 * HOUR), 8).get('lane:a1');
    expect(Array.from(window ?? [])).toEqual([3, 3, Number.NaN, Number.NaN, Number.NaN, Number.NaN, 3, 3]);
  });

  it('switches to an offered model after fetching, verifying and self-testing it', async () => {
    const h = await start();
    feed(h);
    await h.runtime.offer(offer(offered(v1, 'r-1')));
    expect(h.runtime.state().lastOffer).toMatchObject({ seq, version: '1.0.0', rollout: 'r-1', outcome: 'active' });
    expect(laneTask(h)).toMatchObject({
      model: { name: 'lane-depletion', version: '1.0.0', sha256: bundleId(v1.manifest), quant: 'uint8' },
      rollout: 'r-1',
    });
    expect(h.runtime.models()).toEqual([expect.objectContaining({ version: '1.0.0', task: 'lane-depletion' })]);
    await h.runtime.run();
    const lane = h.forecasts.find((f) => f.forecast.target.id === 'a1');
    expect(lane?.model).toEqual(expect.objectContaining({ version: '1.0.0', sha256: bundleId(v1.manifest) }));
    expect(lane?.forecast.baseline?.name).toBe('seasonal-naive-168');
    expect(lane?.forecast.mean).toHaveLength(24);
    // Footfall has no model: still the baseline.
    expect(h.forecasts.find((f) => f.forecast.target.kind === 'door')?.model).toBeUndefined();
    // An hour later the first step is observed: live error of the model and of the baseline.
    h.clock.now += HOUR;
    h.runtime.history.add('lane:a1', h.clock.now - HOUR, 2);
    h.runtime.history.add('lane:a2', h.clock.now - HOUR, 2);
    await h.runtime.run();
    expect(laneTask(h)?.live).toMatchObject({ n: 2, baselineMae: 0 });
  });

  it('runs a daily model on the same history (local days summed from hours)', async () => {
    const h = await start();
    feed(h);
    const daily = await testBundle({
      signer,
      version: '1.0.0-daily',
      task: 'footfall',
      spec: {
        granularity: 'day',
        window: 7,
        horizon: 7,
        calendar: ['day-of-week'],
        scaling: 'mean-abs',
        timeZone: 'UTC',
      },
    });
    server.add(daily);
    await h.runtime.offer(offer(offered(daily)));
    expect(h.runtime.state().lastOffer).toMatchObject({ version: '1.0.0-daily', outcome: 'active' });
    await h.runtime.run();
    const door = h.forecasts.find((f) => f.forecast.target.kind === 'door');
    expect(door?.model?.version).toBe('1.0.0-daily');
    expect(door?.forecast).toMatchObject({ task: 'footfall', stepMs: 86_400_000, start: T0 + 14 * 24 * HOUR });
    expect(door?.forecast.mean).toHaveLength(7);
    expect(door?.forecast.baseline).toEqual({ name: 'seasonal-naive-7', mean: new Array(7).fill(240) });
  });

  it('resumes a cut download with a Range request', async () => {
    const h = await start();
    server.cutNextAfter = 100;
    await h.runtime.offer(offer(offered(v1)));
    expect(laneTask(h)?.model?.version).toBe('1.0.0');
    const resumed = server.requests.filter((r) => r.range !== undefined);
    expect(resumed.length).toBeGreaterThanOrEqual(1);
    expect(resumed[0]?.range).toBe('bytes=100-');
  });

  it.each([
    ['corrupted weights', 'FILE_SHA256_MISMATCH'],
    ['a manifest changed after signing', 'SIGNATURE_INVALID'],
    ['a manifest signed by another key', 'SIGNATURE_INVALID'],
    ['a failing self-test', 'SELF_TEST_FAILED'],
    ['more bytes than the manifest says', 'FETCH_TOO_LARGE'],
  ])('keeps the running model on %s and reports %s', async (kind, reason) => {
    const h = await start();
    await h.runtime.offer(offer(offered(v1, 'r-1')));
    expect(laneTask(h)?.model?.version).toBe('1.0.0');
    const weights = v2.manifest.files.find((f) => f.path.startsWith('weights.'))?.sha256 as string;
    let bad: OfferedModel = offered(v2, 'r-2');
    if (kind === 'corrupted weights') server.corrupt.add(weights);
    if (kind === 'more bytes than the manifest says') server.oversize.add(weights);
    if (kind === 'a manifest changed after signing')
      bad = offered(v2, 'r-2', { ...v2.manifest, metrics: { mase: 0.1 } });
    if (kind === 'a manifest signed by another key')
      bad = offered(v2, 'r-2', signManifest(v2.manifest, 'hub-1', stranger.privateKey));
    if (kind === 'a failing self-test') {
      const broken = withBrokenSelfTest(v2, '2.0.1', signer);
      server.add(broken);
      bad = offered(broken, 'r-2');
    }
    await h.runtime.offer(offer(bad));
    expect(h.runtime.state().lastOffer).toMatchObject({ rollout: 'r-2', outcome: 'rejected', reason });
    expect(laneTask(h)).toMatchObject({ model: { version: '1.0.0' }, rollout: 'r-1' });
    await h.runtime.run();
    expect(h.forecasts.find((f) => f.forecast.target.id === 'a1')?.model?.version).toBe('1.0.0');
    // A manifest that fails its signature is refused before any of its files is fetched.
    const v1Files = new Set(v1.manifest.files.map((f) => f.sha256));
    if (kind.startsWith('a manifest')) expect(server.requests.every((r) => v1Files.has(r.sha256))).toBe(true);
  });

  it('rolls back to the previous model without fetching it again, and to the baseline', async () => {
    const h = await start();
    await h.runtime.offer(offer(offered(v1)));
    await h.runtime.offer(offer(offered(v2)));
    expect(laneTask(h)).toMatchObject({ model: { version: '2.0.0' }, previous: { version: '1.0.0' } });
    const before = server.requests.length;
    await h.runtime.offer(offer(offered(v1, 'rollback')));
    expect(laneTask(h)).toMatchObject({ model: { version: '1.0.0' }, previous: { version: '2.0.0' } });
    expect(server.requests.length).toBe(before);
    await h.runtime.offer(offer());
    expect(laneTask(h)).toMatchObject({ model: null, previous: { version: '1.0.0' } });
    // A stale retained offer (older seq) changes nothing.
    await h.runtime.offer(Buffer.from(modelOfferCodec.encode({ v: 1, seq: 1, models: [offered(v2)] })));
    expect(laneTask(h)?.model).toBeNull();
  });

  it('keeps forecasting with the cached model after a restart while the hub is unreachable', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aisle-forecast-'));
    dirs.push(dataDir);
    const first = await start({ dataDir });
    feed(first);
    await first.runtime.offer(offer(offered(v1)));
    await first.runtime.close();
    runtimes.splice(runtimes.indexOf(first.runtime), 1);
    const unreachable = { ...offered(v2), baseUrl: 'http://127.0.0.1:9/files/' };
    const second = await start({ dataDir, retries: 0 });
    expect(laneTask(second)?.model?.version).toBe('1.0.0');
    await second.runtime.run();
    const lane = second.forecasts.find((f) => f.forecast.target.id === 'a1');
    expect(lane?.model?.version).toBe('1.0.0');
    expect(lane?.forecast.baseline?.mean).toEqual(new Array(24).fill(2)); // history survived the restart
    await second.runtime.offer(offer(unreachable));
    expect(second.runtime.state().lastOffer).toMatchObject({
      version: '2.0.0',
      outcome: 'rejected',
      reason: 'FETCH_FAILED',
    });
    expect(laneTask(second)?.model?.version).toBe('1.0.0');
  });
});
