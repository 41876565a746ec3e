import { Session } from 'node:inspector/promises';
import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import { parseHubConfig } from '@aisle/hub/config';
import { type RunningHub, startHub } from '@aisle/hub/server';
import { pino } from 'pino';
import { type ProfileSummary, summarize } from './recommend-serve-profile.js';

/**
 * The hub child of bench/hub/recommend-serve.ts: `startHub` with the config the parent sends,
 * logging silenced, alone in its process (the load generator gets the other core). Answers
 * `stats` with its event loop's utilization and RSS, and `profile-start` / `profile-stop` with a
 * V8 CPU profile of the window in between, summarised here (`recommend-serve-profile.ts`).
 *
 * Upload bodies: the hub's JSON parser is Express's default, 100 kB, and no config raises it, so
 * a 20,000-lane planogram (3.7 MB) or a POS call of 10,000 baskets (the schema's bound, ≈ 3 MB)
 * is refused with 413 (measured with this world: anything over ≈ 550 lanes). This child reads
 * the bodies of exactly those two routes itself, up to UPLOAD_LIMIT, before Express's parser (which
 * then finds the request read and leaves it, as `installModelBodyParser` does for models); the
 * controllers, validation and storage are the hub's. Serving routes are untouched.
 */

export type HubCommand =
  | { readonly kind: 'start'; readonly config: unknown }
  | { readonly kind: 'stats' }
  | { readonly kind: 'profile-start' }
  | { readonly kind: 'profile-stop' }
  | { readonly kind: 'close' };

export interface HubReply {
  readonly httpUrl?: string;
  readonly elu?: EventLoopUtilization;
  readonly rss?: number;
  readonly profile?: ProfileSummary;
}

const UPLOAD_LIMIT = 64 * 1024 * 1024;
const UPLOAD_ROUTE = /^\/api\/sites\/[a-z0-9-]{1,64}\/(planogram|baskets)$/;

interface Layer {
  name?: string;
}
interface ExpressLike {
  use(fn: (request: BodyRequest, response: unknown, next: (error?: unknown) => void) => void): void;
  router: { stack: Layer[] };
}
interface BodyRequest extends NodeJS.ReadableStream {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}

/** Installs the upload reader in front of Express's JSON parser (see the file comment). */
function readLargeUploads(hub: RunningHub): void {
  const express = hub.app.getHttpAdapter().getInstance() as ExpressLike;
  express.use((request, _response, next) => {
    if (!(request.method === 'PUT' || request.method === 'POST') || !UPLOAD_ROUTE.test(request.path)) return next();
    const chunks: Buffer[] = [];
    let bytes = 0;
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.byteLength;
      if (bytes <= UPLOAD_LIMIT) chunks.push(chunk);
    });
    request.on('error', next);
    request.on('end', () => {
      if (bytes > UPLOAD_LIMIT) return next(new Error(`bench upload over ${UPLOAD_LIMIT} bytes`));
      try {
        request.body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        return next(error);
      }
      next();
    });
  });
  const stack = express.router.stack;
  const mine = stack.pop() as Layer;
  const json = stack.findIndex((layer) => layer.name === 'jsonParser');
  if (json < 0) throw new Error("recommend-serve hub child: no jsonParser layer in Express's stack");
  stack.splice(json, 0, mine);
}

export function serveHub(): void {
  let hub: RunningHub | undefined;
  let session: Session | undefined;
  const handle = async (command: HubCommand): Promise<HubReply> => {
    switch (command.kind) {
      case 'start':
        hub = await startHub(parseHubConfig(command.config, 'bench'), pino({ level: 'silent' }));
        readLargeUploads(hub);
        return { httpUrl: hub.httpUrl };
      case 'stats':
        return { elu: performance.eventLoopUtilization(), rss: process.memoryUsage.rss() };
      case 'profile-start':
        session = new Session();
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 100 });
        await session.post('Profiler.start');
        return {};
      case 'profile-stop': {
        if (session === undefined) return {};
        const { profile } = await session.post('Profiler.stop');
        session.disconnect();
        session = undefined;
        return { profile: summarize(profile) };
      }
      case 'close':
        await hub?.close();
        hub = undefined;
        return {};
    }
  };
  process.on('message', (command: HubCommand) => {
    handle(command).then(
      (answer) => process.send?.(answer),
      (error: unknown) => {
        process.stderr.write(
          `recommend-serve bench, hub child: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
        );
        process.exit(1);
      },
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  process.send?.({});
}
