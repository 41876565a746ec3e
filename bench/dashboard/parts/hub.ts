import { parseHubConfig } from '@aisle/hub/config';
import { type RunningHub, startHub } from '@aisle/hub/server';
import { pino } from 'pino';

/**
 * The hub child of the dashboard benches: `startHub` with the config the parent sends, logging
 * silenced, alone in its process. Answers `start` with its HTTP and MQTT URLs (the parent is the
 * store's gateway on the broker) and `close` once closed.
 */

export type HubCommand = { readonly kind: 'start'; readonly config: unknown } | { readonly kind: 'close' };

export interface HubReply {
  readonly httpUrl?: string;
  readonly brokerUrl?: string;
}

export function serveHub(): void {
  let hub: RunningHub | undefined;
  const handle = async (command: HubCommand): Promise<HubReply> => {
    switch (command.kind) {
      case 'start':
        hub = await startHub(parseHubConfig(command.config, 'bench'), pino({ level: 'silent' }));
        return { httpUrl: hub.httpUrl, brokerUrl: hub.brokerUrl };
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
          `dashboard bench, hub child: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
        );
        process.exit(1);
      },
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  process.send?.({});
}
