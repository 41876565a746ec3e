import { parentPort } from 'node:worker_threads';
import { replan } from './engine/replan.js';
import { solve } from './engine/solve.js';
import { modelOf } from './problem-input.js';
import type { SolveRequest, SolverAnswer } from './solver-thread.js';

/**
 * The solver thread's entry (`node:worker_threads`; started by `SolverThread`): each message is one
 * problem as plain `Model` inputs, rebuilt and validated here (`Model.data()`), solved, and answered
 * with the result or the error — a problem that throws (a `ProblemError`, a bug) answers with an
 * error and the thread keeps serving. The hub's main thread, and with it ingest, never waits for
 * a solve.
 */
const port = parentPort;
if (port === null) throw new Error('solver-worker.ts runs as a worker thread (SolverThread)');

port.on('message', (request: SolveRequest) => {
  let answer: SolverAnswer;
  try {
    const problem = modelOf(request.input).data();
    // With the active plan's routes, the engine changes as few of them as it can (`engine/replan.ts`).
    const result =
      request.previous === undefined
        ? solve(problem, request.options)
        : replan(problem, request.previous, request.options);
    answer = {
      id: request.id,
      ok: true,
      result: {
        solution: result.routes,
        evaluation: result.evaluation,
        iterations: result.iterations,
        elapsedMs: result.elapsedMs,
        unassigned: result.unassigned,
      },
    };
  } catch (error) {
    const { name, message, code } = error as { name?: string; message?: string; code?: string };
    answer = {
      id: request.id,
      ok: false,
      error: { name: name ?? 'Error', message: message ?? String(error), ...(code === undefined ? {} : { code }) },
    };
  }
  port.postMessage(answer);
});
