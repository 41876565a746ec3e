/**
 * Ingest semantics on a real hub (embedded broker, SQLite), driven by a real MQTT client logged in
 * as a gateway: the ack cursor, redeliveries, out-of-order ranges, "latest" and the hist lane,
 * impossible timestamps, bad input.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '@aisle/edge/credentials';
import { type AckCursor, newId } from '@aisle/protocols';
import { connectAsync } from 'mqtt';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHubConfig } from '../../hub/src/config.js';
import type { IngestRepository } from '../../hub/src/ingest/ingest.repository.js';
import type { SeriesRepository } from '../../hub/src/ingest/series.repository.js';
import { startHub } from '../../hub/src/server.js';
import { INGEST_REPOSITORY, SERIES_REPOSITORY } from '../../hub/src/tokens.js';

describe('hub ingest semantics', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-hub-ingest-unit-'));
  const hub = await startHub(
    parseHubConfig({
      dataDir: dir,
      http: { host: '127.0.0.1', port: 0 },
      broker: { host: '127.0.0.1', port: 0 },
      gateways: [{ site: 'store-a', gateway: 'gw-a', passwordHash: await hashPassword('gw-secret') }],
    }),
    pino({ level: 'silent' }),
  );
  const gateway = await connectAsync(hub.brokerUrl, { clientId: 'gw-a', username: 'gw-a', password: 'gw-secret' });
  const acks: AckCursor[] = [];
  gateway.on('message', (_topic, payload) => acks.push(JSON.parse(payload.toString()) as AckCursor));
  await gateway.subscribeAsync('down/store-a/gw-a/ack', { qos: 1 });
  const series = hub.app.get<SeriesRepository>(SERIES_REPOSITORY);
  const ingest = hub.app.get<IngestRepository>(INGEST_REPOSITORY);
  afterAll(async () => {
    await gateway.endAsync();
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const epoch = newId();
  const reading = (seq: number, ts: number, grams: number, lane = 'a01') => ({
    oseq: seq,
    id: newId(),
    type: 'shelf.weight',
    src: { site: 'store-a', device: 'scale-1', gateway: 'gw-a' },
    boot: 1,
    seq,
    ts,
    rx: ts,
    tq: 'ntp',
    data: { lane, grams, stable: true },
  });
  const batch = (lane: 'live' | 'hist', items: ReturnType<typeof reading>[], range?: [number, number]) => ({
    v: 1,
    site: 'store-a',
    gateway: 'gw-a',
    epoch,
    boot: 1,
    lane,
    firstSeq: range?.[0] ?? items[0]?.oseq ?? 1,
    lastSeq: range?.[1] ?? items.at(-1)?.oseq ?? 1,
    sentAt: Date.now(),
    items,
  });
  /** Publishes and resolves with the next ack (or undefined when none comes within `ms`). */
  const send = async (stream: 'batch' | 'hist', body: unknown, ms = 3000): Promise<AckCursor | undefined> => {
    const before = acks.length;
    await gateway.publishAsync(`up/store-a/gw-a/${stream}`, typeof body === 'string' ? body : JSON.stringify(body), {
      qos: 1,
    });
    const deadline = Date.now() + ms;
    while (acks.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return acks[before];
  };
  const latestGrams = async () => {
    const rows = await ingest.latest('store-a', 'shelf.weight');
    return rows.map((r) => (JSON.parse(r.item) as { data: { grams: number } }).data.grams);
  };
  const t0 = Date.now() - 3_600_000;

  it('acks the contiguous prefix only: a range after a hole waits for the hole', async () => {
    expect((await send('batch', batch('live', [reading(1, t0, 100), reading(2, t0 + 1, 110)])))?.seq).toBe(2);
    expect((await send('batch', batch('live', [reading(5, t0 + 5, 150)], [5, 5])))?.seq).toBe(2);
    expect((await send('batch', batch('live', [reading(3, t0 + 3, 130)], [3, 4])))?.seq).toBe(5);
    expect(await series.count({ site: 'store-a' })).toBe(4);
  });

  it('stores a redelivered batch once and acks it again', async () => {
    const ack = await send('batch', batch('live', [reading(1, t0, 100), reading(2, t0 + 1, 110)]));
    expect(ack?.seq).toBe(5);
    expect(await series.count({ site: 'store-a' })).toBe(4);
  });

  it('moves "latest" only forward in ts, and never on the hist lane', async () => {
    expect(await latestGrams()).toEqual([150]);
    await send('batch', batch('live', [reading(6, t0 + 2, 999)])); // older ts: latest stays
    expect(await latestGrams()).toEqual([150]);
    await send('hist', batch('hist', [reading(7, t0 + 60_000, 777)])); // newer, but history
    expect(await latestGrams()).toEqual([150]);
    await send('batch', batch('live', [reading(8, t0 + 120_000, 160)]));
    expect(await latestGrams()).toEqual([160]);
  });

  it('clamps an impossible future timestamp to the receive time and flags it', async () => {
    const before = Date.now();
    await send('batch', batch('live', [{ ...reading(9, Date.now() + 86_400_000, 170), rx: before }]));
    const [row] = await ingest.latest('store-a', 'shelf.weight');
    const item = JSON.parse(row?.item ?? '{}') as { ts: number; flags?: string[] };
    expect(item.ts).toBe(before);
    expect(item.flags).toContain('ts-clamped');
  });

  it('refuses malformed batches with a reason code, acks nothing for them, and carries on', async () => {
    expect(await send('batch', '{"v":1,', 500)).toBeUndefined();
    expect(await send('batch', { ...batch('live', [reading(10, t0, 1)]), gateway: 'gw-b' }, 500)).toBeUndefined();
    expect((await send('batch', batch('live', [reading(10, t0 + 200_000, 180)])))?.seq).toBe(10);
    const metrics = await (await fetch(`${hub.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^aisle_hub_rejected_total\{reason="PAYLOAD_NOT_JSON"\} 1$/m);
    expect(metrics).toMatch(/^aisle_hub_rejected_total\{reason="TOPIC_PAYLOAD_MISMATCH"\} 1$/m);
  });

  it('stores a burst of batches once each, in fewer commits than batches, with the newest value per lane', async () => {
    const before = await series.count({ site: 'store-a' });
    const groupsBefore = groupCount(await (await fetch(`${hub.httpUrl}/metrics`)).text());
    // 40 batches of 50 readings over 5 lanes (seq 11…2010), all published without waiting for acks.
    const bodies = Array.from({ length: 40 }, (_, b) =>
      batch(
        'live',
        Array.from({ length: 50 }, (_, i) => {
          const seq = 11 + b * 50 + i;
          return reading(seq, t0 + 300_000 + seq, seq, `b0${seq % 5}`);
        }),
      ),
    );
    await Promise.all(
      bodies.map((body) => gateway.publishAsync('up/store-a/gw-a/batch', JSON.stringify(body), { qos: 1 })),
    );
    const deadline = Date.now() + 10_000;
    while ((acks.at(-1)?.seq ?? 0) < 2010 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(acks.at(-1)?.seq).toBe(2010);
    expect((await series.count({ site: 'store-a' })) - before).toBe(2000);
    const lanes = await ingest.latest('store-a', 'shelf.weight');
    const newest = lanes
      .filter((r) => r.key.startsWith('shelf.weight:b0'))
      .map((r) => (JSON.parse(r.item) as { data: { grams: number } }).data.grams)
      .sort((a, b) => a - b);
    expect(newest).toEqual([2006, 2007, 2008, 2009, 2010]);
    const groups = groupCount(await (await fetch(`${hub.httpUrl}/metrics`)).text()) - groupsBefore;
    expect(groups).toBeGreaterThan(0);
    expect(groups).toBeLessThan(40);
  });
});

function groupCount(metrics: string): number {
  return Number(/^aisle_hub_ingest_group_items_count (\d+)$/m.exec(metrics)?.[1] ?? Number.NaN);
}
