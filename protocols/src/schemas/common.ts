import { type Static, type TLiteral, type TSchema, type TUnion, Type } from '@sinclair/typebox';

/**
 * Primitives shared by every message. Units are in the names (`Ms`, `grams`, `M`, `Cents`).
 * Objects are open (unknown properties are ignored, not rejected) so that a newer device or
 * gateway can add a field without breaking an older reader: the tolerant-reader rule.
 */

/** One topic level; also the shape of site, device, gateway, lane, door and van ids. */
export const Level = Type.String({
  pattern: '^[a-z0-9-]{1,64}$',
  description: 'Lower-case id usable as an MQTT topic level: [a-z0-9-]{1,64}',
});

/** RFC 9562 UUID in lower-case text form (aisle creates version 7, time-ordered). */
export const Uuid = Type.String({
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  description: 'UUID (aisle issues UUIDv7)',
});

/** A stock-keeping unit id as retailers write them (digits, letters, `._:-`). */
export const Sku = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$',
  description: 'Stock-keeping unit id',
});

/** Free text id from outside aisle (barcodes, order numbers, loyalty ids): printable, 1–128. */
export const ExternalId = Type.String({ pattern: '^[\\x21-\\x7E]{1,128}$' });

/** Milliseconds since the Unix epoch, UTC; the range of a JavaScript Date. */
export const EpochMs = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 });

export const DurationMs = Type.Integer({ minimum: 0, maximum: 31_622_400_000 });

/** Per-source sequence number: monotonic, persisted across restarts. */
export const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/** Restart counter of a device or gateway. */
export const Boot = Type.Integer({ minimum: 0, maximum: 4_294_967_295 });

export const NonNegativeInt = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/** Where `ts` came from: an NTP-disciplined clock, a free-running RTC, or a clock never set. */
export const TimeQuality = Type.Union([Type.Literal('ntp'), Type.Literal('rtc'), Type.Literal('unsynced')], {
  description: 'Quality of the capture time',
});
export type TimeQuality = Static<typeof TimeQuality>;

export const LatLon = Type.Object({
  lat: Type.Number({ minimum: -90, maximum: 90 }),
  lon: Type.Number({ minimum: -180, maximum: 180 }),
});
export type LatLon = Static<typeof LatLon>;

export const TimeWindow = Type.Object({ start: EpochMs, end: EpochMs });
export type TimeWindow = Static<typeof TimeWindow>;

/** Literal union from a list, keeping the list as the single source of the allowed values. */
export function literals<const T extends readonly [string, ...string[]]>(
  values: T,
  options: { description?: string; default?: T[number] } = {},
): TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }> {
  type Members = { -readonly [K in keyof T]: TLiteral<T[K]> };
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  ) as unknown as TUnion<Members>;
}

/** Marks a schema with the `$id` used in the exported JSON Schema files. */
export function named<T extends TSchema>(id: string, schema: T): T {
  return { ...schema, $id: id };
}
