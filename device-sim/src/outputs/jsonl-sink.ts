import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { TruthEvent, TruthRecorder } from '../world/truth.js';
import type { DeviceOutput, OutputSink } from './output.js';

/** Appends JSON lines to a file, respecting the stream's backpressure through `drained()`. */
class JsonLines {
  readonly #stream: WriteStream;
  #failed: Error | undefined;

  constructor(path: string) {
    this.#stream = createWriteStream(path, { flags: 'w' });
    this.#stream.on('error', (error) => {
      this.#failed = error;
    });
  }

  write(value: unknown): void {
    if (this.#failed !== undefined) throw this.#failed;
    this.#stream.write(`${JSON.stringify(value)}\n`);
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

/** Every device output as one JSON line: the exact message stream, for replay and comparison. */
export class JsonlOutputSink implements OutputSink {
  readonly #file: JsonLines;

  constructor(path: string) {
    this.#file = new JsonLines(path);
  }

  write(output: DeviceOutput): void {
    this.#file.write(output);
  }

  get needsDrain(): boolean {
    return this.#file.needsDrain;
  }

  drained(): Promise<void> {
    return this.#file.drained();
  }

  close(): Promise<void> {
    return this.#file.close();
  }
}

/** Ground truth as JSON lines. */
export class JsonlTruth implements TruthRecorder {
  readonly #file: JsonLines;

  constructor(path: string) {
    this.#file = new JsonLines(path);
  }

  record(event: TruthEvent): void {
    this.#file.write(event);
  }

  get needsDrain(): boolean {
    return this.#file.needsDrain;
  }

  drained(): Promise<void> {
    return this.#file.drained();
  }

  close(): Promise<void> {
    return this.#file.close();
  }
}
