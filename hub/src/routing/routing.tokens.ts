/** Injection tokens of the routing module (see `routing.repository.ts`, `solver-thread.ts`). */
export const ROUTING_REPOSITORY = Symbol('ROUTING_REPOSITORY');
export const SOLVER_THREAD = Symbol('SOLVER_THREAD');
