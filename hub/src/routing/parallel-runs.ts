import { Worker } from 'node:worker_threads';
import type { InstanceFormat, SolvedInstance } from './benchmark-instance.js';
import type { Objective } from './engine/solve.js';
import { defaultWorkerLaunch } from './solver-thread.js';

/**
 * Parallel runs (issue #8: "optional worker threads for parallel runs"): the same instance solved
 * by `threads` independent searches, each in its own `node:worker_threads` thread with its own
 * seed (`seed`, `seed + 1`, …) and the full time budget, and the best result kept — by the
 * objective's order, feasible before infeasible. Independent restarts are the simplest parallel
 * scheme that cannot make the answer worse than one run of the first seed: it is one of them.
 * Each thread reads the file itself, so nothing but paths and results crosses.
 */

export interface ParallelRunsOptions {
  readonly threads: number;
  readonly timeLimitMs: number;
  readonly seed: number;
  readonly objective: Objective;
  readonly format?: InstanceFormat;
  readonly bksPath?: string;
}

export interface RunRequest {
  readonly path: string;
  readonly format?: InstanceFormat;
  readonly bksPath?: string;
  readonly timeLimitMs: number;
  readonly seed: number;
  readonly objective: Objective;
}

export type RunAnswer =
  | { readonly ok: true; readonly result: SolvedInstance }
  | { readonly ok: false; readonly message: string };

export interface ParallelRunsResult {
  readonly best: SolvedInstance;
  readonly bestSeed: number;
  /** Every run, in seed order. */
  readonly runs: readonly { readonly seed: number; readonly result: SolvedInstance }[];
}

/** Whether `a` beats `b` under the objective (the checker's figures; feasible first). */
export function betterRun(a: SolvedInstance, b: SolvedInstance, objective: Objective): boolean {
  if (a.feasible !== b.feasible) return a.feasible;
  if (objective === 'vehicles-then-distance' && a.vehicles !== b.vehicles) return a.vehicles < b.vehicles;
  return a.distance < b.distance;
}

export async function solveInParallel(path: string, options: ParallelRunsOptions): Promise<ParallelRunsResult> {
  if (!(Number.isInteger(options.threads) && options.threads >= 1))
    throw new RangeError(`threads must be a whole number ≥ 1, got ${options.threads}`);
  const launch = defaultWorkerLaunch(import.meta.url, 'parallel-run-worker');
  const seeds = Array.from({ length: options.threads }, (_, k) => options.seed + k);
  const runs = await Promise.all(
    seeds.map(async (seed) => {
      const request: RunRequest = {
        path,
        timeLimitMs: options.timeLimitMs,
        seed,
        objective: options.objective,
        ...(options.format === undefined ? {} : { format: options.format }),
        ...(options.bksPath === undefined ? {} : { bksPath: options.bksPath }),
      };
      return { seed, result: await runInThread(launch, request) };
    }),
  );
  let winner = runs[0];
  if (winner === undefined) throw new RangeError('no run');
  for (const run of runs) if (betterRun(run.result, winner.result, options.objective)) winner = run;
  return { best: winner.result, bestSeed: winner.seed, runs };
}

function runInThread(launch: ReturnType<typeof defaultWorkerLaunch>, request: RunRequest): Promise<SolvedInstance> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(launch.entry, {
      workerData: request,
      ...(launch.execArgv === undefined ? {} : { execArgv: launch.execArgv }),
    });
    let settled = false;
    worker.once('message', (answer: RunAnswer) => {
      settled = true;
      if (answer.ok) resolve(answer.result);
      else reject(new Error(answer.message));
      void worker.terminate();
    });
    worker.once('error', (error) => {
      if (!settled) reject(error);
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`a solver thread (seed ${request.seed}) exited with code ${code}`));
      settled = true;
    });
  });
}
