import { createServer, type Server, type Socket } from 'node:net';
import { type BatchDrop, type GatewayState, newId } from '@aisle/protocols';
import { Aedes } from 'aedes';
import { afterAll, describe, expect, it } from 'vitest';
import { Uplink, type UplinkOutbox } from '../../edge/src/uplink/uplink.js';
import { AckingConsumer } from '../helpers/ack-consumer.js';

/** An in-memory outbox with the uplink's interface (the SQLite outbox has its own tests). */
class MemoryOutbox implements UplinkOutbox {
  readonly epoch = newId();
  readonly rows: Array<{ oseq: number; payload: string }> = [];
  #next = 1;
  #acked = 0;

  append(n: number): void {
    for (let i = 0; i < n; i++) {
      const oseq = this.#next++;
      this.rows.push({
        oseq,
        payload: JSON.stringify({
          id: newId(),
          type: 'shelf.weight',
          src: { site: 'store-a', device: 'scale-1', gateway: 'gw-a' },
          boot: 1,
          seq: oseq,
          ts: 1_767_600_000_000 + oseq,
          rx: 1_767_600_000_000 + oseq,
          tq: 'ntp',
          data: { lane: 'a01', grams: oseq, stable: true },
        }),
      });
    }
  }

  /** Numbers handed out and lost with a crash: no row will ever hold them. */
  skip(n: number): void {
    this.#next += n;
  }

  peek(afterSeq: number, limits: { maxItems: number }) {
    return this.rows.filter((r) => r.oseq > afterSeq).slice(0, limits.maxItems);
  }

  ack(seq: number): void {
    this.#acked = Math.max(this.#acked, seq);
    while ((this.rows[0]?.oseq ?? Number.POSITIVE_INFINITY) <= seq) this.rows.shift();
  }

  lastSeq(): number {
    return this.#next - 1;
  }

  ackedSeq(): number {
    return this.#acked;
  }

  takeDrops(): BatchDrop[] {
    return [];
  }
}

async function startBroker(port = 0): Promise<{ server: Server; port: number; stop: () => Promise<void> }> {
  const broker = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as { port: number }).port;
  const stop = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => broker.close(() => resolve()));
  };
  return { server, port: bound, stop };
}

/** Resolves the next time `register` calls back with a value `accept` likes (or rejects after `ms`). */
function next<T>(
  register: (callback: (value: T) => void) => void,
  accept: (value: T) => boolean,
  what: string,
  ms = 15_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    register((value) => {
      if (!accept(value)) return;
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('uplink to the hub', () => {
  const outbox = new MemoryOutbox();
  const state = (): GatewayState => ({ status: 'lost', site: 'store-a', gateway: 'gw-a', boot: 1 });
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let consumer: AckingConsumer;
  let uplink: Uplink;
  let connectionListener: (connected: boolean) => void = () => {};
  let ackListener: (seq: number) => void = () => {};
  afterAll(async () => {
    await uplink?.close();
    await consumer?.close();
    await broker?.stop();
  });

  it('sends live batches, and rows leave the outbox only once the hub acks them', async () => {
    broker = await startBroker();
    consumer = await AckingConsumer.start(`mqtt://127.0.0.1:${broker.port}`);
    consumer.acking = false;
    uplink = new Uplink({
      url: `mqtt://127.0.0.1:${broker.port}`,
      site: 'store-a',
      gateway: 'gw-a',
      boot: 1,
      outbox,
      batchMaxItems: 200,
      batchMaxBytes: 1 << 20,
      flushIntervalMs: 20,
      histItemsPerSecond: 2000,
      ackTimeoutMs: 60_000,
      state,
      onConnection: (connected) => connectionListener(connected),
      onAck: (seq) => ackListener(seq),
    });
    const connected = next<boolean>(
      (cb) => {
        connectionListener = cb;
      },
      (c) => c,
      'the uplink to connect',
    );
    uplink.start();
    await connected;
    outbox.append(500);
    await consumer.until(() => consumer.items.size === 500, '500 items at the hub');
    // Delivered (PUBACKed by the broker) but not acked by the hub: still in the outbox.
    expect(outbox.rows.length).toBe(500);
    consumer.acking = true;
    const acked = next<number>(
      (cb) => {
        ackListener = cb;
      },
      (seq) => seq === 501,
      'the ack of 501',
    );
    outbox.append(1);
    await acked;
    expect(outbox.rows.length).toBe(0);
    expect(outbox.ackedSeq()).toBe(501);
    expect(consumer.batches.every((b) => b.lane === 'live')).toBe(true);
  });

  it('after an outage the backlog drains on the hist lane at its rate while new data goes live; nothing is missing', async () => {
    const port = broker.port;
    const lost = next<boolean>(
      (cb) => {
        connectionListener = cb;
      },
      (c) => !c,
      'the uplink to notice the outage',
    );
    await broker.stop();
    await lost;
    outbox.append(3000);
    broker = await startBroker(port);
    const reconnectedAt = Date.now();
    await consumer
      .until(() => uplink.stats.connected, 'the uplink to reconnect', 15_000)
      .catch(async () => {
        // The consumer only wakes on batches; poll the uplink state on its own timer instead.
      });
    outbox.append(50);
    uplink.flush();
    await consumer.until(() => consumer.items.size === 3551, 'all 3551 items at the hub', 30_000);
    const hist = consumer.batches.filter((b) => b.lane === 'hist' && b.at >= reconnectedAt);
    const histItems = hist.reduce((n, b) => n + b.count, 0);
    expect(histItems).toBeGreaterThanOrEqual(3000);
    // 3000 items at 2000/s with at most one second of burst: at least half a second of draining.
    const first = hist[0]?.at ?? 0;
    const last = hist.at(-1)?.at ?? 0;
    expect(last - first).toBeGreaterThanOrEqual(400);
    // The 50 new items went live, without waiting for the backlog.
    const live = consumer.batches.filter((b) => b.lane === 'live' && b.at >= reconnectedAt);
    expect(live.reduce((n, b) => n + b.count, 0)).toBeGreaterThanOrEqual(50);
    expect(consumer.rejected).toBe(0);
  });

  it('covers numbers skipped after a crash, so the hub’s cursor passes them and the outbox empties', async () => {
    const port = broker.port;
    const lost = next<boolean>(
      (cb) => {
        connectionListener = cb;
      },
      (c) => !c,
      'the uplink to notice the outage',
    );
    await broker.stop();
    await lost;
    outbox.append(100);
    outbox.skip(1000);
    broker = await startBroker(port);
    await consumer.until(() => consumer.items.size === 3651, 'the 100 backlog items', 30_000).catch(() => undefined);
    const drained = next<number>(
      (cb) => {
        ackListener = cb;
      },
      (seq) => seq === outbox.lastSeq(),
      'the ack of the last row',
      30_000,
    );
    outbox.append(20);
    uplink.flush();
    await drained;
    expect(outbox.rows).toEqual([]);
    expect(consumer.items.size).toBe(3671);
  });
});

describe('uplink backlog window', () => {
  it('keeps at most histWindowBatches backlog batches unacked, however high the rate cap', async () => {
    const broker = await startBroker();
    const consumer = await AckingConsumer.start(`mqtt://127.0.0.1:${broker.port}`);
    consumer.acking = false;
    const outbox = new MemoryOutbox();
    outbox.append(5000);
    const uplink = new Uplink({
      url: `mqtt://127.0.0.1:${broker.port}`,
      site: 'store-a',
      gateway: 'gw-window',
      boot: 1,
      outbox,
      batchMaxItems: 200,
      batchMaxBytes: 1 << 20,
      flushIntervalMs: 20,
      histItemsPerSecond: 1_000_000,
      histWindowBatches: 2,
      ackTimeoutMs: 60_000,
      state: () => ({ status: 'lost', site: 'store-a', gateway: 'gw-window', boot: 1 }),
    });
    try {
      uplink.start();
      await consumer.until(() => consumer.items.size >= 400, 'the first two backlog batches');
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Nothing acked: two batches of 200 out, the other 4,600 rows still on disk.
      expect(consumer.items.size).toBe(400);
      expect(consumer.batches.every((b) => b.lane === 'hist')).toBe(true);
      consumer.acking = true;
      outbox.append(1); // a live batch, which the hub stand-in answers with its cursor
      uplink.flush();
      await consumer.until(() => consumer.items.size === 5001, 'the whole backlog once acks flow', 30_000);
      expect(consumer.duplicates).toBe(0);
    } finally {
      await uplink.close();
      await consumer.close();
      await broker.stop();
    }
  });
});

describe('uplink shutdown', () => {
  it('leaves after goodbyeTimeoutMs when the hub never acknowledges its offline state', async () => {
    let goodbyes = 0;
    const broker = await Aedes.createBroker({
      authorizePublish: (_client, packet, callback) => {
        // The hub holds the goodbye: no PUBACK ever comes for it.
        if (packet.topic.endsWith('/state') && packet.payload.toString().includes('"offline"')) {
          goodbyes++;
          return;
        }
        callback(null);
      },
    });
    const server = createServer((socket) => broker.handle(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    let onConnection: (connected: boolean) => void = () => {};
    const uplink = new Uplink({
      url: `mqtt://127.0.0.1:${port}`,
      site: 'store-a',
      gateway: 'gw-bye',
      boot: 1,
      outbox: new MemoryOutbox(),
      batchMaxItems: 200,
      batchMaxBytes: 1 << 20,
      flushIntervalMs: 20,
      histItemsPerSecond: 2000,
      goodbyeTimeoutMs: 200,
      state: () => ({ status: 'lost', site: 'store-a', gateway: 'gw-bye', boot: 1 }),
      onConnection: (connected) => onConnection(connected),
    });
    try {
      const connected = next<boolean>(
        (cb) => {
          onConnection = cb;
        },
        (c) => c,
        'the uplink to connect',
      );
      uplink.start();
      await connected;
      // Without the bound, close waited for a PUBACK that never comes (this test's timeout).
      await uplink.close();
      expect(goodbyes).toBe(1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    }
  }, 10_000);
});
