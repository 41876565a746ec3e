import { type Depot, type JobInput, Model, type Scale, type VehicleTypeInput } from './engine/problem.js';

/**
 * A routing problem as plain data: the `Model` inputs, no class instances, so it crosses to the
 * solver thread by structured clone (the matrices as typed arrays) and is rebuilt and validated
 * there by `modelOf(...).data()`. A `ProblemData` itself cannot cross: only `Model.data()` makes
 * one (see `engine/problem.ts`).
 */
export interface ProblemInput {
  readonly scale: Scale;
  readonly depots: readonly Depot[];
  readonly vehicleTypes: readonly VehicleTypeInput[];
  readonly jobs: readonly JobInput[];
  readonly matrices: { readonly size: number; readonly distance: Int32Array; readonly duration: Int32Array };
}

/** The `Model` the input describes; `.data()` validates it (and throws `ProblemError`). */
export function modelOf(input: ProblemInput): Model {
  const model = new Model(input.scale);
  for (const depot of input.depots) model.addDepot(depot);
  for (const type of input.vehicleTypes) model.addVehicleType(type);
  for (const job of input.jobs) model.addJob(job);
  return model.setMatrices(input.matrices);
}
