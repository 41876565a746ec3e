import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import { ScrollRegion } from '../../ui/scroll-region.js';
import { Empty, Load, type Loadable } from '../../ui/status.js';
import { age } from './fleet-state.js';

/** `GET /api/fleet/sites/:site/devices` (hub/src/fleet/fleet.repository.ts). */
interface FleetDevice {
  readonly device: string;
  readonly kind: string | null;
  readonly gateway: string | null;
  readonly revoked: boolean;
  readonly lastSeen: number | null;
}

/** Rows drawn at once: a site may have thousands of devices; the filter finds the others. */
const MAX_ROWS = 200;
/** How often the shown site's list is fetched again (last-seen times move with every reading). */
const REFRESH_MS = 15_000;
/** A device silent for longer than this is flagged. */
const SILENT_MS = 10 * 60_000;

/**
 * The devices of one site (the one picked: only that site's list is fetched), with when each
 * last reported live data, the longest silent first: a dead shelf scale is at the top. The hub
 * aggregates (newest latest value per device); the list is fetched again every 15 s while shown,
 * rather than following every reading of the site over socket.io.
 */
export function DevicesPanel({ sites, now }: { sites: readonly string[]; now: number }) {
  const [site, setSite] = useState<string | undefined>(sites[0]);
  const [filter, setFilter] = useState('');
  const [devices, setDevices] = useState<Loadable<FleetDevice[]>>({ state: 'loading' });
  useEffect(() => {
    if (site === undefined && sites[0] !== undefined) setSite(sites[0]);
  }, [site, sites]);
  useEffect(() => {
    if (site === undefined) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    setDevices({ state: 'loading' });
    const load = () =>
      api.get<FleetDevice[]>(`/api/fleet/sites/${site}/devices`, controller.signal).then(
        (value) => {
          setDevices({ state: 'ready', value });
          timer = setTimeout(load, REFRESH_MS);
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          // Keep the list shown when a refresh fails (offline); say it only when there is none.
          setDevices((held) => (held.state === 'ready' ? held : { state: 'error', error }));
          timer = setTimeout(load, REFRESH_MS);
        },
      );
    void load();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [site]);

  if (sites.length === 0) return <Empty>No site has a gateway yet.</Empty>;
  return (
    <>
      <div class="devices-head">
        <label class="picker">
          <span>Site</span>
          <select value={site} onChange={(e) => setSite(e.currentTarget.value)} data-testid="device-site">
            {sites.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label class="picker">
          <span>Device</span>
          <input
            type="search"
            value={filter}
            placeholder="filter by id"
            onInput={(e) => setFilter(e.currentTarget.value)}
          />
        </label>
      </div>
      <Load
        value={devices}
        what={`the devices of ${site ?? 'the site'}`}
        ready={(all) => <DeviceList devices={all} filter={filter} now={now} />}
      />
    </>
  );
}

function DeviceList({ devices, filter, now }: { devices: readonly FleetDevice[]; filter: string; now: number }) {
  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return devices
      .filter((d) => f === '' || d.device.toLowerCase().includes(f))
      .sort((a, b) => (a.lastSeen ?? 0) - (b.lastSeen ?? 0) || a.device.localeCompare(b.device));
  }, [devices, filter]);
  if (devices.length === 0) return <Empty>No device of this site is registered or has reported.</Empty>;
  const silent = devices.filter((d) => d.lastSeen === null || now - d.lastSeen > SILENT_MS).length;
  return (
    <>
      <p class="summary">
        {devices.length} devices · {silent} silent for over {age(SILENT_MS)}
        {shown.length > MAX_ROWS ? ` · showing ${MAX_ROWS} of ${shown.length}, the longest silent first` : ''}
      </p>
      <ScrollRegion class="table-scroll tall" label="Devices table, scrollable">
        <table class="fleet-table devices">
          <caption class="visually-hidden">Devices with when each last reported</caption>
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Kind</th>
              <th scope="col">Last seen</th>
            </tr>
          </thead>
          <tbody>
            {shown.slice(0, MAX_ROWS).map((d) => {
              const quiet = d.lastSeen === null || now - d.lastSeen > SILENT_MS;
              return (
                <tr key={d.device} data-device={d.device} class={d.revoked ? 'down' : quiet ? 'quiet' : ''}>
                  <th scope="row">{d.device}</th>
                  <td>{d.revoked ? 'revoked' : (d.kind ?? '—')}</td>
                  <td class={quiet ? 'warn' : ''}>
                    {d.lastSeen === null ? (
                      'never'
                    ) : (
                      <time dateTime={new Date(d.lastSeen).toISOString()}>{age(now - d.lastSeen)} ago</time>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </ScrollRegion>
    </>
  );
}
