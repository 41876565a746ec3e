import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { TruthEvent, TruthRecorder } from '../world/truth.js';
import type { DeviceOutput, OutputSink } from './output.js';

/**
 * JSON lines to a file: every device output (`--out`, the exact message stream, for replay and
 * comparison) or the ground truth (`--truth`). The runner waits on `drained()` when the file's
 * buffer is full, so a long run at full speed keeps bounded memory.
 */
export class JsonLinesFile implements OutputSink, TruthRecorder {
  readonly #stream: WriteStream;
  #failed: Error | undefined;

  constructor(path: string) {
    this.#stream = createWriteStream(path, { flags: 'w' });
    this.#stream.on('error', (error) => {
      this.#failed = error;
    });
  }

  write(value: DeviceOutput | TruthEvent): void {
    if (this.#failed !== undefined) throw this.#failed;
    this.#stream.write(`${JSON.stringify(value)}\n`);
  }

  record(event: TruthEvent): void {
    this.write(event);
  }

  get needsDrain(): boolean {
    return this.#stream.writableNeedDrain;
  }

  async drained(): Promise<void> {
    if (this.#stream.writableNeedDrain) await once(this.#stream, 'drain');
  }

  async close(): Promise<void> {
    this.#stream.end();
    await once(this.#stream, 'close');
    if (this.#failed !== undefined) throw this.#failed;
  }
}
