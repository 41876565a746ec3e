import { type Batch, batchCodec, decodeMessage, type ItemOf, newId, topics } from '@aisle/protocols';
import { report, time } from '../harness.js';

/**
 * Decode + validate cost of the wire contract against plain `JSON.parse` of the same bytes.
 *
 * 1. One uplink batch of 1,000 shelf readings, as the hub receives it: UTF-8 check, JSON parse,
 *    schema validation of the header and of every item, oseq ordering. Anchor: JSON.parse of the
 *    same bytes (decoded to a string the way a naive consumer would). Target: ≤ 2× the anchor.
 * 2. The same 1,000 readings as single device messages on `dt/...` (what the edge broker sees),
 *    including topic parsing and the topic/payload agreement checks.
 */

const N = 1000;
const t0 = Date.UTC(2026, 10, 23, 9, 0, 0);

function reading(i: number): ItemOf<'shelf.weight'> {
  return {
    id: newId(t0 + i),
    type: 'shelf.weight',
    src: { site: 'store-042', device: `scale-${String(i % 40).padStart(3, '0')}`, gateway: 'gw-store-042' },
    boot: 3,
    seq: 100_000 + i,
    ts: t0 + i * 250,
    rx: t0 + i * 250 + 12,
    tq: 'ntp',
    oseq: 5_000_000 + i,
    data: {
      lane: `a${i % 12}-s${i % 5}-l${i % 8}`,
      grams: 4123.5 - (i % 17) * 412.3,
      stable: i % 9 !== 0,
      raw: 812_345 + i,
    },
  };
}

const items = Array.from({ length: N }, (_, i) => reading(i));
const batch: Batch = {
  v: 1,
  site: 'store-042',
  gateway: 'gw-store-042',
  epoch: newId(t0),
  boot: 3,
  lane: 'live',
  firstSeq: 5_000_000,
  lastSeq: 5_000_000 + N - 1,
  sentAt: t0 + N * 250,
  items,
};
const batchBytes = new TextEncoder().encode(JSON.stringify(batch));
const plain = new TextDecoder();

const check = batchCodec.decode(batchBytes);
if (!check.ok || check.value.items.length !== N)
  throw new Error(`bench input does not decode: ${JSON.stringify(check)}`);

const anchor = time(() => JSON.parse(plain.decode(batchBytes)));
const full = time(() => batchCodec.decode(batchBytes));
report({
  bench: 'protocols/decode',
  figure: `batch of ${N} shelf readings: decode + validate`,
  value: Math.round((N * 1e9) / full.medianNs),
  unit: 'readings/s',
  anchor: { name: 'JSON.parse of the same bytes', value: Math.round((N * 1e9) / anchor.medianNs), unit: 'readings/s' },
  ratio: Number((full.medianNs / anchor.medianNs).toFixed(2)),
  target: 'ratio ≤ 2 (cost relative to JSON.parse)',
  bytes: batchBytes.byteLength,
  medianMs: { full: full.medianNs / 1e6, anchor: anchor.medianNs / 1e6 },
});

const singles = items.map((item) => ({
  topic: topics.dt(item.src.site, item.src.device, 'weight'),
  payload: new TextEncoder().encode(JSON.stringify({ ...item, rx: undefined, oseq: undefined })),
}));
for (const { topic, payload } of singles) {
  if (!decodeMessage(topic, payload).ok) throw new Error('bench single message does not decode');
}
const anchorSingles = time(() => {
  for (const { payload } of singles) JSON.parse(plain.decode(payload));
});
const fullSingles = time(() => {
  for (const { topic, payload } of singles) decodeMessage(topic, payload);
});
report({
  bench: 'protocols/decode',
  figure: `${N} device messages on dt/…/weight: topic parse + decode + validate`,
  value: Math.round((N * 1e9) / fullSingles.medianNs),
  unit: 'readings/s',
  anchor: {
    name: 'JSON.parse of the same payloads',
    value: Math.round((N * 1e9) / anchorSingles.medianNs),
    unit: 'readings/s',
  },
  ratio: Number((fullSingles.medianNs / anchorSingles.medianNs).toFixed(2)),
  target: 'ratio ≤ 2 (cost relative to JSON.parse)',
});
