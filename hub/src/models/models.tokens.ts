/** Injection token of the models module's repository (see `models.repository.ts`). */
export const MODELS_REPOSITORY = Symbol('MODELS_REPOSITORY');
