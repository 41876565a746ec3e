import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What the hub's subcommands (`forecast`, `replenish`, `route`) share: how a bad invocation is told
 * apart (it exits 2 with the reason and the usage), and how a run's report is written.
 */

/** A bad invocation: the CLI prints the message and its usage, and exits 2. */
export class UsageError extends Error {}

/** A `UsageError`, or an option `parseArgs` itself refused (unknown, or missing its value). */
export function isUsageError(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return (
    error instanceof UsageError ||
    code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ||
    code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'
  );
}

/** Writes `report.md` and `report.json` into `out` (created when absent); returns the `.md` path. */
export function writeReport(out: string, markdown: string, report: unknown): string {
  mkdirSync(out, { recursive: true });
  const path = join(out, 'report.md');
  writeFileSync(path, markdown);
  writeFileSync(join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return path;
}
