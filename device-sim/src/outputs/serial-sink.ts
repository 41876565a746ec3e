import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import type { DeviceOutput, OutputSink } from './output.js';
import { PtyPair, type PtyPairOptions } from './pty-pair.js';

/**
 * Serial outputs over pseudo-terminal pairs: one socat pair per serial line (a shelf scale's or a
 * van GPS module's UART), the device end written here, the host end opened by the gateway with
 * serialport at `pathFor(line)`.
 *
 * The device end is opened with serialport too, not `fs.createWriteStream`: serialport opens the
 * tty `O_NONBLOCK | O_NOCTTY` and waits for writability with epoll when the pty is full, so a
 * gateway that stops reading backs writes up here, where they are bounded and counted. A blocking
 * `fs` write to a full pty parks a libuv thread-pool thread until the reader drains it (four
 * stalled lines would stall every `fs` and `dns` call in the process) and cannot be cancelled by
 * closing the line. The baud rate is recorded in termios but a pty does not pace by it.
 *
 * Bytes written while no gateway holds the host end open are lost once it opens: serialport's
 * open flushes the tty's queues (TCIOFLUSH), as a real UART drops what nobody listened to.
 */

type SerialLineState =
  /** Starting socat and opening the device end; writes queue (within the bound). */
  | 'opening'
  | 'open'
  /** Unplugged on purpose (`unplug`); writes are refused until `replug`. */
  | 'unplugged'
  /** socat or the device end went away on its own; writes are refused until `replug`. */
  | 'disconnected'
  /** The pair could not be opened; writes are refused until `replug`. */
  | 'failed'
  | 'closed';

export interface SerialLineStats {
  readonly state: SerialLineState;
  /** Writes the pty accepted, and their bytes. */
  readonly writes: number;
  readonly bytes: number;
  /** Bytes accepted by `write` and not yet taken by the pty. */
  readonly bufferedBytes: number;
  /** Writes refused because the line was not plugged in (unplugged, disconnected, failed, closed). */
  readonly refusedClosed: number;
  /** Writes refused because they would have taken `bufferedBytes` past `maxBufferedBytes`. */
  readonly refusedBackpressure: number;
  /** Accepted writes that never reached the pty (transport error, or cancelled by unplug/close). */
  readonly writeErrors: number;
  /** Bytes of refused and failed writes. */
  readonly droppedBytes: number;
  /** Times the line was plugged in, and times plugging in failed. */
  readonly plugs: number;
  readonly plugFailures: number;
}

export interface SerialSinkStats {
  readonly lines: Readonly<Record<string, SerialLineStats>>;
  /** Outputs of another kind (MQTT) handed to this sink: not its business, dropped. */
  readonly ignoredOutputs: number;
  /** Serial outputs whose line id cannot name a pty file (`[a-z0-9-]{1,200}`). */
  readonly badLineIds: number;
}

export interface SerialLineSinkOptions {
  /** Where the pty links live (created if missing, kept on close). Default: a fresh temp dir, removed by `close()`. */
  readonly dir?: string;
  /** Lines to open before `open()` resolves; others open on their first write. */
  readonly lines?: readonly string[];
  /** Per line: bytes accepted but not yet taken by the pty, beyond which writes are refused. Default 64 KiB. */
  readonly maxBufferedBytes?: number;
  /** Default 115,200 (8N1). */
  readonly baudRate?: number;
  readonly pty?: PtyPairOptions;
  /** Transport trouble, for logs. Counting happens regardless. Default: ignore. */
  readonly onError?: (line: string, error: Error) => void;
}

interface LineConfig {
  readonly dir: string;
  readonly maxBufferedBytes: number;
  readonly baudRate: number;
  readonly pty: PtyPairOptions;
  readonly onError: (line: string, error: Error) => void;
}

/** One open device end. Writes still in flight when it closes are counted as lost once (`settled`). */
interface PortSession {
  readonly port: SerialPort;
  pendingBytes: number;
  pendingWrites: number;
  settled: boolean;
}

/** A line id names files (`<id>-dev`, `<id>-host`): lower-case letters, digits and `-`, room for `site--device`. */
const LINE_ID = /^[a-z0-9-]{1,200}$/;

const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

function openDeviceEnd(path: string, baudRate: number): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate, dataBits: 8, parity: 'none', stopBits: 1, autoOpen: false });
    port.open((error) => (error ? reject(error) : resolve(port)));
  });
}

class SerialLine {
  readonly id: string;
  readonly #config: LineConfig;
  #state: SerialLineState;
  #pty: PtyPair | undefined;
  #session: PortSession | undefined;
  #queue: Buffer[] = [];
  #queuedBytes = 0;
  /** Plug, unplug and close run one at a time, in call order. */
  #ops: Promise<unknown> = Promise.resolve();
  #drainWaiters: (() => void)[] = [];
  #writes = 0;
  #bytes = 0;
  #refusedClosed = 0;
  #refusedBackpressure = 0;
  #writeErrors = 0;
  #droppedBytes = 0;
  #plugs = 0;
  #plugFailures = 0;

  constructor(id: string, config: LineConfig, state: 'opening' | 'closed') {
    this.id = id;
    this.#config = config;
    this.#state = state;
  }

  get state(): SerialLineState {
    return this.#state;
  }

  get bufferedBytes(): number {
    return this.#queuedBytes + (this.#session?.pendingBytes ?? 0);
  }

  get stats(): SerialLineStats {
    return {
      state: this.#state,
      writes: this.#writes,
      bytes: this.#bytes,
      bufferedBytes: this.bufferedBytes,
      refusedClosed: this.#refusedClosed,
      refusedBackpressure: this.#refusedBackpressure,
      writeErrors: this.#writeErrors,
      droppedBytes: this.#droppedBytes,
      plugs: this.#plugs,
      plugFailures: this.#plugFailures,
    };
  }

  write(data: Buffer): void {
    if (this.#state !== 'opening' && this.#state !== 'open') {
      this.#refusedClosed++;
      this.#droppedBytes += data.length;
      return;
    }
    // Whole writes only: dropping part of one would put a cut frame on the wire.
    if (this.bufferedBytes + data.length > this.#config.maxBufferedBytes) {
      this.#refusedBackpressure++;
      this.#droppedBytes += data.length;
      return;
    }
    const session = this.#session;
    if (this.#state === 'open' && session !== undefined) {
      this.#send(session, data);
    } else {
      this.#queue.push(data);
      this.#queuedBytes += data.length;
    }
  }

  /** Starts socat and opens the device end; a no-op when already open. */
  plug(): Promise<void> {
    return this.#serially(async () => {
      if (this.#state === 'closed') throw new Error(`serial line ${this.id} is closed`);
      if (this.#state === 'open') return;
      this.#state = 'opening';
      // Leftovers of a pair that died on its own.
      await this.#release();
      let pty: PtyPair | undefined;
      let port: SerialPort;
      try {
        pty = await PtyPair.open(this.#config.dir, this.id, this.#config.pty);
        port = await openDeviceEnd(pty.devicePath, this.#config.baudRate);
      } catch (error) {
        await pty?.close();
        this.#plugFailures++;
        this.#state = 'failed';
        this.#dropQueue();
        this.#config.onError(this.id, asError(error));
        throw error;
      }
      const session: PortSession = { port, pendingBytes: 0, pendingWrites: 0, settled: false };
      this.#pty = pty;
      this.#session = session;
      // serialport also emits write errors here; they are counted in the write callbacks.
      port.on('error', (error) => this.#config.onError(this.id, error));
      port.once('close', () => this.#lost(session, 'the device end closed'));
      void pty.exited.then(({ code, signal }) => {
        if (this.#pty === pty) this.#lost(session, `socat exited (${code ?? signal})`);
      });
      this.#state = 'open';
      this.#plugs++;
      const queued = this.#queue;
      this.#queue = [];
      this.#queuedBytes = 0;
      for (const data of queued) this.#send(session, data);
    });
  }

  /** Closes the device end and stops socat: both links disappear, the gateway's port closes. */
  unplug(): Promise<void> {
    return this.#serially(async () => {
      if (this.#state === 'closed') return;
      this.#state = 'unplugged';
      this.#dropQueue();
      await this.#release();
    });
  }

  close(): Promise<void> {
    return this.#serially(async () => {
      this.#state = 'closed';
      this.#dropQueue();
      await this.#release();
    });
  }

  /** Resolves once every accepted byte has reached the pty or been counted as lost. */
  drained(): Promise<void> {
    if (this.bufferedBytes === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #serially(op: () => Promise<void>): Promise<void> {
    const next = this.#ops.then(op);
    this.#ops = next.catch(() => undefined);
    return next;
  }

  #send(session: PortSession, data: Buffer): void {
    session.pendingBytes += data.length;
    session.pendingWrites++;
    try {
      session.port.write(data, (error) => this.#written(session, data.length, error));
    } catch (error) {
      this.#written(session, data.length, asError(error));
    }
  }

  #written(session: PortSession, length: number, error: Error | null | undefined): void {
    // Already counted as lost when its port closed.
    if (session.settled) return;
    session.pendingBytes -= length;
    session.pendingWrites--;
    if (error) {
      this.#writeErrors++;
      this.#droppedBytes += length;
    } else {
      this.#writes++;
      this.#bytes += length;
    }
    this.#notifyIfDrained();
  }

  /** The port closed or socat exited without us asking: the line is disconnected. */
  #lost(session: PortSession, why: string): void {
    if (this.#session !== session || this.#state !== 'open') return;
    this.#state = 'disconnected';
    this.#config.onError(this.id, new Error(`serial line ${this.id} disconnected: ${why}`));
    void this.#serially(() => this.#release());
  }

  /** Closes the device end (counting writes still in flight as lost) and stops socat. */
  async #release(): Promise<void> {
    const session = this.#session;
    const pty = this.#pty;
    this.#session = undefined;
    this.#pty = undefined;
    if (session !== undefined) {
      if (session.port.isOpen) await new Promise<void>((resolve) => session.port.close(() => resolve()));
      // Cancelled writes have called back by now; what the stream still held never will.
      session.settled = true;
      this.#writeErrors += session.pendingWrites;
      this.#droppedBytes += session.pendingBytes;
      session.pendingWrites = 0;
      session.pendingBytes = 0;
    }
    await pty?.close();
    this.#notifyIfDrained();
  }

  #dropQueue(): void {
    this.#writeErrors += this.#queue.length;
    this.#droppedBytes += this.#queuedBytes;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#notifyIfDrained();
  }

  #notifyIfDrained(): void {
    if (this.bufferedBytes !== 0) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

export class SerialLineSink implements OutputSink {
  /** The directory holding every line's `<line>-dev` and `<line>-host` links. */
  readonly dir: string;
  readonly #ownsDir: boolean;
  readonly #config: LineConfig;
  readonly #lines = new Map<string, SerialLine>();
  #closing: Promise<void> | undefined;
  #ignoredOutputs = 0;
  #badLineIds = 0;

  private constructor(dir: string, ownsDir: boolean, config: LineConfig) {
    this.dir = dir;
    this.#ownsDir = ownsDir;
    this.#config = config;
  }

  /** Creates the sink and opens `options.lines`; rejects (leaving nothing running) if one fails. */
  static async open(options: SerialLineSinkOptions = {}): Promise<SerialLineSink> {
    const maxBufferedBytes = options.maxBufferedBytes ?? 65_536;
    if (!Number.isInteger(maxBufferedBytes) || maxBufferedBytes < 1) {
      throw new RangeError(`maxBufferedBytes must be a positive integer, got ${maxBufferedBytes}`);
    }
    const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'aisle-serial-')));
    if (options.dir !== undefined) await mkdir(dir, { recursive: true });
    const sink = new SerialLineSink(dir, options.dir === undefined, {
      dir,
      maxBufferedBytes,
      baudRate: options.baudRate ?? 115_200,
      pty: options.pty ?? {},
      onError: options.onError ?? (() => undefined),
    });
    try {
      await Promise.all((options.lines ?? []).map((line) => sink.openLine(line)));
    } catch (error) {
      await sink.close();
      throw error;
    }
    return sink;
  }

  /** The host end of `line`, for the gateway's serialport. Stable across unplug and replug. */
  pathFor(line: string): string {
    if (!LINE_ID.test(line)) throw new RangeError(`"${line}" is not a serial line id ([a-z0-9-]{1,200})`);
    return join(this.dir, `${line}-host`);
  }

  /** Creates `line` if new and plugs it in; resolves with its host path once it is open. */
  async openLine(line: string): Promise<string> {
    const hostPath = this.pathFor(line);
    if (this.#closing !== undefined) throw new Error('the serial sink is closed');
    await this.#line(line).plug();
    return hostPath;
  }

  /** Never throws: a refused or failed write is counted in `stats`. */
  write(output: DeviceOutput): void {
    if (output.kind !== 'serial') {
      this.#ignoredOutputs++;
      return;
    }
    if (!LINE_ID.test(output.line)) {
      this.#badLineIds++;
      return;
    }
    // latin1: one character is one byte, so a simulated device can put any byte on the wire.
    this.#line(output.line).write(Buffer.from(output.data, 'latin1'));
  }

  /** Pulls the cable: socat stops, both links go, the gateway's port closes. Writes are refused until `replug`. */
  async unplug(line: string): Promise<void> {
    await this.#existing(line).unplug();
  }

  /** Plugs the cable back in: a new pty pair at the same paths. */
  async replug(line: string): Promise<void> {
    if (this.#closing !== undefined) throw new Error('the serial sink is closed');
    await this.#existing(line).plug();
  }

  /**
   * Resolves `true` once every line has handed all accepted bytes to its pty (or counted them
   * lost), `false` if that takes longer than `timeoutMs`: a gateway that stops reading (or was
   * never attached) leaves bytes stranded once the pty's own buffers (about 30 KB here) are full.
   */
  async drain(timeoutMs = 5_000): Promise<boolean> {
    const drained = Promise.all([...this.#lines.values()].map((line) => line.drained())).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      if (Number.isFinite(timeoutMs)) timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([drained, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  lineStats(line: string): SerialLineStats | undefined {
    return this.#lines.get(line)?.stats;
  }

  get stats(): SerialSinkStats {
    const lines: Record<string, SerialLineStats> = {};
    for (const [id, line] of this.#lines) lines[id] = line.stats;
    return { lines, ignoredOutputs: this.#ignoredOutputs, badLineIds: this.#badLineIds };
  }

  /** Closes every line (writes still buffered are counted as lost) and stops every socat. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all([...this.#lines.values()].map((line) => line.close()));
      if (this.#ownsDir) await rm(this.dir, { recursive: true, force: true });
    })();
    return this.#closing;
  }

  #line(id: string): SerialLine {
    let line = this.#lines.get(id);
    if (line === undefined) {
      // A line first seen after close is born closed, so its writes are refused and counted.
      line = new SerialLine(id, this.#config, this.#closing === undefined ? 'opening' : 'closed');
      this.#lines.set(id, line);
      // Failure is counted on the line and reported through onError.
      if (line.state === 'opening') line.plug().catch(() => undefined);
    }
    return line;
  }

  #existing(id: string): SerialLine {
    const line = this.#lines.get(id);
    if (line === undefined) throw new RangeError(`no serial line "${id}"`);
    return line;
  }
}
