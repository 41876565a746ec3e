import type * as Tf from '@tensorflow/tfjs';

/**
 * The change `edge/inference` (bench/edge/inference.ts) measures before it is made in
 * `LoadedModel`: tfjs `predict` over the whole batch at once. Without `batchSize`, tfjs-layers
 * predicts in slices of 32 rows, and tfjs-backend-wasm's `Slice` kernel copies its whole input out
 * of the wasm heap (`readSync` of every element) to cut each slice: for 5,000 lanes, 157 copies of
 * the full 5,000-row input, quadratic in the batch (the cpu backend slices without that copy).
 * Patches `LayersModel.prototype.predict` in this process only so that a call without `batchSize`
 * runs in one batch of all its rows; returns the undo.
 */
type PredictArgs = Parameters<Tf.LayersModel['predict']>[1];

export function predictInOneBatch(tf: typeof Tf): () => void {
  const proto = tf.LayersModel.prototype;
  const original = proto.predict;
  proto.predict = function (this: Tf.LayersModel, x: Tf.Tensor | Tf.Tensor[], args?: PredictArgs) {
    const rows = (Array.isArray(x) ? x[0] : x)?.shape[0];
    return original.call(this, x, {
      ...args,
      ...(args?.batchSize === undefined && rows !== undefined ? { batchSize: rows } : {}),
    });
  };
  return () => {
    proto.predict = original;
  };
}
