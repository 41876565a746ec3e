import { type Static, Type } from '@sinclair/typebox';
import { Boot, DurationMs, EpochMs, Level, literals, NonNegativeInt, Seq, Uuid } from './common.js';
import { ItemSchema } from './envelope.js';
import { ForecastingState, ModelRef } from './model.js';

/**
 * Edge gateway → hub (`up/{site}/{gateway}/batch|hist|state`) and the hub's ack cursor back.
 *
 * Delivery guarantee: the gateway numbers every outbox row with `oseq`, monotonic and persisted
 * for the life of the outbox (`epoch`). Rows leave the outbox only when the hub's ack cursor
 * passes them. The hub stores idempotently on (gateway, epoch, oseq) and acks the highest
 * contiguous range it has durably stored; a broker PUBACK alone never deletes anything.
 */

export const OUTBOX_DROP_REASONS = ['max-bytes', 'max-age', 'reject-new'] as const;

export const BatchDrop = Type.Object({
  stream: Level,
  reason: literals(OUTBOX_DROP_REASONS),
  count: Type.Integer({ minimum: 1 }),
  oldestTs: Type.Optional(EpochMs),
  newestTs: Type.Optional(EpochMs),
});
export type BatchDrop = Static<typeof BatchDrop>;

export const Batch = Type.Object(
  {
    v: Type.Literal(1),
    site: Level,
    gateway: Level,
    /** Identity of the outbox database; a new epoch means a new sequence space. */
    epoch: Uuid,
    boot: Boot,
    /** `live` goes first; `hist` is the backlog drained after an outage and never moves "latest". */
    lane: literals(['live', 'hist']),
    /** The batch covers outbox sequence numbers [firstSeq, lastSeq]; missing ones were dropped. */
    firstSeq: Seq,
    lastSeq: Seq,
    sentAt: EpochMs,
    dropped: Type.Optional(Type.Array(BatchDrop, { maxItems: 1000 })),
    items: Type.Array(ItemSchema, { maxItems: 100_000 }),
  },
  { $id: 'aisle.batch' },
);
export type Batch = Static<typeof Batch>;

/** `down/{site}/{gateway}/ack`: every oseq ≤ `seq` in `epoch` is durably stored at the hub. */
export const AckCursor = Type.Object(
  {
    v: Type.Literal(1),
    gateway: Level,
    epoch: Uuid,
    seq: Seq,
    at: EpochMs,
  },
  { $id: 'aisle.ack' },
);
export type AckCursor = Static<typeof AckCursor>;

const GatewayOnline = Type.Object({
  status: literals(['online', 'degraded']),
  site: Level,
  gateway: Level,
  boot: Boot,
  software: Type.String({ maxLength: 64 }),
  startedAt: EpochMs,
  ts: EpochMs,
  outbox: Type.Object({
    depth: NonNegativeInt,
    bytes: NonNegativeInt,
    oldestAgeMs: DurationMs,
    dropped: NonNegativeInt,
  }),
  uplink: Type.Object({ connected: Type.Boolean(), ackedSeq: Seq, lagMs: Type.Optional(DurationMs) }),
  models: Type.Array(Type.Composite([ModelRef, Type.Object({ task: Type.String({ maxLength: 32 }) })]), {
    maxItems: 64,
  }),
  devices: Type.Optional(Type.Object({ online: NonNegativeInt, lost: NonNegativeInt })),
  forecasting: Type.Optional(ForecastingState),
  degraded: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 32 })),
});

/** The last will (`lost`, published by the hub's broker when the gateway vanishes), or an orderly `offline`. */
const GatewayLost = Type.Object({
  status: literals(['lost', 'offline']),
  site: Type.Optional(Level),
  gateway: Type.Optional(Level),
  boot: Type.Optional(Boot),
});

/** Retained on `up/{site}/{gateway}/state`. */
export const GatewayState = Type.Union([GatewayOnline, GatewayLost], { $id: 'aisle.gateway-state' });
export type GatewayState = Static<typeof GatewayState>;
