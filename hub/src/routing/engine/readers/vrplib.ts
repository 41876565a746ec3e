import { Model, type ProblemData } from '../problem.js';
import { type PlanePoint, tsplibEuc2dMatrix } from '../travel.js';
import { atFileLine, FormatError, itemIndex, numberedLines, parseNumber } from './format-error.js';

/**
 * VRPLIB / TSPLIB 95 CVRP files as CVRPLIB publishes them: `KEY : value` headers (NAME, TYPE,
 * DIMENSION, CAPACITY, EDGE_WEIGHT_TYPE, COMMENT, optionally VEHICLES), then NODE_COORD_SECTION,
 * DEMAND_SECTION, DEPOT_SECTION (ids ended by -1) and EOF. Only EUC_2D is read; its costs are
 * nint-rounded (`tsplibEuc2dMatrix`), which is what CVRPLIB's optima are computed with. Coordinates
 * may be decimals (set F). Location i is node i + 1; jobs are the non-depot nodes in file order.
 *
 * The fleet is not limited by the format: the minimum number of vehicles is a property of the
 * instance (name suffix `-k5`, COMMENT "No of trucks: 5", or VEHICLES), reported as
 * `vehicleLimit`; the vehicle type gets `options.vehicles`, by default one per customer.
 */

export interface VrplibInstance {
  readonly name: string;
  readonly capacity: number;
  readonly customers: number;
  readonly vehicleLimit?: number;
  /** Best known or optimal cost from the COMMENT, when it gives one. */
  readonly bks?: number;
  readonly points: readonly PlanePoint[];
  readonly data: ProblemData;
}

export interface VrplibOptions {
  readonly vehicles?: number;
}

const SECTIONS = new Set(['NODE_COORD_SECTION', 'DEMAND_SECTION', 'DEPOT_SECTION', 'EOF']);

export function parseVrplib(text: string, options: VrplibOptions = {}): VrplibInstance {
  const header = new Map<string, { value: string; line: number }>();
  const sections = new Map<string, { line: number; fields: string[] }[]>();
  let current: { line: number; fields: string[] }[] | undefined;
  for (const { line, text: row } of numberedLines(text)) {
    if (row === '') continue;
    const keyword = row.split(/[\s:]+/)[0]?.toUpperCase() ?? '';
    if (SECTIONS.has(keyword)) {
      if (keyword === 'EOF') break;
      current = [];
      sections.set(keyword, current);
    } else if (current === undefined) {
      const colon = row.indexOf(':');
      if (colon < 0) throw new FormatError('BAD_ROW', line, `expected "KEY : value", got ${JSON.stringify(row)}`);
      header.set(row.slice(0, colon).trim().toUpperCase(), { value: row.slice(colon + 1).trim(), line });
    } else current.push({ line, fields: row.split(/\s+/) });
  }

  const need = (key: string): { value: string; line: number } => {
    const entry = header.get(key);
    if (entry === undefined) throw new FormatError('MISSING_SECTION', 0, `no ${key}`);
    return entry;
  };
  const name = need('NAME').value;
  const type = header.get('TYPE');
  if (type && type.value.toUpperCase() !== 'CVRP')
    throw new FormatError('UNSUPPORTED', type.line, `TYPE ${type.value}`);
  const weights = need('EDGE_WEIGHT_TYPE');
  if (weights.value.toUpperCase() !== 'EUC_2D')
    throw new FormatError('UNSUPPORTED', weights.line, `EDGE_WEIGHT_TYPE ${weights.value}`);
  const dimensionEntry = need('DIMENSION');
  const dimension = parseNumber(dimensionEntry.value, dimensionEntry.line, 'DIMENSION');
  if (!(Number.isInteger(dimension) && dimension >= 1))
    throw new FormatError('BAD_NUMBER', dimensionEntry.line, `DIMENSION = ${dimension}, not a whole number ≥ 1`);
  const capacityEntry = need('CAPACITY');
  const capacity = parseNumber(capacityEntry.value, capacityEntry.line, 'CAPACITY');

  const section = (key: string): { line: number; fields: string[] }[] => {
    const rows = sections.get(key);
    if (rows === undefined) throw new FormatError('MISSING_SECTION', 0, `no ${key}`);
    return rows;
  };
  const points = nodeTable(section('NODE_COORD_SECTION'), dimension, 3, 'NODE_COORD_SECTION').map(
    ([x, y]): PlanePoint => ({ x: x ?? 0, y: y ?? 0 }),
  );
  const demandRows = section('DEMAND_SECTION');
  const demands = nodeTable(demandRows, dimension, 2, 'DEMAND_SECTION').map(([d]) => d ?? 0);
  const demandLines = new Map(demandRows.map((r) => [Number(r.fields[0]) - 1, r.line]));
  const depots = depotIds(section('DEPOT_SECTION'), dimension);

  const model = new Model();
  const depotIndex = new Map(depots.map((id) => [id, model.addDepot({ location: id - 1, name: String(id) })]));
  const jobLines: number[] = [];
  demands.forEach((demand, i) => {
    if (depotIndex.has(i + 1)) return;
    jobLines.push(demandLines.get(i) ?? 0);
    model.addJob({ location: i, name: String(i + 1), delivery: [demand] });
  });
  const customers = jobLines.length;
  model.addVehicleType({ count: options.vehicles ?? Math.max(1, customers), capacity: [capacity] });
  const matrix = tsplibEuc2dMatrix(points);
  model.setMatrices({ size: dimension, distance: matrix, duration: matrix });

  const vehicleLimit = vehicleLimitOf(name, header);
  const bks = /(?:optimal|best) value:\s*([\d.]+)/i.exec(header.get('COMMENT')?.value ?? '')?.[1];
  return {
    name,
    capacity,
    customers,
    ...(vehicleLimit !== undefined ? { vehicleLimit } : {}),
    ...(bks !== undefined ? { bks: Number(bks) } : {}),
    points,
    data: atFileLine(
      () => model.data(),
      (item) => {
        if (item.startsWith('vehicleType')) return capacityEntry.line;
        const job = itemIndex(item, 'job');
        return job === undefined ? undefined : jobLines[job];
      },
    ),
  };
}

/** Rows `id v1 v2 …` for ids 1 … dimension, each exactly once; returns the values by id − 1. */
function nodeTable(
  rows: { line: number; fields: string[] }[],
  dimension: number,
  width: number,
  key: string,
): number[][] {
  const values: number[][] = new Array(dimension);
  for (const { line, fields } of rows) {
    if (fields.length !== width) throw new FormatError('BAD_ROW', line, `${key}: expected ${width} fields`);
    const [id, ...rest] = fields.map((f) => parseNumber(f, line, key));
    if (id === undefined || !Number.isInteger(id) || id < 1 || id > dimension)
      throw new FormatError('BAD_ROW', line, `${key}: node ${id} outside 1…${dimension}`);
    if (values[id - 1] !== undefined) throw new FormatError('DUPLICATE_ID', line, `${key}: node ${id}`);
    values[id - 1] = rest;
  }
  const present = values.filter((v) => v !== undefined).length;
  if (present !== dimension)
    throw new FormatError('COUNT_MISMATCH', rows.at(-1)?.line ?? 0, `${key}: ${present} nodes, DIMENSION ${dimension}`);
  return values;
}

function depotIds(rows: { line: number; fields: string[] }[], dimension: number): number[] {
  const ids: number[] = [];
  for (const { line, fields } of rows)
    for (const field of fields) {
      const id = parseNumber(field, line, 'DEPOT_SECTION');
      if (id === -1) return ids;
      if (!Number.isInteger(id) || id < 1 || id > dimension)
        throw new FormatError('BAD_ROW', line, `DEPOT_SECTION: node ${id} outside 1…${dimension}`);
      ids.push(id);
    }
  throw new FormatError('MISSING_SECTION', rows.at(-1)?.line ?? 0, 'DEPOT_SECTION is not ended by -1');
}

function vehicleLimitOf(name: string, header: Map<string, { value: string; line: number }>): number | undefined {
  const explicit = header.get('VEHICLES');
  if (explicit) return parseNumber(explicit.value, explicit.line, 'VEHICLES');
  const fromName = /-k(\d+)$/i.exec(name)?.[1];
  if (fromName !== undefined) return Number(fromName);
  const fromComment = /trucks:\s*(\d+)/i.exec(header.get('COMMENT')?.value ?? '')?.[1];
  return fromComment === undefined ? undefined : Number(fromComment);
}
