/**
 * Parallel runs (`aisle-hub route solve --threads N`): N independent searches in worker threads,
 * seeds SEED…SEED+N−1, the best kept. The threads run the TypeScript sources (the same hooks the
 * hub's solver thread uses under vitest). Checked: every run is reported, the answer is the best of
 * them by the objective, and it visits every customer once.
 */
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { SolvedInstance } from '../../hub/src/routing/benchmark-instance.js';
import { routeCli } from '../../hub/src/routing/cli.js';
import { betterRun } from '../../hub/src/routing/parallel-runs.js';

const SOLOMON = join(import.meta.dirname, '../../../shared/data/vrp/solomon');

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err.push(String(chunk));
    return true;
  });
  try {
    return { code: await routeCli(argv), stdout: out.join(''), stderr: err.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

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
