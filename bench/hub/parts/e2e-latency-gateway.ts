import { parseConfig } from '@aisle/edge/config';
import { Gateway } from '@aisle/edge/gateway';
import { pino } from 'pino';

/**
 * The gateway child of `hub/e2e-latency` (bench/hub/e2e-latency.ts): `Gateway.start` with the
 * config the parent sends (validated by `parseConfig`, as `aisle-edge --config` does), logging
 * silenced, alone in its process. `stats` answers with the uplink's counters and the outbox depth.
 */

export type GatewayCommand =
  | { readonly kind: 'start'; readonly config: unknown }
  | { readonly kind: 'stats' }
  | { readonly kind: 'close' };

export interface GatewayReply {
  readonly connected?: boolean;
  readonly liveBatches?: number;
  readonly liveItems?: number;
  readonly histBatches?: number;
  readonly resends?: number;
  readonly stalls?: number;
  readonly connects?: number;
  readonly ackedSeq?: number;
  /** Rows the outbox has handed out an oseq to: readings and the items derived from them. */
  readonly lastSeq?: number;
  readonly outboxDepth?: number;
  readonly flushIntervalMs?: number;
}

export function serveGateway(): void {
  let gateway: Gateway | undefined;
  const stats = (): GatewayReply => {
    const uplink = gateway?.uplink?.stats;
    return {
      connected: uplink?.connected ?? false,
      liveBatches: uplink?.batches.live ?? 0,
      liveItems: uplink?.items.live ?? 0,
      histBatches: uplink?.batches.hist ?? 0,
      resends: uplink?.resends ?? 0,
      stalls: uplink?.stalls ?? 0,
      connects: uplink?.connects ?? 0,
      ackedSeq: uplink?.ackedSeq ?? 0,
      lastSeq: gateway?.outbox.lastSeq() ?? 0,
      outboxDepth: gateway?.outbox.stats().depth ?? 0,
      flushIntervalMs: gateway?.config.uplink.flushIntervalMs ?? 0,
    };
  };
  const handle = async (command: GatewayCommand): Promise<GatewayReply> => {
    switch (command.kind) {
      case 'start':
        gateway = await Gateway.start(parseConfig(command.config), pino({ level: 'silent' }));
        return stats();
      case 'stats':
        return stats();
      case 'close':
        await gateway?.close();
        gateway = undefined;
        return {};
    }
  };
  process.on('message', (command: GatewayCommand) => {
    handle(command).then(
      (answer) => process.send?.(answer),
      (error: unknown) => {
        process.stderr.write(`hub e2e bench, gateway child: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  process.send?.({});
}
