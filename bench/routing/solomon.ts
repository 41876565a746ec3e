import { runSet } from './parts/run-set.js';

/**
 * Solomon's 56 VRPTW instances (`../shared/data/vrp/solomon/`), 10 s each by default, against the
 * distance-only best known (`--objective distance`) or the hierarchical one (`--objective
 * vehicles-then-distance`); anchor: the construction alone. Flags: see `parts/run-set.ts`.
 */
runSet('solomon');
