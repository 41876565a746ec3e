import { isValidLevel, type RouteCommand, type RoutePlan } from '@aisle/protocols';
import type { VanStopConfig } from './van-tracker.js';

/**
 * A van's share of a route plan: the hub plans the whole fleet at once (`RoutePlan`), the van's
 * gateway keeps only the route whose `vehicle` is its van, as the command it forwards to the
 * driver terminal, and tracks arrivals at that route's stops.
 */

/** The route command for `vehicle` out of `plan`, or undefined when the plan has no route for it. */
export function routeCommandOf(plan: RoutePlan, vehicle: string, id: string, ts: number): RouteCommand | undefined {
  const route = plan.routes.find((r) => r.vehicle === vehicle);
  if (route === undefined) return undefined;
  return {
    id,
    ts,
    command: 'route',
    plan: plan.id,
    version: plan.version,
    vehicle,
    depot: route.depot,
    startAt: route.startAt,
    stops: route.stops,
  };
}

/**
 * The geofenced stops of a route: one per stop still to serve (done and skipped ones are not
 * expected again), named by its job, so the van's events carry the job. A job id is free text
 * (`ExternalId`) and a VanEvent's `stop` is a topic level: a job id that is not one is stood in
 * for by its position in the route (`stop-3`); `job` keeps the id as the hub gave it.
 */
export function trackedStops(command: RouteCommand): VanStopConfig[] {
  return command.stops.flatMap((s, i) =>
    s.status === 'done' || s.status === 'skipped'
      ? []
      : [{ id: isValidLevel(s.job) ? s.job : `stop-${i + 1}`, position: s.location, job: s.job }],
  );
}
