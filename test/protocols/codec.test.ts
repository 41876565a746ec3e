/**
 * What a decoder says when it refuses a payload: the reason code and, where the failure is about
 * one value, the JSON pointer to it. Operators read these in reject metrics and logs.
 */
import {
  batchCodec,
  CODECS,
  DEFAULT_MAX_PAYLOAD_BYTES,
  type DecodeError,
  decodeMessage,
  deliveryJobCodec,
  deviceCredentialsCodec,
  gatewayConfigCodec,
  itemCodec,
  modelManifestCodec,
  modelOfferCodec,
  planogramCodec,
  type Result,
  routePlanCodec,
  topics,
} from '@aisle/protocols';
import { describe, expect, it } from 'vitest';
import {
  ack,
  DEVICE,
  deliveryJob,
  deviceCredentials,
  deviceEventItem,
  forecastItem,
  GATEWAY,
  gatewayConfig,
  liveBatch,
  modelManifest,
  planogram,
  routePlan,
  SITE,
  shelfWeightItem,
} from './fixtures.js';

const json = (value: unknown) => JSON.stringify(value);
const utf8 = (text: string) => new TextEncoder().encode(text);

/** The error of a failed result (the test fails if it succeeded). */
function errorOf(result: Result<unknown>): DecodeError {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.value).slice(0, 200)}`);
  return result.error;
}

describe('payload bytes', () => {
  it('PAYLOAD_TOO_LARGE above maxBytes, for bytes and for strings; exactly maxBytes is fine', () => {
    const text = json(shelfWeightItem());
    const size = utf8(text).length;
    expect(itemCodec.decode(utf8(text), { maxBytes: size }).ok).toBe(true);
    expect(itemCodec.decode(text, { maxBytes: size }).ok).toBe(true);
    expect(errorOf(itemCodec.decode(utf8(text), { maxBytes: size - 1 })).code).toBe('PAYLOAD_TOO_LARGE');
    expect(errorOf(itemCodec.decode(text, { maxBytes: size - 1 })).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('measures strings in UTF-8 bytes, not UTF-16 units', () => {
    // "é" is one UTF-16 unit but two UTF-8 bytes; "€" is three bytes.
    const item = shelfWeightItem();
    const text = json({ ...item, data: { ...item.data, note: 'é€'.repeat(50) } });
    const size = utf8(text).length;
    expect(size).toBeGreaterThan(text.length);
    expect(itemCodec.decode(text, { maxBytes: size }).ok).toBe(true);
    expect(errorOf(itemCodec.decode(text, { maxBytes: size - 1 })).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('defaults to 1 MiB', () => {
    const padding = ' '.repeat(DEFAULT_MAX_PAYLOAD_BYTES);
    expect(errorOf(CODECS.ack.decode(utf8(json(ack()) + padding))).code).toBe('PAYLOAD_TOO_LARGE');
    const justFits = json(ack()).padEnd(DEFAULT_MAX_PAYLOAD_BYTES, ' ');
    expect(CODECS.ack.decode(utf8(justFits)).ok).toBe(true);
  });

  it.each([
    ['a lone continuation byte', [0x7b, 0x80, 0x7d]],
    ['0xFF', [0x22, 0xff, 0x22]],
    ['an overlong "/"', [0x22, 0xc0, 0xaf, 0x22]],
    ['an encoded UTF-16 surrogate', [0x22, 0xed, 0xa0, 0x80, 0x22]],
    ['a truncated three-byte sequence', [0x22, 0xe2, 0x82, 0x22]],
  ])('PAYLOAD_NOT_UTF8 for %s', (_what, bytes) => {
    for (const codec of Object.values(CODECS)) {
      expect(errorOf(codec.decode(Uint8Array.from(bytes))).code).toBe('PAYLOAD_NOT_UTF8');
    }
    expect(errorOf(decodeMessage('state/s/d', Uint8Array.from(bytes))).code).toBe('PAYLOAD_NOT_UTF8');
  });

  it.each([
    ['nothing', ''],
    ['a truncated object', '{"status":"online"'],
    ['single quotes', "{'status':'online'}"],
    ['a trailing comma', '{"status":"online",}'],
    ['NaN', '{"status":"online","batteryPct":NaN}'],
    ['a comment', '{"status":"online"} // hi'],
    ['two documents', '{"status":"online"}{"status":"lost"}'],
  ])('PAYLOAD_NOT_JSON for %s', (_what, text) => {
    expect(errorOf(CODECS['device-state'].decode(text)).code).toBe('PAYLOAD_NOT_JSON');
    expect(errorOf(CODECS['device-state'].decode(utf8(text))).code).toBe('PAYLOAD_NOT_JSON');
  });
});

describe('SCHEMA_MISMATCH names the first offending value', () => {
  it('a field of the wrong type: /data/grams', () => {
    const item = shelfWeightItem();
    const error = errorOf(itemCodec.decode(json({ ...item, data: { ...item.data, grams: 'heavy' } })));
    expect(error).toMatchObject({ code: 'SCHEMA_MISMATCH', path: '/data/grams' });
    expect(error.message).toContain('/data/grams');
  });

  it('a value out of its range: /data/grams', () => {
    const item = shelfWeightItem();
    expect(errorOf(itemCodec.decode(json({ ...item, data: { ...item.data, grams: 2e7 } })))).toMatchObject({
      code: 'SCHEMA_MISMATCH',
      path: '/data/grams',
    });
  });

  it('a level with upper case: /src/site', () => {
    const item = shelfWeightItem();
    expect(errorOf(itemCodec.decode(json({ ...item, src: { ...item.src, site: 'Store-12' } })))).toMatchObject({
      code: 'SCHEMA_MISMATCH',
      path: '/src/site',
    });
  });

  it('an upper-case UUID: /id', () => {
    const item = shelfWeightItem();
    expect(errorOf(itemCodec.decode(json({ ...item, id: item.id.toUpperCase() })))).toMatchObject({
      code: 'SCHEMA_MISMATCH',
      path: '/id',
    });
  });

  it('a missing required field: /ts', () => {
    const { ts: _ts, ...item } = shelfWeightItem();
    expect(errorOf(itemCodec.decode(json(item)))).toMatchObject({ code: 'SCHEMA_MISMATCH', path: '/ts' });
  });

  it('a non-integer where an integer belongs: /seq', () => {
    expect(errorOf(itemCodec.decode(json({ ...shelfWeightItem(), seq: 41.5 })))).toMatchObject({
      code: 'SCHEMA_MISMATCH',
      path: '/seq',
    });
  });

  it('an item without a string type: /type', () => {
    expect(errorOf(itemCodec.decode(json({ ...shelfWeightItem(), type: 7 })))).toMatchObject({
      code: 'SCHEMA_MISMATCH',
      path: '/type',
    });
    expect(errorOf(itemCodec.decode('[]'))).toMatchObject({ code: 'SCHEMA_MISMATCH', path: '/type' });
    expect(errorOf(itemCodec.decode('null'))).toMatchObject({ code: 'SCHEMA_MISMATCH', path: '/type' });
  });

  it('inside a batch, the path starts at the item: /items/1/data/event', () => {
    const batch = liveBatch();
    const second = batch.items[1];
    if (second?.type !== 'device.event') throw new Error('fixture changed');
    const broken = { ...batch, items: [batch.items[0], { ...second, data: { ...second.data, event: 'Tare' } }] };
    expect(errorOf(batchCodec.decode(json(broken)))).toMatchObject({
      code: 'SCHEMA_MISMATCH',
      path: '/items/1/data/event',
    });
  });

  it('a batch header field: /epoch', () => {
    expect(errorOf(batchCodec.decode(json({ ...liveBatch(), epoch: 'not-a-uuid' })))).toMatchObject({
      code: 'SCHEMA_MISMATCH',
      path: '/epoch',
    });
  });

  it('a nested downlink field: /lanes/1/unitGrams', () => {
    const p = planogram();
    const lanes = p.lanes.map((l, i) => (i === 1 ? { ...l, unitGrams: 0 } : l));
    expect(errorOf(planogramCodec.decode(json({ ...p, lanes })))).toMatchObject({
      code: 'SCHEMA_MISMATCH',
      path: '/lanes/1/unitGrams',
    });
  });

  it('a wrong version literal: /v', () => {
    expect(errorOf(CODECS.ack.decode(json({ ...ack(), v: 2 })))).toMatchObject({ code: 'SCHEMA_MISMATCH', path: '/v' });
  });
});

describe('TYPE_UNKNOWN', () => {
  it('an item type the contract does not define', () => {
    expect(errorOf(itemCodec.decode(json({ ...shelfWeightItem(), type: 'shelf.height' })))).toMatchObject({
      code: 'TYPE_UNKNOWN',
      path: '/type',
    });
  });

  it('inside a batch, with the item index', () => {
    const batch = liveBatch();
    const items = [batch.items[0], { ...batch.items[1], type: 'shelf.height' }];
    expect(errorOf(batchCodec.decode(json({ ...batch, items })))).toMatchObject({
      code: 'TYPE_UNKNOWN',
      path: '/items/1/type',
    });
  });

  // The type names index a plain object, so names inherited from Object.prototype must not count
  // as item types (a decoder must never throw on input from outside).
  it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf'])(
    'the inherited property name %j is an unknown type, not a crash',
    (type) => {
      const payload = json({ ...shelfWeightItem(), type });
      expect(() => itemCodec.decode(payload)).not.toThrow();
      expect(errorOf(itemCodec.decode(payload)).code).toBe('TYPE_UNKNOWN');
    },
  );
});

describe('decodeMessage checks the payload against its topic', () => {
  const weight = () => json(shelfWeightItem());

  it('CHANNEL_UNKNOWN for a telemetry channel without a message type', () => {
    expect(errorOf(decodeMessage(`dt/${SITE}/${DEVICE}/humidity`, weight())).code).toBe('CHANNEL_UNKNOWN');
  });

  // `constructor` is a valid topic level and an inherited property of every object.
  it('CHANNEL_UNKNOWN for the channel "constructor"', () => {
    expect(errorOf(decodeMessage(`dt/${SITE}/${DEVICE}/constructor`, weight())).code).toBe('CHANNEL_UNKNOWN');
  });

  it('accepts the matching topic (the fixture is valid)', () => {
    expect(decodeMessage(topics.dt(SITE, DEVICE, 'weight'), weight()).ok).toBe(true);
  });

  it.each([
    ['another site', topics.dt('store-13', DEVICE, 'weight')],
    ['another device', topics.dt(SITE, 'scale-8', 'weight')],
    ['a channel of another type', topics.dt(SITE, DEVICE, 'temp')],
  ])('TOPIC_PAYLOAD_MISMATCH for a shelf.weight reading on %s', (_what, topic) => {
    expect(errorOf(decodeMessage(topic, weight())).code).toBe('TOPIC_PAYLOAD_MISMATCH');
  });

  it('TOPIC_PAYLOAD_MISMATCH for a device event under another event name, or a reading on evt/', () => {
    expect(decodeMessage(topics.evt(SITE, DEVICE, 'tare-done'), json(deviceEventItem())).ok).toBe(true);
    expect(errorOf(decodeMessage(topics.evt(SITE, DEVICE, 'door-open'), json(deviceEventItem()))).code).toBe(
      'TOPIC_PAYLOAD_MISMATCH',
    );
    expect(errorOf(decodeMessage(topics.evt('store-13', DEVICE, 'tare-done'), json(deviceEventItem()))).code).toBe(
      'TOPIC_PAYLOAD_MISMATCH',
    );
    expect(errorOf(decodeMessage(topics.evt(SITE, DEVICE, 'weight'), weight())).code).toBe('TOPIC_PAYLOAD_MISMATCH');
  });

  it('TOPIC_PAYLOAD_MISMATCH for a command under another command name', () => {
    const calibrate = { id: shelfWeightItem().id, ts: 1, command: 'calibrate', lane: 'lane-3', knownGrams: 500 };
    expect(decodeMessage(topics.cmd(SITE, DEVICE, 'calibrate'), json(calibrate)).ok).toBe(true);
    expect(errorOf(decodeMessage(topics.cmd(SITE, DEVICE, 'tare'), json(calibrate))).code).toBe(
      'TOPIC_PAYLOAD_MISMATCH',
    );
  });

  it('TOPIC_PAYLOAD_MISMATCH for a batch on the wrong stream, site or gateway', () => {
    const live = json(liveBatch());
    expect(decodeMessage(topics.up(SITE, GATEWAY, 'batch'), live).ok).toBe(true);
    expect(errorOf(decodeMessage(topics.up(SITE, GATEWAY, 'hist'), live)).code).toBe('TOPIC_PAYLOAD_MISMATCH');
    expect(errorOf(decodeMessage(topics.up('store-13', GATEWAY, 'batch'), live)).code).toBe('TOPIC_PAYLOAD_MISMATCH');
    expect(errorOf(decodeMessage(topics.up(SITE, 'gw-2', 'batch'), live)).code).toBe('TOPIC_PAYLOAD_MISMATCH');
    const hist = json({ ...liveBatch(), lane: 'hist' });
    expect(decodeMessage(topics.up(SITE, GATEWAY, 'hist'), hist).ok).toBe(true);
    expect(errorOf(decodeMessage(topics.up(SITE, GATEWAY, 'batch'), hist)).code).toBe('TOPIC_PAYLOAD_MISMATCH');
  });

  it('TOPIC_PAYLOAD_MISMATCH for downlink messages addressed to another site or gateway', () => {
    expect(errorOf(decodeMessage(topics.down(SITE, 'gw-2', 'ack'), json(ack()))).code).toBe('TOPIC_PAYLOAD_MISMATCH');
    expect(errorOf(decodeMessage(topics.down('store-13', GATEWAY, 'config'), json(gatewayConfig()))).code).toBe(
      'TOPIC_PAYLOAD_MISMATCH',
    );
    expect(errorOf(decodeMessage(topics.down(SITE, 'gw-2', 'config'), json(gatewayConfig()))).code).toBe(
      'TOPIC_PAYLOAD_MISMATCH',
    );
    expect(errorOf(decodeMessage(topics.down('store-13', GATEWAY, 'planogram'), json(planogram()))).code).toBe(
      'TOPIC_PAYLOAD_MISMATCH',
    );
    expect(errorOf(decodeMessage(topics.down(SITE, 'gw-2', 'credentials'), json(deviceCredentials()))).code).toBe(
      'TOPIC_PAYLOAD_MISMATCH',
    );
  });

  it('passes the topic error through for a bad topic', () => {
    expect(errorOf(decodeMessage('dt/+/d/weight', weight())).code).toBe('TOPIC_WILDCARD');
    expect(errorOf(decodeMessage('', weight())).code).toBe('TOPIC_EMPTY');
  });
});

describe('BATCH_SEQ_INVALID', () => {
  const withOseqs = (...oseqs: Array<number | undefined>) => {
    const batch = liveBatch();
    const items = oseqs.map((oseq, i) => {
      const { oseq: _drop, ...rest } = batch.items[i % batch.items.length] ?? shelfWeightItem();
      return oseq === undefined ? rest : { ...rest, oseq };
    });
    return json({ ...batch, items });
  };

  it('accepts strictly increasing oseq inside [firstSeq, lastSeq], including both ends', () => {
    expect(batchCodec.decode(withOseqs(100, 104)).ok).toBe(true);
    expect(batchCodec.decode(withOseqs()).ok).toBe(true);
  });

  it.each([
    ['out of order', [103, 101], '/items/1/oseq'],
    ['repeated', [101, 101], '/items/1/oseq'],
    ['missing', [101, undefined], '/items/1/oseq'],
    ['below firstSeq', [99, 101], '/items/0/oseq'],
    ['above lastSeq', [101, 105], '/items/1/oseq'],
  ] as const)('rejects oseq %s, naming the item', (_what, oseqs, path) => {
    expect(errorOf(batchCodec.decode(withOseqs(...oseqs)))).toMatchObject({ code: 'BATCH_SEQ_INVALID', path });
  });

  it('rejects more items than [firstSeq, lastSeq] has numbers', () => {
    expect(errorOf(batchCodec.decode(withOseqs(100, 101, 102, 103, 104, 105))).code).toBe('BATCH_SEQ_INVALID');
  });

  it('rejects firstSeq above lastSeq as VALUE_OUT_OF_RANGE', () => {
    expect(errorOf(batchCodec.decode(json({ ...liveBatch(), firstSeq: 105, items: [] })))).toMatchObject({
      code: 'VALUE_OUT_OF_RANGE',
      path: '/firstSeq',
    });
  });
});

describe('DUPLICATE_ID', () => {
  it('two planogram lanes with one id', () => {
    const p = planogram();
    const lanes = [p.lanes[0], { ...p.lanes[1], lane: p.lanes[0]?.lane }];
    expect(errorOf(planogramCodec.decode(json({ ...p, lanes })))).toMatchObject({
      code: 'DUPLICATE_ID',
      path: '/lanes/1',
    });
  });

  it('two planogram SKUs with one id', () => {
    const p = planogram();
    const skus = [...p.skus, { sku: p.skus[0]?.sku, name: 'again' }];
    expect(errorOf(planogramCodec.decode(json({ ...p, skus })))).toMatchObject({
      code: 'DUPLICATE_ID',
      path: '/skus/2',
    });
  });

  it('two credentials for one device', () => {
    const c = deviceCredentials();
    const devices = [...c.devices, c.devices[0]];
    expect(errorOf(deviceCredentialsCodec.decode(json({ ...c, devices })))).toMatchObject({
      code: 'DUPLICATE_ID',
      path: '/devices/2',
    });
  });

  it('two model files with one path, in a manifest and in an offer', () => {
    const m = modelManifest();
    const files = [...m.files, m.files[0]];
    expect(errorOf(modelManifestCodec.decode(json({ ...m, files })))).toMatchObject({
      code: 'DUPLICATE_ID',
      path: '/files/2',
    });
    const offered = { manifest: { ...m, files }, baseUrl: 'https://models.example/model-files/' };
    expect(errorOf(modelOfferCodec.decode(json({ v: 1, seq: 3, models: [offered] })))).toMatchObject({
      code: 'DUPLICATE_ID',
      path: '/models/0/manifest/files/2',
    });
  });

  it('two models for one task in an offer', () => {
    const m = modelManifest();
    const offered = { manifest: m, baseUrl: 'https://models.example/model-files/' };
    expect(errorOf(modelOfferCodec.decode(json({ v: 1, seq: 3, models: [offered, offered] })))).toMatchObject({
      code: 'DUPLICATE_ID',
      path: '/models/1',
    });
  });

  it('two routes for one vehicle', () => {
    const plan = routePlan();
    const routes = plan.routes.map((r) => ({ ...r, vehicle: 'van-1' }));
    expect(errorOf(routePlanCodec.decode(json({ ...plan, routes })))).toMatchObject({
      code: 'DUPLICATE_ID',
      path: '/routes/1',
    });
  });
});

describe('VALUE_OUT_OF_RANGE', () => {
  it('a forecast lower bound above its upper bound', () => {
    const item = forecastItem();
    const data = { ...item.data, lower: [10, 13, 2] };
    expect(errorOf(itemCodec.decode(json({ ...item, data })))).toMatchObject({
      code: 'VALUE_OUT_OF_RANGE',
      path: '/data/lower/1',
    });
  });

  it('forecast arrays of different lengths', () => {
    const item = forecastItem();
    const data = { ...item.data, upper: [14, 12] };
    expect(errorOf(itemCodec.decode(json({ ...item, data })))).toMatchObject({
      code: 'VALUE_OUT_OF_RANGE',
      path: '/data',
    });
  });

  it('a bad forecast inside a batch, with the item index', () => {
    const item = forecastItem();
    const batch = { ...liveBatch(), items: [{ ...item, oseq: 100, data: { ...item.data, lower: [15, 6, 2] } }] };
    expect(errorOf(batchCodec.decode(json(batch)))).toMatchObject({
      code: 'VALUE_OUT_OF_RANGE',
      path: '/items/0/data/lower/0',
    });
  });

  it('a delivery window that ends before it starts', () => {
    const job = deliveryJob();
    const timeWindows = [...job.timeWindows, { start: 1_718_020_000_000, end: 1_718_010_000_000 }];
    expect(errorOf(deliveryJobCodec.decode(json({ ...job, timeWindows })))).toMatchObject({
      code: 'VALUE_OUT_OF_RANGE',
      path: '/timeWindows/1',
    });
    const instant = [{ start: 1_718_010_000_000, end: 1_718_010_000_000 }];
    expect(deliveryJobCodec.decode(json({ ...job, timeWindows: instant })).ok).toBe(true);
  });

  it('a route that ends before it starts, and a stop left before it was reached', () => {
    const plan = routePlan();
    const [first, second] = plan.routes;
    if (first === undefined || second === undefined) throw new Error('fixture changed');
    const backwards = { ...plan, routes: [first, { ...second, endAt: second.startAt - 1 }] };
    expect(errorOf(routePlanCodec.decode(json(backwards)))).toMatchObject({
      code: 'VALUE_OUT_OF_RANGE',
      path: '/routes/1',
    });
    const stops = first.stops.map((s, i) => (i === 1 ? { ...s, departure: s.arrival - 1 } : s));
    expect(errorOf(routePlanCodec.decode(json({ ...plan, routes: [{ ...first, stops }, second] })))).toMatchObject({
      code: 'VALUE_OUT_OF_RANGE',
      path: '/routes/0/stops/1',
    });
  });

  it('a cold-chain band whose minimum is above its maximum', () => {
    const config = gatewayConfig();
    const rules = { coldChain: { minCelsius: 9, maxCelsius: 8, graceMs: 0 } };
    expect(errorOf(gatewayConfigCodec.decode(json({ ...config, rules })))).toMatchObject({
      code: 'VALUE_OUT_OF_RANGE',
      path: '/rules/coldChain',
    });
  });
});

describe('tolerant reader', () => {
  it('ignores unknown properties at every depth and keeps them in the value', () => {
    const item = shelfWeightItem();
    const newer = {
      ...item,
      priority: 'high',
      src: { ...item.src, rack: 'r-4' },
      data: { ...item.data, temperatureC: 21.5 },
    };
    expect(itemCodec.decode(json(newer))).toEqual({ ok: true, value: newer });

    const batch = { ...liveBatch(), compression: 'none', items: [{ ...shelfWeightItem(), oseq: 100, extra: [1] }] };
    expect(batchCodec.decode(json(batch))).toEqual({ ok: true, value: batch });

    const p = planogram();
    const withExtras = { ...p, author: 'hq', lanes: p.lanes.map((l) => ({ ...l, colour: 'red' })) };
    expect(planogramCodec.decode(json(withExtras))).toEqual({ ok: true, value: withExtras });

    const lost = { status: 'lost', reason: 'keepalive timeout' };
    expect(CODECS['gateway-state'].decode(json(lost))).toEqual({ ok: true, value: lost });
  });
});
