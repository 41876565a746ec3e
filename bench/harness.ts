import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

/**
 * Benchmark plumbing shared by every bench script: timing by median of rounds, and one JSON line
 * per result carrying the anchor measured in the same run, the ratio, the machine and the git
 * revision, so that results from different days compare as ratios, not absolute times.
 */

export interface Timing {
  /** Median nanoseconds per call. */
  readonly medianNs: number;
  readonly rounds: number;
  readonly callsPerRound: number;
}

/** Times `fn` in rounds of at least `minRoundMs`, after a warm-up; returns the median per call. */
export function time(fn: () => unknown, options: { rounds?: number; minRoundMs?: number } = {}): Timing {
  const rounds = options.rounds ?? 15;
  const minRoundNs = BigInt(Math.round((options.minRoundMs ?? 100) * 1e6));
  // Warm-up: let the JIT settle and find how many calls fill a round.
  let calls = 1;
  for (;;) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    if (process.hrtime.bigint() - start >= minRoundNs) break;
    calls *= 2;
  }
  const perCall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    perCall.push(Number(process.hrtime.bigint() - start) / calls);
  }
  perCall.sort((a, b) => a - b);
  return { medianNs: perCall[Math.floor(rounds / 2)] as number, rounds, callsPerRound: calls };
}

function gitRevision(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

const machine = {
  cpu: cpus()[0]?.model.trim() ?? 'unknown',
  cores: cpus().length,
  node: process.version,
};
const revision = gitRevision();

export interface BenchResult {
  readonly bench: string;
  readonly figure: string;
  readonly value: number;
  readonly unit: string;
  readonly anchor: { readonly name: string; readonly value: number; readonly unit: string };
  /** value / anchor (for costs: how many times the anchor's cost). */
  readonly ratio: number;
  readonly target?: string;
  readonly [extra: string]: unknown;
}

export function report(result: BenchResult): void {
  process.stdout.write(`${JSON.stringify({ ...result, machine, revision, at: new Date().toISOString() })}\n`);
}
