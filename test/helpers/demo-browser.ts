import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { buildDashboards, launchBrowser } from './browser.js';
import { DemoStack } from './demo-stack.js';

/** How long `npm start`'s stack may take to be ready, and to stop. */
const READY_MS = 90_000;
const STOP_MS = 25_000;

/**
 * For a describe block of dashboard tests against `npm start`'s stack: before them, the dashboards
 * built from their sources into a temporary directory, the stack started serving them
 * (`AISLE_HUB__HTTP__DASHBOARDS_DIR`, plus `env`) and a Chromium page of `viewport` opened, handed
 * to `opened`; after them, `beforeStop` (e.g. letting a paused process run), the browser closed,
 * the stack stopped and the build removed.
 */
export function demoInBrowser(options: {
  viewport: { width: number; height: number };
  env?: Record<string, string>;
  opened: (page: Page, browser: Browser) => void;
  beforeStop?: () => void;
}): DemoStack {
  const stack = new DemoStack();
  const dist = mkdtempSync(join(tmpdir(), 'aisle-dashboards-'));
  let browser: Browser | undefined;
  beforeAll(async () => {
    await buildDashboards(dist);
    await stack.start({ AISLE_HUB__HTTP__DASHBOARDS_DIR: dist, ...options.env }, READY_MS);
    browser = await launchBrowser();
    options.opened(await browser.newPage({ viewport: options.viewport }), browser);
  }, READY_MS + 30_000);
  afterAll(async () => {
    options.beforeStop?.();
    await browser?.close().catch(() => undefined);
    await stack.stop(STOP_MS);
    rmSync(dist, { recursive: true, force: true });
  }, STOP_MS + 10_000);
  return stack;
}
