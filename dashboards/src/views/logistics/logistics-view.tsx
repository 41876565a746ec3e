import './logistics.css';
import { useCallback, useEffect, useReducer, useState } from 'preact/hooks';
import { ApiError, api } from '../../api/client.js';
import type { Delta } from '../../api/types.js';
import { useLiveStatus } from '../../ui/connection.js';
import { Empty, ErrorNote, Load, type Loadable, Loading, Panel } from '../../ui/status.js';
import type { ViewProps } from '../registry.js';
import { EtaTable } from './eta-table.js';
import {
  type Alert,
  applyDeltas,
  clock,
  type DeliveryJob,
  emptyLogistics,
  type LogisticsState,
  type PlanView,
  type TrackedVan,
  withPlan,
  withTracked,
} from './logistics-state.js';
import { ReplanPanel } from './replan-panel.js';
import { RouteMap } from './route-map.js';

/** The realtime site of every van's route, the plan summaries and the late-risk alerts. */
const SITE = 'logistics';
const CHANNELS = ['routes', 'route-alerts'] as const;
/** The waiting jobs have no live channel: read again this often while the view is open. */
const WAITING_EVERY_MS = 15_000;

type Action =
  | { kind: 'reset' }
  | { kind: 'plan'; view: PlanView }
  | { kind: 'tracked'; vans: readonly TrackedVan[] }
  | { kind: 'deltas'; changes: readonly Delta[] };

function reduce(state: LogisticsState, action: Action): LogisticsState {
  switch (action.kind) {
    case 'reset':
      // After a reconnect: alerts cleared meanwhile were not pushed, so they go; the vans keep
      // where tracking last saw them until the plan (read next) and the next pushes replace it.
      return { ...state, alerts: new Map(), summary: undefined };
    case 'plan':
      return withPlan(state, action.view);
    case 'tracked':
      return withTracked(state, action.vans);
    case 'deltas':
      return applyDeltas(state, action.changes);
  }
}

/**
 * The Logistics view (planners, admins; ARCHITECTURE §7): the active plan's routes on a map with
 * the vans moving live, the stops coloured by time-window status, the ETA table, the late-risk
 * alerts, the jobs waiting for dispatch, and the re-plan button with its before/after KPIs.
 *
 * The initial state is the active plan and where tracking last saw each van (REST: a reloaded
 * page shows the vans on the road at once); then the view subscribes to the `logistics` site's
 * `routes` and `route-alerts` channels only while it is open and applies the deltas (changes
 * only, merged by key on the hub, so 200 vans at 1 Hz is at most 200 changes a flush). Deltas
 * that arrive while REST loads wait and are applied after it; after a reconnect the plan is read
 * again. A new active plan's summary (a re-plan by anyone, or the hub's own) reloads the plan, so
 * vans without a route any more leave the map.
 */
export function LogisticsView({ live }: ViewProps) {
  const [state, dispatch] = useReducer(reduce, emptyLogistics);
  const [loaded, setLoaded] = useState<Loadable<true>>({ state: 'loading' });
  const [waiting, setWaiting] = useState<Loadable<DeliveryJob[]>>({ state: 'loading' });
  const [selected, setSelected] = useState<string | undefined>();
  const status = useLiveStatus(live);
  const [generation, setGeneration] = useState(0);
  useEffect(() => live.onStatus((s) => s === 'online' && setGeneration((g) => g + 1)), [live]);

  useEffect(() => {
    const controller = new AbortController();
    let queued: Delta[] | undefined = [];
    const unsubscribe = live.subscribe(SITE, CHANNELS, (changes) => {
      if (queued === undefined) dispatch({ kind: 'deltas', changes });
      else queued.push(...changes);
    });
    const plan = api.get<PlanView>('/api/routing/plans/active', controller.signal).catch((e: unknown) => {
      // No active plan yet: the view shows that, and the button to make one.
      if (e instanceof ApiError && e.status === 404) return undefined;
      throw e;
    });
    // Where each van was last seen; without it (a hub that does not answer it) they wait at their
    // depots for their next fix.
    const tracked = api.get<TrackedVan[]>('/api/routing/vans', controller.signal).catch(() => []);
    Promise.all([plan, tracked])
      .then(([view, vans]) => {
        dispatch({ kind: 'reset' });
        if (view !== undefined) dispatch({ kind: 'plan', view });
        if (view !== undefined && vans.length > 0) dispatch({ kind: 'tracked', vans });
        const pending = queued ?? [];
        queued = undefined;
        if (pending.length > 0) dispatch({ kind: 'deltas', changes: pending });
        setLoaded({ state: 'ready', value: true });
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setLoaded({ state: 'error', error });
      });
    return () => {
      controller.abort();
      unsubscribe();
    };
  }, [live, generation]);

  const version = state.summary?.version;
  const loadWaiting = useCallback((signal?: AbortSignal) => {
    api.get<DeliveryJob[]>('/api/routing/jobs', signal).then(
      (jobs) => setWaiting({ state: 'ready', value: jobs }),
      (error: unknown) => !signal?.aborted && setWaiting({ state: 'error', error }),
    );
  }, []);
  useEffect(() => {
    const controller = new AbortController();
    loadWaiting(controller.signal);
    const timer = setInterval(() => loadWaiting(controller.signal), WAITING_EVERY_MS);
    return () => {
      controller.abort();
      clearInterval(timer);
    };
  }, [loadWaiting, version, generation]);

  // A newer active plan than the routes on screen (made elsewhere): read it whole.
  const newest = Math.max(-1, ...[...state.vans.values()].map((v) => v.version));
  useEffect(() => {
    if (version === undefined || version <= newest) return;
    const controller = new AbortController();
    api.get<PlanView>('/api/routing/plans/active', controller.signal).then(
      (view) => dispatch({ kind: 'plan', view }),
      () => undefined,
    );
    return () => controller.abort();
  }, [version, newest]);

  const onPlan = useCallback(
    (view: PlanView) => {
      dispatch({ kind: 'plan', view });
      loadWaiting();
    },
    [loadWaiting],
  );

  if (loaded.state === 'loading') return <Loading what="the active plan" />;
  if (loaded.state === 'error') return <ErrorNote error={loaded.error} what="the active plan" />;
  const alerts = [...state.alerts.values()].sort((a, b) => b.since - a.since);
  const tracked = [...state.vans.values()].filter((v) => v.updatedAt !== undefined).length;
  return (
    <div class={`logistics-grid ${status === 'offline' ? 'stale' : ''}`} data-site={SITE}>
      <div class="view-head">
        <h1>Logistics</h1>
        <p class="summary">
          {state.vans.size} {state.vans.size === 1 ? 'van' : 'vans'} with a route · {tracked} reporting ·{' '}
          {alerts.length} at risk
        </p>
      </div>
      <Panel title="Routes" id="routes-map" class="wide">
        {state.vans.size === 0 ? (
          <Empty>No routes yet: no plan is active. Plan the waiting jobs to send routes to the vans.</Empty>
        ) : null}
        <RouteMap vans={state.vans} selected={selected} onSelect={setSelected} />
      </Panel>
      <Panel title="Re-plan" id="replan">
        <ReplanPanel summary={state.summary} onPlan={onPlan} />
      </Panel>
      <Panel title="Late-risk alerts" id="route-alerts" count={alerts.length}>
        <RouteAlerts alerts={alerts} onSelect={setSelected} />
      </Panel>
      <Panel title="ETAs" id="etas" count={state.vans.size} class="wide">
        <EtaTable vans={state.vans} selected={selected} onSelect={setSelected} />
      </Panel>
      <Panel
        title="Waiting for dispatch"
        id="waiting"
        count={waiting.state === 'ready' ? waiting.value.length : undefined}
      >
        <Load value={waiting} what="the waiting jobs" ready={(jobs) => <WaitingJobs jobs={jobs} />} />
      </Panel>
    </div>
  );
}

function RouteAlerts({ alerts, onSelect }: { alerts: readonly Alert[]; onSelect: (vehicle: string) => void }) {
  if (alerts.length === 0) return <Empty>No van is at risk of missing a window.</Empty>;
  return (
    <ul class="alerts">
      {alerts.map((a) => (
        <li key={a.alert} class={`alert ${a.severity}`} data-alert={a.rule} data-vehicle={a.subject.id}>
          <span class="severity">{a.severity}</span>
          <span class="message">{a.message}</span>
          <time dateTime={new Date(a.since).toISOString()}>{clock(a.since)}</time>
          <button
            type="button"
            class="quiet"
            onClick={() => onSelect(a.subject.id)}
            aria-label={`Show ${a.subject.id} on the map`}
          >
            Show
          </button>
        </li>
      ))}
    </ul>
  );
}

/** The jobs the next plan or re-plan would add: store orders not dispatched yet and parcels. */
function WaitingJobs({ jobs }: { jobs: readonly DeliveryJob[] }) {
  if (jobs.length === 0) return <Empty>Nothing waits: every pending job is on a route.</Empty>;
  return (
    <ul class="waiting">
      {jobs.slice(0, 100).map((job) => {
        const window = job.timeWindows[0];
        return (
          <li key={job.id} data-job={job.id}>
            <strong>{job.kind === 'store-order' ? `Order for ${job.site ?? '?'}` : job.kind}</strong> {job.id}
            <span class="muted">
              {' '}
              · {job.demand.join(' / ')} units
              {window === undefined ? ' · any time' : ` · ${clock(window.start)}–${clock(window.end)}`}
            </span>
          </li>
        );
      })}
      {jobs.length > 100 ? <li class="muted">and {jobs.length - 100} more</li> : null}
    </ul>
  );
}
