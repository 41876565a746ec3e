/**
 * A model download must not hold a gateway's shutdown: the runtime aborts it on close, and the
 * store gives up at once (attempt in flight and the waits between retries) instead of running out
 * its timeouts. The hub here accepts the request and never answers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OfferedModel } from '@aisle/protocols';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelStore } from '../../edge/src/forecasting/model-store.js';
import { ModelRefused } from '../../edge/src/forecasting/refusal.js';

describe('model store download', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-model-store-'));
  let requests = 0;
  let arrived: () => void = () => {};
  const held: Array<{ destroy(): void }> = [];
  const server: Server = createServer((request) => {
    requests++;
    held.push(request.socket);
    arrived();
  });
  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops at once when aborted, without retrying, and refuses the offer as not fetched', async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const offered = {
      baseUrl: `http://127.0.0.1:${port}/api/model-files/`,
      manifest: { files: [{ path: 'model.json', sha256: 'a'.repeat(64), bytes: 10 }] },
    } as unknown as OfferedModel;
    const shutdown = new AbortController();
    const requested = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const fetching = new ModelStore(dir).fetch(offered, {
      timeoutMs: 60_000,
      retries: 3,
      retryDelayMs: 10_000,
      signal: shutdown.signal,
    });
    await requested;
    shutdown.abort();
    // Without the signal this waited 60 s per attempt and 10–40 s between them (this test's timeout).
    const refused = await fetching.catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ModelRefused);
    expect((refused as ModelRefused).reason).toBe('FETCH_FAILED');
    expect(requests).toBe(1);
  }, 10_000);
});
