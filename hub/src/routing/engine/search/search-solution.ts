import type { Solution } from '../solution.js';
import type { SearchContext } from './context.js';
import { SearchRoute } from './search-route.js';

/**
 * A whole solution as the search holds it: one `SearchRoute` per available vehicle (empty ones
 * are unused vehicles) and the jobs in no route. Required jobs left out are what the search must
 * still place; they cost `missingWeight` each so that any complete solution beats any
 * incomplete one.
 */
export class SearchSolution {
  constructor(
    readonly context: SearchContext,
    readonly routes: SearchRoute[],
    public unassigned: number[],
  ) {}

  static empty(context: SearchContext): SearchSolution {
    const routes: SearchRoute[] = [];
    context.data.vehicleTypes.forEach((type, v) => {
      for (let i = 0; i < type.count; i++) routes.push(new SearchRoute(context, v));
    });
    return new SearchSolution(
      context,
      routes,
      context.data.jobs.map((_, j) => j),
    );
  }

  static from(context: SearchContext, solution: Solution): SearchSolution {
    return SearchSolution.placing(context, solution).state;
  }

  /**
   * `from`, and where each route went: `slots[i]` is the index in `state.routes` of the vehicle
   * that drives `solution.routes[i]` (an empty route too keeps its vehicle), −1 for a route of an
   * unknown vehicle type or beyond the type's count.
   */
  static placing(context: SearchContext, solution: Solution): { state: SearchSolution; slots: number[] } {
    const state = SearchSolution.empty(context);
    const placed = new Set<number>();
    const taken = new Set<number>();
    const slots = solution.routes.map((route) => {
      const slot = state.routes.findIndex((r, k) => r.vehicleType === route.vehicleType && !taken.has(k));
      const target = state.routes[slot];
      if (target === undefined) return -1;
      taken.add(slot);
      target.jobs = route.jobs.filter((j) => context.data.jobs[j] !== undefined);
      target.update();
      for (const j of target.jobs) placed.add(j);
      return slot;
    });
    state.unassigned = state.unassigned.filter((j) => !placed.has(j));
    return { state, slots };
  }

  clone(): SearchSolution {
    return new SearchSolution(
      this.context,
      this.routes.map((r) => r.clone()),
      [...this.unassigned],
    );
  }

  get usedRoutes(): number {
    let used = 0;
    for (const r of this.routes) if (r.jobs.length > 0) used++;
    return used;
  }

  /** Required jobs in no route. */
  get missing(): number {
    let missing = 0;
    for (const j of this.unassigned) if (this.context.data.isRequired(j)) missing++;
    return missing;
  }

  /** Route costs plus the drop penalties of optional jobs left out (as `evaluate` counts it). */
  get cost(): number {
    let cost = 0;
    for (const r of this.routes) cost += r.cost;
    for (const j of this.unassigned) cost += this.context.data.jobs[j]?.dropPenalty ?? 0;
    return cost;
  }

  /** Every required job placed and every route within its limits, confirmed by `scheduleRoute` when windows are not single. */
  get complete(): boolean {
    if (this.missing > 0) return false;
    for (const r of this.routes) {
      if (r.jobs.length === 0) continue;
      if (!r.feasible) return false;
      if (!this.context.exact && !r.confirmed()) return false;
    }
    return true;
  }

  toSolution(): Solution {
    return {
      routes: this.routes
        .filter((r) => r.jobs.length > 0)
        .map((r) => ({ vehicleType: r.vehicleType, jobs: [...r.jobs] })),
    };
  }
}
