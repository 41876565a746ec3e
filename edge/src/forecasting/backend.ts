import type { TF_BACKENDS } from '@aisle/protocols';
import * as tf from '@tensorflow/tfjs';

export type TfBackend = (typeof TF_BACKENDS)[number];

/**
 * Picks the fastest tfjs backend present: `tfjs-node` (native TensorFlow) when it is installed, an
 * optional dependency that cannot install everywhere; else WebAssembly (SIMD); else plain
 * JavaScript. `prefer` forces one (e.g. `cpu` as a benchmark's anchor). Returns what is in use.
 */
export async function selectBackend(prefer?: TfBackend): Promise<TfBackend> {
  const order: TfBackend[] = prefer === undefined ? ['tensorflow', 'wasm', 'cpu'] : [prefer];
  for (const name of order) {
    try {
      if (name === 'tensorflow') await import(/* optional */ '@tensorflow/tfjs-node' as string);
      if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // not installed or failed to initialise: the next one
    }
  }
  throw new Error(`no tfjs backend could start (tried ${order.join(', ')})`);
}
