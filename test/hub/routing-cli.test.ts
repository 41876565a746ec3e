/**
 * `aisle-hub route solve` on Solomon's C101 (1 s budget) and CVRPLIB's A-n32-k5: the printed
 * routes are parsed back and must visit every customer of the file exactly once within the fleet,
 * the distance and the gap line must agree with the BKS table beside the file, and `--json` must
 * parse. Bad files and bad invocations exit 2 with the reader's code and line, or the usage.
 * `--threads N` runs N searches in worker threads (the TypeScript sources, with the hooks the hub's
 * solver thread uses under vitest), seeds SEED…SEED+N−1, and keeps the best by the objective.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SolvedInstance } from '../../hub/src/routing/benchmark-instance.js';
import { routeCli } from '../../hub/src/routing/cli.js';
import { betterRun } from '../../hub/src/routing/parallel-runs.js';
import { captureCli } from '../helpers/cli-capture.js';

const SOLOMON = join(import.meta.dirname, '../../../shared/data/vrp/solomon');
const CVRPLIB = join(import.meta.dirname, '../../../shared/data/vrp/cvrplib');

const run = (argv: string[]) => captureCli(routeCli, argv);

/** The `vehicle N: id id …` lines of the text report. */
function printedRoutes(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((l) => /^vehicle \d+:/.test(l))
    .map((l) =>
      l
        .replace(/^vehicle \d+:\s*/, '')
        .split(' ')
        .filter(Boolean),
    );
}

function line(stdout: string, prefix: string): string {
  return stdout.split('\n').find((l) => l.startsWith(prefix)) ?? '';
}

describe('aisle-hub route solve', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-route-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('solves C101: every customer 1…100 once, at most 25 vehicles, distance and gap against BKS.csv', async () => {
    const { code, stdout } = await run(['solve', join(SOLOMON, 'C101.txt'), '--time', '1', '--quiet']);
    expect(code).toBe(0);
    const routes = printedRoutes(stdout);
    expect(routes.length).toBeGreaterThanOrEqual(10);
    expect(routes.length).toBeLessThanOrEqual(25);
    const visited = routes.flat().map(Number);
    expect(visited.toSorted((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(line(stdout, 'vehicles ')).toBe(`vehicles ${routes.length}`);
    const distance = Number(line(stdout, 'distance ').split(' ')[1]);
    expect(distance).toBeGreaterThanOrEqual(828.93);
    const gap = /^gap ([+-]\d+\.\d\d) % to the distance-only best known 828\.94 \(10 vehicles\) from .*BKS\.csv$/.exec(
      line(stdout, 'gap '),
    );
    expect(gap).not.toBeNull();
    expect(Number(gap?.[1])).toBeCloseTo((100 * (distance - 828.94)) / 828.94, 1);
    expect(stdout).toContain('\nfeasible\n');
  });

  it('compares with the hierarchical best known in vehicles-then-distance mode', async () => {
    const { code, stdout } = await run([
      'solve',
      join(SOLOMON, 'R101.txt'),
      '--time',
      '1',
      '--objective',
      'vehicles-then-distance',
      '--quiet',
    ]);
    expect(code).toBe(0);
    expect(line(stdout, 'gap ')).toMatch(/to the hierarchical best known 1645\.79 \(19 vehicles\)/);
  });

  it('prints JSON with --json: a CVRPLIB file, its optimum from the table one folder up', async () => {
    const { code, stdout } = await run(['solve', join(CVRPLIB, 'A/A-n32-k5.vrp'), '--time', '1', '--json', '--quiet']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as {
      instance: string;
      feasible: boolean;
      distance: number;
      vehicles: number;
      routes: { customers: string[] }[];
      bestKnown: { distance: number; kind: string };
      gapPercent: number;
    };
    expect(result.instance).toBe('A-n32-k5');
    expect(result.feasible).toBe(true);
    expect(result.bestKnown).toMatchObject({ distance: 784, kind: 'optimum' });
    expect(result.distance).toBeGreaterThanOrEqual(784);
    expect(result.gapPercent).toBeCloseTo((100 * (result.distance - 784)) / 784, 9);
    // Nodes 2…32 (node 1 is the depot), each once.
    const nodes = result.routes.flatMap((r) => r.customers.map(Number)).toSorted((a, b) => a - b);
    expect(nodes).toEqual(Array.from({ length: 31 }, (_, i) => i + 2));
    expect(result.vehicles).toBe(result.routes.length);
  });

  it('says so when there is no best known solution', async () => {
    const file = join(dir, 'tiny.txt');
    writeFileSync(
      file,
      [
        'TINY',
        'VEHICLE',
        'NUMBER CAPACITY',
        '2 10',
        'CUSTOMER',
        'CUST NO. XCOORD. YCOORD. DEMAND READY TIME DUE DATE SERVICE TIME',
        '0 0 0 0 0 100 0',
        '1 3 4 5 0 100 1',
        '2 -3 4 5 0 100 1',
        '',
      ].join('\n'),
    );
    const { code, stdout } = await run(['solve', file, '--time', '0.2', '--quiet']);
    expect(code).toBe(0);
    expect(printedRoutes(stdout).flat().toSorted()).toEqual(['1', '2']);
    expect(line(stdout, 'gap')).toBe('gap: no best known solution for this instance');
  });

  it('prints an infeasible result with its violations and exits 1', async () => {
    // Customer 2 wants 20 and every vehicle carries 10: no solution can serve it.
    const file = join(dir, 'overload.txt');
    writeFileSync(
      file,
      [
        'OVER',
        'VEHICLE',
        'NUMBER CAPACITY',
        '2 10',
        'CUSTOMER',
        'CAPTION',
        '0 0 0 0 0 100 0',
        '1 3 4 5 0 100 1',
        '2 -3 4 20 0 100 1',
        '',
      ].join('\n'),
    );
    const { code, stdout } = await run(['solve', file, '--time', '0.2', '--quiet']);
    expect(code).toBe(1);
    expect(stdout).toContain('infeasible: 1 violations');
    expect(stdout).toContain('"code":"JOB_MISSING","job":1');
  });

  it('refuses a bad file with exit 2, the reader code and the line', async () => {
    const file = join(dir, 'bad.txt');
    writeFileSync(
      file,
      [
        'BAD',
        'VEHICLE',
        'NUMBER CAPACITY',
        '2 10',
        'CUSTOMER',
        'CAPTION',
        '0 0 0 0 0 100 0',
        '1 3 4 x 0 100 1',
        '',
      ].join('\n'),
    );
    const { code, stderr } = await run(['solve', file, '--quiet']);
    expect(code).toBe(2);
    expect(stderr).toContain(`${file}: BAD_NUMBER at line 8`);
    const missing = await run(['solve', join(dir, 'missing.txt'), '--quiet']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('ENOENT');
  });

  it('refuses an unknown flag or a bad value with exit 2 and the usage', async () => {
    const unknown = await run(['solve', join(SOLOMON, 'C101.txt'), '--fast']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--fast'");
    expect(unknown.stderr).toContain('aisle-hub route solve FILE [options]');
    const objective = await run(['solve', join(SOLOMON, 'C101.txt'), '--objective', 'cost']);
    expect(objective.code).toBe(2);
    expect(objective.stderr).toContain('--objective must be one of distance, vehicles-then-distance');
    const noFile = await run(['solve']);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('route solve needs FILE');
  });
});

describe('aisle-hub route solve --threads', () => {
  it('runs one search per thread with consecutive seeds and keeps the best', async () => {
    const { code, stdout } = await run([
      'solve',
      join(SOLOMON, 'R101.txt'),
      '--time',
      '1',
      '--seed',
      '7',
      '--threads',
      '2',
      '--objective',
      'vehicles-then-distance',
      '--json',
      '--quiet',
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as {
      seed: number;
      threads: number;
      runs: { seed: number; feasible: boolean; distance: number; vehicles: number; iterations: number }[];
      feasible: boolean;
      distance: number;
      vehicles: number;
      routes: { customers: string[] }[];
    };
    expect(result.threads).toBe(2);
    expect(result.runs.map((r) => r.seed)).toEqual([7, 8]);
    for (const r of result.runs) {
      expect(r.feasible).toBe(true);
      expect(r.iterations).toBeGreaterThan(0);
    }
    const best = [...result.runs].sort((a, b) => a.vehicles - b.vehicles || a.distance - b.distance)[0];
    expect(result.seed).toBe(best?.seed);
    expect({ distance: result.distance, vehicles: result.vehicles }).toEqual({
      distance: best?.distance,
      vehicles: best?.vehicles,
    });
    const customers = result.routes.flatMap((r) => r.customers.map(Number)).toSorted((a, b) => a - b);
    expect(customers).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('ranks runs feasible first, then by the objective', () => {
    const run = (feasible: boolean, vehicles: number, distance: number) =>
      ({ feasible, vehicles, distance }) as SolvedInstance;
    expect(betterRun(run(true, 12, 1300), run(false, 10, 1000), 'distance')).toBe(true);
    expect(betterRun(run(true, 12, 1200), run(true, 11, 1300), 'distance')).toBe(true);
    expect(betterRun(run(true, 12, 1200), run(true, 11, 1300), 'vehicles-then-distance')).toBe(false);
    expect(betterRun(run(true, 11, 1250), run(true, 11, 1300), 'vehicles-then-distance')).toBe(true);
  });

  it('refuses a thread count out of range with exit 2', async () => {
    const bad = await run(['solve', join(SOLOMON, 'C101.txt'), '--threads', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--threads must be a whole number from 1 to 64');
  });
});
