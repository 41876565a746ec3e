/**
 * fast-check arbitraries for every aisle message, written by hand from the schemas in
 * `protocols/src/schemas/*.ts` (not derived from them, so a schema change that breaks the wire
 * contract makes the round-trip tests fail instead of silently following along).
 *
 * Every arbitrary produces values the codecs must accept: patterns, ranges and the semantic rules
 * JSON Schema cannot say (increasing `oseq`, lower ≤ upper, unique ids, start ≤ end).
 * Numbers never include -0, NaN or ±Infinity, which JSON cannot carry.
 */
import {
  type AckCursor,
  ALERT_RULES,
  ALERT_SUBJECTS,
  type Alert,
  type BasketLine,
  type Batch,
  type BatchDrop,
  CALENDAR_FEATURES,
  CHANNEL_TYPES,
  type Channel,
  type CODECS,
  COMMAND_NAMES,
  type Codec,
  type CodecName,
  type Command,
  DEVICE_KINDS,
  type DeliveryJob,
  type DeviceCredential,
  type DeviceCredentials,
  type DeviceEvent,
  type DeviceState,
  DOWN_NAMES,
  type FeatureSpec,
  FORECAST_TASKS,
  type FootfallCount,
  type FootfallInterval,
  type Forecast,
  type GatewayConfig,
  type GatewayState,
  GPS_QUALITIES,
  type GpsFix,
  ITEM_FLAGS,
  type Item,
  type ItemOf,
  type ItemType,
  JOB_KINDS,
  type LatLon,
  type ModelFile,
  type ModelManifest,
  type ModelOffer,
  type ModelRef,
  type ModelSignature,
  OUTBOX_DROP_REASONS,
  OVERFLOW_POLICIES,
  PARCEL_EVENTS,
  type ParcelScan,
  type Planogram,
  type PlanogramLane,
  type PlanogramSku,
  type PosBasket,
  QUANTIZATIONS,
  type ReplenishmentTask,
  type Route,
  type RoutePlan,
  type RouteStop,
  type ShelfEvent,
  type ShelfLevel,
  type ShelfWeight,
  type Shock,
  type Source,
  STOP_STATUSES,
  TASK_KINDS,
  TASK_STATES,
  type Temperature,
  type TimeWindow,
  type Topic,
  UP_STREAMS,
  VAN_EVENTS,
  type VanEvent,
} from '@aisle/protocols';
import fc from 'fast-check';

// ---------------------------------------------------------------------------------------------
// Primitives (protocols/src/schemas/common.ts)

/** JSON has no -0: `JSON.stringify(-0)` is `0`, and `toEqual` tells them apart. */
const noNegativeZero = (x: number): number => (x === 0 ? 0 : x);

/** A finite double in [min, max] (defaults: every finite double). */
export function num(
  options: { min?: number; max?: number; minExcluded?: boolean; maxExcluded?: boolean } = {},
): fc.Arbitrary<number> {
  return fc.double({ ...options, noNaN: true, noDefaultInfinity: true }).map(noNegativeZero);
}

/** An integer in [min, max], over the whole safe-integer range when asked (fc.integer is 32-bit). */
export function int(min: number, max: number): fc.Arbitrary<number> {
  if (min >= -0x8000_0000 && max <= 0x7fff_ffff) return fc.integer({ min, max });
  return fc.bigInt({ min: BigInt(min), max: BigInt(max) }).map(Number);
}

export const MAX_EPOCH_MS = 8_640_000_000_000_000;
export const MAX_DURATION_MS = 31_622_400_000;

export const level = fc.stringMatching(/^[a-z0-9-]{1,64}$/);
/** A level short enough to keep serial frames under the default 164-byte cap. */
export const shortLevel = fc.stringMatching(/^[a-z0-9-]{1,24}$/);
export const uuid = fc.uuid().map((s) => s.toLowerCase());
export const sku = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/);
export const externalId = fc.stringMatching(/^[\x21-\x7E]{1,128}$/);
export const epochMs = int(0, MAX_EPOCH_MS);
export const durationMs = int(0, MAX_DURATION_MS);
export const seq = int(0, Number.MAX_SAFE_INTEGER);
export const boot = int(0, 4_294_967_295);
export const nonNegativeInt = int(0, Number.MAX_SAFE_INTEGER);
export const anyInteger = int(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
export const sha256 = fc.stringMatching(/^[0-9a-f]{64}$/);
export const version = fc.stringMatching(/^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/);

/**
 * Free text whose UTF-16 length is at most `maxLength` (TypeBox counts `string.length`): any
 * Unicode scalar value, so round trips also cover multi-byte UTF-8.
 */
export function text(maxLength: number, minLength = 0): fc.Arbitrary<string> {
  return fc.string({ unit: 'binary', minLength, maxLength: Math.floor(maxLength / 2) });
}

export const latLon: fc.Arbitrary<LatLon> = fc.record({
  lat: num({ min: -90, max: 90 }),
  lon: num({ min: -180, max: 180 }),
});

/** Two epoch times, ordered: `start ≤ end`. */
export const timeWindow: fc.Arbitrary<TimeWindow> = fc
  .tuple(epochMs, epochMs)
  .map(([a, b]) => ({ start: Math.min(a, b), end: Math.max(a, b) }));

function oneOfList<const T extends readonly string[]>(list: T): fc.Arbitrary<T[number]> {
  return fc.constantFrom(...list);
}

/** A record whose keys outside `required` may be absent (never present-but-undefined). */
function partial<T, K extends keyof T>(model: { [P in keyof T]: fc.Arbitrary<T[P]> }, required: K[]) {
  return fc.record<T, K>(model, { requiredKeys: required, noNullPrototype: true });
}

function dictionary<V>(key: fc.Arbitrary<string>, value: fc.Arbitrary<V>, maxKeys = 4) {
  return fc.dictionary(key, value, { maxKeys, noNullPrototype: true });
}

// ---------------------------------------------------------------------------------------------
// Telemetry (schemas/telemetry.ts)

export const shelfWeight: fc.Arbitrary<ShelfWeight> = partial(
  {
    lane: level,
    grams: num({ min: -1_000_000, max: 10_000_000 }),
    stable: fc.boolean(),
    raw: fc.integer(),
  },
  ['lane', 'grams', 'stable'],
);

export const footfallCount: fc.Arbitrary<FootfallCount> = fc.record({
  door: level,
  in: int(0, 1_000_000),
  out: int(0, 1_000_000),
  intervalMs: int(1, 86_400_000),
});

export const gpsFix: fc.Arbitrary<GpsFix> = partial(
  {
    lat: num({ min: -90, max: 90 }),
    lon: num({ min: -180, max: 180 }),
    speedMps: num({ min: 0, max: 200 }),
    courseDeg: num({ min: 0, max: 360 }),
    altM: num({ min: -1000, max: 20_000 }),
    hdop: num({ min: 0, max: 100 }),
    sats: int(0, 255),
    quality: oneOfList(GPS_QUALITIES),
    van: level,
  },
  ['lat', 'lon'],
);

export const temperature: fc.Arbitrary<Temperature> = fc.record({
  probe: level,
  celsius: num({ min: -100, max: 200 }),
});

export const shock: fc.Arbitrary<Shock> = partial(
  { peakG: num({ min: 0, max: 1000 }), axis: oneOfList(['x', 'y', 'z'] as const), durationMs },
  ['peakG'],
);

export const parcelScan: fc.Arbitrary<ParcelScan> = partial(
  { parcel: externalId, event: oneOfList(PARCEL_EVENTS), stop: level, job: externalId },
  ['parcel', 'event'],
);

const basketLine: fc.Arbitrary<BasketLine> = partial(
  { sku, qty: num({ min: 0, minExcluded: true, max: 10_000 }), unitPriceCents: int(0, 100_000_000) },
  ['sku', 'qty'],
);

export const posBasket: fc.Arbitrary<PosBasket> = partial(
  {
    basket: fc.oneof(uuid, externalId),
    register: level,
    customer: externalId,
    lines: fc.array(basketLine, { minLength: 1, maxLength: 4 }),
    totalCents: nonNegativeInt,
  },
  ['basket', 'register', 'lines'],
);

// ---------------------------------------------------------------------------------------------
// Devices (schemas/device.ts)

export const deviceState: fc.Arbitrary<DeviceState> = partial(
  {
    status: oneOfList(['online', 'offline', 'lost'] as const),
    kind: oneOfList(DEVICE_KINDS),
    firmware: text(64),
    ts: epochMs,
    batteryPct: num({ min: 0, max: 100 }),
    rssiDbm: num({ min: -150, max: 0 }),
  },
  ['status'],
);

export const deviceEvent: fc.Arbitrary<DeviceEvent> = partial(
  { event: level, ref: uuid, ok: fc.boolean(), lane: level, code: externalId, message: text(512) },
  ['event'],
);

export const tareCommand = partial({ id: uuid, ts: epochMs, command: fc.constant('tare' as const), lane: level }, [
  'id',
  'ts',
  'command',
]);

export const calibrateCommand = fc.record({
  id: uuid,
  ts: epochMs,
  command: fc.constant('calibrate' as const),
  lane: level,
  knownGrams: num({ min: 0, minExcluded: true, max: 1_000_000 }),
});

export const configCommand = fc.record({
  id: uuid,
  ts: epochMs,
  command: fc.constant('config' as const),
  settings: dictionary(fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9]{0,63}$/), fc.oneof(num(), text(256), fc.boolean())),
});

export const command: fc.Arbitrary<Command> = fc.oneof(tareCommand, calibrateCommand, configCommand);

// ---------------------------------------------------------------------------------------------
// Derived items (schemas/derived.ts)

export const shelfLevel: fc.Arbitrary<ShelfLevel> = fc.record({
  lane: level,
  sku,
  units: nonNegativeInt,
  grams: num(),
  capacity: int(1, 100_000),
});

export const shelfEvent: fc.Arbitrary<ShelfEvent> = fc.record({
  lane: level,
  sku,
  event: oneOfList(['pick', 'put', 'misplaced'] as const),
  units: nonNegativeInt,
  grams: num(),
});

export const footfallInterval: fc.Arbitrary<FootfallInterval> = fc.record({
  door: level,
  in: nonNegativeInt,
  out: nonNegativeInt,
  intervalMs: int(1, 86_400_000),
  occupancy: nonNegativeInt,
});

export const vanEvent: fc.Arbitrary<VanEvent> = partial(
  { van: level, event: oneOfList(VAN_EVENTS), stop: level, job: externalId, position: latLon },
  ['van', 'event', 'position'],
);

export const alert: fc.Arbitrary<Alert> = partial(
  {
    alert: uuid,
    rule: oneOfList(ALERT_RULES),
    state: oneOfList(['raised', 'updated', 'cleared'] as const),
    severity: oneOfList(['info', 'warning', 'critical'] as const),
    subject: fc.record({ kind: oneOfList(ALERT_SUBJECTS), id: externalId }),
    message: text(512),
    value: num(),
    threshold: num(),
    since: epochMs,
  },
  ['alert', 'rule', 'state', 'severity', 'subject', 'message', 'since'],
);

// ---------------------------------------------------------------------------------------------
// Models and forecasts (schemas/model.ts)

export const modelRef: fc.Arbitrary<ModelRef> = fc.record({
  name: level,
  version,
  sha256,
  quant: oneOfList(QUANTIZATIONS),
});

/** Steps of a forecast: `lower[i] ≤ upper[i]`, three arrays of one length. */
const forecastSteps = fc.array(fc.tuple(num(), num(), num()), { minLength: 1, maxLength: 8 }).map((rows) => ({
  mean: rows.map(([m]) => m),
  lower: rows.map(([, a, b]) => Math.min(a, b)),
  upper: rows.map(([, a, b]) => Math.max(a, b)),
}));

const nullableEpoch = fc.oneof(epochMs, fc.constant(null));

export const forecast: fc.Arbitrary<Forecast> = fc
  .tuple(
    forecastSteps,
    partial(
      {
        task: oneOfList(FORECAST_TASKS),
        target: fc.record({ kind: oneOfList(['lane', 'door', 'sku'] as const), id: externalId }),
        start: epochMs,
        stepMs: int(1, MAX_DURATION_MS),
        level: num({ min: 0, max: 1, minExcluded: true, maxExcluded: true }),
        emptyAt: fc.record({ expected: nullableEpoch, earliest: nullableEpoch, latest: nullableEpoch }),
        unitsNow: num({ min: 0 }),
        baseline: fc.record({ name: level, mean: fc.array(num(), { maxLength: 8 }) }),
      },
      ['task', 'target', 'start', 'stepMs', 'level'],
    ),
  )
  .map(([steps, rest]) => ({ ...rest, ...steps }));

const featureSpec: fc.Arbitrary<FeatureSpec> = fc.record({
  granularity: oneOfList(['hour', 'day'] as const),
  window: int(1, 10_000),
  horizon: int(1, 10_000),
  calendar: fc.subarray([...CALENDAR_FEATURES]),
  scaling: oneOfList(['mean-abs', 'max-abs', 'none'] as const),
  timeZone: text(64),
});

const shape = fc.array(fc.oneof(int(1, Number.MAX_SAFE_INTEGER), fc.constant(null)), { minLength: 1, maxLength: 8 });

export const modelFile: fc.Arbitrary<ModelFile> = fc.record({
  path: fc.stringMatching(/^[A-Za-z0-9._-]{1,128}$/),
  bytes: nonNegativeInt,
  sha256,
});

export const modelSignature: fc.Arbitrary<ModelSignature> = fc.record({
  alg: fc.constant('ed25519' as const),
  keyId: externalId,
  value: fc.stringMatching(/^[A-Za-z0-9+/]{86}==$/),
});

export const modelManifest: fc.Arbitrary<ModelManifest> = partial(
  {
    v: fc.constant(1 as const),
    name: level,
    version,
    task: oneOfList(FORECAST_TASKS),
    features: featureSpec,
    inputShape: shape,
    outputShape: shape,
    quant: oneOfList(QUANTIZATIONS),
    files: fc.uniqueArray(modelFile, { selector: (f) => f.path, minLength: 1, maxLength: 4 }),
    createdAt: epochMs,
    metrics: dictionary(fc.stringMatching(/^[a-zA-Z0-9_.@-]{1,64}$/), num()),
    signature: modelSignature,
  },
  ['v', 'name', 'version', 'task', 'features', 'inputShape', 'outputShape', 'quant', 'files', 'createdAt', 'metrics'],
);

const offeredModel = partial(
  {
    manifest: modelManifest,
    baseUrl: fc
      .tuple(fc.constantFrom('http://', 'https://'), fc.string({ maxLength: 200 }))
      .map(([scheme, rest]) => scheme + rest),
    rollout: externalId,
  },
  ['manifest', 'baseUrl'],
);

export const modelOffer: fc.Arbitrary<ModelOffer> = fc.record({
  v: fc.constant(1 as const),
  seq: fc.nat(),
  models: fc.uniqueArray(offeredModel, { maxLength: 3, selector: (m) => m.manifest.task }),
});

// ---------------------------------------------------------------------------------------------
// Item envelopes (schemas/envelope.ts)

export const source: fc.Arbitrary<Source> = partial({ site: level, device: level, gateway: level }, ['site', 'device']);

/** The `data` of each item type. */
export type ItemData = { [K in ItemType]: Extract<Item, { type: K }> extends { data: infer D } ? D : never };

/** The `data` arbitrary of every item type. */
export const itemData: { readonly [K in ItemType]: fc.Arbitrary<ItemData[K]> } = {
  'shelf.weight': shelfWeight,
  'footfall.count': footfallCount,
  'gps.fix': gpsFix,
  temperature,
  shock,
  'parcel.scan': parcelScan,
  'pos.basket': posBasket,
  'device.state': deviceState,
  'device.event': deviceEvent,
  'shelf.level': shelfLevel,
  'shelf.event': shelfEvent,
  'footfall.interval': footfallInterval,
  'van.event': vanEvent,
  alert,
  forecast,
};

/** An envelope of `type` around `data`; optional envelope fields come and go independently. */
export function itemOf<K extends ItemType>(
  type: K,
  data: fc.Arbitrary<ItemData[K]> = itemData[type],
  src: fc.Arbitrary<Source> = source,
): fc.Arbitrary<ItemOf<K>> {
  const envelope = partial(
    {
      id: uuid,
      type: fc.constant(type),
      src,
      boot,
      seq,
      ts: epochMs,
      rx: epochMs,
      tq: oneOfList(['ntp', 'rtc', 'unsynced'] as const),
      oseq: seq,
      flags: fc.subarray([...ITEM_FLAGS]),
      model: modelRef,
      data,
    },
    ['id', 'type', 'src', 'boot', 'seq', 'ts', 'tq', 'data'],
  );
  // TypeScript cannot follow a generic K through the mapped ItemOf<K>; each data arbitrary above
  // is checked against its own schema type.
  return envelope as unknown as fc.Arbitrary<ItemOf<K>>;
}

export const item: fc.Arbitrary<Item> = fc.oneof(
  ...(Object.keys(itemData) as ItemType[]).map((type) => itemOf(type) as fc.Arbitrary<Item>),
);

// ---------------------------------------------------------------------------------------------
// Uplink (schemas/uplink.ts)

const batchDrop: fc.Arbitrary<BatchDrop> = partial(
  {
    stream: level,
    reason: oneOfList(OUTBOX_DROP_REASONS),
    count: int(1, Number.MAX_SAFE_INTEGER),
    oldestTs: epochMs,
    newestTs: epochMs,
  },
  ['stream', 'reason', 'count'],
);

/**
 * A batch whose items carry strictly increasing `oseq` inside [firstSeq, lastSeq]; the gaps are
 * sequence numbers the outbox dropped.
 */
export function batchOf(lane: fc.Arbitrary<'live' | 'hist'> = oneOfList(['live', 'hist'] as const)) {
  return fc
    .record({
      header: partial(
        {
          v: fc.constant(1 as const),
          site: level,
          gateway: level,
          epoch: uuid,
          boot,
          lane,
          sentAt: epochMs,
          dropped: fc.array(batchDrop, { maxLength: 2 }),
        },
        ['v', 'site', 'gateway', 'epoch', 'boot', 'lane', 'sentAt'],
      ),
      firstSeq: int(0, Number.MAX_SAFE_INTEGER - 1000),
      offsets: fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 5 }),
      tail: fc.integer({ min: 0, max: 40 }),
      items: fc.array(item, { minLength: 5, maxLength: 5 }),
    })
    .map(({ header, firstSeq, offsets, tail, items }): Batch => {
      const sorted = [...offsets].sort((a, b) => a - b);
      const last = Math.max(tail, sorted.at(-1) ?? 0);
      return {
        ...header,
        firstSeq,
        lastSeq: firstSeq + last,
        items: sorted.map((offset, i) => ({ ...(items[i] as Item), oseq: firstSeq + offset })),
      };
    });
}

export const batch: fc.Arbitrary<Batch> = batchOf();

export const ackCursor: fc.Arbitrary<AckCursor> = fc.record({
  v: fc.constant(1 as const),
  gateway: level,
  epoch: uuid,
  seq,
  at: epochMs,
});

export const gatewayOnline: fc.Arbitrary<GatewayState> = partial(
  {
    status: oneOfList(['online', 'degraded'] as const),
    site: level,
    gateway: level,
    boot,
    software: text(64),
    startedAt: epochMs,
    ts: epochMs,
    outbox: fc.record({
      depth: nonNegativeInt,
      bytes: nonNegativeInt,
      oldestAgeMs: durationMs,
      dropped: nonNegativeInt,
    }),
    uplink: partial({ connected: fc.boolean(), ackedSeq: seq, lagMs: durationMs }, ['connected', 'ackedSeq']),
    models: fc.array(
      fc.tuple(modelRef, text(32)).map(([ref, task]) => ({ ...ref, task })),
      { maxLength: 3 },
    ),
    devices: fc.record({ online: nonNegativeInt, lost: nonNegativeInt }),
    degraded: fc.array(text(256), { maxLength: 3 }),
  },
  ['status', 'site', 'gateway', 'boot', 'software', 'startedAt', 'ts', 'outbox', 'uplink', 'models'],
);

/** The gateway's last will, `{"status":"lost"}` plus whatever identity it carries. */
export const gatewayLost: fc.Arbitrary<GatewayState> = partial(
  { status: fc.constant('lost' as const), site: level, gateway: level, boot },
  ['status'],
);

export const gatewayState: fc.Arbitrary<GatewayState> = fc.oneof(gatewayOnline, gatewayLost);

// ---------------------------------------------------------------------------------------------
// Downlink (schemas/downlink.ts)

const planogramLane: fc.Arbitrary<PlanogramLane> = partial(
  {
    lane: level,
    device: level,
    sku,
    unitGrams: num({ min: 0, minExcluded: true, max: 1_000_000 }),
    capacity: int(1, 100_000),
    facings: int(1, 1000),
    aisle: level,
    shelf: int(0, 100),
    position: int(0, 10_000),
    zone: level,
  },
  ['lane', 'device', 'sku', 'unitGrams', 'capacity', 'facings', 'aisle', 'shelf', 'position'],
);

const planogramSku: fc.Arbitrary<PlanogramSku> = partial(
  { sku, name: text(256, 1), category: text(128), casePack: int(1, 10_000) },
  ['sku', 'name'],
);

export const planogram: fc.Arbitrary<Planogram> = fc.record({
  v: fc.constant(1 as const),
  site: level,
  version: nonNegativeInt,
  updatedAt: epochMs,
  skus: fc.uniqueArray(planogramSku, { selector: (s) => s.sku, maxLength: 4 }),
  lanes: fc.uniqueArray(planogramLane, { selector: (l) => l.lane, maxLength: 4 }),
});

const deviceCredential: fc.Arbitrary<DeviceCredential> = partial(
  {
    device: level,
    kind: oneOfList(DEVICE_KINDS),
    username: level,
    passwordHash: fc.string({ maxLength: 200 }).map((rest) => `scrypt$${rest}`),
    revoked: fc.boolean(),
  },
  ['device', 'kind', 'username', 'passwordHash'],
);

export const deviceCredentials: fc.Arbitrary<DeviceCredentials> = fc.record({
  v: fc.constant(1 as const),
  site: level,
  gateway: level,
  version: nonNegativeInt,
  devices: fc.uniqueArray(deviceCredential, { selector: (d) => d.device, maxLength: 4 }),
});

const coldChain = fc
  .tuple(num({ min: -100, max: 200 }), num({ min: -100, max: 200 }), durationMs)
  .map(([a, b, graceMs]) => ({ minCelsius: Math.min(a, b), maxCelsius: Math.max(a, b), graceMs }));

export const gatewayConfig: fc.Arbitrary<GatewayConfig> = partial(
  {
    v: fc.constant(1 as const),
    site: level,
    gateway: level,
    version: nonNegativeInt,
    issuedAt: epochMs,
    uplink: fc.record({
      batchMaxItems: int(1, 100_000),
      batchMaxBytes: int(1024, 256 * 1024 * 1024),
      flushIntervalMs: int(10, 3_600_000),
      histItemsPerSecond: int(1, 1_000_000),
    }),
    outbox: fc.record({
      maxBytes: int(1024 * 1024, Number.MAX_SAFE_INTEGER),
      maxAgeMs: durationMs,
      streams: fc.array(fc.record({ stream: level, policy: oneOfList(OVERFLOW_POLICIES) }), { maxLength: 3 }),
    }),
    rules: partial(
      {
        lowStockFraction: num({ min: 0, max: 1 }),
        deviceLostAfterMs: durationMs,
        coldChain,
        shockG: num({ min: 0, minExcluded: true }),
      },
      [],
    ),
    forecasting: fc.record({ everyMs: int(1000, 86_400_000), enabled: fc.boolean() }),
    labels: dictionary(level, externalId),
  },
  ['v', 'site', 'gateway', 'version', 'issuedAt'],
);

// ---------------------------------------------------------------------------------------------
// Logistics (schemas/logistics.ts)

export const replenishmentTask: fc.Arbitrary<ReplenishmentTask> = partial(
  {
    id: externalId,
    site: level,
    kind: oneOfList(TASK_KINDS),
    state: oneOfList(TASK_STATES),
    sku,
    lane: level,
    units: nonNegativeInt,
    zone: level,
    priority: num({ min: 0, max: 1000 }),
    dueBy: epochMs,
    createdAt: epochMs,
    updatedAt: epochMs,
    claimedBy: externalId,
    explanation: fc.record({
      rule: text(64, 1),
      text: text(1024),
      values: dictionary(fc.stringMatching(/^[a-zA-Z0-9_.]{1,64}$/), num()),
    }),
  },
  ['id', 'site', 'kind', 'state', 'sku', 'units', 'priority', 'createdAt', 'updatedAt', 'explanation'],
);

export const deliveryJob: fc.Arbitrary<DeliveryJob> = partial(
  {
    id: externalId,
    kind: oneOfList(JOB_KINDS),
    site: level,
    order: externalId,
    location: latLon,
    demand: fc.array(nonNegativeInt, { minLength: 1, maxLength: 8 }),
    timeWindows: fc.array(timeWindow, { maxLength: 4 }),
    serviceMs: durationMs,
    priority: int(0, 100),
    dropPenalty: num({ min: 0 }),
    parcels: fc.array(externalId, { maxLength: 3 }),
    createdAt: epochMs,
  },
  ['id', 'kind', 'location', 'demand', 'timeWindows', 'serviceMs', 'createdAt'],
);

const routeStop: fc.Arbitrary<RouteStop> = fc
  .tuple(
    timeWindow,
    partial(
      {
        job: externalId,
        location: latLon,
        waitMs: durationMs,
        latenessMs: durationMs,
        load: fc.array(anyInteger, { maxLength: 8 }),
        status: oneOfList(STOP_STATUSES),
      },
      ['job', 'location'],
    ),
  )
  .map(([{ start, end }, rest]) => ({ ...rest, arrival: start, departure: end }));

const route: fc.Arbitrary<Route> = fc
  .tuple(
    timeWindow,
    partial(
      {
        vehicle: level,
        gateway: level,
        depot: latLon,
        distanceM: num({ min: 0 }),
        durationMs,
        stops: fc.array(routeStop, { maxLength: 3 }),
      },
      ['vehicle', 'depot', 'distanceM', 'durationMs', 'stops'],
    ),
  )
  .map(([{ start, end }, rest]) => ({ ...rest, startAt: start, endAt: end }));

export const routePlan: fc.Arbitrary<RoutePlan> = fc.record({
  v: fc.constant(1 as const),
  id: externalId,
  version: nonNegativeInt,
  createdAt: epochMs,
  objective: oneOfList(['distance', 'vehicles-then-distance'] as const),
  status: oneOfList(['proposed', 'active', 'superseded'] as const),
  kpis: fc.record({
    distanceM: num({ min: 0 }),
    durationMs,
    vehicles: nonNegativeInt,
    latenessMs: durationMs,
    unassigned: nonNegativeInt,
  }),
  routes: fc.uniqueArray(route, { selector: (r) => r.vehicle, maxLength: 3 }),
  unassigned: fc.array(externalId, { maxLength: 3 }),
});

// ---------------------------------------------------------------------------------------------
// Every codec with the arbitrary of the values it must round-trip

export type CodecValue<N extends CodecName> = (typeof CODECS)[N] extends Codec<infer T> ? T : never;

export const codecValues: { readonly [N in CodecName]: fc.Arbitrary<CodecValue<N>> } = {
  item,
  batch,
  ack: ackCursor,
  'gateway-state': gatewayState,
  'device-state': deviceState,
  command,
  planogram,
  'gateway-config': gatewayConfig,
  'device-credentials': deviceCredentials,
  'model-manifest': modelManifest,
  'model-offer': modelOffer,
  'replenishment-task': replenishmentTask,
  'delivery-job': deliveryJob,
  'route-plan': routePlan,
};

/** Any valid payload of any codec, as the JSON text its codec encodes. */
export const validPayload: fc.Arbitrary<string> = fc.oneof(
  ...(Object.keys(codecValues) as CodecName[]).map((name) =>
    (codecValues[name] as fc.Arbitrary<unknown>).map((value) => JSON.stringify(value)),
  ),
);

// ---------------------------------------------------------------------------------------------
// Topics (protocols/src/topics.ts)

export const channel: fc.Arbitrary<Channel> = oneOfList(Object.keys(CHANNEL_TYPES) as Channel[]);

export const topic: fc.Arbitrary<Topic> = fc.oneof(
  fc.record({ kind: fc.constant('dt' as const), site: level, device: level, channel: level }),
  fc.record({ kind: fc.constant('evt' as const), site: level, device: level, event: level }),
  fc.record({ kind: fc.constant('state' as const), site: level, device: level }),
  fc.record({ kind: fc.constant('cmd' as const), site: level, device: level, command: oneOfList(COMMAND_NAMES) }),
  fc.record({ kind: fc.constant('up' as const), site: level, gateway: level, stream: oneOfList(UP_STREAMS) }),
  fc.record({ kind: fc.constant('down' as const), site: level, gateway: level, name: oneOfList(DOWN_NAMES) }),
);

// ---------------------------------------------------------------------------------------------
// Serial frames

/** A field an NMEA-style frame can carry: printable ASCII without `$ * , !`. */
export const frameField = fc.string({
  unit: fc.constantFrom(
    ...[...Array(0x7f - 0x20).keys()].map((i) => String.fromCharCode(0x20 + i)).filter((c) => !'$*,!'.includes(c)),
  ),
  maxLength: 12,
});

export const frameFields = fc.array(frameField, { minLength: 1, maxLength: 8 });

const ascii = new TextEncoder();

export function bytes(text: string): Uint8Array {
  return ascii.encode(text);
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
