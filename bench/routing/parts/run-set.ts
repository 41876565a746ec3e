import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  constructInstance,
  loadInstance,
  type RoutingInstance,
  type SolvedInstance,
  solveInstance,
} from '@aisle/hub/routing-benchmark';
import cliProgress from 'cli-progress';
import { report } from '../../harness.js';

/**
 * One benchmark set (`../shared/data/vrp/<set>/`, the instances its BKS.csv lists) solved instance
 * by instance with a time budget each, on one thread. Every result is scored by the independent
 * checker. Anchor, measured in the same run on the same instance: the construction heuristic
 * (`construct`, sequential cheapest insertion) alone — the solver's starting point, so the ratio
 * says how much the search takes off it. One JSON line per instance, per class and for the set.
 *
 * Flags: --time 10 (seconds per instance) --seed 1 --instances C1,R101 (name prefixes)
 * --objective distance|vehicles-then-distance --data DIR (the set's folder) --quiet
 */

type Objective = 'distance' | 'vehicles-then-distance';

interface Row {
  readonly instance: RoutingInstance;
  readonly solved: SolvedInstance;
  readonly constructed: SolvedInstance;
}

const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

export function runSet(set: 'solomon' | 'cvrplib'): void {
  const { values } = parseArgs({
    options: {
      time: { type: 'string', default: '10' },
      seed: { type: 'string', default: '1' },
      instances: { type: 'string' },
      objective: { type: 'string', default: 'distance' },
      data: { type: 'string' },
      quiet: { type: 'boolean', default: false },
    },
  });
  const timeLimitMs = Math.round(Number(values.time) * 1000);
  const seed = Number(values.seed);
  const objective = values.objective as Objective;
  if (!(timeLimitMs > 0) || !Number.isInteger(seed) || !['distance', 'vehicles-then-distance'].includes(objective)) {
    process.stderr.write(
      'usage: --time SECONDS --seed N --instances A,B --objective distance|vehicles-then-distance\n',
    );
    process.exit(2);
  }
  const dir = values.data ?? join(import.meta.dirname, '..', '..', '..', '..', '..', 'shared', 'data', 'vrp', set);
  const prefixes = values.instances?.split(',').map((p) => p.trim().toLowerCase()) ?? [];
  // The BKS table lists every instance of the set with its file, relative to the set's folder.
  const [head, ...rows] = readFileSync(join(dir, 'BKS.csv'), 'utf8').trim().split(/\r?\n/);
  const fileColumn = head?.split(',').indexOf('file') ?? -1;
  const files = rows
    .map((r) => r.split(',')[fileColumn] ?? '')
    .filter((f) => prefixes.length === 0 || prefixes.some((p) => f.split('/').at(-1)?.toLowerCase().startsWith(p)));
  if (files.length === 0) {
    process.stderr.write(`no instance of ${dir} matches --instances ${values.instances}\n`);
    process.exit(2);
  }

  const bench = `routing-${set}`;
  const protocol = { objective, timeLimitS: timeLimitMs / 1000, seed, threads: 1 };
  const bar = values.quiet
    ? undefined
    : new cliProgress.SingleBar(
        { format: `${set} [{bar}] {value}/{total} | {instance} | last gap {gap}`, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
  bar?.start(files.length, 0, { instance: '', gap: '—' });
  const done: Row[] = [];
  for (const file of files) {
    const instance = loadInstance(join(dir, file));
    bar?.update(done.length, { instance: instance.name });
    const constructed = constructInstance(instance, objective);
    const solved = solveInstance(instance, { timeLimitMs, seed, objective });
    done.push({ instance, solved, constructed });
    const gap = solved.gapPercent ?? Number.NaN;
    bar?.update(done.length, { instance: instance.name, gap: `${round(gap)} %` });
    const best = solved.bestKnown;
    const line = {
      bench,
      figure: `${instance.name}: gap to the ${best?.kind ?? 'best known'} (${objective})`,
      value: round(gap, 3),
      unit: '%',
      anchor: {
        name: 'construction alone, same instance, gap',
        value: round(constructed.gapPercent ?? Number.NaN, 3),
        unit: '%',
      },
      ratio: round(solved.distance / constructed.distance, 4),
      instance: instance.name,
      class: instance.group,
      feasible: solved.feasible,
      violations: solved.violations.length,
      distance: round(solved.distance, 3),
      vehicles: solved.vehicles,
      bksDistance: best?.distance,
      bksVehicles: best?.vehicles,
      timeMs: Math.round(solved.elapsedMs),
      iterations: solved.iterations,
      constructDistance: round(constructed.distance, 3),
      constructVehicles: constructed.vehicles,
      ...protocol,
    };
    // Lines go out as instances finish; clear the bar's line first so they stay readable.
    if (bar && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    report(line);
  }
  bar?.stop();

  const groups = new Map<string, Row[]>();
  for (const row of done) groups.set(row.instance.group, [...(groups.get(row.instance.group) ?? []), row]);
  const summary = (label: string, rows: readonly Row[]) => {
    const distance = rows.reduce((a, r) => a + r.solved.distance, 0);
    const constructDistance = rows.reduce((a, r) => a + r.constructed.distance, 0);
    report({
      bench,
      figure: `${label}: mean gap to the best known (${objective}), ${rows.length} instances`,
      value: round(mean(rows.map((r) => r.solved.gapPercent ?? Number.NaN)), 3),
      unit: '%',
      anchor: {
        name: 'construction alone, same instances, mean gap',
        value: round(mean(rows.map((r) => r.constructed.gapPercent ?? Number.NaN)), 3),
        unit: '%',
      },
      ratio: round(distance / constructDistance, 4),
      class: label,
      instances: rows.length,
      infeasible: rows.filter((r) => !r.solved.feasible).length,
      vehicles: rows.reduce((a, r) => a + r.solved.vehicles, 0),
      bksVehicles: rows.reduce((a, r) => a + (r.solved.bestKnown?.vehicles ?? 0), 0),
      constructVehicles: rows.reduce((a, r) => a + r.constructed.vehicles, 0),
      meanTimeMs: Math.round(mean(rows.map((r) => r.solved.elapsedMs))),
      load1: round(loadavg()[0] ?? 0),
      ...protocol,
    });
  };
  for (const [group, rows] of [...groups].sort(([a], [b]) => a.localeCompare(b))) summary(group, rows);
  summary('all', done);
  if (done.some((r) => !r.solved.feasible)) process.exitCode = 1;
}
