/** Injection token of the replenishment module's repository (see `replenishment.repository.ts`). */
export const REPLENISHMENT_REPOSITORY = Symbol('REPLENISHMENT_REPOSITORY');
