import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../../api/client.js';
import type { Delta, Insights, LatestRow, PlanogramLane, Site, Task } from '../../api/types.js';
import { navigate } from '../../router.js';
import { useLiveStatus } from '../../ui/connection.js';
import { Empty, ErrorNote, Load, type Loadable, Loading, Panel } from '../../ui/status.js';
import type { ViewProps } from '../registry.js';
import { ackOf, useAlertAcks } from './alert-acks.js';
import { AlertList, sortAlerts } from './alerts-panel.js';
import { duration, EmptySoon } from './empty-soon.js';
import { FootTraffic } from './foot-traffic.js';
import { InsightsPanel } from './insights-panel.js';
import { type AisleCounts, aisleCounts, shelfLayout } from './shelf-layout.js';
import { ShelfMap } from './shelf-map.js';
import { applyRows, emptyStore, lanesToShow, type StoreState } from './store-state.js';
import { mergeTask } from './tasks.js';
import { TaskList } from './tasks-panel.js';

/** The `latest` types this view shows; the others (weights, events, baskets) are not fetched. */
const TYPES = ['shelf.level', 'forecast', 'alert', 'footfall.count'] as const;
const CHANNELS = ['latest', 'tasks'] as const;
/** How often the hub's per-aisle counts are read for the aisles the screen does not follow live. */
const AISLE_COUNTS_EVERY_MS = 10_000;
/** Lanes per catch-up read (`latest?lanes=`), so its URL stays short. */
const CATCH_UP_LANES = 200;

/**
 * The Store view (staff; ARCHITECTURE §7): the stores the user may see in a picker, and for the
 * chosen one its shelf map, tasks, phantom-inventory checks, alerts, "empty soon" list, foot
 * traffic and recommendation insights. The initial state comes from REST; then the view
 * subscribes to that one site's `latest` and `tasks` channels and applies the deltas. Changes that
 * arrive while REST loads wait and are applied after it; after a reconnect the REST state is
 * loaded again (what changed while offline was not pushed).
 *
 * Viewport-scoped: once the shelf map reports the aisles in view, the subscription is scoped to
 * their lanes (the hub sends no other lane's readings), the lanes that came into view are read
 * once over REST, and the other aisles' counts come from the hub's aggregate every
 * `AISLE_COUNTS_EVERY_MS`. Alerts, forecasts, tasks and doors are not scoped.
 */
export function StoreView({ session, live, params }: ViewProps) {
  const [sites, setSites] = useState<Loadable<Site[]>>({ state: 'loading' });
  useEffect(() => {
    api.get<Site[]>('/api/sites').then(
      (all) => setSites({ state: 'ready', value: all.filter((s) => s.kind === 'store') }),
      (error: unknown) => setSites({ state: 'error', error }),
    );
  }, []);
  const site = params.site;
  useEffect(() => {
    if (site === undefined && sites.state === 'ready' && sites.value[0] !== undefined)
      navigate(`/store/${sites.value[0].site}`, true);
  }, [site, sites]);

  return (
    <div class="store-view">
      <div class="view-head">
        <h1>Store</h1>
        <Load
          value={sites}
          what="your stores"
          ready={(stores) =>
            stores.length === 0 ? (
              <Empty>No store is assigned to you. An admin can add one to your account.</Empty>
            ) : (
              <label class="picker">
                <span>Store</span>
                <select
                  value={site}
                  onChange={(e) => navigate(`/store/${e.currentTarget.value}`)}
                  aria-label="Store"
                  data-testid="site-picker"
                >
                  {stores.map((s) => (
                    <option key={s.site} value={s.site}>
                      {s.name} ({s.site})
                    </option>
                  ))}
                </select>
              </label>
            )
          }
        />
      </div>
      {site === undefined || sites.state !== 'ready' ? null : sites.value.some((s) => s.site === site) ? (
        <StoreSite key={site} site={site} session={session} live={live} />
      ) : (
        <p class="note error" role="alert">
          You do not have access to store {site}.
        </p>
      )}
    </div>
  );
}

type Action =
  | { kind: 'reset' }
  | { kind: 'rows'; rows: readonly LatestRow[] }
  | { kind: 'planogram'; lanes: ReadonlyMap<string, PlanogramLane> };

interface Model {
  readonly store: StoreState;
  readonly planogram: ReadonlyMap<string, PlanogramLane>;
}

function reduce(model: Model, action: Action): Model {
  switch (action.kind) {
    case 'reset':
      return { store: emptyStore(), planogram: model.planogram };
    case 'planogram':
      return { ...model, planogram: action.lanes };
    case 'rows':
      return { ...model, store: applyRows(model.store, action.rows, model.planogram) };
  }
}

function StoreSite({ site, session, live }: { site: string } & Pick<ViewProps, 'session' | 'live'>) {
  const [model, dispatch] = useReducer(reduce, { store: emptyStore(), planogram: new Map() });
  const [loaded, setLoaded] = useState<Loadable<true>>({ state: 'loading' });
  const [tasks, setTasks] = useState<Task[]>([]);
  const [insights, setInsights] = useState<Loadable<Insights>>({ state: 'loading' });
  const [selected, setSelected] = useState<string | undefined>();
  const { acks, acknowledge } = useAlertAcks(site, live);
  const status = useLiveStatus(live);
  // Bumped when the feed comes back online: reload what was missed.
  const [generation, setGeneration] = useState(0);
  useEffect(() => live.onStatus((s) => s === 'online' && setGeneration((g) => g + 1)), [live]);
  const [hubCounts, setHubCounts] = useState<ReadonlyMap<string, AisleCounts>>(new Map());
  // The aisles the map follows live (undefined: all of them, before the map reports what is in view).
  const [followed, setFollowed] = useState<ReadonlySet<string> | undefined>(undefined);
  const scoped = useRef<ReadonlySet<string> | undefined>(undefined);

  useEffect(() => {
    const controller = new AbortController();
    const read = () =>
      api
        .get<{ aisles: AisleCounts[] }>(`/api/sites/${site}/inventory/aisles`, controller.signal)
        .then((answer) => setHubCounts(new Map(answer.aisles.map((a) => [a.aisle, a]))))
        .catch(() => undefined); // the next read tries again; the followed aisles stay live
    void read();
    const timer = setInterval(read, AISLE_COUNTS_EVERY_MS);
    return () => {
      clearInterval(timer);
      controller.abort();
    };
  }, [site, generation]);
  useEffect(
    () => () => {
      void live.scopeLanes(site, undefined);
    },
    [site, live],
  );

  useEffect(() => {
    const controller = new AbortController();
    let waiting: Delta[] | undefined = [];
    const apply = (changes: readonly Delta[]) => {
      const rows = changes.filter((c) => c.channel === 'latest').map((c) => c.value as LatestRow);
      if (rows.length > 0) dispatch({ kind: 'rows', rows });
      for (const c of changes) if (c.channel === 'tasks') setTasks((list) => mergeTask(list, c.value as Task));
    };
    const unsubscribe = live.subscribe(site, CHANNELS, (changes) => {
      if (waiting === undefined) apply(changes);
      else waiting.push(...changes);
    });
    const get = <T,>(path: string) => api.get<T>(path, controller.signal);
    (async () => {
      const planogram = await get<{ lanes: PlanogramLane[] }>(`/api/sites/${site}/planogram`).catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 404) return { lanes: [] };
        throw e;
      });
      const [rows, open] = await Promise.all([
        Promise.all(TYPES.map((t) => get<LatestRow[]>(`/api/sites/${site}/latest?type=${t}`))),
        get<Task[]>(`/api/sites/${site}/tasks?state=open,claimed`),
      ]);
      dispatch({ kind: 'reset' });
      dispatch({ kind: 'planogram', lanes: new Map(planogram.lanes.map((l) => [l.lane, l])) });
      dispatch({ kind: 'rows', rows: rows.flat() });
      setTasks(open);
      const queued = waiting ?? [];
      waiting = undefined;
      apply(queued);
      setLoaded({ state: 'ready', value: true });
    })().catch((error: unknown) => {
      if (!controller.signal.aborted) setLoaded({ state: 'error', error });
    });
    get<Insights>(`/api/sites/${site}/recommendations/insights`).then(
      (value) => setInsights({ state: 'ready', value }),
      (error: unknown) => !controller.signal.aborted && setInsights({ state: 'error', error }),
    );
    return () => {
      controller.abort();
      unsubscribe();
    };
  }, [site, live, generation]);

  const { store } = model;
  const shown = lanesToShow(store.lanes, model.planogram);
  const layout = useMemo(() => shelfLayout(shown.values()), [shown.size, model.planogram]);
  const layoutRef = useRef(layout);
  layoutRef.current = layout;
  const onInView = useCallback(
    (aisles: readonly string[]) => {
      const inView = new Set(aisles);
      const lanes = layoutRef.current.aisles.filter((a) => inView.has(a.aisle)).flatMap((a) => a.lanes);
      const before = scoped.current;
      const now = new Set(lanes);
      scoped.current = now;
      setFollowed(inView);
      void live.scopeLanes(site, lanes).then(async () => {
        // The lanes that came into view were not followed: read what they hold now.
        const arrived = before === undefined ? [] : lanes.filter((l) => !before.has(l));
        for (let k = 0; k < arrived.length; k += CATCH_UP_LANES) {
          const some = arrived
            .slice(k, k + CATCH_UP_LANES)
            .map(encodeURIComponent)
            .join(',');
          const rows = await api.get<LatestRow[]>(`/api/sites/${site}/latest?type=shelf.level&lanes=${some}`);
          dispatch({ kind: 'rows', rows });
        }
      });
    },
    [site, live],
  );
  const counts = useMemo(() => aisleCounts(layout, shown, hubCounts, followed), [layout, shown, hubCounts, followed]);
  const alerts = useMemo(() => sortAlerts(store.alerts.values(), acks), [store.alerts, acks]);
  const work = tasks.filter((t) => t.kind !== 'phantom-check');
  const phantom = tasks.filter((t) => t.kind === 'phantom-check');
  const me = session.principal.username;
  const onTask = (task: Task) => setTasks((list) => mergeTask(list, task));

  if (loaded.state === 'loading') return <Loading what={`store ${site}`} />;
  if (loaded.state === 'error') return <ErrorNote error={loaded.error} what={`store ${site}`} />;
  let reporting = 0;
  let empty = 0;
  let low = 0;
  for (const c of counts.values()) {
    reporting += c.reporting;
    empty += c.empty;
    low += c.belowQuarter;
  }
  const silent = shown.size - reporting;
  return (
    <div class={`store-grid ${status === 'offline' ? 'stale' : ''}`} data-site={site}>
      <Panel title="Shelves" id="shelves" class="wide">
        <p class="summary">
          {reporting} lanes reporting{silent > 0 ? ` (${silent} more in the planogram not yet)` : ''} · {empty} empty ·{' '}
          {low} below a quarter
        </p>
        {shown.size === 0 ? (
          <Empty>No shelf levels from this store yet: its gateway has not reported.</Empty>
        ) : (
          <ShelfMap
            layout={layout}
            lanes={shown}
            counts={counts}
            selected={selected}
            onSelect={setSelected}
            onInView={onInView}
          />
        )}
        {selected === undefined ? null : (
          <LaneDetail lane={selected} store={store} tasks={tasks} onClose={() => setSelected(undefined)} />
        )}
      </Panel>
      <Panel title="Tasks" id="tasks" count={work.length}>
        <TaskList site={site} tasks={work} me={me} onChanged={onTask} emptyText="No open tasks." />
      </Panel>
      <Panel title="Phantom inventory" id="phantom" count={phantom.length}>
        <TaskList
          site={site}
          tasks={phantom}
          me={me}
          onChanged={onTask}
          emptyText="No SKU flagged: shelf weights and the tills agree."
        />
      </Panel>
      <Panel title="Alerts" id="alerts" count={alerts.filter((a) => ackOf(acks, a) === undefined).length}>
        <AlertList
          alerts={alerts}
          acks={acks}
          canAcknowledge={session.principal.role !== 'planner'}
          onAcknowledge={acknowledge}
        />
      </Panel>
      <Panel title="Empty soon" id="empty-soon">
        <EmptySoon state={store} onSelect={setSelected} />
      </Panel>
      <Panel title="Foot traffic" id="traffic" class="wide">
        <FootTraffic site={site} state={store} />
      </Panel>
      <Panel title="Insights" id="insights" class="wide">
        <Load value={insights} what="insights" ready={(value) => <InsightsPanel insights={value} />} />
      </Panel>
    </div>
  );
}

function LaneDetail(props: { lane: string; store: StoreState; tasks: readonly Task[]; onClose: () => void }) {
  const lane = props.store.lanes.get(props.lane);
  const forecast = props.store.laneForecasts.get(props.lane);
  const open = props.tasks.filter((t) => t.lane === props.lane);
  const expected = forecast?.emptyAt?.expected;
  return (
    <aside class="lane-detail" aria-label={`Lane ${props.lane}`} data-detail={props.lane}>
      <h3>Lane {props.lane}</h3>
      {lane === undefined ? (
        <Empty>No level reported.</Empty>
      ) : (
        <p>
          {lane.sku}: <strong>{lane.units}</strong> of {lane.capacity} units, reported{' '}
          {new Date(lane.ts).toLocaleTimeString()}.
        </p>
      )}
      {forecast === undefined ? null : (
        <p>
          {expected === null || expected === undefined
            ? 'Not expected to run empty within the forecast.'
            : `Expected empty in ${duration(Math.max(0, expected - forecast.ts))}.`}
        </p>
      )}
      <p>{open.length === 0 ? 'No open task.' : `${open.length} open task(s) in the task list.`}</p>
      <button type="button" class="quiet" onClick={props.onClose}>
        Close
      </button>
    </aside>
  );
}
