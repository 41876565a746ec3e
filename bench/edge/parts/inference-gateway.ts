import { monitorEventLoopDelay } from 'node:perf_hooks';
import { readSales } from './inference-files.js';

/**
 * The gateway child of `edge/inference` (bench/edge/inference.ts): a fresh process (run with
 * `--expose-gc`) that starts a real `Gateway` with the bench's lanes configured, in a data dir the
 * parent prepared, and reports its RSS and the time of its scheduled forecast run.
 *
 * Roles:
 * - `fill`: starts the gateway (forecasting on, no model) and writes the lanes' hourly sales into
 *   its forecasting history through the runtime's own `history` (hour by hour, marking each hour
 *   alive; a NaN is a censored hour), then closes. The parent copies that data dir for each run.
 * - `measure`: starts the gateway as `mode` says (forecasting off; on without a model; on with the
 *   model the parent installed in `models/`, which `Gateway.start` verifies, loads and self-tests),
 *   settles, then runs the forecast schedule twice (`forecasting.run()`: history windows from
 *   SQLite, one batch per task, baseline beside, a forecast item per lane into the outbox), timing
 *   each and watching the event loop's longest wait during it.
 */

export interface GatewayRequest {
  readonly role: 'fill' | 'measure';
  readonly mode: 'forecasting-off' | 'no-model' | 'model';
  readonly dataDir: string;
  readonly lanes: number;
  readonly salesPath: string;
  readonly hours: number;
  /** The gateway's clock: UTC ms (the site's zone is UTC). */
  readonly nowMs: number;
  readonly keyId: string;
  readonly publicKeyPem: string;
}

export interface GatewayReply {
  readonly mode: string;
  readonly mib: {
    readonly bare: number;
    readonly started: number;
    readonly afterRuns: number;
    readonly peak: number;
  };
  /** Wall ms of each `forecasting.run()` (every lane and door, one batch per task). */
  readonly runMs: readonly number[];
  /** The longest the event loop waited during each run (ms, sampled every 10 ms): its longest block. */
  readonly loopMaxMs: readonly number[];
  readonly startMs: number;
  /** What the gateway reports about its lane task after the runs. */
  readonly lane?: { readonly model: string | null; readonly series: number; readonly runMs?: number };
  readonly backend?: string;
  readonly forecastRows: number;
}

const HOUR_MS = 3_600_000;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

function settledMiB(): number {
  gc();
  return Math.round((process.memoryUsage().rss / 1048576) * 10) / 10;
}

export const laneName = (k: number): string => `lane-${String(k).padStart(4, '0')}`;

async function serve(request: GatewayRequest): Promise<GatewayReply | undefined> {
  const bare = settledMiB();
  const startedAt = performance.now();
  const [{ Gateway }, { parseConfig }, { pino }] = await Promise.all([
    import('@aisle/edge/gateway'),
    import('@aisle/edge/config'),
    import('pino'),
  ]);
  const config = parseConfig({
    site: 'store-bench',
    gateway: 'gw-bench',
    dataDir: request.dataDir,
    broker: { host: '127.0.0.1', port: 0 },
    lanes: Array.from({ length: request.lanes }, (_, k) => ({
      lane: laneName(k),
      device: `scale-${String(Math.floor(k / 8)).padStart(4, '0')}`,
      sku: `sku-${k % 400}`,
      unitGrams: 250,
      capacity: 24,
    })),
    http: { host: '127.0.0.1', port: 0 },
    log: { level: 'silent' },
    forecasting: {
      enabled: request.mode !== 'forecasting-off',
      backend: 'wasm',
      timeZone: 'UTC',
      trustedKeys: [{ keyId: request.keyId, publicKeyPem: request.publicKeyPem }],
    },
  });
  const now = (): number => request.nowMs;
  const gateway = await Gateway.start(config, pino({ level: 'silent' }), now);
  const startMs = Math.round(performance.now() - startedAt);
  try {
    if (request.role === 'fill') {
      const history = gateway.forecasting?.history;
      if (history === undefined) throw new Error('fill: the gateway started without forecasting');
      const sales = readSales(request.salesPath);
      const first = request.nowMs - (request.nowMs % HOUR_MS) - request.hours * HOUR_MS;
      for (let i = 0; i < request.hours; i++) {
        const ts = first + i * HOUR_MS;
        history.alive(ts);
        for (let k = 0; k < request.lanes; k++) {
          const v = sales[k * request.hours + i] as number;
          if (Number.isNaN(v)) history.censor(`lane:${laneName(k)}`, ts);
          else if (v > 0) history.add(`lane:${laneName(k)}`, ts, v);
        }
      }
      return undefined;
    }
    const started = settledMiB();
    const runMs: number[] = [];
    const loopMaxMs: number[] = [];
    const depth0 = gateway.outbox.stats().depth;
    if (gateway.forecasting !== undefined)
      for (let i = 0; i < 2; i++) {
        const loop = monitorEventLoopDelay({ resolution: 10 });
        loop.enable();
        const t0 = performance.now();
        await gateway.forecasting.run();
        runMs.push(Math.round(performance.now() - t0));
        // One more turn, so a block at the end of the run is sampled too.
        await new Promise((resolve) => setTimeout(resolve, 20));
        loop.disable();
        loopMaxMs.push(Math.round(loop.max / 1e6));
      }
    // The forecasts are committed by the append buffer after the run: wait for them (bounded).
    const expected = depth0 + runMs.length * request.lanes;
    for (let waited = 0; gateway.outbox.stats().depth < expected && waited < 10_000; waited += 20)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const afterRuns = settledMiB();
    const state = gateway.forecasting?.state();
    const lane = state?.tasks.find((t) => t.task === 'lane-depletion');
    return {
      mode: request.mode,
      mib: { bare, started, afterRuns, peak: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10 },
      runMs,
      loopMaxMs,
      startMs,
      ...(lane === undefined
        ? {}
        : {
            lane: {
              model: lane.model === null ? null : `${lane.model.name} ${lane.model.version} ${lane.model.quant}`,
              series: lane.series,
              ...(lane.runMs === undefined ? {} : { runMs: Math.round(lane.runMs) }),
            },
          }),
      ...(state === undefined ? {} : { backend: state.backend }),
      forecastRows: gateway.outbox.stats().depth - depth0,
    };
  } finally {
    await gateway.close();
  }
}

process.once('message', (request: GatewayRequest) => {
  serve(request).then(
    (reply) => process.send?.(reply ?? {}, () => process.exit(0)),
    (error: unknown) => {
      process.stderr.write(`edge inference bench, gateway child: ${String(error)}\n`);
      process.exit(1);
    },
  );
});
process.on('disconnect', () => process.exit(0));
