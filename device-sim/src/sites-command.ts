import type { DeviceKind, LatLon } from '@aisle/protocols';
import { loadWorld, mqttDevices, ptyHostPath, type WorldSource } from './run-command.js';

/**
 * `aisle-sim sites`: what a gateway must know about each site of a scenario's world to take its
 * devices in, the way a site is provisioned: the MQTT devices and their credentials, the lanes
 * (the planogram the hub would push) and the serial lines with the path `run --serial-dir` gives
 * their host end. `npm start` configures one gateway per site from it.
 */

export interface SiteInventory {
  readonly site: string;
  readonly kind: 'store' | 'van' | 'dc';
  /** Where a store or the DC stands (a van moves: none). `npm start` puts routing's depot there. */
  readonly location?: LatLon;
  readonly devices: readonly {
    readonly device: string;
    readonly kind: DeviceKind;
    readonly username: string;
    readonly password: string;
  }[];
  readonly lanes: readonly {
    readonly lane: string;
    readonly device: string;
    readonly sku: string;
    readonly unitGrams: number;
    readonly capacity: number;
  }[];
  /** `aisw` for a shelf scale, `nmea` for a van's GPS module; `path` only when a serial dir is given. */
  readonly serial: readonly {
    readonly device: string;
    readonly protocol: 'aisw' | 'nmea';
    readonly path?: string;
  }[];
}

export interface SitesCommandOptions extends WorldSource {
  /** The `--serial-dir` the simulator will run with. */
  readonly serialDir?: string;
}

export async function sitesCommand(options: SitesCommandOptions) {
  const { scenario, world } = await loadWorld(options);
  const devices = mqttDevices(world);
  const kinds: [string, SiteInventory['kind'], LatLon | undefined][] = [
    ...scenario.stores.map((s): [string, 'store', LatLon] => [s.id, 'store', s.location]),
    ...scenario.vans.map((v): [string, 'van', undefined] => [v.id, 'van', undefined]),
    [scenario.dc.id, 'dc', scenario.dc.location],
  ];
  const sites = kinds.map(([site, kind, location]): SiteInventory => {
    const layout = world.layout(site);
    return {
      site,
      kind,
      ...(location === undefined ? {} : { location: { lat: location.lat, lon: location.lon } }),
      devices: devices
        .filter((d) => d.site === site)
        .map(({ device, kind, username, password }) => ({ device, kind, username, password })),
      lanes: (layout?.lanes ?? []).map((l) => ({
        lane: l.lane,
        device: l.scale,
        sku: world.catalog.skus[l.sku]?.sku ?? '',
        unitGrams: l.unitGrams,
        capacity: l.capacity,
      })),
      serial: world.serialLines
        .filter((line) => line.startsWith(`${site}/`))
        .map((line) => ({
          device: line.slice(site.length + 1),
          protocol: kind === 'van' ? 'nmea' : 'aisw',
          ...(options.serialDir === undefined ? {} : { path: ptyHostPath(options.serialDir, line) }),
        })),
    };
  });
  return { scenario: scenario.name, seed: scenario.seed, sites };
}
