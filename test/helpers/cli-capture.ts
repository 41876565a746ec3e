import { vi } from 'vitest';

/**
 * Runs an in-process CLI entry (`routeCli`, `recommendCli`, …) with stdout and stderr captured:
 * its exit code and everything it wrote.
 */
export async function captureCli(
  cli: (argv: readonly string[]) => Promise<number>,
  argv: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
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
    const code = await cli(argv);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}
