import { parentPort, workerData } from 'node:worker_threads';
import { loadInstance, solveInstance } from './benchmark-instance.js';
import type { RunAnswer, RunRequest } from './parallel-runs.js';

/** One of `solveInParallel`'s threads: reads the instance, solves it with its seed, answers once. */
const port = parentPort;
if (port === null) throw new Error('parallel-run-worker.ts runs as a worker thread (solveInParallel)');
const request = workerData as RunRequest;
let answer: RunAnswer;
try {
  const instance = loadInstance(request.path, {
    ...(request.format === undefined ? {} : { format: request.format }),
    ...(request.bksPath === undefined ? {} : { bksPath: request.bksPath }),
  });
  const result = solveInstance(instance, {
    timeLimitMs: request.timeLimitMs,
    seed: request.seed,
    objective: request.objective,
  });
  answer = { ok: true, result };
} catch (error) {
  answer = { ok: false, message: (error as Error).message };
}
port.postMessage(answer);
