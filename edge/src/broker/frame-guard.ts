import { Duplex } from 'node:stream';

/**
 * Sits between a client's transport and aedes and closes the connection as soon as an MQTT fixed
 * header announces a Remaining Length over `maxRemainingBytes`, before any of that packet is
 * buffered. aedes 1.x has no packet size option: its parser (mqtt-packet) accumulates a whole
 * packet, up to the protocol's 256 MiB, before `authorizePublish` can look at it, and that holds
 * even before CONNECT is authenticated. `authorizePublish` still checks the payload bound exactly;
 * this guard bounds memory.
 *
 * It reads only the fixed headers (MQTT-2.2: one type byte, then a variable-length Remaining
 * Length of 1–4 bytes, 7 bits each, least significant first) and skips each body unread, so its
 * cost is per packet, not per byte. A malformed length (a fifth continuation byte) is passed on
 * for the MQTT parser to reject.
 */

/** `off`: after a malformed header, stop looking; the parser will reject it. */
type Phase = 'header' | 'length' | 'body' | 'off';

export class MqttFrameGuard extends Duplex {
  readonly remoteAddress: string | undefined;
  readonly #inner: Duplex;
  readonly #maxRemainingBytes: number;
  readonly #onOversize: (announcedBytes: number) => void;
  #phase: Phase = 'header';
  #length = 0;
  #multiplier = 1;
  #lengthBytes = 0;
  #bodyLeft = 0;

  constructor(
    inner: Duplex,
    maxRemainingBytes: number,
    onOversize: (announcedBytes: number) => void,
    remoteAddress?: string,
  ) {
    super({ allowHalfOpen: false });
    this.#inner = inner;
    this.#maxRemainingBytes = maxRemainingBytes;
    this.#onOversize = onOversize;
    this.remoteAddress = remoteAddress;
    inner.on('data', (chunk: Buffer) => {
      const announced = this.#inspect(chunk);
      if (announced !== undefined) {
        this.#onOversize(announced);
        this.destroy();
        return;
      }
      if (!this.push(chunk)) inner.pause();
    });
    inner.on('end', () => this.push(null));
    inner.on('error', (error) => this.destroy(error));
    inner.on('close', () => this.destroy());
  }

  override _read(): void {
    this.#inner.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.#inner.write(chunk)) callback();
    else this.#inner.once('drain', () => callback());
  }

  /**
   * What aedes wrote while this stream was corked (mqtt-packet corks it for a tick per packet),
   * e.g. the PUBACKs of every QoS 1 reading one outbox commit released: in one write to the
   * transport, as on a bare socket, instead of one system call per packet.
   */
  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    this.#inner.cork();
    let flowing = true;
    for (const { chunk } of chunks) flowing = this.#inner.write(chunk);
    this.#inner.uncork();
    if (flowing) callback();
    else this.#inner.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#inner.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#inner.destroy();
    callback(error);
  }

  /** Advances over `chunk`; returns the announced length when a packet is over the bound. */
  #inspect(chunk: Buffer): number | undefined {
    let i = 0;
    while (i < chunk.length) {
      switch (this.#phase) {
        case 'header':
          i += 1;
          this.#phase = 'length';
          this.#length = 0;
          this.#multiplier = 1;
          this.#lengthBytes = 0;
          break;
        case 'length': {
          const byte = chunk.readUInt8(i);
          i += 1;
          this.#length += (byte & 0x7f) * this.#multiplier;
          this.#multiplier *= 128;
          this.#lengthBytes += 1;
          if ((byte & 0x80) !== 0) {
            if (this.#lengthBytes === 4) this.#phase = 'off';
            break;
          }
          if (this.#length > this.#maxRemainingBytes) return this.#length;
          this.#bodyLeft = this.#length;
          this.#phase = this.#length === 0 ? 'header' : 'body';
          break;
        }
        case 'body': {
          const n = Math.min(this.#bodyLeft, chunk.length - i);
          i += n;
          this.#bodyLeft -= n;
          if (this.#bodyLeft === 0) this.#phase = 'header';
          break;
        }
        case 'off':
          return undefined;
      }
    }
    return undefined;
  }
}
