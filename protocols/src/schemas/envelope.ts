import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Boot, EpochMs, Level, literals, Seq, TimeQuality, Uuid } from './common.js';
import { Alert, FootfallInterval, ShelfEvent, ShelfLevel, VanEvent } from './derived.js';
import { DeviceEvent, DeviceState } from './device.js';
import { Forecast, ModelRef } from './model.js';
import { FootfallCount, GpsFix, ParcelScan, PosBasket, ShelfWeight, Shock, Temperature } from './telemetry.js';

/**
 * The envelope every reading, event, alert and forecast travels in (ARCHITECTURE §2).
 *
 * - `id`   UUIDv7, unique per item, assigned where the item is created.
 * - `src`  the site and device it is about, and the gateway that received it (set by the gateway).
 * - `boot` the source's restart counter; `seq` its per-source sequence (monotonic, persisted).
 * - `ts`   capture time (ms UTC, the source's clock); `rx` gateway receive time; `tq` how far `ts`
 *          can be trusted.
 * - `oseq` the gateway outbox sequence, set when the item enters the outbox (batches need it).
 * - `flags` what the gateway did to the item (e.g. clamped its timestamp).
 */

export const ITEM_FLAGS = ['ts-clamped', 'ts-from-rx', 'out-of-order', 'duplicate-source-seq'] as const;

export const Source = Type.Object({ site: Level, device: Level, gateway: Type.Optional(Level) });
export type Source = Static<typeof Source>;

/** Every item type and the schema of its `data`. Order is the order of the documentation. */
export const ITEM_DATA = {
  'shelf.weight': ShelfWeight,
  'footfall.count': FootfallCount,
  'gps.fix': GpsFix,
  temperature: Temperature,
  shock: Shock,
  'parcel.scan': ParcelScan,
  'pos.basket': PosBasket,
  'device.state': DeviceState,
  'device.event': DeviceEvent,
  'shelf.level': ShelfLevel,
  'shelf.event': ShelfEvent,
  'footfall.interval': FootfallInterval,
  'van.event': VanEvent,
  alert: Alert,
  forecast: Forecast,
} as const satisfies Record<string, TSchema>;

export type ItemType = keyof typeof ITEM_DATA;
export const ITEM_TYPES = Object.keys(ITEM_DATA) as ItemType[];

/** Telemetry channel (last level of `dt/{site}/{device}/{channel}`) → item type it carries. */
export const CHANNEL_TYPES = {
  weight: 'shelf.weight',
  footfall: 'footfall.count',
  gps: 'gps.fix',
  temp: 'temperature',
  shock: 'shock',
  scan: 'parcel.scan',
  basket: 'pos.basket',
} as const satisfies Record<string, ItemType>;
export type Channel = keyof typeof CHANNEL_TYPES;

function envelope<K extends ItemType>(type: K) {
  return Type.Object(
    {
      id: Uuid,
      type: Type.Literal(type),
      src: Source,
      boot: Boot,
      seq: Seq,
      ts: EpochMs,
      rx: Type.Optional(EpochMs),
      tq: TimeQuality,
      oseq: Type.Optional(Seq),
      flags: Type.Optional(Type.Array(literals(ITEM_FLAGS), { maxItems: ITEM_FLAGS.length })),
      model: Type.Optional(ModelRef),
      data: ITEM_DATA[type] as (typeof ITEM_DATA)[K],
    },
    { $id: `aisle.item.${type}` },
  );
}

export const ItemSchemas = Object.fromEntries(ITEM_TYPES.map((t) => [t, envelope(t)])) as {
  [K in ItemType]: ReturnType<typeof envelope<K>>;
};

export type ItemOf<K extends ItemType> = Static<ReturnType<typeof envelope<K>>>;
export type Item = { [K in ItemType]: ItemOf<K> }[ItemType];

export const ItemSchema = Type.Union(
  ITEM_TYPES.map((t) => ItemSchemas[t]),
  { $id: 'aisle.item', description: 'Any reading, event, alert or forecast, discriminated by `type`' },
);

/** The `data` of an item of type K. */
export type ItemData<K extends ItemType> = Static<(typeof ITEM_DATA)[K]>;
