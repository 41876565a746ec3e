import { topics } from '@aisle/protocols';
import { connectAsync, type MqttClient } from 'mqtt';
import { shelfReadings } from '../../parts/shelf-readings.js';

/**
 * The shelf scales of `hub/e2e-latency` (bench/hub/e2e-latency.ts) and the child that runs them:
 * SCALES mqtt.js clients, each logged in with its credentials (client id = username), publishing
 * valid `shelf.weight` readings at QoS 0 (as the simulator publishes telemetry) on its own
 * `dt/...` topic, RATE readings per second in total, open loop: a timer every TICK_MS publishes
 * what is due since the start, round robin over the scales, each scale's readings round robin
 * over its LANES_PER_SCALE lanes. Each reading is stamped `ts = Date.now()` as it is published;
 * the child keeps every reading's `ts` by scale and seq, for the parent to account for the
 * readings that were never delivered on their own.
 */

export const SITE = 'store-a';
export const SCALES = 100;
export const LANES_PER_SCALE = 8;
export const UNIT_GRAMS = 412.5;
export const PASSWORD = 'bench-scale-secret';
const TICK_MS = 5;
/** Catching up after a stalled timer: at most this much of the schedule at once. */
const MAX_CATCH_UP_MS = 100;

export type DevicesCommand =
  | { readonly kind: 'connect'; readonly port: number }
  | { readonly kind: 'start'; readonly rate: number }
  | { readonly kind: 'stop' }
  | { readonly kind: 'end' };

export interface DevicesReply {
  readonly published?: number;
  /** Per scale: `ts` of reading seq = index + 1. */
  readonly sent?: readonly (readonly number[])[];
  /** Readings the schedule skipped because the timer stalled more than MAX_CATCH_UP_MS. */
  readonly skipped?: number;
}

export const scaleName = (d: number): string => `scale-${String(d + 1).padStart(3, '0')}`;
export const laneOf = (scale: string, seq: number): string => `${scale}-l${seq % LANES_PER_SCALE}`;

/** Reading `seq` of scale `d` (see `shelfReadings`). */
export const reading = shelfReadings({
  site: SITE,
  scales: SCALES,
  lanesPerScale: LANES_PER_SCALE,
  unitGrams: UNIT_GRAMS,
  scaleName: scaleName,
});

export function serveDevices(): void {
  let clients: MqttClient[] = [];
  const sent: number[][] = Array.from({ length: SCALES }, () => []);
  let published = 0;
  let skipped = 0;
  let timer: NodeJS.Timeout | undefined;

  const handle = async (command: DevicesCommand): Promise<DevicesReply> => {
    switch (command.kind) {
      case 'connect':
        clients = await Promise.all(
          Array.from({ length: SCALES }, (_, d) =>
            connectAsync({
              host: '127.0.0.1',
              port: command.port,
              clientId: `${SITE}.${scaleName(d)}`,
              username: `${SITE}.${scaleName(d)}`,
              password: PASSWORD,
              keepalive: 60,
              reconnectPeriod: 0,
            }),
          ),
        );
        return {};
      case 'start': {
        const topicOf = clients.map((_, d) => topics.dt(SITE, scaleName(d), 'weight'));
        const t0 = performance.now();
        let next = 0;
        timer = setInterval(() => {
          const due = Math.floor(((performance.now() - t0) * command.rate) / 1000) - published - skipped;
          const count = Math.min(due, (command.rate * MAX_CATCH_UP_MS) / 1000);
          skipped += due - count;
          for (let i = 0; i < count; i++) {
            const d = next;
            next = next + 1 === SCALES ? 0 : next + 1;
            const times = sent[d] as number[];
            const ts = Date.now();
            times.push(ts);
            const item = reading(d, times.length, ts);
            (clients[d] as MqttClient).publish(topicOf[d] as string, JSON.stringify(item), { qos: 0 });
            published++;
          }
        }, TICK_MS);
        return {};
      }
      case 'stop':
        clearInterval(timer);
        return { published, sent, skipped };
      case 'end':
        await Promise.all(clients.map((c) => c.endAsync(true)));
        process.exit(0);
    }
  };
  process.on('message', (command: DevicesCommand) => {
    handle(command).then(
      (answer) => process.send?.(answer),
      (error: unknown) => {
        process.stderr.write(`hub e2e bench, devices child: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  process.send?.({});
}
