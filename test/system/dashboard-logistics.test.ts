/**
 * The Logistics view in a real browser (issue #10 acceptance): a planner signs in, plans the
 * waiting parcel jobs from the view, sees the van move on the map and its ETAs update as the
 * simulator drives the route, then a new job comes in, shows as waiting, and pressing "Re-plan
 * now" puts it on the van's route and shows the before/after KPIs.
 *
 * dashboard-logistics-demo.test.ts runs the view against `npm start`; this one goes deeper (a
 * dearer second van, a reload, the keyboard, offline) on the stack route-tracking.test.ts runs, each its own process from the sources: the hub (`aisle-hub serve`,
 * serving the dashboards built from their sources into a temporary directory), the van's edge
 * gateway (`aisle-edge`) and the simulator (`aisle-sim run --mqtt-only --start now`), faster than
 * real time so the van visibly moves within seconds but slowly enough that it is still on its
 * route when the planner re-plans. Screenshots go to test-artifacts/.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '@aisle/edge/credentials';
import type { LatLon } from '@aisle/protocols';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, buildDashboards, launchBrowser, screenshot } from '../helpers/browser.js';
import { freePort } from '../helpers/external-server.js';
import { seeVanMove } from '../helpers/logistics-page.js';
import { SHARED_DATA } from '../helpers/shared-data.js';
import { MAIN, SourceProcesses, simSite, simSites, writeGatewayConfig } from '../helpers/source-processes.js';
import { midMorningZone } from '../helpers/time-zones.js';

const MIN = 60_000;
/** Simulated seconds per real second: a 2 km leg (200 s at 36 km/h) takes about 7 s, a stop 10 s. */
const SPEED = 30;
const DEPOT = { lat: 52.5, lon: 13.4 };
const at = (northKm: number, eastKm = 0): LatLon => ({
  lat: DEPOT.lat + (northKm * 1000) / 111_195,
  lon: DEPOT.lon + (eastKm * 1000) / (111_195 * Math.cos((DEPOT.lat * Math.PI) / 180)),
});
const STOPS = [at(2), at(4), at(6), at(8)];
/** The job that comes in while the van drives: off to the east of the route. */
const LATE_JOB = at(7, 3);
const TRACES = join(SHARED_DATA, 'gps/delivery_traces.csv');
/** Time for the stack to bring something to the screen on a loaded 2-core machine. */
const DATA_MS = 60_000;

const unavailable = browserUnavailable();

describe.skipIf(unavailable !== undefined)(
  'dashboards: the Logistics view in Chromium (hub, van gateway, simulator)',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisle-dashboard-logistics-'));
    const dist = join(dir, 'dashboards');
    const processes = new SourceProcesses();
    let browser: Browser | undefined;
    let page: Page;
    let hubUrl = '';
    let planner = '';
    let simulatorArgs: string[] = [];
    const jobs: string[] = [];

    const call = async (method: string, path: string, token?: string, body?: unknown) => {
      const answer = await fetch(`${hubUrl}${path}`, {
        method,
        headers: {
          'content-type': 'application/json',
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await answer.text();
      return { status: answer.status, body: text === '' ? undefined : JSON.parse(text) };
    };
    const logs = () => processes.logs();

    beforeAll(async () => {
      const built = buildDashboards(dist);
      // The world: one store (the scenario needs one), the DC at the routing depot, van-1 reporting
      // its GPS over MQTT, with no round of its own today (it waits for the hub's route).
      const scenario = join(dir, 'scenario.yaml');
      writeFileSync(
        scenario,
        [
          'name: dashboard-logistics',
          'seed: 11',
          'utcOffsetHours: 0',
          'stores:',
          '  - { id: store-a, location: { lat: 52.52, lon: 13.45 }, lanes: 8, aisles: 1, doors: 1, registers: 1, peakShoppersPerHour: 5 }',
          `dc: { id: dc-1, location: { lat: ${DEPOT.lat}, lon: ${DEPOT.lon} } }`,
          'vans:',
          '  - { id: van-1, route: [], speedKmh: 36, serviceMinutes: 5, gpsOverSerial: false, departAtHour: 23.9 }',
          '',
        ].join('\n'),
      );
      const van = simSite(simSites(scenario), 'van-1');

      const [httpPort, hubMqtt, gwMqtt, gwHttp] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
      const gatewaySecret = 'gw-van-1-secret';
      const hubConfig = join(dir, 'hub.json');
      writeFileSync(
        hubConfig,
        JSON.stringify({
          dataDir: join(dir, 'hub'),
          http: { host: '127.0.0.1', port: httpPort, dashboardsDir: dist },
          broker: { host: '127.0.0.1', port: hubMqtt },
          auth: { admin: { username: 'root', password: 'root-secret-1' }, jwtSecret: 'x'.repeat(32) },
          realtime: { flushMs: 100 },
          // The simulator runs ahead of the wall clock: its readings are taken at their own time.
          ingest: { maxFutureSkewMs: 86_400_000 },
          gateways: [{ site: 'van-1', gateway: 'gw-van-1', passwordHash: await hashPassword(gatewaySecret) }],
          routing: {
            depots: { 'dc-1': DEPOT },
            fleet: [
              {
                vehicle: 'van-1',
                gateway: 'gw-van-1',
                depot: 'dc-1',
                capacity: [10],
                shift: { start: '06:00', end: '22:00' },
                timeZone: midMorningZone(),
              },
              // A second van, dearer to send out: the first plan leaves it at the depot (its gateway
              // is not running: it never reports), the re-plan sends it for the job that comes in.
              {
                vehicle: 'van-2',
                gateway: 'gw-van-2',
                depot: 'dc-1',
                capacity: [10],
                shift: { start: '06:00', end: '22:00' },
                timeZone: midMorningZone(),
                fixedCost: 100,
              },
            ],
            speedKmh: 36,
            detourFactor: 1,
            // Enough for the solver to move off its warm start on a loaded machine.
            solve: { timeLimitMs: 2000 },
            // Only the planner re-plans here: a new job waits for the button.
            replan: { debounceMs: 3_600_000 },
            tracking: {
              lateRiskMs: 5 * MIN,
              pushEveryMs: MIN,
              ...(existsSync(TRACES) ? { speed: { tracesFile: TRACES } } : {}),
            },
          },
          log: { level: 'info' },
        }),
      );
      const edgeConfig = await writeGatewayConfig({
        path: join(dir, 'gw-van-1.json'),
        dataDir: join(dir, 'gw-van-1'),
        site: 'van-1',
        gateway: 'gw-van-1',
        devices: van.devices,
        broker: { port: gwMqtt, publishesPerSecond: 4 * SPEED, publishBurst: 16 * SPEED },
        httpPort: gwHttp,
        uplink: { url: `mqtt://127.0.0.1:${hubMqtt}`, password: gatewaySecret, flushIntervalMs: 50 },
        extra: { van: { gpsDevice: 'gps' } },
      });
      simulatorArgs = [
        'run',
        '--scenario',
        scenario,
        '--mqtt-only',
        '--broker',
        `van-1=mqtt://127.0.0.1:${gwMqtt}`,
        '--start',
        'now',
        '--speed',
        String(SPEED),
        '--duration',
        '5h',
        '--quiet',
      ];

      hubUrl = `http://127.0.0.1:${httpPort}`;
      await processes.start('hub', MAIN.hub, ['serve', '--config', hubConfig], (line) =>
        line.includes('"msg":"hub started"'),
      );
      await processes.start('gw-van-1', MAIN.edge, ['--config', edgeConfig], (line) =>
        line.includes('"msg":"gateway started"'),
      );
      const root = (await call('POST', '/api/auth/login', undefined, { username: 'root', password: 'root-secret-1' }))
        .body.token as string;
      await call('POST', '/api/users', root, { username: 'pat', password: 'pat-secret-1', role: 'planner', sites: [] });
      planner = (await call('POST', '/api/auth/login', undefined, { username: 'pat', password: 'pat-secret-1' })).body
        .token as string;
      // Parcels booked for today, waiting for a plan.
      const now = Date.now();
      for (const location of STOPS) {
        const job = await call('POST', '/api/routing/jobs', planner, {
          location,
          demand: [1],
          serviceMs: 5 * MIN,
          timeWindows: [{ start: now, end: now + 8 * 60 * MIN }],
        });
        expect(job.status).toBe(201);
        jobs.push(job.body.id as string);
      }
      await built;
      browser = await launchBrowser();
      page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    }, 180_000);

    afterAll(async () => {
      await browser?.close().catch(() => undefined);
      // The simulator first (it publishes into the gateway), then the gateway, then the hub.
      await processes.stopAll();
      rmSync(dir, { recursive: true, force: true });
    }, 60_000);

    const row = (van = 'van-1') => page.locator(`[data-panel="etas"] tr[data-van="${van}"]`);

    it('a planner signs in, opens Logistics, sees the waiting jobs and plans them', async () => {
      await page.goto(hubUrl);
      await page.getByLabel('Username').fill('pat');
      await page.getByLabel('Password').fill('pat-secret-1');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Logistics' }).click();
      await page.waitForURL(/\/logistics$/);
      await expect.poll(() => page.locator('[data-connection]').getAttribute('data-connection')).toBe('online');
      // No plan yet: the jobs wait, and the view offers to plan them.
      const waiting = page.locator('[data-panel="waiting"] li[data-job]');
      await expect.poll(() => waiting.count(), { timeout: DATA_MS }).toBe(STOPS.length);
      await page.getByText('No routes yet').waitFor();
      await screenshot(page, 'dashboard-logistics-empty');

      await page.getByRole('button', { name: 'Plan and activate' }).click();
      await row().waitFor({ timeout: DATA_MS });
      expect((await row().getAttribute('data-stops'))?.split(' ').sort()).toEqual([...jobs].sort());
      expect(await row().getAttribute('data-version')).toBe('1');
      // One van does it all; the dearer one is not sent.
      expect(await row('van-2').count()).toBe(0);
      await expect.poll(() => waiting.count()).toBe(0);
      // The van is drawn at its depot until it reports.
      const marker = page.locator('[data-van-marker="van-1"]');
      await marker.waitFor();
      expect(await marker.getAttribute('aria-label')).toMatch(/^Van van-1, at its depot/);
      expect(await page.locator('[data-panel="replan"] [data-plan-version]').getAttribute('data-plan-version')).toBe(
        '1',
      );
    });

    it('sees the van move on the map and its ETAs update as the simulator drives the route', async () => {
      await processes.start('simulator', MAIN.sim, simulatorArgs);
      await seeVanMove(page, 'van-1', 90_000, logs);
      // Its next stop's ETA is on screen, from the van's own fixes.
      expect(await row().locator('td.eta').textContent()).toMatch(/^\d\d:\d\d/);
      await screenshot(page, 'dashboard-logistics-moving');
    });

    it('a page opened afresh shows the van where it was last seen at once, before any live position', async () => {
      const fresh = await (browser as Browser).newPage({ viewport: { width: 1400, height: 1000 } });
      try {
        // The live channel connects, but no delta reaches this page: what it shows of the van comes
        // from what the view loads at start (the plan and GET /api/routing/vans).
        let dropped = 0;
        await fresh.routeWebSocket(/\/socket\.io\//, (ws) => {
          const server = ws.connectToServer();
          server.onMessage((message) => {
            if (typeof message === 'string' && message.startsWith('42["delta"')) dropped++;
            else ws.send(message);
          });
        });
        await fresh.goto(hubUrl);
        await fresh.getByLabel('Username').fill('pat');
        await fresh.getByLabel('Password').fill('pat-secret-1');
        await fresh.getByRole('button', { name: 'Sign in' }).click();
        await fresh.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Logistics' }).click();
        await fresh.waitForURL(/\/logistics$/);
        const marker = fresh.locator('[data-van-marker="van-1"]');
        await marker.waitFor({ timeout: DATA_MS });
        expect(await marker.getAttribute('aria-label')).toMatch(/^Van van-1, on the road/);
        expect(await fresh.locator('[data-vans-placed]').getAttribute('data-vans-placed')).toBe('1');
        // Where the page that follows the van live last drew it, give or take the fixes since.
        const [lat = 0, lon = 0] = ((await marker.getAttribute('data-position')) ?? '').split(',').map(Number);
        expect(lat).toBeGreaterThan(DEPOT.lat + 0.001);
        expect(Math.abs(lon - DEPOT.lon)).toBeLessThan(0.01);
        const freshRow = fresh.locator('[data-panel="etas"] tr[data-van="van-1"]');
        expect(await freshRow.locator('td').last().textContent()).not.toBe('not tracked yet');
        // The van kept reporting meanwhile: the live path ran and was held back from this page.
        await expect.poll(() => dropped, { timeout: DATA_MS }).toBeGreaterThan(0);
      } finally {
        await fresh.close();
      }
    });

    it('a new job waits; re-plan sends the second van for it and shows the KPIs before and after', async () => {
      const posted = await call('POST', '/api/routing/jobs', planner, {
        location: LATE_JOB,
        demand: [1],
        serviceMs: 5 * MIN,
      });
      expect(posted.status).toBe(201);
      const late = posted.body.id as string;
      // Read every 15 s while the view is open.
      await page.locator(`[data-panel="waiting"] li[data-job="${late}"]`).waitFor({ timeout: 30_000 });
      expect(await row().getAttribute('data-stops')).not.toContain(late);
      expect(await row('van-2').count()).toBe(0);

      await page.getByRole('button', { name: 'Re-plan now' }).click();
      const compare = page.locator('[data-kpi-compare="1-2"]');
      await compare.waitFor({ timeout: DATA_MS });
      const replanned = (await call('GET', '/api/routing/plans/active', planner)).body;
      expect(
        await compare.locator('caption').textContent(),
        JSON.stringify({
          refused: replanned.refused,
          unassigned: replanned.plan.unassigned,
        }),
      ).toMatch(/v1 → v2, 1 route changed \(van-2\)/);
      // van-1 left loaded at the depot (routing.replan.loadedAtDepot): van-2 goes out for the new job.
      const cells = async (kpi: string) =>
        (await compare.locator(`tr[data-kpi="${kpi}"] td`).allTextContents()).map((t) => t.trim());
      const [before, after] = (await cells('distance')).map((t) => Number.parseFloat(t));
      expect(after).toBeGreaterThan(before as number);
      expect((await cells('vans')).slice(0, 2)).toEqual(['1', '2']);
      // The new route, on the map and in the table; van-1 keeps its stops; nothing waits any more.
      await expect.poll(() => row('van-2').getAttribute('data-stops')).toBe(late);
      expect(await row('van-2').getAttribute('data-version')).toBe('2');
      expect((await row().getAttribute('data-stops'))?.split(' ').sort()).toEqual([...jobs].sort());
      await page.locator('[data-van-marker="van-2"]').waitFor();
      await expect.poll(() => page.locator('[data-panel="waiting"] li[data-job]').count()).toBe(0);
      expect(await page.locator('[data-panel="replan"] [data-plan-version]').getAttribute('data-plan-version')).toBe(
        '2',
      );
      // van-1's stops, from the keyboard.
      await row().getByRole('button', { name: 'van-1' }).focus();
      await page.keyboard.press('Enter');
      const stops = page.locator('[data-stops-of="van-1"] li[data-stop]');
      await expect.poll(() => stops.count()).toBe(STOPS.length);
      for (const state of await stops.evaluateAll((li) => li.map((l) => l.getAttribute('data-state'))))
        expect(state).toMatch(/^(done|on-time|at-risk|late)$/);
      // From the top: the header is sticky, and a full-page shot scrolled down would show it mid-page.
      await page.evaluate('window.scrollTo(0, 0)');
      await screenshot(page, 'dashboard-logistics-replanned');
      await screenshot(page, 'dashboard-logistics', { fullPage: false });
    });

    it('says when it is offline, keeps the routes and vans, and is live again when the network is back', async () => {
      const context = page.context();
      await context.setOffline(true);
      try {
        await expect
          .poll(() => page.locator('[data-connection]').getAttribute('data-connection'), { timeout: 15_000 })
          .toBe('offline');
        expect(await row().getAttribute('data-stops')).toBeTruthy();
        expect(await page.locator('[data-van-marker="van-1"]').count()).toBe(1);
        await screenshot(page, 'dashboard-logistics-offline', { fullPage: false });
      } finally {
        await context.setOffline(false);
      }
      await expect
        .poll(() => page.locator('[data-connection]').getAttribute('data-connection'), { timeout: 20_000 })
        .toBe('online');
      // The plan is read again; the van keeps moving on screen.
      await expect.poll(() => row('van-2').getAttribute('data-stops'), { timeout: DATA_MS }).toBeTruthy();
      const marker = page.locator('[data-van-marker="van-1"]');
      const before = await marker.getAttribute('data-position');
      await expect
        .poll(() => marker.getAttribute('data-position'), { timeout: DATA_MS, interval: 250 })
        .not.toBe(before);
    });
  },
);
