import { FrameDecoder, parseSentence, type ReasonCode, type Sentence } from '@aisle/protocols';
import { SerialPort } from 'serialport';
import type { EdgeConfig } from '../config.js';
import { makeHangUpAware } from './hang-up-aware.js';

type SerialConfig = EdgeConfig['serial'][number];

export interface SerialInputEvents {
  readonly onSentence: (sentence: Sentence, line: SerialConfig, rxMs: number) => void;
  readonly onReject: (code: ReasonCode, line: SerialConfig) => void;
  /** Open, lost, reopened: for logs and metrics. */
  readonly onStatus?: (line: SerialConfig, status: 'open' | 'lost' | 'retrying', detail?: string) => void;
  readonly now?: () => number;
}

/**
 * One configured serial port (a scale's RS-485 adapter, a van's GPS module): frames decoded as
 * they arrive; when the port disappears (unplugged, adapter reset) it is reopened every
 * `reconnectMs` until it is back. The frame decoder keeps its counters across reconnects.
 */
export class SerialInput {
  readonly config: SerialConfig;
  readonly decoder: FrameDecoder;
  readonly #events: SerialInputEvents;
  #port: SerialPort | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #opens = 0;
  #losses = 0;

  constructor(config: SerialConfig, events: SerialInputEvents) {
    this.config = config;
    this.#events = events;
    this.decoder = new FrameDecoder({
      maxFrameBytes: config.maxFrameBytes,
      onReject: (code) => events.onReject(code, config),
    });
  }

  get isOpen(): boolean {
    return this.#port?.isOpen === true;
  }

  get stats(): { opens: number; losses: number; open: boolean } {
    return { opens: this.#opens, losses: this.#losses, open: this.isOpen };
  }

  start(): void {
    this.#open();
  }

  #open(): void {
    if (this.#closed) return;
    const port = new SerialPort({ path: this.config.path, baudRate: this.config.baudRate, autoOpen: false });
    port.on('error', () => undefined); // Reported through 'close' and the open callback.
    port.open((error) => {
      if (error) {
        this.#events.onStatus?.(this.config, 'retrying', error.message);
        this.#retry();
        return;
      }
      makeHangUpAware(port);
      this.#port = port;
      this.#opens++;
      this.#events.onStatus?.(this.config, 'open');
      port.on('data', (chunk: Buffer) => {
        const rx = (this.#events.now ?? Date.now)();
        for (const frame of this.decoder.push(chunk)) {
          const sentence = parseSentence(frame);
          if (sentence.ok) this.#events.onSentence(sentence.value, this.config, rx);
          else this.#events.onReject(sentence.error.code, this.config);
        }
      });
      port.once('close', () => {
        this.#port = undefined;
        if (this.#closed) return;
        this.#losses++;
        this.#events.onStatus?.(this.config, 'lost');
        // A frame cut by the loss must not glue onto the first bytes after reconnecting.
        this.decoder.end();
        this.#retry();
      });
    });
  }

  #retry(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => this.#open(), this.config.reconnectMs);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const port = this.#port;
    if (port?.isOpen === true) await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}
