import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../../parts/free-port.js';

/**
 * Real servers for the hub benches, started and stopped by the repository's own
 * `scripts/servers/*.sh` (as test/helpers/external-server.ts does: a free loopback port, data in a
 * temp dir), and the CPU time of a process with its descendants, read from `/proc`, for processes
 * these benches did not start themselves (influxd, the postmaster and its backends).
 */

export type ServerName = 'postgres' | 'influxdb';

export interface BenchServer {
  readonly name: ServerName;
  /** What the script printed: `postgres://postgres@127.0.0.1:P/postgres`, `http://127.0.0.1:P`. */
  readonly url: string;
  /** The server's main process (from its PID file), for CPU accounting. */
  readonly pid: number;
  /** Stops it (the script, by its PID file) and removes its directory; synchronous, idempotent. */
  stop(): void;
}

const run = promisify(execFile);
const scripts = fileURLToPath(new URL('../../../../scripts/servers/', import.meta.url));

export async function startServer(name: ServerName): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), `aisle-bench-${name}-`));
  const script = join(scripts, `${name}.sh`);
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    try {
      execFileSync('bash', [script, 'stop', dir], { stdio: 'ignore', timeout: 30_000 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    const { stdout } = await run('bash', [script, 'start', dir, String(await freePort())], { timeout: 60_000 });
    const pidFile = name === 'postgres' ? join(dir, 'data', 'postmaster.pid') : join(dir, 'influxdb.pid');
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
    return { name, url: stdout.trim(), pid, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU ms (user + system) of `pid` and every process below it, children already reaped included
 * (`cutime`/`cstime`); 0 when it is gone. Resolution: one clock tick (10 ms).
 */
export function treeCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the command name (which may hold spaces): state ppid … utime stime cutime cstime.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    stats.set(Number(entry), { ppid: Number(f[1]), ticks });
  }
  const tree = new Set<number>([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [p, s] of stats) {
      if (!tree.has(p) && tree.has(s.ppid)) {
        tree.add(p);
        grew = true;
      }
    }
  }
  let ticks = 0;
  for (const p of tree) ticks += stats.get(p)?.ticks ?? 0;
  return (ticks * 1000) / ticksPerSecond;
}
