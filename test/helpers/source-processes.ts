import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * aisle's programs as real processes from their TypeScript sources, for system tests: each is
 * `node --conditions=aisle-source --import ts-register.mjs <package>/src/main.ts …`, its output
 * kept (the last 20 kB) for failure messages, stopped by its PID (SIGTERM, then SIGKILL).
 */
export const REPO = fileURLToPath(new URL('../..', import.meta.url));
const REGISTER = fileURLToPath(new URL('./ts-register.mjs', import.meta.url));
const SOURCE_FLAGS = ['--conditions=aisle-source', '--import', REGISTER];

export const MAIN = {
  hub: fileURLToPath(new URL('../../hub/src/main.ts', import.meta.url)),
  edge: fileURLToPath(new URL('../../edge/src/main.ts', import.meta.url)),
  sim: fileURLToPath(new URL('../../device-sim/src/main.ts', import.meta.url)),
} as const;

export interface Running {
  readonly name: string;
  readonly child: ChildProcess;
  output: string;
}

const KEEP = 20_000;

/** The processes one test file started, newest last. */
export class SourceProcesses {
  readonly running: Running[] = [];

  /** Starts `main` with `args`; resolves once a stdout line matches `ready` (at once without). */
  async start(name: string, main: string, args: string[], ready?: (line: string) => boolean): Promise<Running> {
    const child = spawn(process.execPath, [...SOURCE_FLAGS, main, ...args], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc: Running = { name, child, output: '' };
    this.running.push(proc);
    child.stderr?.on('data', (chunk: Buffer) => {
      proc.output = (proc.output + chunk.toString()).slice(-KEEP);
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      proc.output = `${proc.output}${line}\n`.slice(-KEEP);
    });
    if (ready === undefined) return proc;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} not ready in 60 s:\n${proc.output}`)), 60_000);
      child.once('exit', (code) => reject(new Error(`${name} exited ${code}:\n${proc.output}`)));
      lines.on('line', (line) => {
        if (!ready(line)) return;
        clearTimeout(timer);
        resolve();
      });
    });
    return proc;
  }

  /** The tail of every process's output, for a failure message. */
  logs(chars = 3000): string {
    return this.running.map((p) => `--- ${p.name}\n${p.output.slice(-chars)}`).join('\n');
  }

  /** Stops them newest first (the simulator before the gateways it feeds, the hub last). */
  async stopAll(): Promise<void> {
    for (const proc of [...this.running].reverse()) await stop(proc);
  }
}

/** SIGTERM, then SIGKILL after 15 s: only a process this test started, by its PID. */
export async function stop(proc: Running): Promise<void> {
  const { child } = proc;
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** `aisle-sim <args>` to completion from the sources: its stdout, or an error with its stderr. */
export function runSim(args: string[]): string {
  const result = spawnSync(process.execPath, [...SOURCE_FLAGS, MAIN.sim, ...args], {
    cwd: REPO,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`aisle-sim ${args[0]} failed: ${result.stderr}`);
  return result.stdout;
}
