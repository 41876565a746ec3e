import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { REPO, SOURCE_FLAGS } from './source-processes.js';

/**
 * `npm start`'s stack for browser tests: scripts/start.js run from the sources (as demo.test.ts
 * runs it), on free ports, ready once it prints "Ctrl-C stops everything."; what it printed is
 * read as a newcomer would (the hub URL, each process's PID, the demo logins by role). `stop()`
 * sends Ctrl-C (SIGINT), then SIGKILL after `stopMs`, and kills any process group start.js
 * printed that is still alive: only processes this test started.
 */
export interface DemoLogin {
  readonly username: string;
  readonly password: string;
}

export class DemoStack {
  #child: ChildProcess | undefined;
  #banner = '';
  hubUrl = '';
  /** name → PID, as start.js printed them (`gw-store-a 1234`). */
  processes: ReadonlyMap<string, number> = new Map();
  logins: ReadonlyMap<string, DemoLogin> = new Map();

  /** What start.js printed so far (for failure messages). */
  get banner(): string {
    return this.#banner;
  }

  async start(env: Record<string, string>, readyMs: number): Promise<void> {
    const child = spawn(process.execPath, [...SOURCE_FLAGS, 'scripts/start.js'], {
      cwd: REPO,
      env: { ...process.env, AISLE_DEMO_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    let err = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-10_000);
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`not ready after ${readyMs} ms:\n${this.#banner}${err}`)),
        readyMs,
      );
      child.once('exit', (code) =>
        reject(new Error(`npm start exited ${code} before it was ready:\n${this.#banner}${err}`)),
      );
      lines.on('line', (line) => {
        this.#banner += `${line}\n`;
        if (line !== 'Ctrl-C stops everything.') return;
        clearTimeout(timer);
        resolve();
      });
    });
    const text = this.#banner;
    const hubUrl = /^ {2}hub API +(http:\/\/\S+)/m.exec(text)?.[1];
    const processes = /^ {2}processes +(.+)$/m.exec(text)?.[1];
    if (hubUrl === undefined || processes === undefined) throw new Error(`no URLs in what npm start printed:\n${text}`);
    this.hubUrl = hubUrl;
    this.processes = new Map([...processes.matchAll(/(\S+) (\d+)/g)].map((m) => [m[1] as string, Number(m[2])]));
    this.logins = new Map(
      [...text.matchAll(/^ {4}(\S+) \/ (\S+) +\((\w+):/gm)].map((m) => [
        m[3] as string,
        { username: m[1] as string, password: m[2] as string },
      ]),
    );
  }

  /** The demo login of `role`, or an error quoting what start.js printed. */
  login(role: string): DemoLogin {
    const login = this.logins.get(role);
    if (login === undefined) throw new Error(`no ${role} login printed:\n${this.#banner}`);
    return login;
  }

  async stop(stopMs: number): Promise<void> {
    const child = this.#child;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      await Promise.race([once(child, 'exit'), delay(stopMs)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    for (const pid of this.processes.values()) if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
  }
}

/** True while any process of the group `pgid` exists (start.js starts each child as a group leader). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
