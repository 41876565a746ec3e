/**
 * The outbox survives `kill -9`: a child process (fixtures/outbox-writer.mjs) appends batches
 * continuously and records each committed batch in an fsynced side file; the test kills it with
 * SIGKILL at random moments, reopens the database after each kill and checks that nothing the
 * child saw committed was lost or changed, and that no oseq is ever handed out twice.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Outbox } from '../../edge/src/outbox/outbox.js';

const WRITER = fileURLToPath(new URL('./fixtures/outbox-writer.mjs', import.meta.url));
const REGISTER = fileURLToPath(new URL('../helpers/ts-register.mjs', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const KILLS = 5;
const ALL = { maxItems: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER };

/** Kept in step with the copy in fixtures/outbox-writer.mjs. */
function payloadFor(run: number, n: number): string {
  return JSON.stringify({ run, n, pad: 'x'.repeat((n * 7919) % 1000) });
}

/** Seeded, so a failing sequence of kill delays can be replayed (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

interface Started {
  readonly child: ChildProcess;
  readonly ready: { epoch: string; nextSeq: number };
}

/**
 * Starts the writer and resolves once it reported its first commit (not on a timer); rejects with
 * its stderr if it exits first, or after `timeoutMs`.
 */
async function startWriter(db: string, log: string, run: number, timeoutMs = 10_000): Promise<Started> {
  const child = spawn(
    process.execPath,
    ['--conditions=aisle-source', '--import', REGISTER, WRITER, db, log, String(run)],
    {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  try {
    return await new Promise<Started>((resolve, reject) => {
      let ready: Started['ready'] | undefined;
      const timer = setTimeout(() => reject(new Error(`writer: no first commit within ${timeoutMs} ms`)), timeoutMs);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`writer exited (${code ?? signal}) before its first commit:\n${stderr}`));
      });
      lines.on('line', (line) => {
        if (line.startsWith('ready ')) ready = JSON.parse(line.slice(6)) as Started['ready'];
        if (line === 'committed' && ready !== undefined) {
          clearTimeout(timer);
          resolve({ child, ready });
        }
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** Kills exactly the child we started, by its PID, and waits for the OS to report it dead. */
async function killHard(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  if (child.pid === undefined) throw new Error('writer has no pid');
  process.kill(child.pid, 'SIGKILL');
  const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
  expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });
}

/** Complete lines of the side file as oseq → payload; a line torn by the kill is not a commit. */
function committed(log: string): Map<number, string> {
  const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
  const out = new Map<number, string>();
  for (const line of text.slice(0, text.lastIndexOf('\n') + 1).split('\n')) {
    if (line === '') continue;
    const [oseq, run, n] = line.split(' ').map(Number) as [number, number, number];
    if (out.has(oseq)) throw new Error(`oseq ${oseq} reported committed twice`);
    out.set(oseq, payloadFor(run, n));
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'aisle-outbox-crash-'));
let running: ChildProcess | undefined;
afterAll(() => {
  // Only if the test failed between starting the writer and killing it.
  if (running !== undefined && running.exitCode === null && running.signalCode === null) running.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('Outbox under kill -9', () => {
  it('loses no committed row, never repeats an oseq and keeps its epoch across 5 hard kills', async () => {
    const db = join(dir, 'outbox.db');
    const log = join(dir, 'committed.log');
    const seed = 20_261_123;
    const random = rng(seed);
    let epoch: string | undefined;
    /** Every row ever seen in the database, by oseq; a row, once seen, must never change. */
    const seen = new Map<number, string>();
    let highest = 0;

    for (let run = 1; run <= KILLS; run++) {
      const started = await startWriter(db, log, run);
      running = started.child;
      epoch ??= started.ready.epoch;
      expect(started.ready.epoch).toBe(epoch);
      expect(started.ready.nextSeq, `run ${run} resumed at or below an oseq already used`).toBeGreaterThan(highest);
      const delayMs = 50 + Math.floor(random() * 250);
      await new Promise((resolve) => setTimeout(resolve, delayMs)); // the kill moment, not a synchronisation
      await killHard(started.child);

      const outbox = Outbox.open(db);
      try {
        const stats = outbox.stats();
        const rows = outbox.peek(0, ALL);
        const context = `seed ${seed}, run ${run}, killed after ${delayMs} ms`;
        expect(stats.epoch, context).toBe(epoch);
        expect(stats.depth, context).toBe(rows.length);
        // Collected in plain loops and asserted once: thousands of expect() calls would dominate the run.
        const changed = rows.filter((r) => seen.has(r.oseq) && seen.get(r.oseq) !== r.payload).map((r) => r.oseq);
        const fresh = rows.filter((r) => !seen.has(r.oseq));
        const reused = fresh.filter((r) => r.oseq <= highest).map((r) => r.oseq);
        const foreign = fresh.filter((r) => (JSON.parse(r.payload) as { run: number }).run !== run).map((r) => r.oseq);
        const present = new Map(rows.map((r) => [r.oseq, r.payload]));
        const lost = [...committed(log)].filter(([oseq, payload]) => present.get(oseq) !== payload).map(([o]) => o);
        const duplicates = rows.length - new Set(rows.map((r) => r.payload)).size;
        expect({ changed, reused, foreign, lost, duplicates }, context).toEqual({
          changed: [],
          reused: [],
          foreign: [],
          lost: [],
          duplicates: 0,
        });
        for (const [oseq, payload] of present) seen.set(oseq, payload);
        expect(seen.size, `${context}: rows vanished`).toBe(rows.length);
        highest = rows.reduce((max, r) => Math.max(max, r.oseq), highest);
        expect(stats.nextSeq, context).toBeGreaterThan(highest);
      } finally {
        outbox.close();
      }
    }
    expect(highest).toBeGreaterThan(KILLS);
  }, 30_000);
});
