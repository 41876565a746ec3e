/**
 * What the Logistics view knows, kept apart from how it is drawn so the merging rules are plain:
 * the active plan from REST (`GET /api/routing/plans/active`) and where tracking last saw each van
 * (`GET /api/routing/vans`, `withTracked`), then the `logistics` site's deltas
 * (hub/src/routing/routing.service.ts and tracking/tracking.service.ts):
 * - `routes`, key = vehicle: `{ plan, version, route }` when a plan or re-plan publishes the
 *   route, and tracking's `{ …, position, updatedAt, nextJob, returnAt, lateRisk, speedMps }`
 *   as the van's fixes come; a delta of an older plan version than the van's is stale and
 *   dropped, and a route-only delta keeps the position tracking last gave;
 *   A route with no stops (a van not sent out) removes the van;
 * - `routes`, key = `plan`: the newest plan's summary (KPIs, status);
 * - `route-alerts`, key = `late-risk:{vehicle}`: the protocol `Alert`, gone when cleared.
 */
import type { Alert, DeliveryJob, LatLon, Route, RoutePlan, RouteStop } from '@aisle/protocols';
import type { Delta } from '../../api/types.js';

export type { Alert, DeliveryJob, LatLon, Route, RoutePlan, RouteStop };

/** `GET /api/routing/plans/active`, `POST /api/routing/plans` and the re-plan answer. */
export interface PlanView {
  readonly plan: RoutePlan;
  readonly refused: readonly { job: string; code: string }[];
  readonly reason: string;
  /** Re-plan only: the vehicles whose route changed. */
  readonly changed?: readonly string[];
}

export type Kpis = RoutePlan['kpis'];

/** The `plan` key of channel `routes`: the newest plan's summary. */
export interface PlanSummary {
  readonly id: string;
  readonly version: number;
  readonly status: RoutePlan['status'];
  readonly createdAt: number;
  readonly kpis: Kpis;
  readonly unassigned: readonly string[];
  readonly reason?: string;
}

/** One van: its route in the newest plan and, once tracking saw it, where it is and its ETAs. */
export interface VanState {
  readonly vehicle: string;
  readonly plan: string;
  readonly version: number;
  readonly route: Route;
  readonly position?: LatLon;
  /** Readings' time of the fix the ETAs are from. */
  readonly updatedAt?: number;
  readonly nextJob?: string;
  readonly returnAt?: number;
  readonly lateRisk?: { readonly job: string; readonly minutes: number; readonly alert?: string };
}

export interface LogisticsState {
  readonly summary: PlanSummary | undefined;
  readonly vans: ReadonlyMap<string, VanState>;
  /** Raised or updated late-risk alerts, by delta key. */
  readonly alerts: ReadonlyMap<string, Alert>;
}

export const emptyLogistics: LogisticsState = { summary: undefined, vans: new Map(), alerts: new Map() };

export function summaryOf(view: PlanView): PlanSummary {
  const { plan } = view;
  return {
    id: plan.id,
    version: plan.version,
    status: plan.status,
    createdAt: plan.createdAt,
    kpis: plan.kpis,
    unassigned: plan.unassigned,
    reason: view.reason,
  };
}

/**
 * The state after `view` became the active plan: its routes replace the vans' routes; where
 * tracking saw a van is kept (the plan does not know it), vans without a route any more leave.
 */
export function withPlan(state: LogisticsState, view: PlanView): LogisticsState {
  const vans = new Map<string, VanState>();
  for (const route of view.plan.routes) {
    // A van with no stops is not sent out: it is not on the map nor in the table.
    if (route.stops.length === 0) continue;
    const before = state.vans.get(route.vehicle);
    const fresh = before === undefined || before.version <= view.plan.version;
    vans.set(
      route.vehicle,
      fresh
        ? {
            ...(before ?? {}),
            vehicle: route.vehicle,
            plan: view.plan.id,
            version: view.plan.version,
            // Tracking's copy of the same version has the ETAs; the plan's has the planned times.
            route: before?.version === view.plan.version ? before.route : route,
          }
        : before,
    );
  }
  const summary =
    state.summary !== undefined && state.summary.version > view.plan.version ? state.summary : summaryOf(view);
  return { ...state, summary, vans };
}

interface RouteValue {
  readonly plan: string;
  readonly version: number;
  readonly route: Route;
  readonly position?: LatLon;
  readonly updatedAt?: number;
  readonly nextJob?: string;
  readonly returnAt?: number;
  readonly lateRisk?: VanState['lateRisk'];
}

/** `GET /api/routing/vans`: each tracked van as its last `routes` delta would carry it, now. */
export interface TrackedVan extends RouteValue {
  readonly vehicle: string;
}

/**
 * The state after the tracked vans the view loads at start: each van where tracking last saw it,
 * with its ETAs, as if its last delta had come (a van of an older plan version than shown is
 * dropped, as a stale delta is). Without it, a reloaded page drew every van at its depot until
 * its next fix.
 */
export function withTracked(state: LogisticsState, vans: readonly TrackedVan[]): LogisticsState {
  return applyDeltas(
    state,
    vans.map(({ vehicle, ...value }) => ({ channel: 'routes', key: vehicle, value })),
  );
}

/** The state after a batch of deltas (one socket.io `delta` event). */
export function applyDeltas(state: LogisticsState, changes: readonly Delta[]): LogisticsState {
  let vans: Map<string, VanState> | undefined;
  let alerts: Map<string, Alert> | undefined;
  let summary = state.summary;
  for (const change of changes) {
    if (change.channel === 'route-alerts') {
      const alert = change.value as Alert;
      alerts ??= new Map(state.alerts);
      if (alert.state === 'cleared') alerts.delete(change.key);
      else alerts.set(change.key, alert);
      continue;
    }
    if (change.channel !== 'routes') continue;
    if (change.key === 'plan') {
      const next = change.value as PlanSummary;
      // A proposed plan is not what the vans drive: the summary shown stays the active one's.
      if (next.status === 'active' && (summary === undefined || next.version >= summary.version)) summary = next;
      continue;
    }
    const value = change.value as RouteValue;
    vans ??= new Map(state.vans);
    const before = vans.get(change.key);
    if (before !== undefined && value.version < before.version) continue;
    if (value.route.stops.length === 0) {
      vans.delete(change.key);
      continue;
    }
    const position = value.position ?? before?.position;
    vans.set(change.key, {
      vehicle: change.key,
      plan: value.plan,
      version: value.version,
      route: value.route,
      // A route-only delta (a plan or re-plan publishing it) keeps the van where tracking last saw it.
      ...(position === undefined ? {} : { position }),
      ...(value.updatedAt === undefined ? {} : { updatedAt: value.updatedAt }),
      ...(value.nextJob === undefined ? {} : { nextJob: value.nextJob }),
      ...(value.returnAt === undefined ? {} : { returnAt: value.returnAt }),
      ...(value.lateRisk === undefined ? {} : { lateRisk: value.lateRisk }),
    });
  }
  if (vans === undefined && alerts === undefined && summary === state.summary) return state;
  return { summary, vans: vans ?? state.vans, alerts: alerts ?? state.alerts };
}

/**
 * A stop's time-window status as the map and the table colour it: `done` (served or skipped),
 * `late` (reached after its window, or projected at least `LATE_MS` past it), `at-risk`
 * (projected past its window by less, or named by the van's late-risk alert: a little more delay
 * or a re-plan decides it), `on-time`. The wire stop carries the projected lateness, not the
 * window, so the threshold is on lateness.
 */
export type StopState = 'done' | 'late' | 'at-risk' | 'on-time';
export const LATE_MS = 15 * 60_000;
export const STOP_STATE_TEXT: Record<StopState, string> = {
  done: 'done',
  late: 'late',
  'at-risk': 'at risk',
  'on-time': 'on time',
};

export function stopState(stop: RouteStop, van: Pick<VanState, 'lateRisk'>): StopState {
  if (stop.status === 'done' || stop.status === 'skipped') return 'done';
  const lateness = stop.latenessMs ?? 0;
  if (stop.status === 'arrived') return lateness > 0 ? 'late' : 'on-time';
  if (lateness >= LATE_MS) return 'late';
  if (lateness > 0 || van.lateRisk?.job === stop.job) return 'at-risk';
  return 'on-time';
}

/** The van's worst stop state ahead (done when every stop is). */
export function vanState(van: VanState): StopState {
  const order: StopState[] = ['late', 'at-risk', 'on-time'];
  const states = new Set(van.route.stops.map((s) => stopState(s, van)));
  return order.find((s) => states.has(s)) ?? 'done';
}

/** The stop the van drives to or serves now: tracking's `nextJob`, else the first not done. */
export function nextStop(van: VanState): RouteStop | undefined {
  const { stops } = van.route;
  return (
    (van.nextJob === undefined ? undefined : stops.find((s) => s.job === van.nextJob)) ??
    stops.find((s) => s.status !== 'done' && s.status !== 'skipped')
  );
}

/** Where to draw the van: tracking's fix, else its depot (not left yet, or not tracked). */
export function vanPosition(van: VanState): LatLon {
  return van.position ?? van.route.depot;
}

/** The vans in table order: the ones at risk first, then by vehicle id. */
export function vansInOrder(vans: ReadonlyMap<string, VanState>): VanState[] {
  const rank: Record<StopState, number> = { late: 0, 'at-risk': 1, 'on-time': 2, done: 3 };
  return [...vans.values()]
    .map((v) => ({ v, r: rank[vanState(v)] }))
    .sort((a, b) => a.r - b.r || (a.v.vehicle < b.v.vehicle ? -1 : a.v.vehicle > b.v.vehicle ? 1 : 0))
    .map((x) => x.v);
}

/**
 * `HH:MM` in the browser's zone and locale. One formatter, and the text per minute kept: the map
 * and the ETA table format a few thousand times a second with 200 vans at 1 Hz, and
 * `toLocaleTimeString` builds a formatter on every call (it was the view's largest cost,
 * bench/dashboard/logistics.ts).
 */
const CLOCK = new Intl.DateTimeFormat([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const clockText = new Map<number, string>();
const CLOCK_KEPT = 4096;

export function clock(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  const minute = Math.floor(ms / 60_000);
  let text = clockText.get(minute);
  if (text === undefined) {
    if (clockText.size >= CLOCK_KEPT) clockText.clear();
    // The minute's start: every zone offset in use today is whole minutes.
    text = CLOCK.format(minute * 60_000);
    clockText.set(minute, text);
  }
  return text;
}

export function km(m: number): string {
  return `${(m / 1000).toFixed(1)} km`;
}

export function minutes(ms: number): string {
  return `${Math.round(ms / 60_000)} min`;
}
