import { type Static, Type } from '@sinclair/typebox';
import { DurationMs, EpochMs, ExternalId, Level, literals, NonNegativeInt, Sku } from './common.js';
import { DeviceKind } from './device.js';

/** Hub → edge gateway (`down/{site}/{gateway}/config|planogram|credentials`). */

/** One lane on a shelf: which SKU it holds and how to turn grams into units. */
export const PlanogramLane = Type.Object({
  lane: Level,
  /** The shelf scale that weighs this lane. */
  device: Level,
  sku: Sku,
  unitGrams: Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 }),
  capacity: Type.Integer({ minimum: 1, maximum: 100_000 }),
  /** Units that must be visible for the shelf to look stocked (presentation stock). */
  facings: Type.Integer({ minimum: 1, maximum: 1000 }),
  aisle: Level,
  shelf: Type.Integer({ minimum: 0, maximum: 100 }),
  position: Type.Integer({ minimum: 0, maximum: 10_000 }),
  /** Walking zone, for ordering refill tasks. */
  zone: Type.Optional(Level),
});
export type PlanogramLane = Static<typeof PlanogramLane>;

export const PlanogramSku = Type.Object({
  sku: Sku,
  name: Type.String({ minLength: 1, maxLength: 256 }),
  category: Type.Optional(Type.String({ maxLength: 128 })),
  casePack: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
});
export type PlanogramSku = Static<typeof PlanogramSku>;

export const Planogram = Type.Object(
  {
    v: Type.Literal(1),
    site: Level,
    version: NonNegativeInt,
    updatedAt: EpochMs,
    skus: Type.Array(PlanogramSku, { maxItems: 100_000 }),
    lanes: Type.Array(PlanogramLane, { maxItems: 100_000 }),
  },
  { $id: 'aisle.planogram' },
);
export type Planogram = Static<typeof Planogram>;

/** A device's broker credentials. Only a hash travels; the secret is shown once at provisioning. */
export const DeviceCredential = Type.Object({
  device: Level,
  kind: DeviceKind,
  username: Level,
  /** `scrypt$N$r$p$salt$hash` (base64 salt and hash). */
  passwordHash: Type.String({ pattern: '^scrypt\\$', maxLength: 512 }),
  revoked: Type.Optional(Type.Boolean()),
});
export type DeviceCredential = Static<typeof DeviceCredential>;

export const DeviceCredentials = Type.Object(
  {
    v: Type.Literal(1),
    site: Level,
    gateway: Level,
    version: NonNegativeInt,
    devices: Type.Array(DeviceCredential, { maxItems: 100_000 }),
  },
  { $id: 'aisle.device-credentials' },
);
export type DeviceCredentials = Static<typeof DeviceCredentials>;

export const OVERFLOW_POLICIES = ['drop-oldest', 'reject-new'] as const;

/**
 * Settings the hub pushes to a gateway. Every section is optional: what is absent keeps the
 * gateway's local value. Every bound here also exists in the gateway's own config file.
 */
export const GatewayConfig = Type.Object(
  {
    v: Type.Literal(1),
    site: Level,
    gateway: Level,
    version: NonNegativeInt,
    issuedAt: EpochMs,
    uplink: Type.Optional(
      Type.Object({
        batchMaxItems: Type.Integer({ minimum: 1, maximum: 100_000 }),
        batchMaxBytes: Type.Integer({ minimum: 1024, maximum: 256 * 1024 * 1024 }),
        flushIntervalMs: Type.Integer({ minimum: 10, maximum: 3_600_000 }),
        histItemsPerSecond: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
      }),
    ),
    outbox: Type.Optional(
      Type.Object({
        maxBytes: Type.Integer({ minimum: 1024 * 1024 }),
        maxAgeMs: DurationMs,
        streams: Type.Array(Type.Object({ stream: Level, policy: literals(OVERFLOW_POLICIES) }), {
          maxItems: 64,
        }),
      }),
    ),
    rules: Type.Optional(
      Type.Object({
        lowStockFraction: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
        deviceLostAfterMs: Type.Optional(DurationMs),
        coldChain: Type.Optional(
          Type.Object({
            minCelsius: Type.Number({ minimum: -100, maximum: 200 }),
            maxCelsius: Type.Number({ minimum: -100, maximum: 200 }),
            graceMs: DurationMs,
          }),
        ),
        shockG: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
      }),
    ),
    forecasting: Type.Optional(
      Type.Object({
        everyMs: Type.Integer({ minimum: 1000, maximum: 86_400_000 }),
        enabled: Type.Boolean(),
      }),
    ),
    labels: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z0-9-]{1,64}$' }), ExternalId)),
  },
  { $id: 'aisle.gateway-config' },
);
export type GatewayConfig = Static<typeof GatewayConfig>;
