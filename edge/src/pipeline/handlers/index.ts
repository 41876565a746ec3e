import type { ItemType } from '@aisle/protocols';
import type { Handler } from '../context.js';
import { handleDeviceEvent } from './device-event.js';
import { handleFootfallCount } from './footfall.js';
import { handleShelfWeight } from './shelf.js';
import { handleGpsFix, handleShock, handleTemperature } from './van.js';

/** One handler per item type that the gateway derives something from; others pass through. */
export const HANDLERS: { readonly [K in ItemType]?: Handler<K> } = {
  'shelf.weight': handleShelfWeight,
  'footfall.count': handleFootfallCount,
  'gps.fix': handleGpsFix,
  temperature: handleTemperature,
  shock: handleShock,
  'device.event': handleDeviceEvent,
};
