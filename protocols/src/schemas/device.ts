import { type Static, Type } from '@sinclair/typebox';
import { EpochMs, ExternalId, LatLon, Level, literals, NonNegativeInt, Uuid } from './common.js';
import { RouteStop } from './logistics.js';

export const DEVICE_KINDS = [
  'shelf-scale',
  'door-counter',
  'gps-tracker',
  'temp-probe',
  'shock-sensor',
  'parcel-scanner',
  'pos',
  'van-unit',
] as const;
export const DeviceKind = literals(DEVICE_KINDS);
export type DeviceKind = Static<typeof DeviceKind>;

/**
 * Retained on `state/{site}/{device}`. The broker publishes the device's last will,
 * exactly `{"status":"lost"}`, when it disappears without a DISCONNECT (MQTT-3.1.2-8).
 */
export const DeviceState = Type.Object({
  status: literals(['online', 'offline', 'lost']),
  kind: Type.Optional(DeviceKind),
  firmware: Type.Optional(Type.String({ maxLength: 64 })),
  ts: Type.Optional(EpochMs),
  batteryPct: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  rssiDbm: Type.Optional(Type.Number({ minimum: -150, maximum: 0 })),
});
export type DeviceState = Static<typeof DeviceState>;

/** A device event on `evt/{site}/{device}/{event}` (tare-done, door-open, fault, ...). */
export const DeviceEvent = Type.Object({
  event: Level,
  /** The command this event answers, if any. */
  ref: Type.Optional(Uuid),
  ok: Type.Optional(Type.Boolean()),
  lane: Type.Optional(Level),
  code: Type.Optional(ExternalId),
  message: Type.Optional(Type.String({ maxLength: 512 })),
});
export type DeviceEvent = Static<typeof DeviceEvent>;

const commandHeader = { id: Uuid, ts: EpochMs };

/** `cmd/{site}/{device}/tare`: zero the lane (or every lane when none is given). */
export const TareCommand = Type.Object({
  ...commandHeader,
  command: Type.Literal('tare'),
  lane: Type.Optional(Level),
});
export type TareCommand = Static<typeof TareCommand>;

/** `cmd/{site}/{device}/calibrate`: a known mass now sits on the lane. */
export const CalibrateCommand = Type.Object({
  ...commandHeader,
  command: Type.Literal('calibrate'),
  lane: Level,
  knownGrams: Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 }),
});
export type CalibrateCommand = Static<typeof CalibrateCommand>;

/** `cmd/{site}/{device}/config`: settings the device applies; unknown keys are reported, not fatal. */
export const ConfigCommand = Type.Object({
  ...commandHeader,
  command: Type.Literal('config'),
  settings: Type.Record(
    Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9]{0,63}$' }),
    Type.Union([Type.Number(), Type.String({ maxLength: 256 }), Type.Boolean()]),
  ),
});
export type ConfigCommand = Static<typeof ConfigCommand>;

/**
 * `cmd/{site}/{device}/route` (retained): the route a van's driver terminal or GPS unit is to drive,
 * forwarded by the van's gateway from the hub's plan (`down/{site}/{gateway}/replan`). `plan` and
 * `version` name the plan it comes from; a device holding this version or a newer one ignores it
 * (a retained command is delivered again on every reconnect). Stops are in driving order, from
 * and back to `depot`.
 */
export const RouteCommand = Type.Object({
  ...commandHeader,
  command: Type.Literal('route'),
  plan: ExternalId,
  version: NonNegativeInt,
  vehicle: Level,
  depot: LatLon,
  startAt: EpochMs,
  stops: Type.Array(RouteStop, { maxItems: 1000 }),
});
export type RouteCommand = Static<typeof RouteCommand>;

export const Command = Type.Union([TareCommand, CalibrateCommand, ConfigCommand, RouteCommand]);
export type Command = Static<typeof Command>;
