import { Agent, request } from 'node:http';

/**
 * Closed-loop HTTP load for bench/hub/recommend-serve.ts: `connections` keep-alive connections,
 * each sending its next GET as soon as the previous answer has been read whole, until `requests`
 * answers; so the load is as fast as the hub serves, and latency includes queueing behind the
 * other connections (at 10 connections on a single-threaded hub, p50 is about 10 × the service
 * time). Every answer must be 200 and pass `check` (its parsed JSON), else the phase fails.
 */

/** One block of load: every latency (ms, in order of sending) and the wall time. */
export interface LoadBlock {
  readonly latencies: Float64Array;
  readonly seconds: number;
  readonly bytes: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  readonly meanBytes: number;
}

export interface LoadOptions {
  readonly baseUrl: string;
  readonly token: string;
  /** Paths, taken in turn (request k gets paths[k % paths.length]). */
  readonly paths: readonly string[];
  readonly requests: number;
  readonly connections: number;
  readonly check: (body: unknown, path: string) => string | undefined;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** Percentiles and throughput over blocks of the same phase (requests/s: all answers over the blocks' wall time). */
export function summarizeBlocks(blocks: readonly LoadBlock[]): LoadResult {
  const requests = blocks.reduce((n, b) => n + b.latencies.length, 0);
  const all = new Float64Array(requests);
  let at = 0;
  for (const b of blocks) {
    all.set(b.latencies, at);
    at += b.latencies.length;
  }
  all.sort();
  const seconds = blocks.reduce((s, b) => s + b.seconds, 0);
  return {
    requests,
    seconds: round2(seconds),
    requestsPerSecond: Math.round(requests / seconds),
    latencyMs: {
      p50: round2(percentile(all, 0.5)),
      p90: round2(percentile(all, 0.9)),
      p99: round2(percentile(all, 0.99)),
      max: round2(all[all.length - 1] as number),
    },
    meanBytes: Math.round(blocks.reduce((n, b) => n + b.bytes, 0) / requests),
  };
}

export async function load(options: LoadOptions): Promise<LoadBlock> {
  const url = new URL(options.baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies = new Float64Array(options.requests);
  let next = 0;
  let bytes = 0;
  const one = (path: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path,
          method: 'GET',
          agent,
          headers: { authorization: `Bearer ${options.token}`, accept: 'application/json' },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          response.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  const worker = async () => {
    for (;;) {
      const k = next++;
      if (k >= options.requests) return;
      const path = options.paths[k % options.paths.length] as string;
      const started = performance.now();
      const { status, body } = await one(path);
      latencies[k] = performance.now() - started;
      bytes += body.length;
      if (status !== 200) throw new Error(`GET ${path}: ${status} ${body.slice(0, 300)}`);
      const problem = options.check(JSON.parse(body), path);
      if (problem !== undefined) throw new Error(`GET ${path}: ${problem}`);
    }
  };
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: options.connections }, worker));
  } finally {
    agent.destroy();
  }
  return { latencies, seconds: (performance.now() - started) / 1000, bytes };
}
