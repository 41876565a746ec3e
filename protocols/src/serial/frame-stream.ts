import { Transform, type TransformCallback } from 'node:stream';
import { type Frame, FrameDecoder, type FrameDecoderOptions } from './frame.js';

/**
 * The frame decoder as a Node stream: bytes in (e.g. from a `serialport`), frames out in object
 * mode. Kept out of the package's main entry so browsers can import the contract without
 * `node:stream`.
 */
export class FrameDecoderStream extends Transform {
  readonly decoder: FrameDecoder;

  constructor(options: FrameDecoderOptions = {}) {
    super({ readableObjectMode: true });
    this.decoder = new FrameDecoder(options);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    for (const frame of this.decoder.push(chunk)) this.push(frame satisfies Frame);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.decoder.end();
    callback();
  }
}
