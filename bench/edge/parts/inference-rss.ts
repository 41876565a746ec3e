import { createPublicKey } from 'node:crypto';
import { readBundle, readSales, windowsOf } from './inference-files.js';

/**
 * The memory child of `edge/inference` (bench/edge/inference.ts): a fresh process (run with
 * `--expose-gc`) that loads one model the way the gateway does and reports its RSS at each stage,
 * so the numbers carry nothing of the bench's own work. Stages: bare (node and this file), runtime
 * (tfjs, the backend, the edge's model code: `@aisle/edge/loaded-model`), model loaded (bundle read, verified, loaded,
 * self-tested; the file bytes dropped as the gateway drops them), after forecasting every lane
 * three times (windows in memory), and the peak.
 */

export interface RssRequest {
  readonly backend: 'wasm' | 'cpu';
  readonly bundleDir: string;
  readonly salesPath: string;
  readonly lanes: number;
  readonly hours: number;
  readonly originLocalMs: number;
  readonly keyId: string;
  readonly publicKeyPem: string;
  readonly tolerance: number;
}

export interface RssReply {
  readonly backend: string;
  readonly mib: {
    readonly bare: number;
    readonly runtime: number;
    readonly loaded: number;
    readonly afterForecasts: number;
    readonly peak: number;
  };
  /** tfjs' own count of tensor bytes with the model loaded. */
  readonly tensorBytes: number;
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

function settledMiB(): number {
  gc();
  return Math.round((process.memoryUsage().rss / 1048576) * 10) / 10;
}

async function measure(request: RssRequest): Promise<RssReply> {
  const bare = settledMiB();
  const tf = await import('@tensorflow/tfjs');
  const { selectBackend } = await import('@aisle/edge/tf-backend');
  const { verifyBundle } = await import('@aisle/protocols/model-bundle');
  const { LoadedModel } = await import('@aisle/edge/loaded-model');
  const backend = await selectBackend(request.backend);
  const runtime = settledMiB();

  const model = await (async () => {
    const { manifest, files } = readBundle(request.bundleDir);
    const trusted = new Map([[request.keyId, createPublicKey(request.publicKeyPem)]]);
    const checked = verifyBundle(manifest, files, trusted);
    if (!checked.ok) throw new Error(`bundle refused: ${checked.reason} ${checked.detail}`);
    return LoadedModel.load(checked.manifest, files, request.tolerance);
  })();
  const loaded = settledMiB();
  const tensorBytes = tf.memory().numBytes;

  const spec = model.manifest.features;
  const windows = windowsOf(readSales(request.salesPath), request.lanes, request.hours, spec);
  const origins = windows.map(() => request.originLocalMs);
  for (let i = 0; i < 3; i++) model.predict(windows, origins);
  const afterForecasts = settledMiB();
  const peak = Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
  model.dispose();
  return { backend, mib: { bare, runtime, loaded, afterForecasts, peak }, tensorBytes };
}

process.once('message', (request: RssRequest) => {
  measure(request).then(
    (reply) => process.send?.(reply, () => process.exit(0)),
    (error: unknown) => {
      process.stderr.write(`edge inference bench, rss child: ${String(error)}\n`);
      process.exit(1);
    },
  );
});
process.on('disconnect', () => process.exit(0));
