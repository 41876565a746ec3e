import { ProtocolError, type ReasonCode, RejectCounter } from '../errors.js';

/**
 * Line frames in the NMEA 0183 style: `$` + comma-separated fields + `*` + two hex digits + CR LF.
 * The checksum is the XOR of every character between `$` and `*`, exclusive (NMEA 0183 §5.2.1).
 * NMEA caps a sentence at 82 characters; aisle's `$AISW` carries 64-character device and lane
 * ids and reaches 176 bytes at most, so the cap is configurable and defaults to 192 bytes.
 */

export const DEFAULT_MAX_FRAME_BYTES = 192;

const DOLLAR = 0x24;
const STAR = 0x2a;
const CR = 0x0d;
const LF = 0x0a;

/** A frame whose checksum matched. `fields[0]` is the sentence id (e.g. `GPRMC`, `AISW`). */
export interface Frame {
  readonly fields: readonly string[];
  /** The text between `$` and `*`. */
  readonly body: string;
}

/** XOR of the characters of `body` as two upper-case hex digits. */
export function checksum(body: string): string {
  let x = 0;
  for (let i = 0; i < body.length; i++) x ^= body.charCodeAt(i) & 0xff;
  return x.toString(16).toUpperCase().padStart(2, '0');
}

const FIELD_FORBIDDEN = /[^\x20-\x7e]|[$*,!]/;

/** Builds `$f0,f1,...*CS\r\n`. Throws {@link ProtocolError} for a field that cannot be framed. */
export function encodeFrame(fields: readonly string[]): string {
  for (const field of fields) {
    if (FIELD_FORBIDDEN.test(field)) {
      throw new ProtocolError('FRAME_BAD_CHARACTER', `field "${field}" contains $ * , ! or a non-printable character`);
    }
  }
  const body = fields.join(',');
  return `$${body}*${checksum(body)}\r\n`;
}

export interface FrameDecoderOptions {
  /** Longest frame accepted, counting `$` through `\r\n`. */
  readonly maxFrameBytes?: number;
  /** Called for every rejected frame (and garbage run), after it is counted. */
  readonly onReject?: (code: ReasonCode, detail: string) => void;
}

export interface FrameDecoderStats {
  readonly frames: number;
  readonly garbageBytes: number;
  readonly rejects: Partial<Record<ReasonCode, number>>;
}

/** Decoder states: between frames looking for `$`; collecting a frame; skipping a bad frame. */
const State = { Idle: 0, InFrame: 1, Discard: 2 } as const;
type State = (typeof State)[keyof typeof State];

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Streaming frame decoder. Feed it chunks as they arrive, cut anywhere; it returns the complete
 * frames, resyncs on `$` after garbage, drops over-long and corrupt frames, counts every reject by
 * reason, and keeps at most `maxFrameBytes` of state. It never throws on input.
 */
export class FrameDecoder {
  readonly #max: number;
  readonly #onReject: ((code: ReasonCode, detail: string) => void) | undefined;
  readonly #buf: Uint8Array;
  #len = 0;
  #state: State = State.Idle;
  #garbageRun = 0;
  #frames = 0;
  #garbageBytes = 0;
  readonly #rejects = new RejectCounter();

  constructor(options: FrameDecoderOptions = {}) {
    this.#max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isInteger(this.#max) || this.#max < 8) {
      throw new RangeError(`maxFrameBytes must be an integer ≥ 8, got ${this.#max}`);
    }
    this.#onReject = options.onReject;
    // The buffer holds the frame from `$` up to (not including) the line end.
    this.#buf = new Uint8Array(this.#max);
  }

  get stats(): FrameDecoderStats {
    return { frames: this.#frames, garbageBytes: this.#garbageBytes, rejects: this.#rejects.snapshot() };
  }

  /** Bytes of an unfinished frame held between calls. */
  get pendingBytes(): number {
    return this.#state === State.InFrame ? this.#len : 0;
  }

  push(chunk: Uint8Array | string): Frame[] {
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
    const out: Frame[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i] as number;
      switch (this.#state) {
        case State.Idle:
          if (c === DOLLAR) {
            this.#endGarbageRun();
            this.#startFrame();
          } else if (c !== CR && c !== LF) {
            this.#garbageRun++;
            this.#garbageBytes++;
          }
          break;
        case State.InFrame:
          if (c === DOLLAR) {
            this.#reject('FRAME_TRUNCATED', `frame of ${this.#len} bytes cut by a new $`);
            this.#startFrame();
          } else if (c === CR || c === LF) {
            const frame = this.#finishFrame();
            if (frame !== undefined) out.push(frame);
            this.#state = State.Idle;
          } else if (c < 0x20 || c > 0x7e) {
            this.#reject('FRAME_BAD_CHARACTER', `byte 0x${c.toString(16).padStart(2, '0')} inside a frame`);
            this.#state = State.Discard;
          } else if (this.#len + 2 >= this.#max) {
            // +2: the CR LF that must still fit.
            this.#reject('FRAME_TOO_LONG', `no end of frame within ${this.#max} bytes`);
            this.#state = State.Discard;
          } else {
            this.#buf[this.#len++] = c;
          }
          break;
        case State.Discard:
          if (c === DOLLAR) this.#startFrame();
          else if (c === CR || c === LF) this.#state = State.Idle;
          break;
      }
    }
    return out;
  }

  /** Ends the stream: an unfinished frame is counted as truncated, a garbage run as garbage. */
  end(): void {
    if (this.#state === State.InFrame)
      this.#reject('FRAME_TRUNCATED', `stream ended inside a frame of ${this.#len} bytes`);
    this.#endGarbageRun();
    this.#state = State.Idle;
    this.#len = 0;
  }

  #startFrame(): void {
    this.#state = State.InFrame;
    this.#buf[0] = DOLLAR;
    this.#len = 1;
  }

  #endGarbageRun(): void {
    if (this.#garbageRun > 0) {
      this.#reject('FRAME_GARBAGE', `${this.#garbageRun} bytes outside any frame`);
      this.#garbageRun = 0;
    }
  }

  #finishFrame(): Frame | undefined {
    const buf = this.#buf;
    const len = this.#len;
    this.#len = 0;
    // `$` body `*` H H
    if (len < 4 || buf[len - 3] !== STAR) {
      this.#reject('FRAME_NO_CHECKSUM', 'frame does not end in *HH');
      return undefined;
    }
    const hi = hexValue(buf[len - 2] as number);
    const lo = hexValue(buf[len - 1] as number);
    if (hi < 0 || lo < 0) {
      this.#reject('FRAME_NO_CHECKSUM', 'checksum is not two hex digits');
      return undefined;
    }
    let x = 0;
    for (let i = 1; i < len - 3; i++) x ^= buf[i] as number;
    if (x !== hi * 16 + lo) {
      this.#reject('FRAME_BAD_CHECKSUM', `computed ${x.toString(16).toUpperCase().padStart(2, '0')}`);
      return undefined;
    }
    let body = '';
    for (let i = 1; i < len - 3; i++) body += String.fromCharCode(buf[i] as number);
    this.#frames++;
    return { body, fields: body.split(',') };
  }

  #reject(code: ReasonCode, detail: string): void {
    this.#rejects.add(code);
    this.#onReject?.(code, detail);
  }
}
