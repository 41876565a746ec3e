import { Worker } from 'node:worker_threads';
import type { RecommendationApiError } from '@aisle/protocols';
import { defaultWorkerLaunch, type WorkerLaunch } from '../routing/solver-thread.js';
import type { TrainingBasket, TrainingSummary } from './engine/serving.js';
import type { SessionCall, SessionInput } from './serving-session.js';

/**
 * A model thread seen from the hub's main thread: one `node:worker_threads` Worker running
 * `model-worker.ts`, which trains one model and then answers calls on it. The service keeps one
 * thread serving and starts a new one for each training; when that one is trained it takes the
 * calls and the old one is ended once its calls are answered — so neither training nor scoring
 * ever blocks ingest or HTTP, and a request never sees half a model.
 *
 * A call the model refuses rejects with `ModelCallError` carrying its code (`UNKNOWN_SKU`); a
 * thread that dies rejects everything pending with `ModelThreadError` and reports through
 * `onExit`. Worker entry and flags as for the routing solver thread (`defaultWorkerLaunch`).
 */
export type ModelMessage =
  | { readonly type: 'baskets'; readonly baskets: readonly TrainingBasket[] }
  | { readonly type: 'train'; readonly id: number; readonly input: Omit<SessionInput, 'baskets'> }
  | { readonly type: 'call'; readonly id: number; readonly call: SessionCall }
  | { readonly type: 'stock'; readonly site: string; readonly skus: readonly string[] };

export type ModelAnswer =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: { readonly name: string; readonly message: string; readonly code?: string };
    };

export class ModelCallError extends Error {
  override readonly name = 'ModelCallError';
  constructor(
    readonly code: RecommendationApiError,
    message: string,
  ) {
    super(message);
  }
}

export class ModelThreadError extends Error {
  override readonly name = 'ModelThreadError';
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

export class ModelThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #gone: Error | undefined;
  #exitListener: ((error: Error) => void) | undefined;
  #drained: (() => void) | undefined;

  constructor(launch: WorkerLaunch = defaultWorkerLaunch(import.meta.url, 'model-worker')) {
    this.#worker = new Worker(launch.entry, launch.execArgv === undefined ? {} : { execArgv: launch.execArgv });
    this.#worker.unref();
    this.#worker.on('message', (answer: ModelAnswer) => {
      const pending = this.#pending.get(answer.id);
      if (pending === undefined) return;
      this.#pending.delete(answer.id);
      if (answer.ok) pending.resolve(answer.result);
      else if (answer.error.code !== undefined)
        pending.reject(new ModelCallError(answer.error.code as RecommendationApiError, answer.error.message));
      else pending.reject(new ModelThreadError(`${answer.error.name}: ${answer.error.message}`));
      if (this.#pending.size === 0) this.#drained?.();
    });
    this.#worker.on('error', (error) => this.#end(new ModelThreadError(`the model thread failed: ${error.message}`)));
    this.#worker.on('exit', (code) => this.#end(new ModelThreadError(`the model thread exited with code ${code}`)));
  }

  /** Calls waiting for an answer. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Called once if the thread dies (not after `close`). */
  onExit(listener: (error: Error) => void): void {
    this.#exitListener = listener;
  }

  /**
   * Baskets for the next `train`, sent a page at a time as they are read: one message of a whole
   * window (120,000 baskets) is a structured clone that holds the main thread for over a second.
   */
  addBaskets(baskets: readonly TrainingBasket[]): void {
    if (this.#gone === undefined) this.#worker.postMessage({ type: 'baskets', baskets } satisfies ModelMessage);
  }

  /** Trains on the baskets added so far. */
  train(input: Omit<SessionInput, 'baskets'>): Promise<TrainingSummary> {
    return this.#send((id) => ({ type: 'train', id, input })) as Promise<TrainingSummary>;
  }

  call<T>(call: SessionCall): Promise<T> {
    return this.#send((id) => ({ type: 'call', id, call })) as Promise<T>;
  }

  setOutOfStock(site: string, skus: readonly string[]): void {
    if (this.#gone === undefined) this.#worker.postMessage({ type: 'stock', site, skus } satisfies ModelMessage);
  }

  /** Ends the thread once its pending calls are answered (at most `graceMs` later). */
  async close(graceMs = 0): Promise<void> {
    if (this.#pending.size > 0 && graceMs > 0)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.#drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    this.#exitListener = undefined;
    this.#end(new ModelThreadError('the model thread was replaced or the hub is stopping'));
    await this.#worker.terminate();
  }

  #send(message: (id: number) => ModelMessage): Promise<unknown> {
    if (this.#gone !== undefined) return Promise.reject(this.#gone);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage(message(id));
    });
  }

  #end(error: Error): void {
    if (this.#gone !== undefined) return;
    this.#gone = error;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    this.#drained?.();
    this.#exitListener?.(error);
  }
}
