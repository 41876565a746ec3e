import type { Alert, DeviceState, Item, ItemData, ItemType } from '@aisle/protocols';
import type { EdgeConfig } from '../config.js';
import type { SiteFootfall } from '../domain/footfall.js';
import type { ShelfLaneState } from '../domain/shelf-lane.js';
import type { VanTracker } from '../domain/van-tracker.js';
import type { AlertBook } from './rules.js';

/** What every message handler works with: the gateway's live state and a way to emit items. */
export interface PipelineContext {
  readonly site: string;
  readonly gateway: string;
  readonly rules: EdgeConfig['rules'];
  /** Lanes by id (the planogram). */
  readonly lanes: ReadonlyMap<string, ShelfLaneState>;
  readonly footfall: SiteFootfall;
  /** Vans by id (a van gateway tracks its own van). */
  readonly vans: Map<string, VanTracker>;
  readonly devices: Map<string, { state: DeviceState['status']; lastSeen: number }>;
  /** Cold-chain excursions in progress, by probe: since when the temperature is out of range. */
  readonly coldSince: Map<string, number>;
  readonly alerts: AlertBook;
  /** Commands sent to devices and not yet answered, by command id: which lanes, at what level. */
  readonly pendingCommands: Map<string, { device: string; lanes: Array<{ lane: string; units: number }> }>;
  /** A derived item from this gateway (device = the source's device), on to the outbox. */
  derive<K extends ItemType>(from: Item, type: K, data: ItemData<K>): void;
  alert(from: Item, alert: Alert | undefined): void;
}

export type Handler<K extends ItemType = ItemType> = (ctx: PipelineContext, item: Extract<Item, { type: K }>) => void;
