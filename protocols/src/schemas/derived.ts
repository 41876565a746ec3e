import { type Static, Type } from '@sinclair/typebox';
import { EpochMs, ExternalId, LatLon, Level, literals, NonNegativeInt, Sku, Uuid } from './common.js';

/**
 * What the edge gateway derives from raw telemetry (ARCHITECTURE §3 "state + rules"): lane
 * levels in units, pick/put events, footfall intervals with occupancy, van stop events and alerts.
 */

/** A lane's settled level after tare, calibration and the stability window. */
export const ShelfLevel = Type.Object({
  lane: Level,
  sku: Sku,
  units: NonNegativeInt,
  grams: Type.Number(),
  capacity: Type.Integer({ minimum: 1, maximum: 100_000 }),
});
export type ShelfLevel = Static<typeof ShelfLevel>;

/** A settled change on a lane: units taken, put back, or weight that matches no whole unit. */
export const ShelfEvent = Type.Object({
  lane: Level,
  sku: Sku,
  event: literals(['pick', 'put', 'misplaced']),
  units: NonNegativeInt,
  grams: Type.Number(),
});
export type ShelfEvent = Static<typeof ShelfEvent>;

export const FootfallInterval = Type.Object({
  door: Level,
  in: NonNegativeInt,
  out: NonNegativeInt,
  intervalMs: Type.Integer({ minimum: 1, maximum: 86_400_000 }),
  /** Estimated people inside the site at the end of the interval. */
  occupancy: NonNegativeInt,
});
export type FootfallInterval = Static<typeof FootfallInterval>;

export const VAN_EVENTS = ['departed', 'arrived', 'stopped', 'moving'] as const;

export const VanEvent = Type.Object({
  van: Level,
  event: literals(VAN_EVENTS),
  stop: Type.Optional(Level),
  job: Type.Optional(ExternalId),
  position: LatLon,
});
export type VanEvent = Static<typeof VanEvent>;

export const ALERT_RULES = [
  'low-stock',
  'sensor-fault',
  'implausible-value',
  'device-lost',
  'cold-chain',
  'shock',
  'late-risk',
  'phantom-inventory',
  'empty-soon',
] as const;

export const ALERT_SUBJECTS = ['lane', 'device', 'door', 'van', 'gateway', 'sku', 'route'] as const;

/** An alert's lifecycle: raised once, updated while it holds, cleared when it stops holding. */
export const Alert = Type.Object({
  alert: Uuid,
  rule: literals(ALERT_RULES),
  state: literals(['raised', 'updated', 'cleared']),
  severity: literals(['info', 'warning', 'critical']),
  subject: Type.Object({ kind: literals(ALERT_SUBJECTS), id: ExternalId }),
  message: Type.String({ maxLength: 512 }),
  value: Type.Optional(Type.Number()),
  threshold: Type.Optional(Type.Number()),
  since: EpochMs,
});
export type Alert = Static<typeof Alert>;
