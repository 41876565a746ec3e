import { type Static, Type } from '@sinclair/typebox';
import { DurationMs, ExternalId, Level, literals, NonNegativeInt, Sku, Uuid } from './common.js';

/**
 * Telemetry data as devices capture it: the `data` part of a reading envelope. Each type here is
 * published by a device on `dt/{site}/{device}/{channel}` (or arrives on a serial line and is
 * wrapped by the gateway).
 */

/** A shelf scale's reading for one lane. `grams` is net of the scale's own tare, before aisle's. */
export const ShelfWeight = Type.Object({
  lane: Level,
  grams: Type.Number({ minimum: -1_000_000, maximum: 10_000_000 }),
  /** The scale's own stability flag: false while the reading moves (a hand on the shelf). */
  stable: Type.Boolean(),
  /** Raw ADC counts, for calibration. */
  raw: Type.Optional(Type.Integer({ minimum: -2_147_483_648, maximum: 2_147_483_647 })),
});
export type ShelfWeight = Static<typeof ShelfWeight>;

/** Line-crossing counts of one door over the interval that ends at the envelope's `ts`. */
export const FootfallCount = Type.Object({
  door: Level,
  in: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
  out: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
  intervalMs: Type.Integer({ minimum: 1, maximum: 86_400_000 }),
});
export type FootfallCount = Static<typeof FootfallCount>;

export const GPS_QUALITIES = ['gps', 'dgps', 'pps', 'rtk', 'float-rtk', 'estimated', 'manual', 'simulated'] as const;

/** A position fix (from NMEA RMC/GGA on a serial line, or a tracker over MQTT). */
export const GpsFix = Type.Object({
  lat: Type.Number({ minimum: -90, maximum: 90 }),
  lon: Type.Number({ minimum: -180, maximum: 180 }),
  speedMps: Type.Optional(Type.Number({ minimum: 0, maximum: 200 })),
  courseDeg: Type.Optional(Type.Number({ minimum: 0, maximum: 360 })),
  altM: Type.Optional(Type.Number({ minimum: -1000, maximum: 20_000 })),
  hdop: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  sats: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
  quality: Type.Optional(literals(GPS_QUALITIES)),
  /** The vehicle this fix belongs to, when the device knows it. */
  van: Type.Optional(Level),
});
export type GpsFix = Static<typeof GpsFix>;

export const Temperature = Type.Object({
  probe: Level,
  celsius: Type.Number({ minimum: -100, maximum: 200 }),
});
export type Temperature = Static<typeof Temperature>;

export const Shock = Type.Object({
  peakG: Type.Number({ minimum: 0, maximum: 1000 }),
  axis: Type.Optional(literals(['x', 'y', 'z'])),
  durationMs: Type.Optional(DurationMs),
});
export type Shock = Static<typeof Shock>;

export const PARCEL_EVENTS = ['loaded', 'unloaded', 'delivered', 'failed', 'returned'] as const;

export const ParcelScan = Type.Object({
  parcel: ExternalId,
  event: literals(PARCEL_EVENTS),
  stop: Type.Optional(Level),
  job: Type.Optional(ExternalId),
});
export type ParcelScan = Static<typeof ParcelScan>;

export const BasketLine = Type.Object({
  sku: Sku,
  /** Units; fractional for items sold by weight. */
  qty: Type.Number({ exclusiveMinimum: 0, maximum: 10_000 }),
  unitPriceCents: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000 })),
});
export type BasketLine = Static<typeof BasketLine>;

/** A paid basket at a POS register. `customer` is a pseudonymous loyalty-card id, never a name. */
export const PosBasket = Type.Object({
  basket: Type.Union([Uuid, ExternalId]),
  register: Level,
  customer: Type.Optional(ExternalId),
  lines: Type.Array(BasketLine, { minItems: 1, maxItems: 1000 }),
  totalCents: Type.Optional(NonNegativeInt),
});
export type PosBasket = Static<typeof PosBasket>;
