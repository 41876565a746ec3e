/**
 * A real browser for the dashboards' tests and benches: Debian's Chromium (`chromium`, listed in
 * scripts/apt-packages.txt) driven by playwright-core, and the dashboards built from their sources
 * into a temporary directory the hub serves (`AISLE_HUB__HTTP__DASHBOARDS_DIR`), so a fresh clone
 * needs no prior build and a stale dashboards/dist cannot decide a test.
 *
 * When Chromium is not installed the tests that need it skip with the reason, except under
 * `CI=true`, where that fails the run: CI must never go green by skipping (as for servers in
 * external-server.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const CHROMIUM = process.env.AISLE_CHROMIUM ?? '/usr/bin/chromium';
/** The flags TOOLCHAIN.md lists for Chromium here: no sandbox (containers), no GPU, nothing phoning home. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/** Where screenshots go (gitignored): the artifacts CI keeps. */
export const ARTIFACTS = join(REPO, 'test-artifacts');

/** Why the browser tests cannot run here, or undefined when they can; throws under CI=true. */
export function browserUnavailable(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const reason = `no Chromium at ${CHROMIUM} (apt-get install chromium, or set AISLE_CHROMIUM)`;
  if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: a missing browser fails the run)`);
  return reason;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

/** `vite build` of dashboards/ into `outDir` (about 3 s); rejects with Vite's output on failure. */
export function buildDashboards(outDir: string): Promise<void> {
  const vite = join(REPO, 'node_modules/vite/bin/vite.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: join(REPO, 'dashboards'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk: Buffer) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 && existsSync(join(outDir, 'index.html'))
        ? resolve()
        : reject(new Error(`vite build exited ${code}:\n${output}`)),
    );
  });
}

/** Saves a screenshot (the whole page, or what the viewport shows) as test-artifacts/<name>.png; returns its path. */
export async function screenshot(page: Page, name: string, { fullPage = true } = {}): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}
