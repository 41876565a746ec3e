import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * aisle's programs as real processes from their TypeScript sources, for system tests: each is
 * `node --conditions=aisle-source --import ts-register.mjs <package>/src/main.ts …`, its output
 * kept (the last 20 kB) for failure messages, stopped by its PID (SIGTERM, then SIGKILL).
 */
export const REPO = fileURLToPath(new URL('../..', import.meta.url));
const REGISTER = fileURLToPath(new URL('./ts-register.mjs', import.meta.url));
export const SOURCE_FLAGS = ['--conditions=aisle-source', '--import', REGISTER];

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

/** A device of a simulated site, as `aisle-sim sites` prints it (its password in clear). */
export interface SimDevice {
  readonly device: string;
  readonly kind: string;
  readonly username: string;
  readonly password: string;
}

/**
 * Writes an `aisle-edge` config for a simulated site's gateway (its devices' passwords hashed) that
 * takes the simulator's clock (`maxFutureSkewMs` a day: it runs ahead of the wall clock), runs no
 * forecasting, and uplinks to `uplink`; `extra` adds sections (`lanes`, `van`). Returns its path.
 */
export async function writeGatewayConfig(options: {
  readonly path: string;
  readonly dataDir: string;
  readonly site: string;
  readonly gateway: string;
  readonly devices: readonly SimDevice[];
  readonly broker: { readonly port: number; readonly publishesPerSecond: number; readonly publishBurst: number };
  readonly httpPort: number;
  readonly uplink: { readonly url: string; readonly password: string; readonly flushIntervalMs: number };
  readonly extra?: Record<string, unknown>;
}): Promise<string> {
  const { hashPassword } = await import('@aisle/edge/credentials');
  writeFileSync(
    options.path,
    JSON.stringify({
      site: options.site,
      gateway: options.gateway,
      dataDir: options.dataDir,
      broker: { host: '127.0.0.1', ...options.broker },
      devices: await Promise.all(
        options.devices.map(async (d) => ({
          device: d.device,
          kind: d.kind,
          username: d.username,
          passwordHash: await hashPassword(d.password),
        })),
      ),
      ...options.extra,
      rules: { maxFutureSkewMs: 86_400_000 },
      forecasting: { enabled: false },
      uplink: { ...options.uplink, username: options.gateway },
      http: { host: '127.0.0.1', port: options.httpPort },
    }),
  );
  return options.path;
}

/** A site of a scenario as `aisle-sim sites` prints it: what its gateway needs to know. */
export interface SimSite {
  readonly site: string;
  readonly kind: string;
  readonly devices: readonly SimDevice[];
  readonly lanes: ReadonlyArray<{ lane: string; device: string; sku: string; unitGrams: number; capacity: number }>;
}

/** `aisle-sim sites --scenario FILE --mqtt-only`: the scenario's sites, every device on MQTT. */
export function simSites(scenario: string): SimSite[] {
  return (JSON.parse(runSim(['sites', '--scenario', scenario, '--mqtt-only'])) as { sites: SimSite[] }).sites;
}

/** The site `site` of `sites`, or an error naming it. */
export function simSite(sites: readonly SimSite[], site: string): SimSite {
  const found = sites.find((s) => s.site === site);
  if (found === undefined) throw new Error(`no ${site} in the scenario`);
  return found;
}
