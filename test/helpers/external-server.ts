import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Real servers for tests (Mosquitto, PostgreSQL, InfluxDB 1.x, Redis), started by the same
 * `scripts/servers/*.sh` CI uses, on a free loopback port, data in a temp dir. `url` is what the
 * script printed: `mqtt://127.0.0.1:P`, `postgres://postgres@127.0.0.1:P/postgres`,
 * `http://127.0.0.1:P` (InfluxDB's HTTP API), `redis://127.0.0.1:P`.
 *
 * When a server cannot start here, the tests that need it skip with the reason, except under
 * `CI=true`, where a missing server fails the run: CI must never go green by skipping.
 */

export type ServerName = 'mosquitto' | 'postgres' | 'influxdb' | 'redis';

export interface ExternalServer {
  readonly url: string;
  readonly port: number;
  /** Stops the server process (SIGTERM), keeping its directory so `restart` brings it back. */
  halt(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  /** Stops it for good and removes its directory. */
  stop(): Promise<void>;
}

export type ServerAvailability =
  | { readonly ok: true; readonly server: ExternalServer }
  | { readonly ok: false; readonly reason: string };

const run = promisify(execFile);
const scripts = join(import.meta.dirname, '../../scripts/servers');

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export async function externalServer(name: ServerName): Promise<ServerAvailability> {
  const dir = mkdtempSync(join(tmpdir(), `aisle-${name}-`));
  const script = join(scripts, `${name}.sh`);
  const port = await freePort();
  try {
    const { stdout } = await run('bash', [script, 'start', dir, String(port)], { timeout: 30_000 });
    const halt = async () => {
      await run('bash', [script, 'stop', dir], { timeout: 30_000 });
    };
    const restart = async () => {
      await run('bash', [script, 'start', dir, String(port)], { timeout: 30_000 });
    };
    const stop = async () => {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    };
    return { ok: true, server: { url: stdout.trim(), port, halt, restart, stop } };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    const reason = `${name} unavailable: ${detail}`;
    if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: a missing server fails the run)`);
    return { ok: false, reason };
  }
}
