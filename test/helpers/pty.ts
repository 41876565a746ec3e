import type { EventEmitter } from 'node:events';
import { once } from 'node:events';
import type { Frame } from '@aisle/protocols';
import { FrameDecoderStream } from '@aisle/protocols/serial-stream';
import { SerialPort } from 'serialport';
import { makeHangUpAware } from '../../edge/src/serial/hang-up-aware.js';

/**
 * The gateway's side of a simulated serial line in tests: open the host end of a pty pair with
 * serialport, as the edge does a USB-serial adapter, and collect the frames it decodes.
 */

/** The next `event` from `emitter`, or a rejection naming what was awaited after `timeoutMs`. */
export async function nextEvent(emitter: EventEmitter, event: string, timeoutMs: number): Promise<unknown[]> {
  try {
    return await once(emitter, event, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw new Error(`no "${event}" event within ${timeoutMs} ms`);
    throw error;
  }
}

/** `promise`, or a rejection saying `what` did not happen within `timeoutMs`. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens a host end at 115,200 8N1 with serialport, its read loop made hang-up aware (above). The
 * port's errors are kept, not thrown: tests assert on `close` instead.
 */
export function openHostPort(path: string): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate: 115_200, autoOpen: false });
    port.on('error', () => undefined);
    // Nothing reads before the open callback (no 'data' listener yet), so every read uses the fixed loop.
    port.open((error) => {
      if (error) return reject(error);
      makeHangUpAware(port);
      resolve(port);
    });
  });
}

/** Closes `port` if it is still open. */
export async function closeHostPort(port: SerialPort): Promise<void> {
  if (!port.isOpen) return;
  await new Promise<void>((resolve) => port.close(() => resolve()));
}

/** Frames decoded from a host port, in arrival order, with the decoder's counters. */
export class FrameReader {
  readonly frames: Frame[] = [];
  readonly #stream = new FrameDecoderStream();
  #waiters: { count: number; resolve: () => void }[] = [];

  constructor(port: SerialPort) {
    port.pipe(this.#stream);
    this.#stream.on('data', (frame: Frame) => {
      this.frames.push(frame);
      this.#waiters = this.#waiters.filter((waiter) => {
        if (this.frames.length < waiter.count) return true;
        waiter.resolve();
        return false;
      });
    });
  }

  get stats() {
    return this.#stream.decoder.stats;
  }

  /** Resolves with the first `count` frames once that many have arrived. */
  async waitForFrames(count: number, timeoutMs = 3_000): Promise<Frame[]> {
    if (this.frames.length < count) {
      const arrived = new Promise<void>((resolve) => this.#waiters.push({ count, resolve }));
      await within(arrived, timeoutMs, `${count} frames (got ${this.frames.length})`).catch((error: Error) => {
        throw new Error(`${error.message}; now ${this.frames.length}, decoder ${JSON.stringify(this.stats)}`);
      });
    }
    return this.frames.slice(0, count);
  }
}
