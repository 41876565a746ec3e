import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { isUsageError, UsageError } from '../cli-usage.js';
import {
  InstanceFileError,
  type InstanceFormat,
  loadInstance,
  type SolvedInstance,
  solveInstance,
} from './benchmark-instance.js';
import type { Objective } from './engine/solve.js';
import { solveInParallel } from './parallel-runs.js';

export const ROUTE_USAGE = `  aisle-hub route solve FILE [options]
      Solve a Solomon (VRPTW) or VRPLIB (CVRP) benchmark file: prints one line per route (the
      customer ids as in the file), distance, vehicles, time, iterations and the gap to the best
      known solution. Every result is scored by the independent checker; an infeasible one is
      printed with its violations and exits 1. A bad file exits 2 with the reader's code and line.
    Options: --format solomon|vrplib (from the extension or content) --time 10 (seconds)
      --seed 1 --objective distance|vehicles-then-distance (distance) --bks FILE (a BKS.csv;
      default: BKS.csv next to FILE or one folder up) --threads 1 (N independent searches in
      worker threads, seeds SEED … SEED+N−1, each for the whole --time; the best is kept) --json
      --quiet
`;

const OBJECTIVES: readonly Objective[] = ['distance', 'vehicles-then-distance'];
const FORMATS: readonly InstanceFormat[] = ['solomon', 'vrplib'];

function seconds(text: string | undefined): number {
  if (text === undefined) return 10;
  const n = Number(text);
  if (!(n > 0 && Number.isFinite(n))) throw new UsageError(`--time must be seconds > 0, got "${text}"`);
  return n;
}

function seedOf(text: string | undefined): number {
  if (text === undefined) return 1;
  const n = Number(text);
  if (!(Number.isInteger(n) && n >= 0)) throw new UsageError(`--seed must be a whole number ≥ 0, got "${text}"`);
  return n;
}

function threadsOf(text: string | undefined): number {
  if (text === undefined) return 1;
  const n = Number(text);
  if (!(Number.isInteger(n) && n >= 1 && n <= 64))
    throw new UsageError(`--threads must be a whole number from 1 to 64, got "${text}"`);
  return n;
}

function oneOf<T extends string>(text: string | undefined, name: string, allowed: readonly T[]): T | undefined {
  if (text === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(text))
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${text}"`);
  return text as T;
}

function textReport(
  name: string,
  customers: number,
  objective: Objective,
  seed: number,
  r: SolvedInstance,
  decimals: number,
): string {
  const lines = [`${name}: ${customers} customers, objective ${objective}, seed ${seed}`];
  for (const route of r.routes) lines.push(`vehicle ${route.vehicle}: ${route.customers.join(' ')}`);
  lines.push(`distance ${r.distance.toFixed(decimals)}`);
  lines.push(`vehicles ${r.vehicles}`);
  lines.push(`time ${(r.elapsedMs / 1000).toFixed(2)} s, ${r.iterations} iterations`);
  const best = r.bestKnown;
  if (best === undefined || r.gapPercent === undefined) lines.push('gap: no best known solution for this instance');
  else
    lines.push(
      `gap ${r.gapPercent >= 0 ? '+' : ''}${r.gapPercent.toFixed(2)} % to the ${best.kind} ${best.distance.toFixed(decimals)}` +
        `${best.vehicles === undefined ? '' : ` (${best.vehicles} vehicles)`} from ${best.source}`,
    );
  if (r.feasible) lines.push('feasible');
  else {
    lines.push(`infeasible: ${r.violations.length} violations`);
    for (const v of r.violations) lines.push(`  ${JSON.stringify(v)}`);
  }
  return `${lines.join('\n')}\n`;
}

async function solveCommand(file: string, values: Record<string, string | boolean | undefined>): Promise<number> {
  const text = (name: string) => values[name] as string | undefined;
  const timeLimitMs = Math.round(seconds(text('time')) * 1000);
  const seed = seedOf(text('seed'));
  const objective = oneOf(text('objective'), 'objective', OBJECTIVES) ?? 'distance';
  const format = oneOf(text('format'), 'format', FORMATS);
  const bksPath = text('bks');
  const instance = loadInstance(file, {
    ...(format === undefined ? {} : { format }),
    ...(bksPath === undefined ? {} : { bksPath }),
  });
  const decimals = instance.format === 'solomon' ? 2 : 0;
  const threads = threadsOf(text('threads'));
  if (threads > 1) {
    // Each thread reads the file again; the one read above has already refused a bad file (exit 2).
    const parallel = await solveInParallel(file, {
      threads,
      timeLimitMs,
      seed,
      objective,
      format: instance.format,
      ...(bksPath === undefined ? {} : { bksPath }),
    });
    const result = parallel.best;
    const runs = parallel.runs.map((r) => ({
      seed: r.seed,
      feasible: r.result.feasible,
      distance: r.result.distance,
      vehicles: r.result.vehicles,
      iterations: r.result.iterations,
    }));
    if (values.json === true)
      process.stdout.write(
        `${JSON.stringify({ instance: instance.name, format: instance.format, customers: instance.customers, objective, seed: parallel.bestSeed, timeLimitMs, threads, runs, ...result })}\n`,
      );
    else {
      const lines = runs.map(
        (r) =>
          `  seed ${r.seed}: ${r.distance.toFixed(decimals)}, ${r.vehicles} vehicles${r.feasible ? '' : ', infeasible'}`,
      );
      process.stdout.write(`${threads} threads, best of:\n${lines.join('\n')}\n`);
      process.stdout.write(
        textReport(instance.name, instance.customers, objective, parallel.bestSeed, result, decimals),
      );
    }
    return result.feasible ? 0 : 1;
  }
  const bar =
    values.quiet === true
      ? undefined
      : new cliProgress.SingleBar(
          {
            format: `${instance.name} [{bar}] {elapsed}/{limit} s | best {distance}, {vehicles} vehicles`,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
  const limit = (timeLimitMs / 1000).toFixed(1);
  bar?.start(timeLimitMs, 0, { elapsed: '0.0', limit, distance: '—', vehicles: '—' });
  // solve() runs synchronously, so the bar moves only when the best so far improves.
  const result = solveInstance(instance, {
    timeLimitMs,
    seed,
    objective,
    onImprove: (p) =>
      bar?.update(Math.min(p.elapsedMs, timeLimitMs), {
        elapsed: (p.elapsedMs / 1000).toFixed(1),
        limit,
        distance: p.distance.toFixed(decimals),
        vehicles: p.vehicles,
      }),
  });
  bar?.update(timeLimitMs, { elapsed: (result.elapsedMs / 1000).toFixed(1), limit });
  bar?.stop();
  if (values.json === true)
    process.stdout.write(
      `${JSON.stringify({ instance: instance.name, format: instance.format, customers: instance.customers, objective, seed, timeLimitMs, ...result })}\n`,
    );
  else process.stdout.write(textReport(instance.name, instance.customers, objective, seed, result, decimals));
  return result.feasible ? 0 : 1;
}

export async function routeCli(argv: readonly string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        time: { type: 'string' },
        seed: { type: 'string' },
        objective: { type: 'string' },
        bks: { type: 'string' },
        threads: { type: 'string' },
        json: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      process.stdout.write(ROUTE_USAGE);
      return 0;
    }
    const [command, file, ...extra] = positionals;
    if (command !== 'solve') throw new UsageError('route needs solve');
    if (file === undefined) throw new UsageError('route solve needs FILE');
    if (extra.length > 0) throw new UsageError(`unexpected ${extra.join(' ')}`);
    return await solveCommand(file, values);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (isUsageError(error)) {
      process.stderr.write(`aisle-hub route: ${(error as Error).message}\n${ROUTE_USAGE}`);
      return 2;
    }
    if (error instanceof InstanceFileError || code === 'ENOENT' || code === 'EISDIR') {
      process.stderr.write(`aisle-hub route: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}
