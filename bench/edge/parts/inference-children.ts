import { fork } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelBundle } from '@aisle/hub/forecast-bundle';
import type { GatewayReply, GatewayRequest } from './inference-gateway.js';

/** The parent's side of `edge/inference`'s child processes (bench/edge/inference.ts). */

/** A fresh child process (`--expose-gc`) running `parts/{part}.js`: one request, one reply. */
export function askChild<Request extends object, Reply>(part: string, request: Request): Promise<Reply> {
  const child = fork(fileURLToPath(new URL(`${part}.js`, import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: ['--expose-gc'],
  });
  const reply = once(child, 'message') as Promise<[Reply]>;
  const exit = once(child, 'exit').then(([code]) => {
    throw new Error(`${part} child exited with ${String(code)} before replying`);
  });
  child.send(request);
  return Promise.race([reply.then(([message]) => message), exit]);
}

/** The bundle installed in a gateway data dir as its runtime keeps an applied offer. */
function installModel(dataDir: string, bundle: ModelBundle): void {
  const files = join(dataDir, 'models', 'files');
  mkdirSync(files, { recursive: true });
  for (const file of bundle.manifest.files)
    writeFileSync(join(files, file.sha256), bundle.files.get(file.path) as Uint8Array);
  const offered = { manifest: bundle.manifest, baseUrl: 'http://127.0.0.1/api/model-files/' };
  writeFileSync(
    join(dataDir, 'models', 'assignments.json'),
    JSON.stringify({ seq: 1, tasks: { 'lane-depletion': { current: { offered } } } }),
  );
}

/**
 * RSS and forecast runs of a real gateway with `lanes` lanes and two weeks of their sales in its
 * history, in three fresh processes: forecasting off, on without a model (the baseline), and on
 * with the uint8 lane model installed.
 */
export async function gatewayRuns(
  dir: string,
  bundle: ModelBundle,
  shared: Omit<GatewayRequest, 'role' | 'mode' | 'dataDir'>,
): Promise<GatewayReply[]> {
  const base = join(dir, 'gateway-base');
  const request = (mode: GatewayRequest['mode'], role: GatewayRequest['role'], dataDir: string): GatewayRequest => ({
    role,
    mode,
    dataDir,
    ...shared,
  });
  const fillStart = performance.now();
  await askChild<GatewayRequest, unknown>('inference-gateway', request('no-model', 'fill', base));
  process.stderr.write(
    `edge inference bench: gateway history filled in ${Math.round(performance.now() - fillStart)} ms\n`,
  );
  const replies: GatewayReply[] = [];
  for (const mode of ['forecasting-off', 'no-model', 'model'] as const) {
    const dataDir = join(dir, `gateway-${mode}`);
    cpSync(base, dataDir, { recursive: true });
    if (mode === 'model') installModel(dataDir, bundle);
    replies.push(await askChild<GatewayRequest, GatewayReply>('inference-gateway', request(mode, 'measure', dataDir)));
    rmSync(dataDir, { recursive: true, force: true });
  }
  return replies;
}
