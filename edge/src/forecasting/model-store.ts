import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ForecastTask,
  type ModelManifest,
  type ModelOffer,
  modelManifestCodec,
  type OfferedModel,
} from '@aisle/protocols';
import { ModelRefused } from './refusal.js';

/**
 * Model bundles on the gateway's disk, content-addressed: `models/files/{sha256}` holds a verified
 * file, `models/partial/{sha256}` a download in progress (resumed with `Range`), and
 * `models/assignments.json` (temp file + rename: a switch is atomic) which model each task runs and
 * which it ran before, kept for rollback and for starting without the hub.
 */

export interface Assignment {
  readonly offered: OfferedModel;
}

export interface TaskModels {
  current?: Assignment;
  previous?: Assignment;
}

export interface Assignments {
  /** The `seq` of the last offer applied. */
  seq: number;
  tasks: Partial<Record<ForecastTask, TaskModels>>;
}

export interface FetchOptions {
  readonly timeoutMs: number;
  readonly retries: number;
  readonly retryDelayMs: number;
  /** `Authorization` header for the hub (the gateway's credentials), if any. */
  readonly authorization?: string;
  readonly onBytes?: (bytes: number) => void;
  /** Aborted when the gateway shuts down: a download or a wait between attempts stops at once. */
  readonly signal?: AbortSignal;
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export class ModelStore {
  readonly #dir: string;

  constructor(dataDir: string) {
    this.#dir = join(dataDir, 'models');
    mkdirSync(join(this.#dir, 'files'), { recursive: true });
    mkdirSync(join(this.#dir, 'partial'), { recursive: true });
  }

  /** What was applied last (an empty assignment on first start or when the file is unreadable). */
  assignments(): Assignments {
    try {
      const raw = JSON.parse(readFileSync(join(this.#dir, 'assignments.json'), 'utf8')) as Assignments;
      for (const models of Object.values(raw.tasks))
        for (const a of [models?.current, models?.previous])
          if (a !== undefined && !modelManifestCodec.validate(a.offered.manifest).ok)
            throw new Error('a saved manifest does not validate');
      return raw;
    } catch {
      return { seq: -1, tasks: {} };
    }
  }

  save(assignments: Assignments): void {
    const path = join(this.#dir, 'assignments.json');
    writeFileSync(`${path}.tmp`, JSON.stringify(assignments));
    renameSync(`${path}.tmp`, path);
    this.#prune(assignments);
  }

  /** The bundle's files from disk, where present (verification decides whether they are right). */
  files(manifest: ModelManifest): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    for (const file of manifest.files) {
      try {
        out.set(file.path, readFileSync(join(this.#dir, 'files', file.sha256)));
      } catch {
        // missing: verifyBundle says FILE_MISSING
      }
    }
    return out;
  }

  /**
   * The bundle's files, fetched where not on disk yet: `GET baseUrl + sha256`, resuming a partial
   * download with `Range: bytes=N-` and never accepting more bytes than the manifest says. Network
   * failures are retried (`retries`, exponential delay); the bytes are not trusted here:
   * `verifyBundle` checks them, then `keep` moves them into place or `discard` drops them.
   * Throws `ModelRefused` (`FETCH_FAILED`, `FETCH_TOO_LARGE`).
   */
  async fetch(offered: OfferedModel, options: FetchOptions): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    for (const file of offered.manifest.files) {
      const target = join(this.#dir, 'files', file.sha256);
      if (statSafe(target) === file.bytes && sha256File(target) === file.sha256) {
        out.set(file.path, readFileSync(target));
        continue;
      }
      const url = new URL(file.sha256, offered.baseUrl).toString();
      const partial = join(this.#dir, 'partial', file.sha256);
      let lastError: unknown;
      let done = false;
      for (let attempt = 0; attempt <= options.retries && !done; attempt++) {
        if (options.signal?.aborted === true) break;
        if (attempt > 0) await pause(options.retryDelayMs * 2 ** (attempt - 1), options.signal);
        try {
          await download(url, partial, file.bytes, options);
          done = true;
        } catch (error) {
          if (error instanceof ModelRefused) {
            rmSync(partial, { force: true });
            throw error;
          }
          lastError = error;
        }
      }
      if (!done)
        throw new ModelRefused(
          'FETCH_FAILED',
          `${url}: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
        );
      out.set(file.path, readFileSync(partial));
    }
    return out;
  }

  /** A verified bundle's downloads move into place (content-addressed). */
  keep(manifest: ModelManifest): void {
    for (const file of manifest.files) {
      const partial = join(this.#dir, 'partial', file.sha256);
      if (statSafe(partial) >= 0) renameSync(partial, join(this.#dir, 'files', file.sha256));
    }
  }

  /** A refused bundle's downloads are dropped, so the next offer fetches them afresh. */
  discard(manifest: ModelManifest): void {
    for (const file of manifest.files) rmSync(join(this.#dir, 'partial', file.sha256), { force: true });
  }

  /** Removes files that neither the current nor the previous model of any task needs. */
  #prune(assignments: Assignments): void {
    const keep = new Set<string>();
    for (const models of Object.values(assignments.tasks))
      for (const a of [models?.current, models?.previous])
        for (const f of a?.offered.manifest.files ?? []) keep.add(f.sha256);
    for (const name of readdirSync(join(this.#dir, 'files')))
      if (!keep.has(name)) rmSync(join(this.#dir, 'files', name), { force: true });
  }
}

function statSafe(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}

/** Waits `ms`, or less when `signal` aborts first. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Appends the rest of `url` to `partial` until it holds `bytes`; more than that is refused. */
async function download(url: string, partial: string, bytes: number, options: FetchOptions): Promise<void> {
  let have = Math.max(0, statSafe(partial));
  if (have > bytes) {
    rmSync(partial, { force: true });
    have = 0;
  }
  if (have === bytes) return;
  const headers: Record<string, string> = {};
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  if (have > 0) headers.range = `bytes=${have}-`;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
  const response = await fetch(url, { headers, signal });
  if (response.status === 416) {
    // Our partial is not a prefix the hub knows: start over next attempt.
    rmSync(partial, { force: true });
    throw new Error('416 range not satisfiable');
  }
  if (response.status !== 200 && response.status !== 206) {
    await response.body?.cancel();
    throw new Error(`HTTP ${response.status}`);
  }
  if (response.status === 200) have = 0; // the server ignored the range: the whole file follows
  const expected = bytes - have;
  const length = response.headers.get('content-length');
  if (length !== null && Number(length) > expected) {
    await response.body?.cancel();
    throw new ModelRefused('FETCH_TOO_LARGE', `${url}: ${length} bytes offered, ${expected} expected`);
  }
  const handle = await open(partial, have === 0 ? 'w' : 'a');
  try {
    let got = 0;
    if (response.body === null) throw new Error('no body');
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      got += chunk.byteLength;
      if (got > expected) throw new ModelRefused('FETCH_TOO_LARGE', `${url}: more than ${bytes} bytes`);
      await handle.write(chunk);
      options.onBytes?.(chunk.byteLength);
    }
    if (got < expected) throw new Error(`${url}: ended after ${have + got} of ${bytes} bytes`);
  } finally {
    await handle.close();
  }
}

/** The offer's models by task. */
export function offeredByTask(offer: ModelOffer): Map<ForecastTask, OfferedModel> {
  return new Map(offer.models.map((m) => [m.manifest.task, m]));
}
