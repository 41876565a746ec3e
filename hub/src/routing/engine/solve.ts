import { construct } from './construct.js';
import { type Evaluation, evaluate, isFeasibleGivenPins } from './evaluate.js';
import type { ProblemData } from './problem.js';
import { SearchContext } from './search/context.js';
import { startFrom } from './search/initial.js';
import { improveAround } from './search/local-search.js';
import { SearchRandom } from './search/random.js';
import { recreateGreedy } from './search/recreate.js';
import { ruinStrings } from './search/ruin.js';
import type { SearchRoute } from './search/search-route.js';
import { SearchSolution } from './search/search-solution.js';
import type { Solution } from './solution.js';

/**
 * The solver's entry point (issue #8). Policy comes in as hooks with safe defaults: the clock
 * (`now`, default `performance.now`) and the seed; nothing here reads `Math.random`.
 */

export type Objective = 'distance' | 'vehicles-then-distance';

export interface SolveOptions {
  /** Wall-clock budget, measured with `now`. */
  readonly timeLimitMs: number;
  /** Seeds the search's RNG; same seed and `maxIterations` → same result. */
  readonly seed: number;
  /** Default 'distance' (cost as in `ProblemData`: fixed + distance + duration costs, drop penalties). */
  readonly objective?: Objective;
  readonly maxIterations?: number;
  /**
   * Stop once this many iterations in a row found no new best (the search has settled); the time
   * budget and `maxIterations` still bound it. Absent: search for the whole budget.
   */
  readonly maxIterationsWithoutImprovement?: number;
  /** Clock in milliseconds; default `performance.now`. */
  readonly now?: () => number;
  /** Anytime hook: called with each new best feasible solution. */
  readonly onImprove?: (best: SolveProgress) => void;
  /**
   * Start from this solution instead of the construction (`search/initial.ts`): it must be well
   * formed and keep the pins (else `InitialSolutionError`); required jobs missing from it are
   * inserted first, and stops that break a limit are taken out and put back elsewhere.
   */
  readonly initial?: Solution;
  /**
   * Also try or-opt (strings of 2–3, reversed too, within and between routes) and cross-exchange
   * (strings of up to 3) in the local search. Off by default: on Solomon R1+RC1 at 10 s they cost
   * more iterations than they gain (mean gap 0.47 % off, 0.99 % on; `search/local-search.ts`).
   */
  readonly stringMoves?: boolean;
}

export interface SolveProgress {
  readonly elapsedMs: number;
  readonly iterations: number;
  /** Cost units, as `evaluate` reports them. */
  readonly cost: number;
  /** Unscaled, as `evaluate` reports it. */
  readonly distance: number;
  readonly vehicles: number;
}

export interface SolveResult {
  readonly routes: Solution;
  readonly evaluation: ReturnType<typeof evaluate>;
  readonly iterations: number;
  readonly elapsedMs: number;
  /** Required jobs the best solution leaves out (empty when it is feasible). */
  readonly unassigned: readonly number[];
  /** Which stopping criterion ended the search (`inserted`: a re-plan placed every job without one). */
  readonly stoppedBy: StopReason;
}

export type StopReason = 'time' | 'iterations' | 'no-improvement' | 'inserted';

/** Annealing temperatures as multiples of a typical edge's cost (SISR's 100 → 1 on Solomon). */
const START_TEMPERATURE = 10;
const FINAL_TEMPERATURE = 0.1;
/** Share of the budget spent lowering the fleet under 'vehicles-then-distance'; the rest shortens routes. */
const FLEET_PHASE = 0.5;
/**
 * …but it ends sooner once this share of the budget has passed without a route less, and the
 * routes get the time: on Solomon R1, RC1, R2, RC2 at 10 s (seed 1) the fleet stayed 295 → 296
 * while the mean gap went from +2.48 % to +1.08 % (RC206 +18.2 → +0.6 %).
 */
const FLEET_STALL = 0.2;

export function solve(problem: ProblemData, options: SolveOptions): SolveResult {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const context = new SearchContext(problem);
  let start: SearchSolution;
  if (options.initial !== undefined) start = startFrom(context, options.initial).state;
  else start = SearchSolution.from(context, construct(problem, context).solution);
  const fallback = start.toSolution();
  const run = searchFrom(start, options, started);
  if (run.best === undefined) {
    const evaluation = evaluate(problem, fallback);
    const placed = new Set(fallback.routes.flatMap((r) => r.jobs));
    const unassigned = problem.jobs.flatMap((_, j) => (problem.isRequired(j) && !placed.has(j) ? [j] : []));
    return {
      routes: fallback,
      evaluation,
      iterations: run.iterations,
      elapsedMs: run.elapsedMs,
      unassigned,
      stoppedBy: run.stoppedBy,
    };
  }
  return {
    routes: run.best.state.toSolution(),
    evaluation: run.best.evaluation,
    iterations: run.iterations,
    elapsedMs: run.elapsedMs,
    unassigned: [],
    stoppedBy: run.stoppedBy,
  };
}

/** What `searchFrom` found: the best solution the checker accepts (none if nothing complete was seen). */
export interface SearchRun {
  readonly best: { readonly state: SearchSolution; readonly evaluation: Evaluation } | undefined;
  readonly iterations: number;
  readonly elapsedMs: number;
  readonly stoppedBy: StopReason;
}

/**
 * The search proper, from `current` (which it changes): jobs it leaves out are put back first,
 * then ruin-and-recreate with annealing until a stopping criterion. The routes' order in the
 * state never changes, so route k of the best state is the vehicle of route k of `current`
 * (`replan.ts` relies on it). `started` is the clock reading the budget counts from.
 */
export function searchFrom(current: SearchSolution, options: SolveOptions, started: number): SearchRun {
  const now = options.now ?? (() => performance.now());
  const objective = options.objective ?? 'distance';
  const { context } = current;
  const problem = context.data;
  const random = new SearchRandom(options.seed);
  const fleet = problem.vehicleCount;

  // Any complete solution must beat any incomplete one, whatever the annealing accepts.
  const missingWeight = 1000 * (current.cost + context.typicalEdgeCost * (problem.jobs.length + 1));
  const score = (s: SearchSolution): number => s.cost + missingWeight * s.missing;
  const better = (a: SearchSolution, b: SearchSolution): boolean =>
    objective === 'vehicles-then-distance'
      ? a.usedRoutes < b.usedRoutes || (a.usedRoutes === b.usedRoutes && a.cost < b.cost)
      : a.cost < b.cost;

  const checkerBetter = (a: Evaluation, b: Evaluation): boolean =>
    objective === 'vehicles-then-distance'
      ? a.vehiclesUsed < b.vehiclesUsed || (a.vehiclesUsed === b.vehiclesUsed && a.cost < b.cost)
      : a.cost < b.cost;

  let best: { state: SearchSolution; evaluation: Evaluation } | undefined;
  let iterations = 0;
  let improvedAt = 0;
  const offer = (candidate: SearchSolution): void => {
    if (!candidate.complete || (best !== undefined && !better(candidate, best.state))) return;
    const solution = candidate.toSolution();
    const evaluation = evaluate(problem, solution);
    // The checker has the last word (several windows make the search's durations approximate).
    if (
      !isFeasibleGivenPins(problem, evaluation) ||
      (best !== undefined && !checkerBetter(evaluation, best.evaluation))
    )
      return;
    best = { state: candidate.clone(), evaluation };
    improvedAt = iterations;
    options.onImprove?.({
      elapsedMs: now() - started,
      iterations,
      cost: evaluation.cost,
      distance: evaluation.distance,
      vehicles: evaluation.vehiclesUsed,
    });
  };
  offer(current); // the starting point, so the result is never worse than it
  if (current.unassigned.length > 0) {
    // Without blinks: a job left out of the start goes where it fits best, if anywhere.
    recreateGreedy(current, random, fleet, 0);
    offer(current);
  }

  const absences = new Array<number>(problem.jobs.length).fill(0);
  const absenceSum = (s: SearchSolution): number =>
    s.unassigned.reduce((sum, j) => sum + (problem.isRequired(j) ? (absences[j] ?? 0) : 0), 0);
  let routeLimit = fleet;
  let fleetPhase = objective === 'vehicles-then-distance';
  let fewestRoutes = Number.POSITIVE_INFINITY;
  let fewestAt = 0;
  const t0 = START_TEMPERATURE * context.typicalEdgeCost;
  const t1 = FINAL_TEMPERATURE * context.typicalEdgeCost;
  const settled = options.maxIterationsWithoutImprovement;
  let stoppedBy: StopReason;
  for (;;) {
    if (options.maxIterations !== undefined && iterations >= options.maxIterations) {
      stoppedBy = 'iterations';
      break;
    }
    if (settled !== undefined && iterations - improvedAt >= settled) {
      stoppedBy = 'no-improvement';
      break;
    }
    const elapsed = now() - started;
    if (elapsed >= options.timeLimitMs) {
      stoppedBy = 'time';
      break;
    }
    // With an iteration cap the schedule follows iterations, so a seed reproduces a run exactly.
    const progress =
      options.maxIterations !== undefined ? iterations / options.maxIterations : elapsed / options.timeLimitMs;
    if (fleetPhase && current.missing === 0 && current.usedRoutes < fewestRoutes) {
      fewestRoutes = current.usedRoutes;
      fewestAt = progress;
    }
    if (fleetPhase && (progress >= FLEET_PHASE || progress - fewestAt >= FLEET_STALL)) {
      fleetPhase = false;
      if (best !== undefined) {
        current = best.state.clone();
        routeLimit = current.usedRoutes;
      }
    }
    if (fleetPhase && current.missing === 0 && current.usedRoutes > 1) {
      routeLimit = current.usedRoutes - 1;
      dropSmallestRoute(current, random);
    }
    const temperature = t0 * (t1 / t0) ** progress;
    const candidate = current.clone();
    ruinStrings(candidate, random);
    const touched = [...candidate.unassigned];
    recreateGreedy(candidate, random, routeLimit);
    improveAround(candidate, touched, random, options.stringMoves ?? false);
    iterations++;
    if (fleetPhase) {
      // SISR's fleet minimisation: fewer jobs left out, or ones left out less often so far.
      for (const j of candidate.unassigned) if (problem.isRequired(j)) absences[j] = (absences[j] ?? 0) + 1;
      if (candidate.missing < current.missing || absenceSum(candidate) < absenceSum(current)) current = candidate;
    } else if (score(candidate) < score(current) - temperature * Math.log(1 - random.float())) current = candidate;
    offer(candidate);
  }

  return { best, iterations, elapsedMs: now() - started, stoppedBy };
}

/**
 * Fleet minimisation: empty the used route with the fewest jobs (ties at random); its jobs must
 * find room elsewhere. A route with pinned jobs is used whatever happens, so it is never the one.
 */
function dropSmallestRoute(state: SearchSolution, random: SearchRandom): void {
  let target: SearchRoute | undefined;
  for (const route of state.routes)
    if (
      route.jobs.length > 0 &&
      route.fixed === 0 &&
      (target === undefined ||
        route.jobs.length < target.jobs.length ||
        (route.jobs.length === target.jobs.length && random.float() < 0.5))
    )
      target = route;
  if (target === undefined) return;
  state.unassigned.push(...target.jobs);
  target.jobs = [];
  target.update();
}
