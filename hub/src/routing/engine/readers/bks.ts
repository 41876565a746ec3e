import { FormatError, numberedLines, parseNumber } from './format-error.js';

/**
 * The best-known-solution tables next to the benchmark files (`../shared/data/vrp/…/BKS.csv`,
 * from vroom-scripts). Solomon's has two objectives: hierarchical (fewest vehicles, then
 * distance) and distance only; CVRPLIB's has one cost, proven optimal for all 92 instances.
 */

export interface SolomonBks {
  readonly instance: string;
  readonly hierarchical: { readonly vehicles: number; readonly distance: number };
  readonly distanceOnly: { readonly vehicles: number; readonly distance: number };
  readonly file: string;
}

export interface CvrplibBks {
  readonly instance: string;
  readonly set: string;
  readonly customers: number;
  /** The `k` of the name: the fewest vehicles known to be needed. */
  readonly vehicles: number;
  readonly capacity: number;
  readonly cost: number;
  readonly provenOptimal: boolean;
  readonly file: string;
}

const SOLOMON_COLUMNS = [
  'instance',
  'hier_vehicles',
  'hier_distance',
  'distance_only_vehicles',
  'distance_only_distance',
  'file',
] as const;
const CVRPLIB_COLUMNS = [
  'instance',
  'set',
  'customers',
  'vehicles_in_name',
  'capacity',
  'bks',
  'proven_optimal',
  'file',
] as const;

type Row<C extends string> = { readonly line: number; readonly get: (column: C) => string };

/** Rows by column name; columns may come in any order, extra ones are ignored. */
function csvRows<C extends string>(text: string, columns: readonly C[]): Row<C>[] {
  const [head, ...body] = numberedLines(text).filter((l) => l.text !== '');
  if (head === undefined) throw new FormatError('BAD_HEADER', 0, 'empty file');
  const names = head.text.split(',').map((c) => c.trim());
  const index = new Map<C, number>();
  for (const column of columns) {
    const at = names.indexOf(column);
    if (at < 0) throw new FormatError('BAD_HEADER', head.line, `no column ${column}`);
    index.set(column, at);
  }
  return body.map(({ line, text: row }) => {
    const fields = row.split(',').map((f) => f.trim());
    if (fields.length !== names.length)
      throw new FormatError('BAD_ROW', line, `expected ${names.length} fields, got ${fields.length}`);
    return { line, get: (column: C) => fields[index.get(column) ?? -1] ?? '' };
  });
}

function byInstance<T extends { readonly instance: string }>(rows: { line: number; value: T }[]): Map<string, T> {
  const out = new Map<string, T>();
  for (const { line, value } of rows) {
    if (out.has(value.instance)) throw new FormatError('DUPLICATE_ID', line, `instance ${value.instance}`);
    out.set(value.instance, value);
  }
  return out;
}

export function parseSolomonBks(text: string): Map<string, SolomonBks> {
  return byInstance(
    csvRows(text, SOLOMON_COLUMNS).map(({ line, get }) => ({
      line,
      value: {
        instance: get('instance'),
        hierarchical: {
          vehicles: parseNumber(get('hier_vehicles'), line, 'hier_vehicles'),
          distance: parseNumber(get('hier_distance'), line, 'hier_distance'),
        },
        distanceOnly: {
          vehicles: parseNumber(get('distance_only_vehicles'), line, 'distance_only_vehicles'),
          distance: parseNumber(get('distance_only_distance'), line, 'distance_only_distance'),
        },
        file: get('file'),
      },
    })),
  );
}

export function parseCvrplibBks(text: string): Map<string, CvrplibBks> {
  return byInstance(
    csvRows(text, CVRPLIB_COLUMNS).map(({ line, get }) => {
      const proven = get('proven_optimal').toLowerCase();
      if (proven !== 'true' && proven !== 'false')
        throw new FormatError('BAD_ROW', line, `proven_optimal = ${JSON.stringify(get('proven_optimal'))}`);
      return {
        line,
        value: {
          instance: get('instance'),
          set: get('set'),
          customers: parseNumber(get('customers'), line, 'customers'),
          vehicles: parseNumber(get('vehicles_in_name'), line, 'vehicles_in_name'),
          capacity: parseNumber(get('capacity'), line, 'capacity'),
          cost: parseNumber(get('bks'), line, 'bks'),
          provenOptimal: proven === 'true',
          file: get('file'),
        },
      };
    }),
  );
}
