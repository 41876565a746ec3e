/**
 * A log that writes at most `linesPerMinute` lines per key (a refusal reason) per minute, so a
 * misconfigured fleet hammering the broker cannot flood the gateway's disk. Lines over the bound
 * are counted (`onSuppressed`, a metric) and the next line written for that key says how many were
 * suppressed since the previous one. Windows are fixed, one minute from the key's first line in
 * the window, on the injected clock.
 */

/** The part of a pino logger the device bus uses (a pino `Logger` fits). */
export interface BrokerLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

const WINDOW_MS = 60_000;

interface Window {
  startMs: number;
  lines: number;
  /** Suppressed since the last line written for this key. */
  suppressed: number;
}

export class BoundedLog {
  readonly #logger: BrokerLogger;
  readonly #linesPerMinute: number;
  readonly #clock: () => number;
  readonly #onSuppressed: (key: string) => void;
  readonly #windows = new Map<string, Window>();

  constructor(
    logger: BrokerLogger,
    linesPerMinute: number,
    clock: () => number,
    onSuppressed: (key: string) => void = () => {},
  ) {
    if (!Number.isInteger(linesPerMinute) || linesPerMinute < 0) {
      throw new RangeError(`linesPerMinute=${linesPerMinute}`);
    }
    this.#logger = logger;
    this.#linesPerMinute = linesPerMinute;
    this.#clock = clock;
    this.#onSuppressed = onSuppressed;
  }

  warn(key: string, fields: object, message: string): void {
    this.#write('warn', key, fields, message);
  }

  error(key: string, fields: object, message: string): void {
    this.#write('error', key, fields, message);
  }

  #write(level: 'warn' | 'error', key: string, fields: object, message: string): void {
    const now = this.#clock();
    let window = this.#windows.get(key);
    if (window === undefined) {
      window = { startMs: now, lines: 0, suppressed: 0 };
      this.#windows.set(key, window);
    } else if (now - window.startMs >= WINDOW_MS || now < window.startMs) {
      window.startMs = now;
      window.lines = 0;
    }
    if (window.lines >= this.#linesPerMinute) {
      window.suppressed += 1;
      this.#onSuppressed(key);
      return;
    }
    window.lines += 1;
    const suppressed = window.suppressed;
    window.suppressed = 0;
    const line = suppressed > 0 ? { ...fields, reason: key, suppressedBefore: suppressed } : { ...fields, reason: key };
    this.#logger[level](line, message);
  }
}
