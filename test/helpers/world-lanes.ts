import type { World } from '../../device-sim/src/world/world.js';

/** A simulated store's lanes as the gateway's config lists them (the planogram the hub would push). */
export function lanesOf(world: World, site: string) {
  return (world.layout(site)?.lanes ?? []).map((l) => ({
    lane: l.lane,
    device: l.scale,
    sku: world.catalog.skus[l.sku]?.sku ?? '',
    unitGrams: l.unitGrams,
    capacity: l.capacity,
  }));
}
