import { type ChildProcess, spawn } from 'node:child_process';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A null-modem cable made of two pseudo-terminals joined by socat: the simulated device writes to
 * `devicePath`, the gateway opens `hostPath` with serialport, as it would `/dev/ttyUSB0`. Both
 * paths are symlinks socat creates (and removes when it exits) under a directory we choose, so a
 * line keeps its path when it is unplugged and plugged back in.
 *
 * Error codes:
 * | code            | meaning                                                              |
 * | --------------- | -------------------------------------------------------------------- |
 * | `SOCAT_MISSING` | the socat binary is not on PATH                                      |
 * | `SOCAT_EXITED`  | socat exited before the pair was ready (bad option, unwritable dir) |
 * | `PTY_TIMEOUT`   | socat did not report its transfer loop within `readyTimeoutMs`       |
 * | `PTY_NO_LINK`   | socat reported ready but a link is missing                           |
 */

type PtyPairErrorCode = 'SOCAT_MISSING' | 'SOCAT_EXITED' | 'PTY_TIMEOUT' | 'PTY_NO_LINK';

export class PtyPairError extends Error {
  readonly code: PtyPairErrorCode;

  constructor(code: PtyPairErrorCode, message: string) {
    super(message);
    this.name = 'PtyPairError';
    this.code = code;
  }
}

export interface PtyPairOptions {
  /** How long socat may take to create both ptys. Default 5,000 ms. */
  readonly readyTimeoutMs?: number;
  /** How long `close()` waits after SIGTERM before SIGKILL. Default 2,000 ms. */
  readonly killTimeoutMs?: number;
  /** The socat executable. Default `socat` (from PATH). */
  readonly socat?: string;
}

export interface PtyPairExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

// socat -d -d logs this (level N) once both addresses are open and their links exist (socat
// 1.7.4 xio-pty.c creates the link right after openpty()).
const READY_LINE = 'starting data transfer loop';
const STDERR_TAIL_CHARS = 2_000;

/**
 * Every socat this process started and has not yet seen exit: killed on process exit, so a test
 * worker that dies mid-run leaves no pty pairs behind.
 */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const socat of live) socat.kill('SIGKILL');
    });
  }
}

export class PtyPair {
  /** The end the simulated device writes to. */
  readonly devicePath: string;
  /** The end the gateway opens with serialport. */
  readonly hostPath: string;
  /** socat's process id. */
  readonly pid: number;
  /** Settles when socat exits, for any reason (closed, killed, crashed). */
  readonly exited: Promise<PtyPairExit>;
  readonly #child: ChildProcess;
  readonly #killTimeoutMs: number;
  #exit: PtyPairExit | undefined;
  #stderr: string;

  private constructor(
    child: ChildProcess,
    paths: { devicePath: string; hostPath: string },
    stderr: string,
    killTimeoutMs: number,
  ) {
    this.#child = child;
    this.pid = child.pid as number;
    this.devicePath = paths.devicePath;
    this.hostPath = paths.hostPath;
    this.#stderr = stderr;
    this.#killTimeoutMs = killTimeoutMs;
    this.exited = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      };
      if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode, child.signalCode);
      else child.once('exit', done);
    });
    // Keep draining stderr: a full pipe would block socat mid-transfer.
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
    });
  }

  /**
   * Starts `socat -d -d pty,rawer,link=<dir>/<name>-dev pty,rawer,link=<dir>/<name>-host` and
   * resolves once socat says its transfer loop started and both links exist.
   *
   * `rawer` (not the obsolete `raw`) gives cfmakeraw-like termios on both ptys and implies
   * `echo=0`: no CR/LF mapping, no XON/XOFF, no signal characters, 8 data bits, so any byte the
   * device writes reaches the host unchanged.
   */
  static async open(dir: string, name: string, options: PtyPairOptions = {}): Promise<PtyPair> {
    const readyTimeoutMs = options.readyTimeoutMs ?? 5_000;
    const paths = { devicePath: join(dir, `${name}-dev`), hostPath: join(dir, `${name}-host`) };
    const child = spawn(
      options.socat ?? 'socat',
      ['-d', '-d', `pty,rawer,link=${paths.devicePath}`, `pty,rawer,link=${paths.hostPath}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    if (child.pid !== undefined) track(child);
    let stderr = '';
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          finish();
          reject(new PtyPairError('PTY_TIMEOUT', `socat gave no ready line within ${readyTimeoutMs} ms: ${stderr}`));
        }, readyTimeoutMs);
        const onData = (chunk: Buffer) => {
          stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
          if (stderr.includes(READY_LINE)) {
            finish();
            resolve();
          }
        };
        const onError = (error: NodeJS.ErrnoException) => {
          finish();
          reject(
            error.code === 'ENOENT'
              ? new PtyPairError('SOCAT_MISSING', 'socat is not installed (apt-get install socat)')
              : error,
          );
        };
        const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
          finish();
          reject(new PtyPairError('SOCAT_EXITED', `socat exited (${code ?? signal}) before ready: ${stderr.trim()}`));
        };
        const finish = () => {
          clearTimeout(timer);
          child.stderr?.off('data', onData);
          child.off('error', onError);
          child.off('exit', onExit);
        };
        child.stderr?.on('data', onData);
        child.once('error', onError);
        child.once('exit', onExit);
      });
      for (const path of [paths.devicePath, paths.hostPath]) {
        const stat = await lstat(path).catch(() => undefined);
        if (stat?.isSymbolicLink() !== true) {
          throw new PtyPairError('PTY_NO_LINK', `socat is ready but ${path} is not a link: ${stderr.trim()}`);
        }
      }
    } catch (error) {
      // No pid means spawn itself failed: there is nothing to kill.
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
      throw error;
    }
    return new PtyPair(child, paths, stderr, options.killTimeoutMs ?? 2_000);
  }

  /** Whether socat is still running. */
  get running(): boolean {
    return this.#exit === undefined;
  }

  /** The last lines socat logged, for diagnostics. */
  get log(): string {
    return this.#stderr;
  }

  /**
   * Stops socat (SIGTERM: it removes both links; SIGKILL after `killTimeoutMs` if it hangs) and
   * waits for it to exit. Safe to call twice, or after socat died on its own.
   */
  async close(): Promise<PtyPairExit> {
    if (this.#exit !== undefined) return this.#exit;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), this.#killTimeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
