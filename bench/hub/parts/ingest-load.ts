import { ackCodec, topics } from '@aisle/protocols';
import { connectAsync, type MqttClient } from 'mqtt';
import { GatewayReadings } from './ingest-batches.js';

/**
 * The load child of `hub/ingest` (bench/hub/ingest.ts): G mqtt.js clients, each logged in at the
 * hub's broker as its gateway (client id = username = gateway id, the password the hub holds a
 * scrypt hash of), each publishing `BATCH`-item live batches on `up/{site}/{gateway}/batch` at
 * QoS 1 and subscribed to its acks. Closed loop per gateway: at most `window` batches published
 * beyond the hub's ack cursor; each ack that moves the cursor lets the next batch go. A batch's
 * text is built when it is sent (as the uplink does; ~1 µs per item, reported as this process's
 * CPU), so the hub never sees the same bytes twice.
 */

export type LoadCommand =
  | {
      readonly kind: 'connect';
      readonly brokerUrl: string;
      readonly gateways: number;
      readonly password: string;
      readonly batch: number;
      readonly window: number;
    }
  | { readonly kind: 'start' }
  | { readonly kind: 'mark' }
  | { readonly kind: 'stop'; readonly drainMs: number }
  | { readonly kind: 'end' };

export interface LoadReply {
  /** Items the hub acked since `start` (its cursors moved past them). */
  readonly acked?: number;
  /** Wall-clock ms of the mark (`performance.timeOrigin + performance.now()`). */
  readonly at?: number;
  /** Items sent and never acked within the drain time (`stop`). */
  readonly unacked?: number;
  /** Per batch sent since `start`: [sent at, acked at] (wall-clock ms; acked at NaN if never). */
  readonly batches?: ReadonlyArray<readonly [number, number]>;
}

const wallMs = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface GatewayLink {
  readonly readings: GatewayReadings;
  readonly client: MqttClient;
  readonly topic: string;
  acked: number;
  /** Batches not yet acked, oldest first: [lastSeq, index into `sent`]. */
  readonly waiting: Array<readonly [number, number]>;
}

export function serveLoad(): void {
  let links: GatewayLink[] = [];
  let batch = 1000;
  let window = 2;
  let running = false;
  let acked = 0;
  let sent: Array<[number, number]> = [];

  const pump = (link: GatewayLink): void => {
    while (running && link.readings.lastSeq - link.acked < window * batch) {
      const items = link.readings.next(batch, Date.now());
      const text = link.readings.batchText(items, Date.now());
      link.waiting.push([link.readings.lastSeq, sent.length]);
      sent.push([wallMs(), Number.NaN]);
      link.client.publish(link.topic, text, { qos: 1 });
    }
  };

  const onAck = (link: GatewayLink, payload: Buffer): void => {
    const ack = ackCodec.decode(payload);
    if (!ack.ok || ack.value.epoch !== link.readings.epoch || ack.value.seq <= link.acked) return;
    const at = wallMs();
    acked += ack.value.seq - link.acked;
    link.acked = ack.value.seq;
    while ((link.waiting[0]?.[0] ?? Number.POSITIVE_INFINITY) <= link.acked) {
      const [, index] = link.waiting.shift() as readonly [number, number];
      (sent[index] as [number, number])[1] = at;
    }
    pump(link);
  };

  const handle = async (command: LoadCommand): Promise<LoadReply> => {
    switch (command.kind) {
      case 'connect': {
        batch = command.batch;
        window = command.window;
        links = await Promise.all(
          Array.from({ length: command.gateways }, async (_, g) => {
            const readings = new GatewayReadings(g);
            const client = await connectAsync(command.brokerUrl, {
              clientId: readings.gateway,
              username: readings.gateway,
              password: command.password,
              keepalive: 60,
              reconnectPeriod: 0,
            });
            const link: GatewayLink = {
              readings,
              client,
              topic: topics.up(readings.site, readings.gateway, 'batch'),
              acked: 0,
              waiting: [],
            };
            const ackTopic = topics.down(readings.site, readings.gateway, 'ack');
            client.on('message', (topic, payload) => {
              if (topic === ackTopic) onAck(link, payload);
            });
            await client.subscribeAsync(ackTopic, { qos: 1 });
            return link;
          }),
        );
        return {};
      }
      case 'start':
        acked = 0;
        sent = [];
        running = true;
        for (const link of links) pump(link);
        return {};
      case 'mark':
        return { acked, at: wallMs() };
      case 'stop': {
        running = false;
        const deadline = performance.now() + command.drainMs;
        const unacked = () => links.reduce((n, link) => n + link.readings.lastSeq - link.acked, 0);
        while (unacked() > 0 && performance.now() < deadline) await sleep(5);
        return { acked, unacked: unacked(), batches: sent };
      }
      case 'end':
        await Promise.all(links.map((link) => link.client.endAsync(true)));
        process.exit(0);
    }
  };

  process.on('message', (command: LoadCommand) => {
    handle(command).then(
      (answer) => process.send?.(answer),
      (error: unknown) => {
        process.stderr.write(`hub ingest bench, load child: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  process.send?.({});
}
