import type { HubDatabase } from '../storage/database.js';

/** A device of a site as the Fleet view lists it: registered, seen, or both. */
export interface FleetDevice {
  readonly device: string;
  /** From the registry; null for a device seen in data but not provisioned at the hub (its gateway admits it). */
  readonly kind: string | null;
  readonly gateway: string | null;
  readonly revoked: boolean;
  /**
   * When its gateway last received something from it (ms UTC, the newest `rx` among its latest
   * values; `ts` when an item has none); null when it never reported live data.
   */
  readonly lastSeen: number | null;
}

/**
 * The Fleet view's reads that the other modules do not answer in one query: a site's devices with
 * when each was last heard of. "Last seen" comes from the `latest` table (one row per device and
 * key, so a scan of the site's latest values, not of the time series), by receive time (`rx`, the
 * gateway's clock) rather than capture time (`ts`, the device's): a device with a skewed or
 * unsynced clock (`tq: unsynced`) still shows when it last spoke. Joined in memory with the
 * registry's devices of the site. The items are parsed here for their `rx`: a few thousand rows
 * per site, fetched when an admin looks at that site's list.
 */
export class KyselyFleetRepository {
  constructor(private readonly db: HubDatabase) {}

  async devices(site: string): Promise<FleetDevice[]> {
    const [seen, registered] = await Promise.all([
      this.db.selectFrom('latest').select(['device', 'ts', 'item']).where('site', '=', site).execute(),
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
      const heard = receivedAt(r.item) ?? Number(r.ts);
      const known = byDevice.get(r.device);
      if (known !== undefined && known.lastSeen !== null && known.lastSeen >= heard) continue;
      byDevice.set(
        r.device,
        known === undefined
          ? { device: r.device, kind: null, gateway: null, revoked: false, lastSeen: heard }
          : { ...known, lastSeen: heard },
      );
    }
    return [...byDevice.values()].sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : 0));
  }
}

/** The item's `rx` (when its gateway received it, by the gateway's synced clock). */
function receivedAt(item: string): number | undefined {
  try {
    const { rx } = JSON.parse(item) as { rx?: unknown };
    return typeof rx === 'number' ? rx : undefined;
  } catch {
    return undefined;
  }
}
