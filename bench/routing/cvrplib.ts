import { runSet } from './parts/run-set.js';

/**
 * CVRPLIB's 92 instances of sets A, B, E, F, M and P (`../shared/data/vrp/cvrplib/`), 10 s each
 * by default, against the proven optima; anchor: the construction alone. Flags: see
 * `parts/run-set.ts`.
 */
runSet('cvrplib');
