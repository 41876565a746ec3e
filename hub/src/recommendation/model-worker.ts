import { parentPort } from 'node:worker_threads';
import type { TrainingBasket } from './engine/serving.js';
import type { ModelAnswer, ModelMessage } from './model-thread.js';
import { ServingSession, SessionError } from './serving-session.js';

/**
 * A model thread's entry (`node:worker_threads`, started by `ModelThread`): it trains one
 * `ServingSession` from the baskets it is sent, then answers calls on it until the hub replaces it
 * with the next thread's model. Training (EASE's inverse, the basket pairs: seconds to tens of
 * seconds on a large catalogue) and scoring (a pass over the catalogue per request) both run here,
 * never on the hub's main thread, which keeps serving ingest and HTTP.
 */
const port = parentPort;
if (port === null) throw new Error('model-worker.ts runs as a worker thread (ModelThread)');

let session: ServingSession | undefined;
/** Baskets sent for the training, page by page. */
let baskets: TrainingBasket[] = [];
/** Stock lists that came before the model: applied once it exists. */
const early = new Map<string, readonly string[]>();

port.on('message', (message: ModelMessage) => {
  let answer: ModelAnswer;
  switch (message.type) {
    case 'baskets':
      for (const b of message.baskets) baskets.push(b);
      return;
    case 'stock':
      if (session === undefined) early.set(message.site, message.skus);
      else session.setOutOfStock(message.site, message.skus);
      return;
    case 'train':
      try {
        session = new ServingSession({ ...message.input, baskets });
        baskets = [];
        for (const [site, skus] of early) session.setOutOfStock(site, skus);
        early.clear();
        answer = { id: message.id, ok: true, result: session.summary };
      } catch (error) {
        answer = { id: message.id, ok: false, error: errorOf(error) };
      }
      break;
    case 'call':
      try {
        if (session === undefined) throw new SessionError('RECOMMENDER_NOT_TRAINED', 'this thread has no model yet');
        answer = { id: message.id, ok: true, result: session.call(message.call) };
      } catch (error) {
        answer = { id: message.id, ok: false, error: errorOf(error) };
      }
      break;
  }
  port.postMessage(answer);
});

function errorOf(error: unknown): { name: string; message: string; code?: string } {
  const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
  return { name, message, ...(error instanceof SessionError ? { code: error.code } : {}) };
}
