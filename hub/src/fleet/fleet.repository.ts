import type { HubDatabase } from '../storage/database.js';

/** A device of a site as the Fleet view lists it: registered, seen, or both. */
export interface FleetDevice {
  readonly device: string;
  /** From the registry; null for a device seen in data but not provisioned at the hub (its gateway admits it). */
  readonly kind: string | null;
  readonly gateway: string | null;
  readonly revoked: boolean;
  /** Newest `ts` among its latest values (ms UTC); null when it never reported live data. */
  readonly lastSeen: number | null;
}

/**
 * The Fleet view's reads that the other modules do not answer in one query: a site's devices with
 * when each was last heard of. "Last seen" is the newest latest value per device (the `latest`
 * table, one row per device and key, so this is a small grouped scan per site, not a pass over
 * the time series), joined in memory with the registry's devices of the site.
 */
export class KyselyFleetRepository {
  constructor(private readonly db: HubDatabase) {}

  async devices(site: string): Promise<FleetDevice[]> {
    const [seen, registered] = await Promise.all([
      this.db
        .selectFrom('latest')
        .select((eb) => ['device', eb.fn.max('ts').as('lastSeen')])
        .where('site', '=', site)
        .groupBy('device')
        .execute(),
      this.db
        .selectFrom('devices')
        .select(['device', 'kind', 'gateway', 'revoked_at'])
        .where('site', '=', site)
        .execute(),
    ]);
    const byDevice = new Map<string, FleetDevice>();
    for (const r of registered)
      byDevice.set(r.device, {
        device: r.device,
        kind: r.kind,
        gateway: r.gateway,
        revoked: r.revoked_at !== null,
        lastSeen: null,
      });
    for (const r of seen) {
      const known = byDevice.get(r.device);
      const lastSeen = r.lastSeen === null ? null : Number(r.lastSeen);
      byDevice.set(
        r.device,
        known === undefined
          ? { device: r.device, kind: null, gateway: null, revoked: false, lastSeen }
          : { ...known, lastSeen },
      );
    }
    return [...byDevice.values()].sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : 0));
  }
}
