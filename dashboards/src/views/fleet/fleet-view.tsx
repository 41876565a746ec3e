import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import type { Delta, Site } from '../../api/types.js';
import { useLiveStatus } from '../../ui/connection.js';
import { ErrorNote, type Loadable, Loading, Panel } from '../../ui/status.js';
import type { ViewProps } from '../registry.js';
import { DevicesPanel } from './devices-panel.js';
import './fleet.css';
import {
  applyDeltas,
  fromRows,
  type GatewayDelta,
  type GatewayRow,
  type GatewayView,
  sortGateways,
  summarize,
} from './fleet-state.js';
import { GatewaysTable } from './gateways-panel.js';
import { IngestRatePanel } from './ingest-rate.js';
import { ModelsPanel } from './models-panel.js';

const CHANNELS = ['gateways'] as const;
/** "Reported 3 min ago" moves on its own: the view's clock ticks this often. */
const TICK_MS = 5000;

/**
 * The Fleet view (admins; ARCHITECTURE §7): every gateway online or not, its outbox (depth, oldest
 * age, drops), uplink and devices; the hub's ingest rate; model versions per gateway and the
 * rollouts; a site's devices with last seen.
 *
 * Gateways come from REST once, then move with the `gateways` deltas of each site: the view
 * subscribes to that one channel of the sites it lists (not to their readings), so a gateway going
 * away (its last will) or coming back shows within the hub's flush interval. Deltas that arrive
 * while REST loads wait and are applied after it; after a reconnect everything is loaded again
 * (what changed while offline was not pushed). The ingest rate and device lists are aggregated by
 * the hub (hub/src/fleet/) and fetched by their panels.
 */
export function FleetView({ live }: ViewProps) {
  const [gateways, setGateways] = useState<Loadable<ReadonlyMap<string, GatewayView>>>({ state: 'loading' });
  const status = useLiveStatus(live);
  const [generation, setGeneration] = useState(0);
  useEffect(() => live.onStatus((s) => s === 'online' && setGeneration((g) => g + 1)), [live]);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), TICK_MS);
    return () => clearInterval(timer);
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    const unsubscribes: Array<() => void> = [];
    let waiting: Array<{ site: string; changes: readonly Delta[] }> | undefined = [];
    const apply = (site: string, changes: readonly Delta[]) =>
      setGateways((held) =>
        held.state === 'ready'
          ? {
              state: 'ready',
              value: applyDeltas(
                held.value,
                site,
                changes.map((c) => c.value as GatewayDelta),
              ),
            }
          : held,
      );
    (async () => {
      const all = await api.get<Site[]>('/api/sites', controller.signal);
      // Only the `gateways` channel of each site: a gateway's state, never the site's readings.
      for (const { site } of all)
        unsubscribes.push(
          live.subscribe(site, CHANNELS, (changes) => {
            if (waiting === undefined) apply(site, changes);
            else waiting.push({ site, changes });
          }),
        );
      const rows = await api.get<GatewayRow[]>('/api/gateways', controller.signal);
      if (controller.signal.aborted) return;
      setGateways((held) => ({
        state: 'ready',
        value: fromRows(rows, held.state === 'ready' ? held.value : undefined),
      }));
      const queued = waiting ?? [];
      waiting = undefined;
      for (const { site, changes } of queued) apply(site, changes);
    })().catch((error: unknown) => {
      if (!controller.signal.aborted)
        setGateways((held) => (held.state === 'ready' ? held : { state: 'error', error }));
    });
    return () => {
      controller.abort();
      for (const unsubscribe of unsubscribes) unsubscribe();
    };
  }, [live, generation]);

  const list = useMemo(() => (gateways.state === 'ready' ? sortGateways(gateways.value.values()) : []), [gateways]);
  const summary = useMemo(() => summarize(list), [list]);
  // The device list offers the sites that have a gateway (a DC without one has no devices).
  const sites = useMemo(() => [...new Set(list.map((g) => g.site))].sort(), [list]);

  return (
    <div class="fleet-view">
      <div class="view-head">
        <h1>Fleet</h1>
        {gateways.state === 'ready' && list.length > 0 ? (
          <p class="summary" data-testid="fleet-summary" aria-live="polite">
            <strong data-online={summary.up}>{summary.up}</strong> of {list.length} gateways online
            {summary.degraded > 0 ? ` (${summary.degraded} degraded)` : ''} ·{' '}
            <strong data-offline={summary.down} class={summary.down > 0 ? 'warn' : ''}>
              {summary.down}
            </strong>{' '}
            offline · {summary.outboxDepth.toLocaleString('en')} rows waiting in outboxes ·{' '}
            {summary.dropped.toLocaleString('en')} dropped
          </p>
        ) : null}
      </div>
      {gateways.state === 'loading' ? (
        <Loading what="the gateways" />
      ) : gateways.state === 'error' ? (
        <ErrorNote error={gateways.error} what="the gateways" />
      ) : (
        <div class={`fleet-grid ${status === 'offline' ? 'stale' : ''}`}>
          <Panel title="Gateways" id="gateways" count={list.length} class="wide">
            <GatewaysTable gateways={list} now={now} />
          </Panel>
          <Panel title="Ingest rate" id="ingest-rate" class="wide">
            <IngestRatePanel />
          </Panel>
          <Panel title="Models" id="models">
            <ModelsPanel gateways={list} />
          </Panel>
          <Panel title="Devices" id="devices">
            <DevicesPanel sites={sites} now={now} />
          </Panel>
        </div>
      )}
    </div>
  );
}
