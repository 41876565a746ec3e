import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProblemError } from '../../hub/src/routing/engine/problem.js';
import { parseCvrplibBks, parseSolomonBks } from '../../hub/src/routing/engine/readers/bks.js';
import {
  readCvrplibBksFile,
  readSolomonBksFile,
  readSolomonFile,
  readVrplibFile,
} from '../../hub/src/routing/engine/readers/files.js';
import { FormatError, type FormatErrorCode } from '../../hub/src/routing/engine/readers/format-error.js';
import { parseSolomon } from '../../hub/src/routing/engine/readers/solomon.js';
import { parseVrplib } from '../../hub/src/routing/engine/readers/vrplib.js';
import { SHARED_DATA, sharedDataMissing } from '../helpers/shared-data.js';

const SOLOMON = join(SHARED_DATA, 'vrp/solomon');
const CVRPLIB = join(SHARED_DATA, 'vrp/cvrplib');
const missing = sharedDataMissing('vrp/solomon/C101.txt') ?? sharedDataMissing('vrp/cvrplib/A/A-n32-k5.vrp');
const onRealFiles = it.skipIf(missing !== undefined);

function formatError(parse: () => unknown): { code: FormatErrorCode; line: number } | undefined {
  try {
    parse();
    return undefined;
  } catch (error) {
    if (error instanceof FormatError) return { code: error.code, line: error.line };
    throw error;
  }
}

const TINY_SOLOMON = [
  'TINY',
  '',
  'VEHICLE',
  'NUMBER     CAPACITY',
  '  2         10',
  '',
  'CUSTOMER',
  'CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME',
  '',
  '    0      0          0          0          0        100          0',
  '    1      3          4          5         10         20          2',
];

const TINY_VRPLIB = [
  'NAME : tiny-k1',
  'TYPE : CVRP',
  'DIMENSION : 3',
  'EDGE_WEIGHT_TYPE : EUC_2D',
  'CAPACITY : 10',
  'NODE_COORD_SECTION',
  '1 0 0',
  '2 3 4',
  '3 1 2',
  'DEMAND_SECTION',
  '1 0',
  '2 4',
  '3 5',
  'DEPOT_SECTION',
  '1',
  '-1',
  'EOF',
];

describe('routing readers: Solomon', () => {
  onRealFiles(`reads C101 as published${missing ? ` (skipped: ${missing})` : ''}`, () => {
    const c101 = readSolomonFile(join(SOLOMON, 'C101.txt'));
    expect(c101).toMatchObject({ name: 'C101', customers: 100, capacity: 200, vehicleLimit: 25 });
    const { data } = c101;
    expect(data.scale).toEqual({ distance: 1000, duration: 1000 });
    // Depot row "0 40 50 0 0 1236 0": the vehicles' shift is [0, 1236], scaled ×1000.
    expect(data.vehicleTypes[0]).toMatchObject({ count: 25, capacity: [200], shift: [0, 1_236_000] });
    // Customer 1 row "1 45 68 10 912 967 90" is job 0 at location 1.
    expect(data.jobs[0]).toMatchObject({
      location: 1,
      delivery: [10],
      timeWindows: [[912_000, 967_000]],
      serviceDuration: 90_000,
    });
    // Depot (40,50) to customer 1 (45,68): √(5² + 18²) = √349 = 18.68154… → 18682 at scale 1000.
    expect(data.distance(0, 1)).toBe(18_682);
    expect(data.duration(1, 0)).toBe(18_682);
    expect(data.jobs).toHaveLength(100);
  });

  onRealFiles('reads all 56 Solomon files: 100 customers each, and a BKS row for each', () => {
    const bks = readSolomonBksFile(join(SOLOMON, 'BKS.csv'));
    const files = readdirSync(SOLOMON).filter((f) => f.endsWith('.txt'));
    expect(files).toHaveLength(56);
    for (const file of files) {
      const instance = readSolomonFile(join(SOLOMON, file));
      expect(instance.customers).toBe(100);
      expect(bks.get(instance.name)?.file).toBe(file);
    }
    expect(bks.get('C101')).toEqual({
      instance: 'C101',
      hierarchical: { vehicles: 10, distance: 828.94 },
      distanceOnly: { vehicles: 10, distance: 828.94 },
      file: 'C101.txt',
    });
  });

  it('reads LF as well as CRLF, and a custom scale', () => {
    const crlf = parseSolomon(TINY_SOLOMON.join('\r\n'));
    const lf = parseSolomon(TINY_SOLOMON.join('\n'), { scale: 10 });
    expect(crlf.data.distance(0, 1)).toBe(5000);
    expect(lf.data.distance(0, 1)).toBe(50);
    expect(lf.data.jobs[0]?.timeWindows).toEqual([[100, 200]]);
  });

  it('names the line of a bad field, row or order', () => {
    const bad = (line: number, text: string) => TINY_SOLOMON.map((l, i) => (i === line - 1 ? text : l)).join('\r\n');
    expect(
      formatError(() => parseSolomon(bad(11, '    1      3          4          x         10         20  2'))),
    ).toEqual({
      code: 'BAD_NUMBER',
      line: 11,
    });
    expect(formatError(() => parseSolomon(bad(11, '    1      3          4')))).toEqual({ code: 'BAD_ROW', line: 11 });
    expect(formatError(() => parseSolomon(bad(11, '    0      3   4   5   10   20   2')))).toEqual({
      code: 'DUPLICATE_ID',
      line: 11,
    });
    expect(formatError(() => parseSolomon(bad(5, '  2')))).toEqual({ code: 'BAD_ROW', line: 5 });
    // Read fine but not a valid problem: the ProblemError is the cause, the line is the row's.
    expect(
      formatError(() => parseSolomon(bad(11, '    1      3          4         -5         10         20  2'))),
    ).toEqual({
      code: 'INVALID_PROBLEM',
      line: 11,
    });
    expect(formatError(() => parseSolomon(bad(5, '  0         10')))).toEqual({ code: 'INVALID_PROBLEM', line: 5 });
    const thrown = (() => {
      try {
        parseSolomon(bad(11, '    1      3          4          5         30         20  2'));
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(FormatError);
    expect((thrown as FormatError).cause).toBeInstanceOf(ProblemError);
    expect((thrown as FormatError).cause).toMatchObject({ code: 'TIME_WINDOW_INVERTED', item: 'job 0' });
    expect(formatError(() => parseSolomon(TINY_SOLOMON.slice(0, 6).join('\n')))).toEqual({
      code: 'MISSING_SECTION',
      line: 0,
    });
  });
});

describe('routing readers: VRPLIB (CVRPLIB)', () => {
  onRealFiles('reads A-n32-k5: 31 customers, capacity 100, 5 trucks, optimum 784, nint distances', () => {
    const a = readVrplibFile(join(CVRPLIB, 'A/A-n32-k5.vrp'));
    expect(a).toMatchObject({ name: 'A-n32-k5', customers: 31, capacity: 100, vehicleLimit: 5, bks: 784 });
    // Depot node 1 (82,76) to node 2 (96,44): √(14² + 32²) = √1220 = 34.928 → nint 35.
    expect(a.data.distance(0, 1)).toBe(35);
    // DEMAND_SECTION "2 19": node 2 is job 0 at location 1.
    expect(a.data.jobs[0]).toMatchObject({ location: 1, delivery: [19], name: '2' });
    expect(a.data.depots).toEqual([{ location: 0, name: '1' }]);
    expect(a.data.scale).toEqual({ distance: 1, duration: 1 });
    expect(readCvrplibBksFile(join(CVRPLIB, 'BKS.csv')).get('A-n32-k5')).toMatchObject({ cost: 784, vehicles: 5 });
  });

  onRealFiles('reads all 92 CVRPLIB files in agreement with BKS.csv (customers, capacity, k)', () => {
    const bks = readCvrplibBksFile(join(CVRPLIB, 'BKS.csv'));
    expect(bks.size).toBe(92);
    for (const row of bks.values()) {
      const instance = readVrplibFile(join(CVRPLIB, row.file));
      expect([instance.name, instance.customers, instance.capacity, instance.vehicleLimit]).toEqual([
        row.instance,
        row.customers,
        row.capacity,
        row.vehicles,
      ]);
      expect(row.provenOptimal).toBe(true);
    }
  });

  onRealFiles('reads the variants: decimal coordinates (F), a COMMENT without a value (M-n200-k16)', () => {
    const f = readVrplibFile(join(CVRPLIB, 'F/F-n45-k4.vrp'));
    expect(f.points[2]).toEqual({ x: 2.5, y: 9 }); // "3 2.5 9"
    expect(f.bks).toBe(724);
    const m = readVrplibFile(join(CVRPLIB, 'M/M-n200-k16.vrp'));
    expect(m.bks).toBeUndefined();
    expect(m.vehicleLimit).toBe(16);
  });

  it('takes the fleet size from VEHICLES, the name or the COMMENT, in that order', () => {
    const text = (name: string, extra: string[]) => [`NAME : ${name}`, ...extra, ...TINY_VRPLIB.slice(1)].join('\n');
    expect(parseVrplib(text('tiny', ['VEHICLES : 3'])).vehicleLimit).toBe(3);
    expect(parseVrplib(text('tiny-k2', [])).vehicleLimit).toBe(2);
    expect(parseVrplib(text('tiny', ['COMMENT : (Min no of trucks: 4, Best value: 9)']))).toMatchObject({
      vehicleLimit: 4,
      bks: 9,
    });
    expect(parseVrplib(text('tiny', [])).vehicleLimit).toBeUndefined();
    expect(parseVrplib(text('tiny', []), { vehicles: 2 }).data.vehicleTypes[0]?.count).toBe(2);
  });

  it('names the line of a bad field, and refuses what it cannot read', () => {
    const replace = (line: number, text: string) => TINY_VRPLIB.map((l, i) => (i === line - 1 ? text : l)).join('\n');
    expect(formatError(() => parseVrplib(replace(8, '2 3 four')))).toEqual({ code: 'BAD_NUMBER', line: 8 });
    expect(formatError(() => parseVrplib(replace(12, '2 -4')))).toEqual({ code: 'INVALID_PROBLEM', line: 12 });
    expect(formatError(() => parseVrplib(replace(5, 'CAPACITY : -1')))).toEqual({ code: 'INVALID_PROBLEM', line: 5 });
    expect(formatError(() => parseVrplib(replace(4, 'EDGE_WEIGHT_TYPE : GEO')))).toEqual({
      code: 'UNSUPPORTED',
      line: 4,
    });
    expect(formatError(() => parseVrplib(replace(2, 'TYPE : TSP')))).toEqual({ code: 'UNSUPPORTED', line: 2 });
    expect(formatError(() => parseVrplib(replace(3, 'DIMENSION : 2.5')))).toEqual({ code: 'BAD_NUMBER', line: 3 });
    expect(formatError(() => parseVrplib(replace(9, '2 1 2')))).toEqual({ code: 'DUPLICATE_ID', line: 9 });
    expect(formatError(() => parseVrplib(replace(13, '3')))).toEqual({ code: 'BAD_ROW', line: 13 });
    expect(formatError(() => parseVrplib(replace(9, '')))).toEqual({ code: 'COUNT_MISMATCH', line: 8 });
    expect(formatError(() => parseVrplib(replace(16, '')))).toEqual({ code: 'MISSING_SECTION', line: 15 });
    expect(formatError(() => parseVrplib(replace(3, 'no colon here')))).toEqual({ code: 'BAD_ROW', line: 3 });
    expect(formatError(() => parseVrplib(TINY_VRPLIB.filter((l) => !l.startsWith('CAPACITY')).join('\n')))).toEqual({
      code: 'MISSING_SECTION',
      line: 0,
    });
  });
});

describe('routing readers: BKS tables', () => {
  it('reads columns by name, in any order', () => {
    const table = parseCvrplibBks(
      'file,instance,set,customers,vehicles_in_name,capacity,bks,proven_optimal\nX/x.vrp,x,X,3,1,10,42,False\n',
    );
    expect(table.get('x')).toEqual({
      instance: 'x',
      set: 'X',
      customers: 3,
      vehicles: 1,
      capacity: 10,
      cost: 42,
      provenOptimal: false,
      file: 'X/x.vrp',
    });
  });

  it('names the line of a bad row and refuses a header without a needed column', () => {
    const head = 'instance,hier_vehicles,hier_distance,distance_only_vehicles,distance_only_distance,file';
    expect(formatError(() => parseSolomonBks(`${head}\nC101,10,828.94,10,828.94,C101.txt\nC102,ten,1,1,1,f`))).toEqual({
      code: 'BAD_NUMBER',
      line: 3,
    });
    expect(formatError(() => parseSolomonBks(`${head}\nC101,10,828.94\n`))).toEqual({ code: 'BAD_ROW', line: 2 });
    expect(formatError(() => parseSolomonBks(`${head}\nC101,1,1,1,1,a\nC101,1,1,1,1,b`))).toEqual({
      code: 'DUPLICATE_ID',
      line: 3,
    });
    expect(formatError(() => parseSolomonBks('instance,file\nC101,C101.txt'))).toEqual({ code: 'BAD_HEADER', line: 1 });
    expect(formatError(() => parseCvrplibBks(''))).toEqual({ code: 'BAD_HEADER', line: 0 });
  });
});

describe('routing readers: properties', () => {
  const customer = fc.record({
    x: fc.integer({ min: 0, max: 100 }),
    y: fc.integer({ min: 0, max: 100 }),
    demand: fc.integer({ min: 0, max: 50 }),
    ready: fc.integer({ min: 0, max: 500 }),
    length: fc.integer({ min: 0, max: 500 }),
    service: fc.integer({ min: 0, max: 90 }),
  });

  it('round-trips any Solomon instance written in the published layout (CRLF)', () => {
    fc.assert(
      fc.property(
        fc.array(customer, { minLength: 2, maxLength: 8 }),
        fc.integer({ min: 1, max: 25 }),
        (rows, fleet) => {
          const text = [
            'RANDOM',
            '',
            'VEHICLE',
            'NUMBER     CAPACITY',
            `  ${fleet}         200`,
            '',
            'CUSTOMER',
            'CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME',
            ' ',
            ...rows.map(
              (r, i) => `  ${i}   ${r.x}   ${r.y}   ${r.demand}   ${r.ready}   ${r.ready + r.length}   ${r.service}   `,
            ),
          ].join('\r\n');
          const { data, customers, vehicleLimit } = parseSolomon(text);
          expect([customers, vehicleLimit]).toEqual([rows.length - 1, fleet]);
          rows.slice(1).forEach((r, j) => {
            expect(data.jobs[j]).toMatchObject({
              delivery: [r.demand],
              serviceDuration: r.service * 1000,
              timeWindows: [[r.ready * 1000, (r.ready + r.length) * 1000]],
            });
            const depot = rows[0] ?? r;
            expect(data.distance(0, j + 1)).toBe(Math.round(Math.hypot(r.x - depot.x, r.y - depot.y) * 1000));
          });
        },
      ),
    );
  });

  it('round-trips any CVRP instance, decimal coordinates included, with nint distances', () => {
    const node = fc.record({
      x: fc.double({ min: -100, max: 100, noNaN: true }).map((v) => Math.round(v * 10) / 10),
      y: fc.double({ min: -100, max: 100, noNaN: true }).map((v) => Math.round(v * 10) / 10),
      demand: fc.integer({ min: 0, max: 30 }),
    });
    fc.assert(
      fc.property(fc.array(node, { minLength: 2, maxLength: 8 }), (nodes) => {
        const text = [
          'NAME : random',
          'TYPE : CVRP',
          `DIMENSION : ${nodes.length}`,
          'EDGE_WEIGHT_TYPE : EUC_2D',
          'CAPACITY : 100',
          'NODE_COORD_SECTION',
          ...nodes.map((n, i) => ` ${i + 1} ${n.x} ${n.y}`),
          'DEMAND_SECTION',
          ...nodes.map((n, i) => `${i + 1} ${i === 0 ? 0 : n.demand}`),
          'DEPOT_SECTION',
          ' 1',
          ' -1',
          'EOF',
        ].join('\n');
        const { data, customers } = parseVrplib(text);
        expect(customers).toBe(nodes.length - 1);
        const [depot] = nodes;
        nodes.slice(1).forEach((n, j) => {
          expect(data.jobs[j]?.delivery).toEqual([n.demand]);
          const d = Math.hypot(n.x - (depot?.x ?? 0), n.y - (depot?.y ?? 0));
          expect(data.distance(0, j + 1)).toBe(Math.floor(d + 0.5));
        });
      }),
    );
  });

  /** A reader may refuse garbage, but only with a FormatError (code, line): never a TypeError from deep inside. */
  function refusesCleanly(parse: () => unknown): void {
    try {
      parse();
    } catch (error) {
      expect(error).toBeInstanceOf(FormatError);
    }
  }

  it('refuses garbage with a FormatError only: random text, or a valid file with a line replaced', () => {
    const junk = fc.string({ unit: fc.constantFrom('1', '-', '.', ' ', ':', 'x', 'E', '\r', '\n', '0') });
    const solomon = TINY_SOLOMON.join('\r\n');
    const vrplib = TINY_VRPLIB.join('\n');
    fc.assert(
      fc.property(junk, fc.nat(), (line, at) => {
        refusesCleanly(() => parseSolomon(line));
        refusesCleanly(() => parseVrplib(line));
        refusesCleanly(() => parseSolomonBks(line));
        refusesCleanly(() => parseCvrplibBks(line));
        const mutate = (lines: string[]) => lines.map((l, i) => (i === at % lines.length ? line : l)).join('\n');
        refusesCleanly(() => parseSolomon(mutate(solomon.split('\r\n'))));
        refusesCleanly(() => parseVrplib(mutate(vrplib.split('\n'))));
      }),
      { numRuns: 500 },
    );
  });
});
