import type { SearchRandom } from './random.js';
import { applyRelocate, relocateDelta } from './relocate.js';
import type { SearchSolution } from './search-solution.js';
import { applySwap, swapDelta } from './swap.js';
import { applyTwoOptStar, twoOptStarDelta } from './two-opt-star.js';

/**
 * First-improvement local search over a granular neighbourhood (Toth & Vigo 2003; PyVRP's
 * `LocalSearch`): for each job `u` to look at and each of its `NEIGHBOURS` nearest jobs `v` in
 * another route, try relocating `u` next to `v`, swapping them and the two 2-opt* tail exchanges
 * that make `u` and `v` adjacent; apply the first move that lowers the cost, until none does.
 * Moves are checked in O(1) by the routes' cached segments and must break no limit (the search
 * stays feasible; infeasible moves are not penalised, they are skipped).
 */
const NEIGHBOURS = 20;

export function improveAround(state: SearchSolution, jobs: readonly number[], random: SearchRandom): void {
  const { data, exact, neighbours } = state.context;
  const routeOf = new Int32Array(data.jobs.length).fill(-1);
  const positionOf = new Int32Array(data.jobs.length);
  const index = (r: number): void => {
    state.routes[r]?.jobs.forEach((j, k) => {
      routeOf[j] = r;
      positionOf[j] = k + 1;
    });
  };
  state.routes.forEach((_, r) => {
    index(r);
  });
  const order = random.shuffle([...jobs]);

  for (let improved = true; improved; ) {
    improved = false;
    for (const u of order) {
      const near = neighbours[u];
      if (near === undefined) continue;
      for (let n = 0; n < Math.min(NEIGHBOURS, near.length); n++) {
        const v = near[n] ?? -1;
        const ra = routeOf[u] ?? -1;
        const rb = routeOf[v] ?? -1;
        const a = state.routes[ra];
        const b = state.routes[rb];
        if (a === undefined || b === undefined || ra === rb) continue;
        const p = positionOf[u] ?? 0;
        const q = positionOf[v] ?? 0;
        // Lazily, first improvement: stop at the first move that gains.
        let apply: (() => void) | undefined;
        if (relocateDelta(a, p, b, q) < 0) apply = () => applyRelocate(a, p, b, q);
        else if (relocateDelta(a, p, b, q - 1) < 0) apply = () => applyRelocate(a, p, b, q - 1);
        else if (swapDelta(a, p, b, q) < 0) apply = () => applySwap(a, p, b, q);
        else if (twoOptStarDelta(a, p, b, q - 1) < 0) apply = () => applyTwoOptStar(a, p, b, q - 1);
        else if (twoOptStarDelta(a, p - 1, b, q) < 0) apply = () => applyTwoOptStar(a, p - 1, b, q);
        if (apply === undefined) continue;
        const before: [number[], number[]] = [[...a.jobs], [...b.jobs]];
        apply();
        if (!exact && !(a.confirmed() && b.confirmed())) {
          // The hull of several windows allowed it; the exact schedule does not.
          a.jobs = before[0];
          b.jobs = before[1];
          a.update();
          b.update();
          continue;
        }
        index(ra);
        index(rb);
        improved = true;
        break;
      }
    }
  }
}
