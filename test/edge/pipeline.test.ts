import { FrameDecoder, IdGenerator, type Item, itemCodec, parseSentence, topics } from '@aisle/protocols';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { DeviceOutput } from '../../device-sim/src/outputs/output.js';
import { MemoryTruth } from '../../device-sim/src/world/truth.js';
import { World } from '../../device-sim/src/world/world.js';
import { parseConfig } from '../../edge/src/config.js';
import { VanTracker } from '../../edge/src/domain/van-tracker.js';
import { Pipeline } from '../../edge/src/pipeline/pipeline.js';
import { smallScenario } from '../device-sim/scenarios.js';
import { lanesOf } from '../helpers/world-lanes.js';

/** The gateway pipeline fed by the simulator's real message stream, with faults switched on. */
const base = smallScenario();
const scenario = {
  ...base,
  faults: { ...base.faults, duplicate: { rate: 0.05 }, unsyncedClock: { share: 0.2 }, serialGarbage: { rate: 0.05 } },
};
const truth = new MemoryTruth();
const world = new World(scenario, { truth });
const config = parseConfig({
  site: 'store-a',
  gateway: 'gw-store-a',
  lanes: lanesOf(world, 'store-a'),
  serial: world.serialLines
    .filter((l) => l.startsWith('store-a/'))
    .map((l) => ({ path: `/dev/${l}`, protocol: 'aisw', device: l.split('/')[1] })),
});
const items: Item[] = [];
const registry = new Registry();
const pipeline = new Pipeline({
  config,
  emit: (item) => items.push(item),
  ids: new IdGenerator(),
  boot: 1,
  vans: [new VanTracker('van-1', [{ id: 'store-a', position: base.stores[0]?.location ?? { lat: 0, lon: 0 } }])],
  metrics: registry,
});
const decoders = new Map<string, FrameDecoder>();
const feed = (o: DeviceOutput) => {
  if (o.kind === 'mqtt' && o.topic.split('/')[1] === 'store-a') pipeline.ingest(o.topic, o.payload, o.at);
  if (o.kind === 'serial' && o.line.startsWith('store-a/')) {
    const line = config.serial.find((s) => `store-a/${s.device}` === o.line);
    const decoder = decoders.get(o.line) ?? new FrameDecoder({ onReject: (code) => pipeline.countSerialReject(code) });
    decoders.set(o.line, decoder);
    for (const frame of decoder.push(o.data)) {
      const sentence = parseSentence(frame);
      if (sentence.ok && line !== undefined) pipeline.ingestSentence(sentence.value, line, o.at);
      else if (!sentence.ok) pipeline.countSerialReject(sentence.error.code);
    }
  }
};
world.run(world.startMs + 3 * 3_600_000, feed);

describe('edge pipeline over three simulated hours with duplicates, unsynced clocks and serial garbage', () => {
  it('emits only items the contract accepts, stamped by this gateway', () => {
    expect(items.length).toBeGreaterThan(30_000);
    for (const item of items) {
      const checked = itemCodec.validate(item);
      if (!checked.ok) throw new Error(`${item.type}: ${checked.error.message}`);
      expect(item.src.gateway).toBe('gw-store-a');
      expect(item.rx).toBeGreaterThan(0);
    }
  });

  it('drops every duplicated reading once, and only those', () => {
    const doubled = truth.of('fault').filter((f) => f.fault === 'duplicate' && f.device.startsWith('store-a/')).length;
    expect(doubled).toBeGreaterThan(100);
    expect(pipeline.duplicates).toBe(doubled);
    const keys = items.filter((i) => i.type === 'shelf.weight').map((i) => `${i.src.device}/${i.boot}/${i.seq}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('puts readings of never-set clocks on the receive time and flags them', () => {
    // Serial scales have no clock at all: the gateway stamps them, so only MQTT devices count here.
    const serial = new Set(config.serial.map((s) => s.device));
    const unsynced = new Set(
      truth
        .of('clock')
        .filter((c) => c.unsynced && c.site === 'store-a' && !serial.has(c.device))
        .map((c) => c.device),
    );
    const derived = new Set(['shelf.level', 'shelf.event', 'footfall.interval', 'alert', 'device.state', 'van.event']);
    const fromDevices = items.filter((i) => unsynced.has(i.src.device) && !derived.has(i.type));
    expect(fromDevices.length).toBeGreaterThan(0);
    for (const i of fromDevices) {
      expect(i.flags).toContain('ts-from-rx');
      expect(i.ts).toBe(i.rx);
    }
  });

  it('derives lane levels, picks, door intervals with occupancy, and low-stock alerts that are raised and cleared', () => {
    const count = (type: string) => items.filter((i) => i.type === type).length;
    expect(count('shelf.level')).toBeGreaterThan(100);
    expect(items.filter((i) => i.type === 'shelf.event' && i.data.event === 'pick').length).toBeGreaterThan(100);
    expect(count('footfall.interval')).toBe(count('footfall.count'));
    const lowStock = items.flatMap((i) => (i.type === 'alert' && i.data.rule === 'low-stock' ? [i.data] : []));
    expect(lowStock.some((a) => a.state === 'raised')).toBe(true);
    expect(lowStock.some((a) => a.state === 'cleared')).toBe(true);
    // Every cleared alert was raised before, under the same id.
    const raised = new Set(lowStock.filter((a) => a.state === 'raised').map((a) => a.alert));
    for (const a of lowStock.filter((x) => x.state === 'cleared')) expect(raised.has(a.alert)).toBe(true);
  });

  it('counts garbage on serial lines by reason and keeps decoding', () => {
    expect(pipeline.rejects.get('FRAME_GARBAGE')).toBeGreaterThan(0);
    expect(
      items.filter((i) => i.type === 'shelf.weight' && config.serial.some((s) => s.device === i.src.device)).length,
    ).toBeGreaterThan(500);
  });

  it('refuses malformed payloads with their reason, emits nothing for them, and carries on', async () => {
    const before = items.length;
    pipeline.ingest(topics.dt('store-a', 'scale-001', 'weight'), 'not json', world.now);
    pipeline.ingest(topics.dt('store-a', 'scale-001', 'weight'), '{"id":1}', world.now);
    pipeline.ingest('dt/store-a/scale-001/humidity', '{}', world.now);
    pipeline.ingest(topics.dt('store-b', 'scale-001', 'weight'), '{}', world.now);
    expect(items.length).toBe(before);
    expect(pipeline.rejects.get('PAYLOAD_NOT_JSON')).toBe(1);
    expect(pipeline.rejects.get('SCHEMA_MISMATCH')).toBeGreaterThanOrEqual(1);
    expect(pipeline.rejects.get('CHANNEL_UNKNOWN')).toBe(1);
    const metrics = await registry.metrics();
    expect(metrics).toContain('aisle_edge_rejected_total{reason="PAYLOAD_NOT_JSON"} 1');
  });

  it('raises device-lost on a last will and clears it when the device is back', () => {
    pipeline.ingest(topics.state('store-a', 'door-1'), '{"status":"lost"}', world.now);
    pipeline.ingest(topics.state('store-a', 'door-1'), '{"status":"online"}', world.now + 5000);
    const lost = items.flatMap((i) => (i.type === 'alert' && i.data.rule === 'device-lost' ? [i.data] : []));
    expect(lost.map((a) => a.state)).toEqual(['raised', 'cleared']);
    expect(lost[0]?.subject).toEqual({ kind: 'device', id: 'door-1' });
  });
});

describe('edge pipeline stamping a device reading', () => {
  const stamped: Item[] = [];
  const gateway = new Pipeline({
    config: parseConfig({ site: 'store-a', gateway: 'gw-a' }),
    emit: (item) => stamped.push(item),
    ids: new IdGenerator(),
    boot: 1,
  });
  const rxMs = Date.UTC(2026, 11, 1, 9, 0, 0);
  const reading = (seq: number, extra: Record<string, unknown> = {}) => ({
    id: `01936b2e-0000-7abc-8def-${String(seq).padStart(12, '0')}`,
    type: 'shelf.weight',
    src: { site: 'store-a', device: 'scale-9' },
    boot: 1,
    seq,
    ts: rxMs - 40,
    tq: 'ntp',
    data: { lane: 'a01', grams: 812.5, stable: true },
    ...extra,
  });

  it('keeps the device JSON as sent, with rx and the gateway appended (what the outbox stores)', () => {
    const sent = reading(10);
    gateway.ingest(topics.dt('store-a', 'scale-9', 'weight'), JSON.stringify(sent), rxMs);
    expect(JSON.stringify(stamped.at(-1))).toBe(
      JSON.stringify({ ...sent, src: { ...sent.src, gateway: 'gw-a' }, rx: rxMs }),
    );
  });

  it('clamps a future timestamp and flags a late reading, keeping the flags it came with once each', () => {
    const late = reading(9, { ts: rxMs + 3_600_000, flags: ['duplicate-source-seq', 'duplicate-source-seq'] });
    gateway.ingest(topics.dt('store-a', 'scale-9', 'weight'), JSON.stringify(late), rxMs);
    const item = stamped.at(-1);
    expect(item?.ts).toBe(rxMs);
    expect(item?.flags).toEqual(['duplicate-source-seq', 'ts-clamped', 'out-of-order']);
  });
});
