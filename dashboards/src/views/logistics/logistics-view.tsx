import type { ViewProps } from '../registry.js';

/** The Logistics view (planners): routes on a map, vans live, ETAs, re-plan. Being built. */
export function LogisticsView(_props: ViewProps) {
  return <p class="note">Logistics view coming.</p>;
}
