import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import {
  type Codec,
  type DecodeOptions,
  defineCodec,
  firstDuplicate,
  outOfRange,
  parseJson,
  schemaError,
} from './codec.js';
import { type DecodeError, fail, ok, type Result } from './errors.js';
import type { TimeWindow } from './schemas/common.js';
import { Command, DeviceState } from './schemas/device.js';
import { DeviceCredentials, GatewayConfig, Planogram } from './schemas/downlink.js';
import { ITEM_TYPES, type Item, ItemSchema, ItemSchemas, type ItemType } from './schemas/envelope.js';
import { DeliveryJob, ReplenishmentTask, RoutePlan } from './schemas/logistics.js';
import { type Forecast, ModelManifest, ModelOffer } from './schemas/model.js';
import { AckCursor, Batch, GatewayState } from './schemas/uplink.js';

/** The codecs of every message that crosses a process boundary. */

type ItemCheck = ReturnType<typeof TypeCompiler.Compile<(typeof ItemSchemas)[ItemType]>>;
let itemChecks: Map<string, ItemCheck> | undefined;

/** Compiled on first use, so importing the contract costs nothing until something is decoded. */
function itemCheck(type: string): ItemCheck | undefined {
  itemChecks ??= new Map(ITEM_TYPES.map((t) => [t, TypeCompiler.Compile(ItemSchemas[t]) as ItemCheck]));
  return itemChecks.get(type);
}

function forecastProblem(f: Forecast, path: string): DecodeError | undefined {
  const n = f.mean.length;
  if (f.lower.length !== n || f.upper.length !== n) {
    return outOfRange(`${path}/data`, 'mean, lower and upper must have the same length');
  }
  for (let i = 0; i < n; i++) {
    if ((f.lower[i] as number) > (f.upper[i] as number)) {
      return outOfRange(`${path}/data/lower/${i}`, 'lower bound above upper bound');
    }
  }
  return undefined;
}

/** Validates one item envelope, dispatching on `type` so only one schema is checked. */
function validateItem(value: unknown, path = ''): Result<Item> {
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  if (typeof type !== 'string') {
    return fail('SCHEMA_MISMATCH', `${path}/type: expected a string`, `${path}/type`);
  }
  const check = itemCheck(type);
  if (check === undefined)
    return fail('TYPE_UNKNOWN', `${path}/type: unknown item type "${type.slice(0, 64)}"`, `${path}/type`);
  if (!check.Check(value)) return { ok: false, error: schemaError(check, value, path) };
  const item = value as Item;
  if (item.type === 'forecast') {
    const problem = forecastProblem(item.data, path);
    if (problem !== undefined) return { ok: false, error: problem };
  }
  return ok(item);
}

/** Any reading, event, alert or forecast envelope. */
export const itemCodec: Codec<Item> = {
  name: 'item',
  schema: ItemSchema,
  validate: (value) => validateItem(value),
  decode(input, options) {
    const parsed = parseJson(input, options);
    return parsed.ok ? validateItem(parsed.value) : parsed;
  },
  encode: (value) => JSON.stringify(value),
};

const BatchHeader = Type.Composite([
  Type.Omit(Batch, ['items']),
  Type.Object({ items: Type.Array(Type.Unknown(), { maxItems: 100_000 }) }),
]);
let batchHeaderCheck: ReturnType<typeof TypeCompiler.Compile<typeof BatchHeader>> | undefined;

function validateBatch(value: unknown): Result<Batch> {
  batchHeaderCheck ??= TypeCompiler.Compile(BatchHeader);
  if (!batchHeaderCheck.Check(value)) return { ok: false, error: schemaError(batchHeaderCheck, value) };
  const batch = value as Batch;
  if (batch.firstSeq > batch.lastSeq) return { ok: false, error: outOfRange('/firstSeq', 'firstSeq above lastSeq') };
  if (batch.items.length > batch.lastSeq - batch.firstSeq + 1) {
    return fail('BATCH_SEQ_INVALID', 'more items than sequence numbers in [firstSeq, lastSeq]', '/items');
  }
  let previous = batch.firstSeq - 1;
  for (let i = 0; i < batch.items.length; i++) {
    const result = validateItem(batch.items[i], `/items/${i}`);
    if (!result.ok) return result;
    const oseq = result.value.oseq;
    if (oseq === undefined || oseq <= previous || oseq > batch.lastSeq) {
      return fail(
        'BATCH_SEQ_INVALID',
        `/items/${i}/oseq: ${oseq} is not in (${previous}, ${batch.lastSeq}]`,
        `/items/${i}/oseq`,
      );
    }
    previous = oseq;
  }
  return ok(batch);
}

/** A batch of items from a gateway's outbox (`up/{site}/{gateway}/batch|hist`). */
export const batchCodec: Codec<Batch> = {
  name: 'batch',
  schema: Batch,
  validate: validateBatch,
  decode(input, options?: DecodeOptions) {
    const parsed = parseJson(input, options);
    return parsed.ok ? validateBatch(parsed.value) : parsed;
  },
  encode: (value) => JSON.stringify(value),
};

function windowProblem(windows: readonly TimeWindow[], path: string): DecodeError | undefined {
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i] as TimeWindow;
    if (w.start > w.end) return outOfRange(`${path}/${i}`, 'window starts after it ends');
  }
  return undefined;
}

export const ackCodec = defineCodec('ack', AckCursor);
export const gatewayStateCodec = defineCodec('gateway-state', GatewayState);
export const deviceStateCodec = defineCodec('device-state', DeviceState);
export const commandCodec = defineCodec('command', Command);

export const planogramCodec = defineCodec(
  'planogram',
  Planogram,
  (p) =>
    firstDuplicate(
      p.lanes.map((l) => l.lane),
      '/lanes',
    ) ??
    firstDuplicate(
      p.skus.map((s) => s.sku),
      '/skus',
    ),
);

export const gatewayConfigCodec = defineCodec('gateway-config', GatewayConfig, (c) => {
  const cold = c.rules?.coldChain;
  return cold !== undefined && cold.minCelsius > cold.maxCelsius
    ? outOfRange('/rules/coldChain', 'minCelsius above maxCelsius')
    : undefined;
});

export const deviceCredentialsCodec = defineCodec('device-credentials', DeviceCredentials, (c) =>
  firstDuplicate(
    c.devices.map((d) => d.device),
    '/devices',
  ),
);

export const modelManifestCodec = defineCodec('model-manifest', ModelManifest, (m) =>
  firstDuplicate(
    m.files.map((f) => f.path),
    '/files',
  ),
);

export const modelOfferCodec = defineCodec(
  'model-offer',
  ModelOffer,
  (o) =>
    firstDuplicate(
      o.models.map((m) => m.manifest.task),
      '/models',
    ) ??
    o.models
      .map((m, i) =>
        firstDuplicate(
          m.manifest.files.map((f) => f.path),
          `/models/${i}/manifest/files`,
        ),
      )
      .find((e) => e !== undefined),
);

export const replenishmentTaskCodec = defineCodec('replenishment-task', ReplenishmentTask);

export const deliveryJobCodec = defineCodec('delivery-job', DeliveryJob, (j) =>
  windowProblem(j.timeWindows, '/timeWindows'),
);

export const routePlanCodec = defineCodec('route-plan', RoutePlan, (plan) => {
  for (let r = 0; r < plan.routes.length; r++) {
    const route = plan.routes[r];
    if (route === undefined) continue;
    if (route.startAt > route.endAt) return outOfRange(`/routes/${r}`, 'route ends before it starts');
    for (let s = 0; s < route.stops.length; s++) {
      const stop = route.stops[s];
      if (stop !== undefined && stop.arrival > stop.departure) {
        return outOfRange(`/routes/${r}/stops/${s}`, 'departure before arrival');
      }
    }
  }
  return firstDuplicate(
    plan.routes.map((r) => r.vehicle),
    '/routes',
  );
});

/** Every codec, by name: the list the JSON Schema export, AsyncAPI document and tests walk. */
export const CODECS = {
  item: itemCodec,
  batch: batchCodec,
  ack: ackCodec,
  'gateway-state': gatewayStateCodec,
  'device-state': deviceStateCodec,
  command: commandCodec,
  planogram: planogramCodec,
  'gateway-config': gatewayConfigCodec,
  'device-credentials': deviceCredentialsCodec,
  'model-manifest': modelManifestCodec,
  'model-offer': modelOfferCodec,
  'replenishment-task': replenishmentTaskCodec,
  'delivery-job': deliveryJobCodec,
  'route-plan': routePlanCodec,
} as const;

export type CodecName = keyof typeof CODECS;
