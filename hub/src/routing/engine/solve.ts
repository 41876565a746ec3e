import { construct } from './construct.js';
import { evaluate } from './evaluate.js';
import type { ProblemData } from './problem.js';
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
  /** Clock in milliseconds; default `performance.now`. */
  readonly now?: () => number;
  /** Anytime hook: called with each new best feasible solution. */
  readonly onImprove?: (best: SolveProgress) => void;
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
}

export function solve(problem: ProblemData, options: SolveOptions): SolveResult {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const { solution, unassigned } = construct(problem);
  const evaluation = evaluate(problem, solution);
  return { routes: solution, evaluation, iterations: 0, elapsedMs: now() - started, unassigned };
}
