import { Model, type ProblemData, toScaled } from '../problem.js';
import { euclideanMatrix, type PlanePoint } from '../travel.js';
import { atFileLine, FormatError, itemIndex, numberedLines, parseNumber } from './format-error.js';

/**
 * Solomon's VRPTW text format (Solomon 1987): the instance name, a `VEHICLE` block (number,
 * capacity), then a `CUSTOMER` table of `id x y demand ready due service`, row 0 the depot. Files
 * keep their published CRLF line endings. Conventions, as the published best-known solutions use
 * them: travel time = Euclidean distance in double precision; service starts no later than `due`;
 * every vehicle leaves the depot at its `ready` time or later and is back by its `due`.
 *
 * The result is scaled by `scale` (default 1000: each leg within 0.0005 of the double value).
 * Location i is customer i (0 = depot); job j is customer j + 1.
 */

export interface SolomonInstance {
  readonly name: string;
  /** The fleet size the file allows (`NUMBER`); the vehicle type's count. */
  readonly vehicleLimit: number;
  readonly capacity: number;
  readonly customers: number;
  readonly points: readonly PlanePoint[];
  readonly data: ProblemData;
}

export interface SolomonOptions {
  readonly scale?: number;
}

const DEFAULT_SCALE = 1000;

interface CustomerRow {
  readonly line: number;
  readonly x: number;
  readonly y: number;
  readonly demand: number;
  readonly ready: number;
  readonly due: number;
  readonly service: number;
}

export function parseSolomon(text: string, options: SolomonOptions = {}): SolomonInstance {
  const scale = options.scale ?? DEFAULT_SCALE;
  const lines = numberedLines(text).filter((l) => l.text !== '');
  const name = lines[0]?.text;
  if (name === undefined) throw new FormatError('MISSING_SECTION', 0, 'empty file');

  const vehicleAt = lines.findIndex((l) => l.text.toUpperCase() === 'VEHICLE');
  if (vehicleAt < 0) throw new FormatError('MISSING_SECTION', 0, 'no VEHICLE section');
  // VEHICLE, then the "NUMBER CAPACITY" caption, then the values.
  const fleet = lines[vehicleAt + 2];
  if (fleet === undefined) throw new FormatError('MISSING_SECTION', 0, 'VEHICLE section has no values');
  const fleetFields = fleet.text.split(/\s+/);
  if (fleetFields.length !== 2) throw new FormatError('BAD_ROW', fleet.line, 'expected NUMBER CAPACITY');
  const vehicleLimit = parseNumber(fleetFields[0], fleet.line, 'NUMBER');
  const capacity = parseNumber(fleetFields[1], fleet.line, 'CAPACITY');

  const customerAt = lines.findIndex((l) => l.text.toUpperCase() === 'CUSTOMER');
  if (customerAt < 0) throw new FormatError('MISSING_SECTION', 0, 'no CUSTOMER section');
  const rows: CustomerRow[] = [];
  // CUSTOMER, then the column caption, then one row per customer.
  for (const { line, text: row } of lines.slice(customerAt + 2)) {
    const fields = row.split(/\s+/);
    if (fields.length !== 7) throw new FormatError('BAD_ROW', line, `expected 7 fields, got ${fields.length}`);
    const [id, x, y, demand, ready, due, service] = fields.map((f, k) => parseNumber(f, line, COLUMNS[k] ?? '?'));
    if (id !== rows.length)
      throw new FormatError(
        id !== undefined && id < rows.length ? 'DUPLICATE_ID' : 'BAD_ROW',
        line,
        `customer ${id} out of order`,
      );
    rows.push({
      line,
      x: x ?? 0,
      y: y ?? 0,
      demand: demand ?? 0,
      ready: ready ?? 0,
      due: due ?? 0,
      service: service ?? 0,
    });
  }
  const [depot, ...customers] = rows;
  if (depot === undefined) throw new FormatError('MISSING_SECTION', 0, 'CUSTOMER table is empty');

  const points = rows.map(({ x, y }) => ({ x, y }));
  const model = new Model({ distance: scale, duration: scale });
  model.addDepot({ location: 0, name: 'depot' });
  model.addVehicleType({
    count: vehicleLimit,
    capacity: [capacity],
    shift: [toScaled(depot.ready, scale), toScaled(depot.due, scale)],
  });
  customers.forEach((c, j) => {
    model.addJob({
      location: j + 1,
      name: String(j + 1),
      delivery: [c.demand],
      serviceDuration: toScaled(c.service, scale),
      timeWindows: [[toScaled(c.ready, scale), toScaled(c.due, scale)]],
    });
  });
  const matrix = euclideanMatrix(points, scale);
  model.setMatrices({ size: points.length, distance: matrix, duration: matrix });
  const data = atFileLine(
    () => model.data(),
    (item) => {
      if (item.startsWith('vehicleType')) return fleet.line;
      const job = itemIndex(item, 'job');
      return job === undefined ? undefined : customers[job]?.line;
    },
  );
  return { name, vehicleLimit, capacity, customers: customers.length, points, data };
}

const COLUMNS = ['CUST NO.', 'XCOORD.', 'YCOORD.', 'DEMAND', 'READY TIME', 'DUE DATE', 'SERVICE TIME'];
