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
 * Uploads go through the hub's own JSON parser (`http.maxJsonBytes`, 32 MiB by default: a
 * 20,000-lane planogram is 3.7 MB, a POS call of 10,000 baskets ≈ 3 MB).
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

export function serveHub(): void {
  let hub: RunningHub | undefined;
  let session: Session | undefined;
  const handle = async (command: HubCommand): Promise<HubReply> => {
    switch (command.kind) {
      case 'start':
        hub = await startHub(parseHubConfig(command.config, 'bench'), pino({ level: 'silent' }));
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
