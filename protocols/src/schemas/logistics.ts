import { type Static, Type } from '@sinclair/typebox';
import { DurationMs, EpochMs, ExternalId, LatLon, Level, literals, NonNegativeInt, Sku, TimeWindow } from './common.js';

/** Replenishment tasks, delivery jobs and route plans: what the decision services hand out. */

export const TASK_KINDS = ['refill', 'count', 'phantom-check', 'face-up'] as const;
export const TASK_STATES = ['open', 'claimed', 'done', 'skipped'] as const;

/** Why a suggestion was made: the rule that fired and the numbers it used. */
export const Explanation = Type.Object({
  rule: Type.String({ minLength: 1, maxLength: 64 }),
  text: Type.String({ maxLength: 1024 }),
  values: Type.Record(Type.String({ pattern: '^[a-zA-Z0-9_.]{1,64}$' }), Type.Number()),
});
export type Explanation = Static<typeof Explanation>;

/** A task for store staff (backroom → shelf refill, recount, phantom-inventory check). */
export const ReplenishmentTask = Type.Object(
  {
    id: ExternalId,
    site: Level,
    kind: literals(TASK_KINDS),
    state: literals(TASK_STATES),
    sku: Sku,
    lane: Type.Optional(Level),
    units: NonNegativeInt,
    zone: Type.Optional(Level),
    /** Higher is more urgent; tasks are worked in descending priority within a zone. */
    priority: Type.Number({ minimum: 0, maximum: 1000 }),
    dueBy: Type.Optional(EpochMs),
    createdAt: EpochMs,
    updatedAt: EpochMs,
    claimedBy: Type.Optional(ExternalId),
    explanation: Explanation,
  },
  { $id: 'aisle.replenishment-task' },
);
export type ReplenishmentTask = Static<typeof ReplenishmentTask>;

export const JOB_KINDS = ['store-order', 'parcel', 'pickup'] as const;

/** One stop's worth of work for a van: deliver an approved store order, a parcel, or pick up. */
export const DeliveryJob = Type.Object(
  {
    id: ExternalId,
    kind: literals(JOB_KINDS),
    site: Type.Optional(Level),
    order: Type.Optional(ExternalId),
    location: LatLon,
    /** Quantities per capacity dimension (e.g. [pallets, kg]), integers in the dimension's unit. */
    demand: Type.Array(NonNegativeInt, { minItems: 1, maxItems: 8 }),
    /** Allowed arrival windows; empty means any time within the vehicle's shift. */
    timeWindows: Type.Array(TimeWindow, { maxItems: 16 }),
    serviceMs: DurationMs,
    /** 0 = must be served; above 0 = may be left out at a cost of `dropPenalty`. */
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    dropPenalty: Type.Optional(Type.Number({ minimum: 0 })),
    parcels: Type.Optional(Type.Array(ExternalId, { maxItems: 10_000 })),
    createdAt: EpochMs,
  },
  { $id: 'aisle.delivery-job' },
);
export type DeliveryJob = Static<typeof DeliveryJob>;

export const STOP_STATUSES = ['pending', 'arrived', 'done', 'skipped'] as const;

export const RouteStop = Type.Object({
  job: ExternalId,
  location: LatLon,
  /** Planned (or, once started, estimated) arrival and departure. */
  arrival: EpochMs,
  departure: EpochMs,
  waitMs: Type.Optional(DurationMs),
  latenessMs: Type.Optional(DurationMs),
  /** Load on board after this stop, per capacity dimension. */
  load: Type.Optional(Type.Array(Type.Integer(), { maxItems: 8 })),
  status: Type.Optional(literals(STOP_STATUSES)),
});
export type RouteStop = Static<typeof RouteStop>;

export const Route = Type.Object({
  vehicle: Level,
  /** The van's edge gateway, which receives this route on `down/{site}/{gateway}/replan`. */
  gateway: Type.Optional(Level),
  depot: LatLon,
  startAt: EpochMs,
  endAt: EpochMs,
  distanceM: Type.Number({ minimum: 0 }),
  durationMs: DurationMs,
  stops: Type.Array(RouteStop, { maxItems: 10_000 }),
});
export type Route = Static<typeof Route>;

export const RoutePlan = Type.Object(
  {
    v: Type.Literal(1),
    id: ExternalId,
    version: NonNegativeInt,
    createdAt: EpochMs,
    objective: literals(['distance', 'vehicles-then-distance']),
    status: literals(['proposed', 'active', 'superseded']),
    kpis: Type.Object({
      distanceM: Type.Number({ minimum: 0 }),
      durationMs: DurationMs,
      vehicles: NonNegativeInt,
      latenessMs: DurationMs,
      unassigned: NonNegativeInt,
    }),
    routes: Type.Array(Route, { maxItems: 10_000 }),
    unassigned: Type.Array(ExternalId, { maxItems: 100_000 }),
  },
  { $id: 'aisle.route-plan' },
);
export type RoutePlan = Static<typeof RoutePlan>;
