import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Evaluation } from './engine/evaluate.js';
import type { Solution } from './engine/solution.js';
import type { Objective } from './engine/solve.js';
import type { ProblemInput } from './problem-input.js';

/**
 * The solver's own thread, seen from the hub: `solve(input, options)` posts the problem (plain
 * data, see `problem-input.ts`) to a `node:worker_threads` Worker running `solver-worker.ts` and
 * resolves with its answer, so a 2–10 s solve never blocks ingest or HTTP on the main thread.
 *
 * One solve runs at a time; at most `maxQueued` wait behind it, one more is refused at once with
 * `SolverBusyError` (counted). A solve that throws in the thread rejects with `SolverFailedError`
 * carrying the engine's message; a thread that dies or overruns its budget (`timeLimitMs` × 2 +
 * 30 s) is terminated, its solve rejected, and a fresh thread serves the next one.
 *
 * Where the thread's code is: `solver-worker.js` beside this module in `dist/`. When the hub runs
 * from its TypeScript sources (vitest, or node with the repo's TypeScript hooks, as the tests and
 * the demo run it) this module is `solver-thread.ts`: the worker is `solver-worker.ts`, started
 * with `--conditions=aisle-source` and the same hooks (`test/helpers/ts-register.mjs`) those runs
 * use, since Node 20 cannot run TypeScript by itself.
 */

export interface SolveRequestOptions {
  readonly timeLimitMs: number;
  readonly seed: number;
  readonly objective: Objective;
}

export interface SolveRequest {
  readonly id: number;
  readonly input: ProblemInput;
  readonly options: SolveRequestOptions;
  /** The routes in force, in this problem's indices: re-plan from them, changing as few as possible. */
  readonly previous?: Solution;
}

export interface SolvedProblem {
  readonly solution: Solution;
  readonly evaluation: Evaluation;
  readonly iterations: number;
  readonly elapsedMs: number;
  /** Required jobs the best solution leaves out (engine job indices). */
  readonly unassigned: readonly number[];
}

export type SolverAnswer =
  | { readonly id: number; readonly ok: true; readonly result: SolvedProblem }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: { readonly name: string; readonly message: string; readonly code?: string };
    };

export class SolverBusyError extends Error {
  override readonly name = 'SolverBusyError';
}

export class SolverFailedError extends Error {
  override readonly name = 'SolverFailedError';
}

export interface WorkerLaunch {
  readonly entry: URL;
  readonly execArgv?: string[];
}

/** A worker entry beside this module (default the solver thread's) and its node flags (file comment). */
export function defaultWorkerLaunch(here: string = import.meta.url, name = 'solver-worker'): WorkerLaunch {
  if (!here.endsWith('.ts')) return { entry: new URL(`./${name}.js`, here) };
  const hooks = fileURLToPath(new URL('../../../test/helpers/ts-register.mjs', here));
  return { entry: new URL(`./${name}.ts`, here), execArgv: ['--conditions=aisle-source', '--import', hooks] };
}

export interface SolverThreadOptions {
  readonly maxQueued: number;
  readonly metrics: Registry;
  readonly launch?: WorkerLaunch;
}

interface Pending {
  readonly request: SolveRequest;
  readonly resolve: (result: SolvedProblem) => void;
  readonly reject: (error: Error) => void;
}

const GRACE_MS = 30_000;

export class SolverThread {
  readonly #options: SolverThreadOptions;
  readonly #launch: WorkerLaunch;
  readonly #queue: Pending[] = [];
  #running: (Pending & { timer: NodeJS.Timeout }) | undefined;
  #worker: Worker | undefined;
  #nextId = 1;
  #closed = false;
  readonly #metrics: { solves: Counter<'outcome'>; queued: Gauge; restarts: Counter };

  constructor(options: SolverThreadOptions) {
    this.#options = options;
    this.#launch = options.launch ?? defaultWorkerLaunch();
    const registers = [options.metrics];
    this.#metrics = {
      solves: new Counter({
        name: 'aisle_hub_routing_solves_total',
        help: 'Solves asked of the solver thread, by outcome (ok, failed, refused: routing.solve.maxQueued waiting)',
        labelNames: ['outcome'],
        registers,
      }),
      queued: new Gauge({
        name: 'aisle_hub_routing_solves_queued',
        help: 'Solves waiting for the solver thread (bound: routing.solve.maxQueued)',
        registers,
      }),
      restarts: new Counter({
        name: 'aisle_hub_routing_solver_restarts_total',
        help: 'Solver threads terminated (died or overran their budget) and replaced',
        registers,
      }),
    };
  }

  solve(input: ProblemInput, options: SolveRequestOptions, previous?: Solution): Promise<SolvedProblem> {
    if (this.#closed) return Promise.reject(new SolverFailedError('the solver thread is closed'));
    if (this.#running !== undefined && this.#queue.length >= this.#options.maxQueued) {
      this.#metrics.solves.inc({ outcome: 'refused' });
      return Promise.reject(
        new SolverBusyError(`${this.#queue.length} solves are waiting already (routing.solve.maxQueued)`),
      );
    }
    return new Promise((resolve, reject) => {
      const request = { id: this.#nextId++, input, options, ...(previous === undefined ? {} : { previous }) };
      this.#queue.push({ request, resolve, reject });
      this.#metrics.queued.set(this.#queue.length);
      this.#next();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const pending of this.#queue.splice(0)) pending.reject(new SolverFailedError('the hub is stopping'));
    this.#finish(undefined, new SolverFailedError('the hub is stopping'));
    await this.#worker?.terminate();
    this.#worker = undefined;
  }

  #next(): void {
    if (this.#running !== undefined || this.#closed) return;
    const pending = this.#queue.shift();
    this.#metrics.queued.set(this.#queue.length);
    if (pending === undefined) return;
    const worker = this.#thread();
    const budget = pending.request.options.timeLimitMs * 2 + GRACE_MS;
    const timer = setTimeout(() => this.#fail(`the solve overran ${budget} ms`), budget);
    timer.unref();
    this.#running = { ...pending, timer };
    worker.postMessage(pending.request);
  }

  #thread(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = new Worker(this.#launch.entry, {
      ...(this.#launch.execArgv === undefined ? {} : { execArgv: this.#launch.execArgv }),
    });
    worker.unref();
    worker.on('message', (answer: SolverAnswer) => {
      if (answer.id !== this.#running?.request.id) return;
      if (answer.ok) this.#finish(answer.result);
      else this.#finish(undefined, new SolverFailedError(`${answer.error.name}: ${answer.error.message}`));
    });
    worker.on('error', (error) => this.#fail(`the solver thread failed: ${error.message}`, worker));
    worker.on('exit', (code) => this.#fail(`the solver thread exited with code ${code}`, worker));
    this.#worker = worker;
    return worker;
  }

  /** The thread is gone or stuck: end it, fail its solve, serve the queue with a new one. */
  #fail(message: string, worker: Worker | undefined = this.#worker): void {
    if (worker === undefined || worker !== this.#worker) return;
    this.#worker = undefined;
    if (!this.#closed) this.#metrics.restarts.inc();
    void worker.terminate();
    this.#finish(undefined, new SolverFailedError(message));
  }

  #finish(result: SolvedProblem | undefined, error?: Error): void {
    const running = this.#running;
    if (running === undefined) return;
    this.#running = undefined;
    clearTimeout(running.timer);
    if (result !== undefined) {
      this.#metrics.solves.inc({ outcome: 'ok' });
      running.resolve(result);
    } else {
      this.#metrics.solves.inc({ outcome: 'failed' });
      running.reject(error ?? new SolverFailedError('the solve failed'));
    }
    this.#next();
  }
}
