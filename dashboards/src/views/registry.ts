import type { ComponentType } from 'preact';
import type { LiveFeed } from '../api/live.js';
import type { Session } from '../api/session.js';
import type { Role } from '../api/types.js';
import { lazyComponent } from '../ui/lazy.js';

/**
 * The dashboards' views: each is one module under views/ with its path, who may open it, and its
 * component. The navigation, the router and the default view per role come from this list, so a
 * new view (Logistics for planners, Fleet for admins) is one entry here and its own folder; each
 * view's code is its own chunk, fetched when the view first opens.
 */
export interface ViewProps {
  readonly session: Session;
  readonly live: LiveFeed;
  /** The path's parameters (`/store/:site?` → `site`). */
  readonly params: Readonly<Record<string, string>>;
}

export interface ViewEntry {
  readonly id: string;
  readonly title: string;
  /** Where the navigation links to. */
  readonly href: string;
  /** What the view answers (`matchPath` pattern). */
  readonly path: string;
  readonly roles: readonly Role[];
  readonly component: ComponentType<ViewProps>;
}

export const VIEWS: readonly ViewEntry[] = [
  {
    id: 'store',
    title: 'Store',
    href: '/store',
    path: '/store/:site?',
    roles: ['staff', 'admin', 'planner'],
    component: lazyComponent(() => import('./store/store-view.js').then((m) => m.StoreView)),
  },
  {
    id: 'fleet',
    title: 'Fleet',
    href: '/fleet',
    path: '/fleet',
    roles: ['admin'],
    component: lazyComponent(() => import('./fleet/fleet-view.js').then((m) => m.FleetView)),
  },
  {
    id: 'logistics',
    title: 'Logistics',
    href: '/logistics',
    path: '/logistics/:site?',
    roles: ['planner', 'admin'],
    component: lazyComponent(() => import('./logistics/logistics-view.js').then((m) => m.LogisticsView)),
  },
];

/** The first view of `role`'s, in the order above. */
export function homeView(role: Role): ViewEntry | undefined {
  return VIEWS.find((v) => v.roles.includes(role));
}
