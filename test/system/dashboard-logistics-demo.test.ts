/**
 * The Logistics view in a real browser against `npm start`'s stack (issue #10 acceptance): the
 * demo books parcels at its DC and runs vans that drive the routes the hub plans
 * (scenarios/demo-routes.yaml, on the wall clock); a planner signs in, plans the waiting parcels,
 * sees a van move and its ETAs update, then a new parcel comes in, waits, and "Re-plan now" puts it
 * on a route and shows the KPIs before and after. dashboard-logistics.test.ts covers the same view
 * in depth on a stack of its own (a reload, the keyboard, offline).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserUnavailable, screenshot } from '../helpers/browser.js';
import { demoInBrowser } from '../helpers/demo-browser.js';
import { seeVanMove } from '../helpers/logistics-page.js';

/** How long the stack may take to bring something to the screen (longer on a loaded 2-core machine). */
const DATA_MS = 60_000;

const unavailable = browserUnavailable();

describe.skipIf(unavailable !== undefined)('dashboards: the Logistics view in Chromium against npm start', () => {
  let page: Page;
  const stack = demoInBrowser({
    viewport: { width: 1400, height: 1000 },
    opened: (opened) => {
      page = opened;
    },
  });

  const plannerToken = async () => {
    const login = await fetch(`${stack.hubUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(stack.login('planner')),
    });
    return ((await login.json()) as { token: string }).token;
  };
  const waiting = () => page.locator('[data-panel="waiting"] li[data-job]');
  const rows = () => page.locator('[data-panel="etas"] tr[data-van]');

  it('a planner plans the parcels waiting at the DC, and sees a van move and its ETAs update', async () => {
    const planner = stack.login('planner');
    await page.goto(stack.hubUrl);
    await page.getByLabel('Username').fill(planner.username);
    await page.getByLabel('Password').fill(planner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Logistics' }).click();
    await page.waitForURL(/\/logistics$/);
    await expect.poll(() => waiting().count(), { timeout: DATA_MS }).toBeGreaterThan(0);
    const booked = await waiting().count();
    await page.getByRole('button', { name: 'Plan and activate' }).click();
    await rows().first().waitFor({ timeout: DATA_MS });
    await expect.poll(() => waiting().count()).toBe(0);
    const vans = await rows().evaluateAll((r) => r.map((x) => x.getAttribute('data-van') as string));
    const stops = await rows().evaluateAll((r) => r.flatMap((x) => (x.getAttribute('data-stops') ?? '').split(' ')));
    expect(stops.filter((s) => s !== '')).toHaveLength(booked);

    // The van drives: its marker moves on the road and its next stop's ETA changes.
    const van = vans[0] as string;
    await seeVanMove(page, van, 90_000, async () => {
      // What the hub's tracking holds of the van, and the gateways' states, for a failure message.
      const token = await plannerToken();
      const get = async (path: string) =>
        JSON.stringify(
          await (await fetch(`${stack.hubUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })).json(),
        ).slice(0, 3000);
      return `GET /api/routing/vans: ${await get('/api/routing/vans')}\nGET /api/gateways: ${await get('/api/gateways')}`;
    });
    const row = page.locator(`[data-panel="etas"] tr[data-van="${van}"]`);
    expect(await row.locator('td.eta').textContent()).toMatch(/^\d\d:\d\d/);
    await screenshot(page, 'dashboard-logistics-demo-moving', { fullPage: false });
  });

  it('a new parcel waits; re-plan puts it on a route and shows the KPIs before and after', async () => {
    const token = await plannerToken();
    const posted = await fetch(`${stack.hubUrl}/api/routing/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      // Melbourne's Docklands, east of the DC.
      body: JSON.stringify({ location: { lat: -37.8147, lon: 144.9467 }, demand: [1], serviceMs: 300_000 }),
    });
    expect(posted.status).toBe(201);
    const job = ((await posted.json()) as { id: string }).id;
    // The waiting list is read every 15 s while the view is open.
    await page.locator(`[data-panel="waiting"] li[data-job="${job}"]`).waitFor({ timeout: 30_000 });

    await page.getByRole('button', { name: 'Re-plan now' }).click();
    const compare = page.locator('[data-kpi-compare="1-2"]');
    await compare.waitFor({ timeout: DATA_MS });
    expect(await compare.locator('caption').textContent()).toMatch(/v1 → v2, \d+ routes? changed/);
    // The KPIs before and after, side by side (the distance may fall: the re-plan searches again).
    expect(await compare.locator('tr[data-kpi="distance"] td').count()).toBeGreaterThanOrEqual(2);
    // The new parcel is on a route on screen, and nothing waits any more.
    await expect
      .poll(async () =>
        (await rows().evaluateAll((r) => r.map((x) => x.getAttribute('data-stops') ?? ''))).join(' ').includes(job),
      )
      .toBe(true);
    await expect.poll(() => waiting().count()).toBe(0);
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, 'dashboard-logistics-demo-replanned', { fullPage: false });
  });
});
