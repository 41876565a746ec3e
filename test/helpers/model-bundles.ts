import type { KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { goldenFor, type ModelBundle, makeBundle, modelArtifacts } from '../../hub/src/forecasting/bundle.js';
import { buildModel } from '../../hub/src/forecasting/engine/global-model.js';
import type { FeatureSpec, ForecastTask, Quantization } from '../../protocols/src/index.js';
import { featureCount } from '../../protocols/src/index.js';
import { GOLDEN_JSON, sha256Hex, signManifest } from '../../protocols/src/model-bundle.js';

/**
 * Small signed model bundles for runtime tests (an untrained MLP with the production feature
 * layout: inference and its checks do not depend on training), and a file server that serves them
 * by sha256 as the hub does, with faults on demand (cut connections, corrupted or oversized bodies).
 */

export const LANE_SPEC: FeatureSpec = {
  granularity: 'hour',
  window: 168,
  horizon: 24,
  calendar: ['hour-of-day', 'day-of-week'],
  scaling: 'mean-abs',
  timeZone: 'UTC',
};

export async function testBundle(options: {
  readonly signer: { readonly keyId: string; readonly privateKey: KeyObject };
  readonly version: string;
  readonly seed?: number;
  readonly task?: ForecastTask;
  readonly quant?: Quantization;
  readonly spec?: FeatureSpec;
}): Promise<ModelBundle> {
  const spec = options.spec ?? LANE_SPEC;
  const model = buildModel(spec, { hidden: [16], learningRate: 0.001, seed: options.seed ?? 1 });
  const artifacts = await modelArtifacts(model);
  model.dispose();
  const quant = options.quant ?? 'uint8';
  const width = featureCount(spec);
  const input = [0, 1, 2].map((k) => Array.from({ length: width }, (_, i) => ((i * 7 + k * 3) % 11) / 5));
  const golden = await goldenFor(artifacts, quant, input);
  return makeBundle(
    artifacts,
    {
      name: options.task ?? 'lane-depletion',
      version: options.version,
      task: options.task ?? 'lane-depletion',
      features: spec,
      quant,
      metrics: { mase: 0.8 },
      createdAt: Date.UTC(2026, 11, 1),
      golden,
      intervals: {
        level: 0.8,
        lower: new Float64Array(spec.horizon).fill(-0.5),
        upper: new Float64Array(spec.horizon).fill(0.5),
      },
    },
    options.signer,
  );
}

/**
 * The bundle as `version`, with a golden.json whose outputs its weights do not give (each output
 * `v` becomes `2v + 1`), honestly signed: only the gateway's self-test can tell.
 */
export function withBrokenSelfTest(
  bundle: ModelBundle,
  version: string,
  signer: { readonly keyId: string; readonly privateKey: KeyObject },
): ModelBundle {
  const golden = JSON.parse(new TextDecoder().decode(bundle.files.get(GOLDEN_JSON))) as { output: number[][] };
  golden.output = golden.output.map((row) => row.map((v) => v * 2 + 1));
  const bytes = new TextEncoder().encode(JSON.stringify(golden));
  const files = new Map(bundle.files);
  files.set(GOLDEN_JSON, bytes);
  const manifest = signManifest(
    {
      ...bundle.manifest,
      version,
      files: bundle.manifest.files.map((f) =>
        f.path === GOLDEN_JSON ? { path: f.path, bytes: bytes.byteLength, sha256: sha256Hex(bytes) } : f,
      ),
    },
    signer.keyId,
    signer.privateKey,
  );
  return { manifest, files };
}

export interface ServedRequest {
  readonly sha256: string;
  readonly range: string | undefined;
}

/** Serves files at `/{sha256}` with `Range: bytes=N-`; each fault applies to the next request only. */
export class BundleServer {
  readonly requests: ServedRequest[] = [];
  readonly #files = new Map<string, Uint8Array>();
  readonly #server: Server;
  /** Send only this many bytes of the next full response, then cut the connection. */
  cutNextAfter: number | undefined;
  /** Serve these files with one byte flipped. */
  readonly corrupt = new Set<string>();
  /** Serve these files with extra bytes appended. */
  readonly oversize = new Set<string>();

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<BundleServer> {
    const server = createServer();
    const self = new BundleServer(server);
    server.on('request', (req, res) => self.#handle(req.url ?? '', req.headers.range, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return self;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/files/`;
  }

  add(bundle: ModelBundle): void {
    for (const file of bundle.manifest.files) this.#files.set(file.sha256, bundle.files.get(file.path) as Uint8Array);
  }

  #handle(url: string, range: string | undefined, res: import('node:http').ServerResponse): void {
    const sha256 = url.replace(/^\/files\//, '');
    this.requests.push({ sha256, range });
    let body = this.#files.get(sha256);
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    if (this.corrupt.has(sha256)) {
      body = Uint8Array.from(body);
      body[body.length >> 1] = ((body[body.length >> 1] as number) + 1) % 256;
    }
    if (this.oversize.has(sha256)) body = Buffer.concat([body, Buffer.alloc(64, 1)]);
    const from = range === undefined ? 0 : Number(/^bytes=(\d+)-$/.exec(range)?.[1] ?? 0);
    const part = body.subarray(from);
    res.writeHead(
      range === undefined ? 200 : 206,
      range === undefined ? {} : { 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` },
    );
    const cut = this.cutNextAfter;
    if (cut !== undefined) {
      this.cutNextAfter = undefined;
      res.flushHeaders();
      // Give the bytes time to reach the client before the connection drops.
      res.write(part.subarray(0, cut), () => setTimeout(() => res.destroy(), 50));
      return;
    }
    res.end(part);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, 'close');
  }
}
