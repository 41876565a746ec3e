import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The public reference data in `../shared/data` (next to the checkout). Tests on real data skip,
 * saying why, when the folder is not there (a newcomer's clone); under `CI=true`, where it is
 * always provided, its absence fails the run instead of skipping quietly.
 */
export const SHARED_DATA = join(import.meta.dirname, '../../../shared/data');

export function sharedDataMissing(relativePath: string): string | undefined {
  if (existsSync(join(SHARED_DATA, relativePath))) return undefined;
  const reason = `reference data ${join(SHARED_DATA, relativePath)} is not here (it sits beside the checkout as shared/data)`;
  if (process.env.CI === 'true') throw new Error(`${reason}; CI=true: missing data fails the run`);
  return reason;
}
