import { type AckCursor, newId, topics } from '@aisle/protocols';
import { connectAsync } from 'mqtt';
import { SITE, storedRow } from './drain-devices.js';

/**
 * The transport anchor of `edge/drain` (bench/edge/drain.ts), run in a child process of its own so
 * its batch texts do not weigh on the gateway process's RSS: the backlog's own batches over the
 * same transport to the same consumer, with nothing of the gateway's work in between.
 *
 * `batches` hist batches of `batchItems` rows each are built first, the text exactly as the uplink
 * builds it (uplink.ts `#sendBatch`: header JSON, then the stored payloads each gaining its
 * `oseq`), for a gateway of their own (`gw-anchor`, a fresh epoch) so the hub keeps a separate
 * cursor. Then one mqtt.js client publishes them at QoS 1 on `up/…/hist`, keeping at most `window`
 * batches beyond the hub's ack cursor, and the figure is items acked per second.
 */

export interface AnchorOptions {
  readonly uplinkPort: number;
  readonly batches: number;
  readonly batchItems: number;
  readonly window: number;
}

export interface AnchorReply {
  readonly itemsPerSecond: number;
  readonly seconds: number;
}

const GATEWAY = 'gw-anchor';

function batchText(epoch: string, first: number, batchItems: number, outageStart: number): string {
  const items = Array.from(
    { length: batchItems },
    (_, k) => `{"oseq":${first + k},${storedRow(first + k - 1, outageStart, GATEWAY).payload.slice(1)}`,
  ).join(',');
  const header = {
    v: 1,
    site: SITE,
    gateway: GATEWAY,
    epoch,
    boot: 1,
    lane: 'hist',
    firstSeq: first,
    lastSeq: first + batchItems - 1,
    sentAt: Date.now(),
  };
  return `${JSON.stringify(header).slice(0, -1)},"items":[${items}]}`;
}

export async function transportAnchor(options: AnchorOptions): Promise<AnchorReply> {
  const { batches, batchItems, window } = options;
  const epoch = newId();
  const outageStart = Date.now() - 3_600_000;
  const texts = Array.from({ length: batches }, (_, b) =>
    batchText(epoch, b * batchItems + 1, batchItems, outageStart),
  );
  const client = await connectAsync({
    host: '127.0.0.1',
    port: options.uplinkPort,
    clientId: 'anchor-uplink',
    clean: true,
    keepalive: 60,
    reconnectPeriod: 0,
  });
  let acked = 0;
  let wake: (() => void) | undefined;
  client.on('message', (_topic, payload) => {
    const ack = JSON.parse(payload.toString()) as AckCursor;
    if (ack.epoch === epoch) acked = Math.max(acked, ack.seq);
    wake?.();
  });
  await client.subscribeAsync(topics.down(SITE, GATEWAY, 'ack'), { qos: 1 });
  const ackMoved = (): Promise<void> => new Promise((resolve) => (wake = resolve));
  const total = batches * batchItems;
  const t0 = performance.now();
  for (const [b, text] of texts.entries()) {
    while (b * batchItems - acked >= window * batchItems) await ackMoved();
    client.publish(topics.up(SITE, GATEWAY, 'hist'), text, { qos: 1 });
  }
  while (acked < total) await ackMoved();
  const seconds = (performance.now() - t0) / 1000;
  await client.endAsync(true);
  return { itemsPerSecond: Math.round(total / seconds), seconds: Math.round(seconds * 10) / 10 };
}
