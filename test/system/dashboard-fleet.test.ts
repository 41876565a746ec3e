/**
 * The Fleet view in a real browser against `npm start`'s stack (issue #10 acceptance): an admin
 * signs in, opens Fleet and sees every gateway of the demo online; then one gateway's process is
 * stopped and the view shows that gateway offline, live, with no reload; then it runs again and
 * the view shows it back online.
 *
 * "Stopped" is SIGSTOP to the gateway's PID as start.js printed it (a process this test started,
 * through start.js). Killing it instead would be a crash to start.js, which then stops the whole
 * stack (scripts/demo/processes.js), hub included, and nothing would be left to show the view. A
 * stopped process keeps its TCP connection open and goes silent, which is exactly what the hub's
 * broker must notice: MQTT keepalive (1.5 × the gateway's `uplink.keepaliveSec`, set to 5 s here
 * through `AISLE_EDGE__UPLINK__KEEPALIVE_SEC`, which start.js's children inherit), after which it
 * publishes the gateway's last will (`lost`) and the hub pushes it on the `gateways` channel.
 * SIGCONT lets it run again: it reconnects and publishes `online`.
 *
 * The stack is scripts/start.js run from the sources, as in dashboard-store.test.ts; the
 * dashboards are built from their sources into a temporary directory the hub serves.
 * The last test takes the browser offline and back (the view keeps what it showed, says it is
 * offline, and reloads once live). Screenshots go to test-artifacts/. Under CI=true a missing Chromium fails (test/helpers/browser.ts).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserUnavailable, screenshot } from '../helpers/browser.js';
import { demoInBrowser } from '../helpers/demo-browser.js';

/** How long the gateways may take to report online on a loaded 2-core machine. */
const ONLINE_MS = 60_000;
const KEEPALIVE_S = 5;
/** Keepalive × 1.5 for the broker to notice, plus the hub's flush and a loaded machine's slack. */
const OFFLINE_MS = 45_000;

/** Each gateway row's status as the view shows it. */
function shownStatuses(page: Page): Promise<Record<string, string>> {
  return page.$$eval('tr[data-gateway]', (rows) =>
    Object.fromEntries(rows.map((r) => [r.getAttribute('data-gateway') ?? '', r.getAttribute('data-status') ?? ''])),
  );
}

const unavailable = browserUnavailable();

describe.skipIf(unavailable !== undefined)('dashboards: the Fleet view in Chromium against npm start', () => {
  let page: Page;
  /** The gateway this test stopped (SIGSTOP), to be let run again whatever happens. */
  let stopped: number | undefined;
  const stack = demoInBrowser({
    viewport: { width: 1280, height: 900 },
    env: { AISLE_EDGE__UPLINK__KEEPALIVE_SEC: String(KEEPALIVE_S) },
    opened: (opened) => {
      page = opened;
    },
    beforeStop: () => {
      if (stopped !== undefined) process.kill(stopped, 'SIGCONT');
    },
  });

  const gatewayPids = () => [...stack.processes].filter(([name]) => name.startsWith('gw-'));

  it(
    'an admin signs in, opens Fleet and sees every gateway online',
    async () => {
      const admin = stack.login('admin');
      const gateways = gatewayPids().map(([name]) => name);
      expect(gateways.length).toBeGreaterThanOrEqual(2);
      await page.goto(stack.hubUrl);
      await page.getByLabel('Username').fill(admin.username);
      await page.getByLabel('Password').fill(admin.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Fleet' }).click();
      await page.waitForURL(/\/fleet$/);
      await page.getByRole('heading', { name: 'Fleet', level: 1 }).waitFor();
      await expect.poll(() => page.locator('[data-connection]').getAttribute('data-connection')).toBe('online');
      await expect
        .poll(
          async () => {
            const shown = await shownStatuses(page);
            return gateways.filter((g) => shown[g] === 'online' || shown[g] === 'degraded').length;
          },
          { timeout: ONLINE_MS, interval: 500 },
        )
        .toBe(gateways.length);
      // The row says so in words too (not only a colour), and the summary counts them.
      const row = page.locator(`tr[data-gateway="${gateways[0]}"]`);
      await expect(row.locator('.status-pill').textContent()).resolves.toMatch(/Online|Degraded/);
      await expect(page.getByTestId('fleet-summary').textContent()).resolves.toMatch(
        new RegExp(`${gateways.length} of ${gateways.length} gateways online`),
      );
      // The ingest-rate chart, once the hub has two intervals of its aggregate (10 s each).
      await page.locator('[data-panel="ingest-rate"] .chart[role="img"]').waitFor({ timeout: ONLINE_MS });
      await expect(page.getByTestId('ingest-now').textContent()).resolves.toMatch(/Now: [0-9.]+ items\/s/);
      await page.locator('[data-panel="devices"] tr[data-device]').first().waitFor({ timeout: ONLINE_MS });
      await screenshot(page, 'dashboard-fleet');
    },
    ONLINE_MS + 60_000,
  );

  it(
    'shows a gateway offline when its process is stopped, and online again when it runs',
    async () => {
      const [name, pid] = gatewayPids()[0] ?? [];
      if (name === undefined || pid === undefined) throw new Error(`no gateway process printed:\n${stack.banner}`);
      const row = page.locator(`tr[data-gateway="${name}"]`);
      const others = gatewayPids()
        .map(([g]) => g)
        .filter((g) => g !== name);
      process.kill(pid, 'SIGSTOP');
      stopped = pid;
      try {
        await expect
          .poll(() => row.getAttribute('data-status'), { timeout: OFFLINE_MS, interval: 250 })
          .toMatch(/^(lost|offline)$/);
        await expect(row.locator('.status-pill').textContent()).resolves.toMatch(/Offline/);
        // Only that one: the others stay online, and the summary counts one offline.
        const shown = await shownStatuses(page);
        expect(others.filter((g) => shown[g] === 'online' || shown[g] === 'degraded')).toEqual(others);
        expect(await page.locator('[data-offline]').getAttribute('data-offline')).toBe('1');
        await screenshot(page, 'dashboard-fleet-gateway-offline');
        // On a tablet, upright: the same view, one column.
        await page.setViewportSize({ width: 800, height: 1280 });
        await screenshot(page, 'dashboard-fleet-tablet', { fullPage: false });
        await page.setViewportSize({ width: 1280, height: 900 });
      } finally {
        process.kill(pid, 'SIGCONT');
        stopped = undefined;
      }
      await expect
        .poll(() => row.getAttribute('data-status'), { timeout: ONLINE_MS, interval: 250 })
        .toMatch(/^(online|degraded)$/);
    },
    OFFLINE_MS + ONLINE_MS + 30_000,
  );

  it(
    'says when it is offline, keeps the gateways shown, and is live again when the network is back',
    async () => {
      const context = page.context();
      const rows = await page.locator('tr[data-gateway]').count();
      await context.setOffline(true);
      try {
        await expect
          .poll(() => page.locator('[data-connection]').getAttribute('data-connection'), { timeout: 15_000 })
          .toBe('offline');
        await expect(page.locator('[data-connection]').textContent()).resolves.toMatch(/Offline/);
        expect(await page.locator('tr[data-gateway]').count()).toBe(rows);
        await expect(page.locator('.fleet-grid').getAttribute('class')).resolves.toMatch(/stale/);
        await screenshot(page, 'dashboard-fleet-offline', { fullPage: false });
      } finally {
        await context.setOffline(false);
      }
      await expect
        .poll(() => page.locator('[data-connection]').getAttribute('data-connection'), { timeout: 20_000 })
        .toBe('online');
      // Reloaded from REST after the reconnect: every gateway online again.
      await expect
        .poll(
          async () => Object.values(await shownStatuses(page)).filter((s) => s === 'online' || s === 'degraded').length,
          {
            timeout: ONLINE_MS,
            interval: 500,
          },
        )
        .toBe(gatewayPids().length);
    },
    ONLINE_MS + 40_000,
  );
});
