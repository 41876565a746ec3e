import { type AckCursor, type Batch, batchCodec, ContiguousCursor, topics } from '@aisle/protocols';
import { connectAsync, type MqttClient } from 'mqtt';

/**
 * A small real hub stand-in (issue #4: "until the hub exists, tests use a small real ack-ing
 * consumer on a real broker"): it takes batches from `up/+/+/batch|hist`, stores their items once
 * per (gateway, epoch, oseq), and acks the highest contiguous range it holds.
 */
export class AckingConsumer {
  readonly items = new Map<string, { lane: 'live' | 'hist'; payload: unknown; at: number }>();
  readonly batches: Array<{
    lane: 'live' | 'hist';
    count: number;
    at: number;
    firstSeq: number;
    lastSeq: number;
    acked: number;
  }> = [];
  duplicates = 0;
  rejected = 0;
  acking = true;
  readonly #client: MqttClient;
  readonly #cursors = new Map<string, ContiguousCursor>();
  readonly #listeners = new Set<() => void>();

  private constructor(client: MqttClient) {
    this.#client = client;
  }

  static async start(url: string): Promise<AckingConsumer> {
    const client = await connectAsync(url, {
      clientId: `hub-standin-${process.pid}-${Math.random().toString(16).slice(2)}`,
      clean: true,
    });
    const consumer = new AckingConsumer(client);
    client.on('message', (topic, payload) => consumer.#onBatch(topic, payload));
    await client.subscribeAsync(['up/+/+/batch', 'up/+/+/hist'], { qos: 1 });
    return consumer;
  }

  /** Resolves when `ready()` holds, checked after every batch (rejects after `ms`). */
  until(ready: () => boolean, what: string, ms = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      if (ready()) return resolve();
      const timer = setTimeout(() => {
        this.#listeners.delete(check);
        reject(new Error(`timed out waiting for ${what}`));
      }, ms);
      const check = () => {
        if (!ready()) return;
        clearTimeout(timer);
        this.#listeners.delete(check);
        resolve();
      };
      this.#listeners.add(check);
    });
  }

  async close(): Promise<void> {
    await this.#client.endAsync(true);
  }

  #onBatch(topic: string, payload: Buffer): void {
    const decoded = batchCodec.decode(payload, { maxBytes: 256 * 1024 * 1024 });
    if (!decoded.ok) {
      this.rejected++;
      return;
    }
    const batch: Batch = decoded.value;
    const lane: 'live' | 'hist' = topic.endsWith('/hist') ? 'hist' : 'live';
    const at = Date.now();
    const record = { lane, count: batch.items.length, at, firstSeq: batch.firstSeq, lastSeq: batch.lastSeq, acked: 0 };
    this.batches.push(record);
    for (const item of batch.items) {
      const key = `${batch.gateway}/${batch.epoch}/${item.oseq}`;
      if (this.items.has(key)) this.duplicates++;
      else this.items.set(key, { lane, payload: item, at });
    }
    const cursorKey = `${batch.gateway}/${batch.epoch}`;
    const cursor = this.#cursors.get(cursorKey) ?? new ContiguousCursor();
    this.#cursors.set(cursorKey, cursor);
    const seq = cursor.add(batch.firstSeq, batch.lastSeq);
    record.acked = seq;
    if (this.acking) {
      const ack: AckCursor = { v: 1, gateway: batch.gateway, epoch: batch.epoch, seq, at };
      this.#client.publish(topics.down(batch.site, batch.gateway, 'ack'), JSON.stringify(ack), { qos: 1 });
    }
    for (const listener of [...this.#listeners]) listener();
  }
}
