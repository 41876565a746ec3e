import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import { parseHubConfig } from '@aisle/hub/config';
import { type RunningHub, startHub } from '@aisle/hub/server';
import { pino } from 'pino';

/**
 * The hub child of the hub benches (bench/hub/ingest.ts, bench/hub/e2e-latency.ts): `startHub`
 * with the config the parent sends (validated by `parseHubConfig`, as `aisle-hub serve` does),
 * logging silenced, alone in its process. Answers `stats` with its event loop's utilization (so
 * the parent can tell a saturated hub from an idle one) and RSS.
 */

export type HubCommand =
  | { readonly kind: 'start'; readonly config: unknown }
  | { readonly kind: 'stats' }
  | { readonly kind: 'close' };

export interface HubReply {
  readonly brokerUrl?: string;
  readonly httpUrl?: string;
  readonly elu?: EventLoopUtilization;
  readonly rss?: number;
}

export function serveHub(): void {
  let hub: RunningHub | undefined;
  const handle = async (command: HubCommand): Promise<HubReply> => {
    switch (command.kind) {
      case 'start':
        hub = await startHub(parseHubConfig(command.config, 'bench'), pino({ level: 'silent' }));
        return { brokerUrl: hub.brokerUrl, httpUrl: hub.httpUrl };
      case 'stats':
        return { elu: performance.eventLoopUtilization(), rss: process.memoryUsage.rss() };
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
          `hub bench, hub child: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
        );
        process.exit(1);
      },
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  process.send?.({});
}

/** Utilization of an event loop between two `performance.eventLoopUtilization()` readings. */
export function utilization(from: EventLoopUtilization | undefined, to: EventLoopUtilization | undefined): number {
  if (from === undefined || to === undefined) return Number.NaN;
  const active = to.active - from.active;
  const idle = to.idle - from.idle;
  return active / Math.max(1e-9, active + idle);
}
