/**
 * The routing problem: an immutable, validated `ProblemData` built by a `Model` (PyVRP's
 * `ProblemData` / `Model` split). Everything the search reads is here and never changes; search
 * state lives in its own types.
 *
 * Units. Every quantity in `ProblemData` is an integer (safe integer; matrices are `Int32Array`).
 * Distances and times are scaled once at the boundary — the reader or the hub adapter multiplies
 * the user's value by `scale.distance` / `scale.duration` and rounds — so that the search compares
 * and adds exactly. Results are reported unscaled by dividing by the same factors (`evaluate.ts`).
 * Demands and capacities are whole units and are not scaled. Costs are integer "cost units":
 * `fixedCost` per route used, `unitDistanceCost` per scaled distance unit, `unitDurationCost` per
 * scaled time unit, `dropPenalty` per optional job left out (PyVRP's `unit_distance_cost`, prize).
 * With the defaults (1, 0) a route's cost is its scaled distance.
 *
 * Locations are indices into the matrices; depots and jobs name a location, so several may share
 * one (a depot that is also a pickup point) and the matrix may hold points no one uses.
 */

/** Every way `Model.data()` refuses a problem; `ProblemError.code` is one of these keys. */
export const PROBLEM_ERROR_CODES = {
  BAD_SCALE: 'a scale factor is not a positive finite number',
  NO_DEPOTS: 'the problem has no depot',
  NO_VEHICLES: 'the problem has no vehicle type, or none with a vehicle',
  MATRIX_SIZE: 'a matrix is missing or its length is not size × size',
  NEGATIVE_TRAVEL: 'a distance or duration in a matrix is negative',
  NOT_INTEGER: 'a quantity is not a safe integer (scale it at the boundary)',
  UNKNOWN_LOCATION: 'a depot or job names a location outside the matrix',
  UNKNOWN_DEPOT: "a vehicle type's start or end depot does not exist",
  DIMENSION_MISMATCH: 'a demand or capacity vector has a different number of dimensions',
  NEGATIVE_DEMAND: 'a job demands less than zero in some dimension',
  NEGATIVE_CAPACITY: 'a vehicle type has a capacity below zero in some dimension',
  NEGATIVE_DURATION: 'a service duration or maximum route duration is negative',
  NEGATIVE_COST: 'a fixed cost, unit cost or drop penalty is negative',
  BAD_VEHICLE_COUNT: 'a vehicle type has a count that is not a whole number ≥ 1',
  NO_TIME_WINDOW: 'a job has an empty list of time windows',
  TIME_WINDOW_INVERTED: 'a time window closes before it opens',
  TIME_WINDOWS_OVERLAP: "a job's time windows overlap or are not in increasing order",
  SHIFT_INVERTED: "a vehicle type's shift ends before it starts",
  PINNED_FLEET: 'a vehicle type with pinned jobs has a count other than 1 (pins name one vehicle)',
  PINNED_TWICE: 'a job is pinned twice, to one vehicle type or to two',
  UNKNOWN_JOB: 'a vehicle type pins a job index the problem does not have',
} as const;

export type ProblemErrorCode = keyof typeof PROBLEM_ERROR_CODES;

export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  constructor(
    readonly code: ProblemErrorCode,
    /** What is wrong, e.g. `job 3` or `vehicleType 0`. */
    readonly item: string,
    detail?: string,
  ) {
    super(`${code}: ${item}${detail ? ` — ${detail}` : ''} (${PROBLEM_ERROR_CODES[code]})`);
  }
}

/** "No limit" for open-ended times: large, but still exact in double arithmetic. */
export const NO_TIME_LIMIT = 2 ** 50;

/** [open, close], both inclusive: service may start at any time in between. */
export type TimeWindow = readonly [open: number, close: number];

export interface Scale {
  /** Scaled distance = round(user distance × this). */
  readonly distance: number;
  /** Scaled time = round(user time × this); applies to windows, service and travel durations. */
  readonly duration: number;
}

export interface Depot {
  readonly location: number;
  readonly name?: string;
}

export interface VehicleType {
  /** How many identical vehicles of this type are available. */
  readonly count: number;
  /** Capacity per load dimension (e.g. [kg, crates]). */
  readonly capacity: readonly number[];
  readonly startDepot: number;
  readonly endDepot: number;
  /** The vehicle may leave its start depot at `earliest` and must be back by `latest`. */
  readonly shift: TimeWindow;
  readonly fixedCost: number;
  readonly unitDistanceCost: number;
  readonly unitDurationCost: number;
  /** Longest a route may last, depot to depot, waiting included. */
  readonly maxDuration?: number;
  /**
   * Jobs this vehicle serves first, in this order (stops already visited or under way when
   * re-planning). Only on a type with count 1. Pinned jobs are required in effect and no search
   * move touches them; other jobs only follow them (`search/search-route.ts` on a prefix that is
   * already late or over a limit).
   */
  readonly pinned?: readonly number[];
  readonly name?: string;
}

export interface Job {
  readonly location: number;
  /** Delivered quantity per load dimension, loaded at the start depot. */
  readonly delivery: readonly number[];
  readonly serviceDuration: number;
  /** Sorted, disjoint; service must start inside one of them. */
  readonly timeWindows: readonly TimeWindow[];
  /** Absent: the job is required. Present: it may be left out at this cost. */
  readonly dropPenalty?: number;
  readonly name?: string;
}

export interface TravelMatrices {
  /** Number of locations; each matrix is size × size, row-major (from × size + to). */
  readonly size: number;
  readonly distance: ArrayLike<number>;
  readonly duration: ArrayLike<number>;
}

/** Only `Model.data()` holds this, so every `ProblemData` in existence has been validated. */
const VALIDATED: unique symbol = Symbol('validated by Model.data()');

/** The validated problem. Construct with `Model.data()`; nothing in it can be changed. */
export class ProblemData {
  readonly #distance: Int32Array;
  readonly #duration: Int32Array;
  readonly #pinnedTo: Int32Array;

  /** Use `Model.data()`, which validates; the token keeps anyone else from constructing one. */
  constructor(
    token: typeof VALIDATED,
    readonly scale: Scale,
    readonly depots: readonly Depot[],
    readonly vehicleTypes: readonly VehicleType[],
    readonly jobs: readonly Job[],
    readonly dimensions: number,
    readonly locationCount: number,
    distance: Int32Array,
    duration: Int32Array,
  ) {
    if (token !== VALIDATED) throw new TypeError('ProblemData is built by Model.data()');
    this.#distance = distance;
    this.#duration = duration;
    this.#pinnedTo = new Int32Array(jobs.length).fill(-1);
    vehicleTypes.forEach((type, v) => {
      for (const j of type.pinned ?? []) this.#pinnedTo[j] = v;
    });
    Object.freeze(this);
  }

  distance(from: number, to: number): number {
    return this.#distance[from * this.locationCount + to] ?? Number.NaN;
  }

  duration(from: number, to: number): number {
    return this.#duration[from * this.locationCount + to] ?? Number.NaN;
  }

  /** Required: no drop penalty, or pinned (a pinned job is never left out). */
  isRequired(job: number): boolean {
    return this.jobs[job]?.dropPenalty === undefined || this.pinnedTo(job) >= 0;
  }

  /** The vehicle type `job` is pinned to, or −1. */
  pinnedTo(job: number): number {
    return this.#pinnedTo[job] ?? -1;
  }

  /** The jobs vehicle type `vehicleType` must serve first, in order (empty when none). */
  pinned(vehicleType: number): readonly number[] {
    return this.vehicleTypes[vehicleType]?.pinned ?? [];
  }

  get vehicleCount(): number {
    return this.vehicleTypes.reduce((sum, t) => sum + t.count, 0);
  }
}

export type VehicleTypeInput = Pick<VehicleType, 'capacity'> &
  Partial<Omit<VehicleType, 'capacity' | 'shift' | 'maxDuration' | 'pinned'>> & {
    readonly shift?: TimeWindow;
    readonly maxDuration?: number;
    readonly pinned?: readonly number[];
  };

export type JobInput = Pick<Job, 'location' | 'delivery'> &
  Partial<Omit<Job, 'location' | 'delivery' | 'dropPenalty'>> & { readonly dropPenalty?: number };

/**
 * Collects a problem piece by piece; `data()` validates it all and returns the immutable
 * `ProblemData`. Inputs are already scaled integers (see the file comment).
 */
export class Model {
  readonly #depots: Depot[] = [];
  readonly #vehicleTypes: VehicleType[] = [];
  readonly #jobs: Job[] = [];
  #matrices: TravelMatrices | undefined;

  constructor(readonly scale: Scale = { distance: 1, duration: 1 }) {}

  /** Returns the depot's index. */
  addDepot(depot: Depot): number {
    this.#depots.push({ ...depot });
    return this.#depots.length - 1;
  }

  /** Returns the vehicle type's index. Defaults: 1 vehicle, depot 0 both ends, no shift limit, cost = distance. */
  addVehicleType(input: VehicleTypeInput): number {
    const startDepot = input.startDepot ?? 0;
    const type: VehicleType = {
      count: input.count ?? 1,
      capacity: [...input.capacity],
      startDepot,
      endDepot: input.endDepot ?? startDepot,
      shift: input.shift ? [input.shift[0], input.shift[1]] : [0, NO_TIME_LIMIT],
      fixedCost: input.fixedCost ?? 0,
      unitDistanceCost: input.unitDistanceCost ?? 1,
      unitDurationCost: input.unitDurationCost ?? 0,
      ...(input.maxDuration !== undefined ? { maxDuration: input.maxDuration } : {}),
      ...(input.pinned !== undefined && input.pinned.length > 0 ? { pinned: [...input.pinned] } : {}),
      ...(input.name !== undefined ? { name: input.name } : {}),
    };
    this.#vehicleTypes.push(type);
    return this.#vehicleTypes.length - 1;
  }

  /** Returns the job's index. Defaults: no service time, open all day, required. */
  addJob(input: JobInput): number {
    const job: Job = {
      location: input.location,
      delivery: [...input.delivery],
      serviceDuration: input.serviceDuration ?? 0,
      timeWindows: (input.timeWindows ?? [[0, NO_TIME_LIMIT]]).map(([open, close]) => [open, close] as const),
      ...(input.dropPenalty !== undefined ? { dropPenalty: input.dropPenalty } : {}),
      ...(input.name !== undefined ? { name: input.name } : {}),
    };
    this.#jobs.push(job);
    return this.#jobs.length - 1;
  }

  setMatrices(matrices: TravelMatrices): this {
    this.#matrices = matrices;
    return this;
  }

  /** Validates everything and returns an immutable snapshot; throws `ProblemError` on the first fault. */
  data(): ProblemData {
    const { scale } = this;
    for (const factor of [scale.distance, scale.duration])
      if (!(Number.isFinite(factor) && factor > 0)) throw new ProblemError('BAD_SCALE', 'scale', String(factor));
    if (this.#depots.length === 0) throw new ProblemError('NO_DEPOTS', 'depots');
    if (this.#vehicleTypes.length === 0) throw new ProblemError('NO_VEHICLES', 'vehicleTypes');
    const { size, distance, duration } = checkMatrices(this.#matrices);

    this.#depots.forEach((depot, d) => {
      checkLocation(depot.location, size, `depot ${d}`);
    });
    const dimensions = this.#vehicleTypes[0]?.capacity.length ?? 0;
    this.#vehicleTypes.forEach((type, v) => {
      checkVehicleType(type, `vehicleType ${v}`, dimensions, this.#depots.length);
    });
    this.#jobs.forEach((job, j) => {
      checkJob(job, `job ${j}`, dimensions, size);
    });
    checkPins(this.#vehicleTypes, this.#jobs.length);

    return new ProblemData(
      VALIDATED,
      Object.freeze({ ...scale }),
      deepFreeze(this.#depots.map((d) => ({ ...d }))),
      deepFreeze(
        this.#vehicleTypes.map((t) => ({
          ...t,
          capacity: [...t.capacity],
          shift: [...t.shift] as const,
          ...(t.pinned ? { pinned: [...t.pinned] } : {}),
        })),
      ),
      deepFreeze(
        this.#jobs.map((j) => ({
          ...j,
          delivery: [...j.delivery],
          timeWindows: j.timeWindows.map((w) => [...w] as const),
        })),
      ),
      dimensions,
      size,
      distance,
      duration,
    );
  }
}

function checkMatrices(m: TravelMatrices | undefined): { size: number; distance: Int32Array; duration: Int32Array } {
  if (!m) throw new ProblemError('MATRIX_SIZE', 'matrices', 'setMatrices was not called');
  const { size } = m;
  if (!(Number.isInteger(size) && size > 0)) throw new ProblemError('MATRIX_SIZE', 'matrices', `size ${size}`);
  const copy = (name: 'distance' | 'duration'): Int32Array => {
    const values = m[name];
    if (values.length !== size * size)
      throw new ProblemError('MATRIX_SIZE', `${name} matrix`, `length ${values.length}, expected ${size * size}`);
    const out = new Int32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i] ?? Number.NaN;
      const at = `${name}[${Math.floor(i / size)}][${i % size}]`;
      // Int32Array would silently wrap or truncate anything else.
      if (!(Number.isInteger(v) && Math.abs(v) <= 0x7fffffff)) throw new ProblemError('NOT_INTEGER', at, String(v));
      if (v < 0) throw new ProblemError('NEGATIVE_TRAVEL', at, String(v));
      out[i] = v;
    }
    return out;
  };
  return { size, distance: copy('distance'), duration: copy('duration') };
}

function checkInteger(value: number, item: string, field: string): void {
  if (!Number.isSafeInteger(value)) throw new ProblemError('NOT_INTEGER', item, `${field} = ${value}`);
}

function checkLocation(location: number, size: number, item: string): void {
  checkInteger(location, item, 'location');
  if (location < 0 || location >= size)
    throw new ProblemError('UNKNOWN_LOCATION', item, `location ${location} of ${size}`);
}

function checkVehicleType(type: VehicleType, item: string, dimensions: number, depotCount: number): void {
  checkInteger(type.count, item, 'count');
  if (type.count < 1) throw new ProblemError('BAD_VEHICLE_COUNT', item, `count ${type.count}`);
  if (type.capacity.length !== dimensions)
    throw new ProblemError('DIMENSION_MISMATCH', item, `capacity has ${type.capacity.length}, expected ${dimensions}`);
  type.capacity.forEach((c, k) => {
    checkInteger(c, item, `capacity[${k}]`);
    if (c < 0) throw new ProblemError('NEGATIVE_CAPACITY', item, `capacity[${k}] = ${c}`);
  });
  for (const end of ['startDepot', 'endDepot'] as const) {
    checkInteger(type[end], item, end);
    if (type[end] < 0 || type[end] >= depotCount) throw new ProblemError('UNKNOWN_DEPOT', item, `${end} ${type[end]}`);
  }
  const [earliest, latest] = type.shift;
  checkInteger(earliest, item, 'shift[0]');
  checkInteger(latest, item, 'shift[1]');
  if (latest < earliest) throw new ProblemError('SHIFT_INVERTED', item, `[${earliest}, ${latest}]`);
  for (const field of ['fixedCost', 'unitDistanceCost', 'unitDurationCost'] as const) {
    checkInteger(type[field], item, field);
    if (type[field] < 0) throw new ProblemError('NEGATIVE_COST', item, `${field} = ${type[field]}`);
  }
  if (type.maxDuration !== undefined) {
    checkInteger(type.maxDuration, item, 'maxDuration');
    if (type.maxDuration < 0) throw new ProblemError('NEGATIVE_DURATION', item, `maxDuration = ${type.maxDuration}`);
  }
}

/** Each pinned job exists and is pinned once, and only to a type of one vehicle. */
function checkPins(types: readonly VehicleType[], jobCount: number): void {
  const pinnedTo = new Map<number, number>();
  types.forEach((type, v) => {
    const item = `vehicleType ${v}`;
    if (type.pinned === undefined) return;
    if (type.count !== 1) throw new ProblemError('PINNED_FLEET', item, `count ${type.count}`);
    for (const j of type.pinned) {
      checkInteger(j, item, 'pinned');
      if (j < 0 || j >= jobCount) throw new ProblemError('UNKNOWN_JOB', item, `pinned job ${j} of ${jobCount}`);
      const other = pinnedTo.get(j);
      if (other !== undefined)
        throw new ProblemError('PINNED_TWICE', `job ${j}`, `pinned to vehicleType ${other} and vehicleType ${v}`);
      pinnedTo.set(j, v);
    }
  });
}

function checkJob(job: Job, item: string, dimensions: number, size: number): void {
  checkLocation(job.location, size, item);
  if (job.delivery.length !== dimensions)
    throw new ProblemError('DIMENSION_MISMATCH', item, `delivery has ${job.delivery.length}, expected ${dimensions}`);
  job.delivery.forEach((q, k) => {
    checkInteger(q, item, `delivery[${k}]`);
    if (q < 0) throw new ProblemError('NEGATIVE_DEMAND', item, `delivery[${k}] = ${q}`);
  });
  checkInteger(job.serviceDuration, item, 'serviceDuration');
  if (job.serviceDuration < 0)
    throw new ProblemError('NEGATIVE_DURATION', item, `serviceDuration = ${job.serviceDuration}`);
  if (job.timeWindows.length === 0) throw new ProblemError('NO_TIME_WINDOW', item);
  let previousClose = Number.NEGATIVE_INFINITY;
  job.timeWindows.forEach(([open, close], w) => {
    checkInteger(open, item, `timeWindows[${w}][0]`);
    checkInteger(close, item, `timeWindows[${w}][1]`);
    if (close < open) throw new ProblemError('TIME_WINDOW_INVERTED', item, `window ${w} [${open}, ${close}]`);
    if (open <= previousClose) throw new ProblemError('TIME_WINDOWS_OVERLAP', item, `window ${w} opens at ${open}`);
    previousClose = close;
  });
  if (job.dropPenalty !== undefined) {
    checkInteger(job.dropPenalty, item, 'dropPenalty');
    if (job.dropPenalty < 0) throw new ProblemError('NEGATIVE_COST', item, `dropPenalty = ${job.dropPenalty}`);
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The boundary conversion: a user quantity to the integer the engine works in. */
export function toScaled(value: number, factor: number): number {
  return Math.round(value * factor);
}
