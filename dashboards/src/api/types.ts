/**
 * What the hub's REST API and socket.io send, as far as the dashboards read it. The wire types
 * come from `@aisle/protocols`; these are the hub's read-side shapes around them.
 */
import type { Alert, AlertAck, Forecast, ReplenishmentTask } from '@aisle/protocols';

export type Role = 'admin' | 'staff' | 'planner';

export interface Principal {
  readonly username: string;
  readonly role: Role;
  /** The sites a staff member works in (admins and planners see every site). */
  readonly sites: readonly string[];
}

export interface Site {
  readonly site: string;
  readonly name: string;
  readonly kind: 'store' | 'dc' | 'van';
}

/** A row of `GET /api/sites/:site/latest` and a `latest` delta's value. */
export interface LatestRow {
  readonly device: string;
  readonly key: string;
  readonly type: string;
  readonly ts: number;
  readonly item: { readonly ts: number; readonly type: string; readonly data: unknown };
}

export interface LaneLevel {
  readonly lane: string;
  readonly sku: string;
  readonly units: number;
  readonly capacity: number;
  readonly ts: number;
}

export interface PlanogramLane {
  readonly lane: string;
  readonly sku: string;
  readonly capacity: number;
  readonly aisle: string;
  readonly shelf: number;
  readonly position: number;
}

export type Task = ReplenishmentTask;
export type { Alert, AlertAck, Forecast };

export interface FootfallCount {
  readonly door: string;
  readonly in: number;
  readonly out: number;
  readonly intervalMs: number;
}

/** `GET /api/sites/:site/footfall` (hub/src/footfall/): entries per door per UTC hour. */
export interface FootfallHistory {
  readonly site: string;
  /** [from, to), whole UTC hours. */
  readonly from: number;
  readonly to: number;
  /** The hub's clock when it read the counts: counts after it were not in the answer. */
  readonly asOf: number;
  readonly hours: readonly { readonly door: string; readonly hour: number; readonly entries: number }[];
  readonly forecasts: readonly (Pick<Forecast, 'start' | 'stepMs' | 'mean' | 'lower' | 'upper' | 'level'> & {
    readonly door: string;
    readonly ts: number;
  })[];
}

interface PairInsight {
  readonly skus: readonly [string, string];
  readonly lift: number;
  readonly support: number;
  /** Share of the site's baskets holding both. */
  readonly share: number;
}

/** `GET /api/sites/:site/recommendations/insights` (hub/src/recommendation/engine/insights.ts). */
export interface Insights {
  readonly site: string;
  readonly baskets: number;
  readonly days: number;
  readonly bundles: readonly PairInsight[];
  readonly placements: readonly (PairInsight & { readonly aisles: readonly [string, string] })[];
  readonly slowMovers: readonly { sku: string; basketsPerDay: number; baskets: number; capacity: number }[];
}

/** One change pushed on socket.io (`RealtimeService`'s `Delta`). */
export interface Delta {
  readonly channel: string;
  readonly key: string;
  readonly value: unknown;
}
