import type { World } from '../../device-sim/src/world/world.js';
import { hashPassword } from '../../edge/src/broker/credentials.js';

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

/** Simulated devices' credentials as the gateway's config lists them (scrypt hashes at rest). */
export function deviceEntriesOf<K extends string>(
  devices: readonly {
    readonly device: string;
    readonly kind: K;
    readonly username: string;
    readonly password: string;
  }[],
) {
  return Promise.all(
    devices.map(async (d) => ({
      device: d.device,
      kind: d.kind,
      username: d.username,
      passwordHash: await hashPassword(d.password),
    })),
  );
}
