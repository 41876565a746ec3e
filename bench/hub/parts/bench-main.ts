import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchServer } from './ingest-servers.js';

/** Starts this bench script again as a child in `role`; resolves with it and its first IPC message. */
export type Spawn<Role extends string, Reply> = (role: Role) => Promise<[ChildProcess, Reply]>;

/**
 * The parent side of a multi-process hub bench: runs `run` with a spawner of role children (the
 * bench file itself, forked with the role as argument), a list to register started servers in, and
 * a temp dir; afterwards, or after `limitMs`, kills every child, stops every server and removes the
 * dir. `name` prefixes the temp dir and the over-time message.
 */
export async function runBench<Role extends string, Reply>(
  name: string,
  self: string,
  limitMs: number,
  run: (spawn: Spawn<Role, Reply>, servers: BenchServer[], tempDir: string) => Promise<void>,
): Promise<void> {
  const children: ChildProcess[] = [];
  const servers: BenchServer[] = [];
  const tempDir = mkdtempSync(join(tmpdir(), `aisle-bench-${name}-`));
  const cleanup = (): void => {
    for (const child of children) {
      // SIGKILL: a child whose event loop is stalled would not handle SIGTERM before this exits.
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid, 'SIGKILL');
      }
    }
    for (const server of servers) server.stop();
    rmSync(tempDir, { recursive: true, force: true });
  };
  const limit = setTimeout(() => {
    process.stderr.write(`hub ${name} bench: over ${limitMs} ms, stopping\n`);
    cleanup();
    process.exit(1);
  }, limitMs);
  limit.unref();
  const spawn: Spawn<Role, Reply> = async (role) => {
    const child = fork(self, [role], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
    const [first] = (await once(child, 'message')) as [Reply];
    return [child, first];
  };
  try {
    await run(spawn, servers, tempDir);
  } finally {
    clearTimeout(limit);
    cleanup();
  }
}
