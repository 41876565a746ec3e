// The child processes of `npm start` (scripts/start.js): started, watched, stopped.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** Lines of each process's output kept for the report when it dies. */
const TAIL_LINES = 30;
/** How long a dead process's last output may take to arrive before it is reported. */
const LAST_WORDS_MS = 1000;

/**
 * Each process is `node <args>` in its own process group: Ctrl-C on the terminal reaches only the
 * script, which stops the processes in its own order, and a SIGKILL of the group also takes what
 * the process started itself (the simulator's socat pty pairs).
 *
 * A process that exits while the script is not stopping, other than `mayFinish` with code 0, is a
 * crash: `onCrash` gets it once its last output has arrived.
 */
export class DemoProcesses {
  /** In start order. */
  all = [];
  stopping = false;
  /** True from the moment a process crashed, before `onCrash` runs. */
  failing = false;
  #cwd;
  #onCrash;

  constructor({ cwd, onCrash }) {
    this.#cwd = cwd;
    this.#onCrash = onCrash;
  }

  /** Starts `node <args>`; `mayFinish`: exiting with code 0 is no crash (the simulator's day is over). */
  start(name, args, { mayFinish = false } = {}) {
    const child = spawn(process.execPath, args, { cwd: this.#cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const proc = { name, child, pid: child.pid, tail: [], exit: undefined, onLine: () => {}, onExit: [] };
    const keep = (line) => {
      if (line.trim() === '') return;
      proc.tail.push(line);
      if (proc.tail.length > TAIL_LINES) proc.tail.shift();
    };
    createInterface({ input: child.stdout }).on('line', (line) => {
      keep(line);
      proc.onLine(line);
    });
    // The simulator's progress line rewrites itself with `\r`.
    createInterface({ input: child.stderr }).on('line', (line) => {
      for (const part of line.split('\r')) {
        keep(part);
        proc.onLine(part);
      }
    });
    child.on('exit', (code, signal) => {
      proc.exit = { code, signal };
      for (const resolve of proc.onExit) resolve();
      if (this.stopping || (mayFinish && code === 0)) return;
      this.failing = true;
      const lastWords = AbortSignal.timeout(LAST_WORDS_MS);
      once(child, 'close', { signal: lastWords })
        .catch(() => undefined)
        .then(() => this.#onCrash(proc));
    });
    this.all.push(proc);
    return proc;
  }

  /** Resolves with the first log line `match` accepts (JSON, or `{ text }`); rejects if the process exits first or after `timeoutMs`. */
  waitForLog(proc, match, what, timeoutMs) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${proc.name}: no "${what}" after ${timeoutMs} ms`)), timeoutMs);
      this.exited(proc).then(() => reject(new Error(`${proc.name} exited before "${what}"`)));
      proc.onLine = (line) => {
        let entry;
        try {
          entry = JSON.parse(line);
        } catch {
          entry = { text: line };
        }
        if (!match(entry)) return;
        clearTimeout(timer);
        proc.onLine = () => {};
        resolve(entry);
      };
    });
  }

  exited(proc) {
    return proc.exit !== undefined ? Promise.resolve() : new Promise((resolve) => proc.onExit.push(resolve));
  }

  /** SIGTERM to the process and its exit awaited; SIGKILL to its group after `timeoutMs`. True if it had to be killed. */
  async stop(proc, timeoutMs) {
    let killed = false;
    if (proc.exit === undefined) {
      try {
        process.kill(proc.pid, 'SIGTERM');
      } catch {
        // Gone already.
      }
      const timer = setTimeout(() => {
        killed = true;
        killGroup(proc);
      }, timeoutMs);
      await this.exited(proc);
      clearTimeout(timer);
    }
    killGroup(proc); // whatever it left behind
    return killed;
  }

  /** SIGKILL to every group still there, at once (a second Ctrl-C, or this script exiting). */
  killAll() {
    for (const proc of this.all) killGroup(proc);
  }
}

function killGroup(proc) {
  try {
    process.kill(-proc.pid, 'SIGKILL');
  } catch {
    // The group is gone.
  }
}
