/**
 * Small named, valid messages for the example-based tests. Each factory returns a fresh object, so
 * a test can break one field without affecting another test.
 */
import type {
  AckCursor,
  Batch,
  DeliveryJob,
  DeviceCredentials,
  GatewayConfig,
  ItemOf,
  ModelManifest,
  Planogram,
  RoutePlan,
} from '@aisle/protocols';

export const SITE = 'store-12';
export const DEVICE = 'scale-7';
export const GATEWAY = 'gw-1';
export const EPOCH = '0190a5b2-7c3d-7e4f-8a1b-2c3d4e5f6a7b';

export function shelfWeightItem(): ItemOf<'shelf.weight'> {
  return {
    id: '0190a5b2-7c3d-7000-8000-000000000001',
    type: 'shelf.weight',
    src: { site: SITE, device: DEVICE },
    boot: 3,
    seq: 41,
    ts: 1_718_000_000_000,
    tq: 'ntp',
    data: { lane: 'lane-3', grams: 1250.5, stable: true },
  };
}

export function deviceEventItem(): ItemOf<'device.event'> {
  return {
    id: '0190a5b2-7c3d-7000-8000-000000000002',
    type: 'device.event',
    src: { site: SITE, device: DEVICE },
    boot: 3,
    seq: 42,
    ts: 1_718_000_000_500,
    tq: 'ntp',
    data: { event: 'tare-done', ok: true, lane: 'lane-3' },
  };
}

/** Lane depletion forecast over three hourly steps. */
export function forecastItem(): ItemOf<'forecast'> {
  return {
    id: '0190a5b2-7c3d-7000-8000-000000000003',
    type: 'forecast',
    src: { site: SITE, device: GATEWAY },
    boot: 1,
    seq: 7,
    ts: 1_718_000_000_000,
    tq: 'ntp',
    data: {
      task: 'lane-depletion',
      target: { kind: 'lane', id: 'lane-3' },
      start: 1_718_002_800_000,
      stepMs: 3_600_000,
      mean: [12, 9, 6],
      lower: [10, 6, 2],
      upper: [14, 12, 10],
      level: 0.8,
    },
  };
}

/** A live batch covering outbox rows 100..104, of which 101 and 103 were sent. */
export function liveBatch(): Batch {
  return {
    v: 1,
    site: SITE,
    gateway: GATEWAY,
    epoch: EPOCH,
    boot: 2,
    lane: 'live',
    firstSeq: 100,
    lastSeq: 104,
    sentAt: 1_718_000_001_000,
    items: [
      { ...shelfWeightItem(), oseq: 101 },
      { ...deviceEventItem(), oseq: 103 },
    ],
  };
}

export function ack(): AckCursor {
  return { v: 1, gateway: GATEWAY, epoch: EPOCH, seq: 104, at: 1_718_000_002_000 };
}

export function planogram(): Planogram {
  const lane = (id: string, sku: string, position: number) => ({
    lane: id,
    device: DEVICE,
    sku,
    unitGrams: 250,
    capacity: 24,
    facings: 4,
    aisle: 'a-1',
    shelf: 2,
    position,
  });
  return {
    v: 1,
    site: SITE,
    version: 5,
    updatedAt: 1_718_000_000_000,
    skus: [
      { sku: '4006381333931', name: 'Coffee 250 g' },
      { sku: '5000112637922', name: 'Cola 0.5 l' },
    ],
    lanes: [lane('lane-1', '4006381333931', 0), lane('lane-2', '5000112637922', 1)],
  };
}

export function gatewayConfig(): GatewayConfig {
  return {
    v: 1,
    site: SITE,
    gateway: GATEWAY,
    version: 3,
    issuedAt: 1_718_000_000_000,
    rules: { coldChain: { minCelsius: 2, maxCelsius: 8, graceMs: 600_000 } },
  };
}

export function deviceCredentials(): DeviceCredentials {
  const device = (id: string) => ({
    device: id,
    kind: 'shelf-scale' as const,
    username: id,
    passwordHash: 'scrypt$16384$8$1$c2FsdA==$aGFzaA==',
  });
  return { v: 1, site: SITE, gateway: GATEWAY, version: 1, devices: [device('scale-1'), device('scale-2')] };
}

export function modelManifest(): ModelManifest {
  return {
    v: 1,
    name: 'lane-depletion',
    version: '2024.06.1',
    task: 'lane-depletion',
    features: {
      granularity: 'hour',
      window: 168,
      horizon: 24,
      calendar: ['hour-of-day', 'day-of-week'],
      scaling: 'mean-abs',
      timeZone: 'Europe/Berlin',
    },
    inputShape: [null, 168, 3],
    outputShape: [null, 24, 3],
    quant: 'float32',
    files: [
      { path: 'model.onnx', bytes: 48_213, sha256: 'a'.repeat(64) },
      { path: 'scaler.json', bytes: 312, sha256: 'b'.repeat(64) },
    ],
    createdAt: 1_718_000_000_000,
    metrics: { mase: 0.82, 'coverage@80': 0.79 },
  };
}

export function deliveryJob(): DeliveryJob {
  return {
    id: 'order-1001',
    kind: 'store-order',
    site: SITE,
    location: { lat: 52.52, lon: 13.405 },
    demand: [2, 340],
    timeWindows: [{ start: 1_718_006_400_000, end: 1_718_013_600_000 }],
    serviceMs: 600_000,
    createdAt: 1_718_000_000_000,
  };
}

export function routePlan(): RoutePlan {
  const stop = (job: string, arrival: number) => ({
    job,
    location: { lat: 52.5, lon: 13.4 },
    arrival,
    departure: arrival + 600_000,
  });
  const route = (vehicle: string) => ({
    vehicle,
    depot: { lat: 52.4, lon: 13.3 },
    startAt: 1_718_000_000_000,
    endAt: 1_718_020_000_000,
    distanceM: 18_400,
    durationMs: 5_400_000,
    stops: [stop('order-1001', 1_718_006_400_000), stop('order-1002', 1_718_008_000_000)],
  });
  return {
    v: 1,
    id: 'plan-77',
    version: 1,
    createdAt: 1_718_000_000_000,
    objective: 'distance',
    status: 'proposed',
    kpis: { distanceM: 36_800, durationMs: 10_800_000, vehicles: 2, latenessMs: 0, unassigned: 0 },
    routes: [route('van-1'), route('van-2')],
    unassigned: [],
  };
}
