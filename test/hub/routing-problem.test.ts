import { describe, expect, it } from 'vitest';
import {
  type JobInput,
  Model,
  PROBLEM_ERROR_CODES,
  ProblemData,
  ProblemError,
  type ProblemErrorCode,
  type TravelMatrices,
  type VehicleTypeInput,
} from '../../hub/src/routing/engine/problem.js';

/** Two locations 7 apart (both ways), one depot, one vehicle, one job: the smallest valid problem. */
const MATRICES: TravelMatrices = { size: 2, distance: [0, 7, 7, 0], duration: [0, 7, 7, 0] };

interface Change {
  readonly scale?: { distance: number; duration: number };
  readonly depots?: number[];
  readonly vehicles?: VehicleTypeInput[] | null;
  readonly jobs?: JobInput[];
  readonly matrices?: TravelMatrices | null;
}

function build(change: Change = {}) {
  const model = new Model(change.scale ?? { distance: 1, duration: 1 });
  for (const location of change.depots ?? [0]) model.addDepot({ location });
  for (const v of change.vehicles === null ? [] : (change.vehicles ?? [{ capacity: [10] }])) model.addVehicleType(v);
  for (const j of change.jobs ?? [{ location: 1, delivery: [3] }]) model.addJob(j);
  if (change.matrices !== null) model.setMatrices(change.matrices ?? MATRICES);
  return model.data();
}

function codeOf(change: Change): ProblemErrorCode | undefined {
  try {
    build(change);
    return undefined;
  } catch (error) {
    if (error instanceof ProblemError) return error.code;
    throw error;
  }
}

describe('routing ProblemData built by the Model', () => {
  it('fills the defaults a user would expect and reads the matrices by (from, to)', () => {
    const data = build();
    expect(data.vehicleTypes[0]).toMatchObject({
      count: 1,
      startDepot: 0,
      endDepot: 0,
      fixedCost: 0,
      unitDistanceCost: 1,
      unitDurationCost: 0,
    });
    expect(data.jobs[0]).toMatchObject({ serviceDuration: 0, delivery: [3] });
    expect(data.isRequired(0)).toBe(true);
    expect(data.distance(0, 1)).toBe(7);
    expect(data.duration(1, 0)).toBe(7);
    expect(data.dimensions).toBe(1);
    expect(data.vehicleCount).toBe(1);
  });

  it('is a snapshot: changing the inputs afterwards changes nothing, and the data itself is frozen', () => {
    const distance = [0, 7, 7, 0];
    const capacity = [10];
    const model = new Model();
    model.addDepot({ location: 0 });
    model.addVehicleType({ capacity });
    model.addJob({ location: 1, delivery: [3], dropPenalty: 5 });
    model.setMatrices({ size: 2, distance, duration: distance });
    const data = model.data();
    distance[1] = 99;
    capacity[0] = 1;
    expect(data.distance(0, 1)).toBe(7);
    expect(data.vehicleTypes[0]?.capacity).toEqual([10]);
    expect(data.isRequired(0)).toBe(false);
    expect(Object.isFrozen(data)).toBe(true);
    expect(Object.isFrozen(data.jobs)).toBe(true);
    expect(Object.isFrozen(data.jobs[0]?.timeWindows[0])).toBe(true);
    const capacityOfType0 = data.vehicleTypes[0]?.capacity ?? [];
    expect(() => (capacityOfType0 as number[]).push(1)).toThrow(TypeError);
  });

  it('cannot be constructed around the Model, so every ProblemData has been validated', () => {
    expect(() => Reflect.construct(ProblemData, [Symbol('forged'), { distance: 1, duration: 1 }])).toThrow(
      /built by Model.data/,
    );
  });

  // One bad input per code; the last test checks that the table has no code without one.
  const BAD: Record<ProblemErrorCode, Change> = {
    BAD_SCALE: { scale: { distance: 0, duration: 1 } },
    NO_DEPOTS: { depots: [] },
    NO_VEHICLES: { vehicles: null },
    MATRIX_SIZE: { matrices: { size: 2, distance: [0, 7, 7], duration: [0, 7, 7, 0] } },
    NEGATIVE_TRAVEL: { matrices: { size: 2, distance: [0, 7, 7, 0], duration: [0, -1, 7, 0] } },
    NOT_INTEGER: { jobs: [{ location: 1, delivery: [2.5] }] },
    UNKNOWN_LOCATION: { jobs: [{ location: 2, delivery: [3] }] },
    UNKNOWN_DEPOT: { vehicles: [{ capacity: [10], endDepot: 1 }] },
    DIMENSION_MISMATCH: { jobs: [{ location: 1, delivery: [3, 1] }] },
    NEGATIVE_DEMAND: { jobs: [{ location: 1, delivery: [-3] }] },
    NEGATIVE_CAPACITY: { vehicles: [{ capacity: [-10] }] },
    NEGATIVE_DURATION: { jobs: [{ location: 1, delivery: [3], serviceDuration: -5 }] },
    NEGATIVE_COST: { vehicles: [{ capacity: [10], fixedCost: -100 }] },
    BAD_VEHICLE_COUNT: { vehicles: [{ capacity: [10], count: 0 }] },
    NO_TIME_WINDOW: { jobs: [{ location: 1, delivery: [3], timeWindows: [] }] },
    TIME_WINDOW_INVERTED: { jobs: [{ location: 1, delivery: [3], timeWindows: [[50, 40]] }] },
    TIME_WINDOWS_OVERLAP: {
      jobs: [
        {
          location: 1,
          delivery: [3],
          timeWindows: [
            [0, 50],
            [50, 60],
          ],
        },
      ],
    },
    SHIFT_INVERTED: { vehicles: [{ capacity: [10], shift: [480, 420] }] },
    PINNED_FLEET: { vehicles: [{ capacity: [10], count: 2, pinned: [0] }] },
    PINNED_TWICE: {
      vehicles: [
        { capacity: [10], pinned: [0] },
        { capacity: [10], pinned: [0] },
      ],
    },
    UNKNOWN_JOB: { vehicles: [{ capacity: [10], pinned: [1] }] },
  };

  for (const [code, change] of Object.entries(BAD) as [ProblemErrorCode, Change][])
    it(`refuses a problem with ${code}: ${PROBLEM_ERROR_CODES[code]}`, () => {
      expect(codeOf(change)).toBe(code);
    });

  it('has a refusing input for every documented code', () => {
    expect(Object.keys(BAD).sort()).toEqual(Object.keys(PROBLEM_ERROR_CODES).sort());
  });

  it('names the offending item in the error', () => {
    const jobs: JobInput[] = [
      { location: 1, delivery: [3] },
      { location: 1, delivery: [3], timeWindows: [[90, 10]] },
    ];
    expect(() => build({ jobs })).toThrow(/TIME_WINDOW_INVERTED: job 1 — window 0 \[90, 10\]/);
    try {
      build({ vehicles: [{ capacity: [10] }, { capacity: [10, 2] }] });
    } catch (error) {
      expect(error).toBeInstanceOf(ProblemError);
      expect(error).toMatchObject({ code: 'DIMENSION_MISMATCH', item: 'vehicleType 1' });
    }
    expect.assertions(3);
  });

  it('also refuses a negative or non-integer vehicle quantity and a missing matrix', () => {
    expect(codeOf({ vehicles: [{ capacity: [10], maxDuration: -1 }] })).toBe('NEGATIVE_DURATION');
    expect(codeOf({ jobs: [{ location: 1, delivery: [3], dropPenalty: -1 }] })).toBe('NEGATIVE_COST');
    expect(codeOf({ matrices: { size: 2, distance: [0, 0.5, 7, 0], duration: [0, 7, 7, 0] } })).toBe('NOT_INTEGER');
    expect(codeOf({ matrices: null })).toBe('MATRIX_SIZE');
    expect(codeOf({ depots: [0, 1], vehicles: [{ capacity: [10], startDepot: 1, endDepot: 0 }] })).toBeUndefined();
  });
});
