import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { hashPassword } from '@aisle/edge/credentials';
import { type LatLon, newId, type Route } from '@aisle/protocols';
import { connectAsync, type MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { report } from '../harness.js';
import { type Spawn as BenchSpawn, runBench } from '../hub/parts/bench-main.js';
import { askProcess, hubCall as call } from '../hub/parts/hub-client.js';
import { type HubCommand, type HubReply, serveHub } from '../hub/parts/ingest-hub.js';
import {
  buildDashboards,
  cpuProfile,
  launchBrowser,
  mainThread,
  recordFrames,
  summarizeFrames,
  timeline,
  type Watched,
} from './parts/browser.js';

/**
 * The Logistics view under load (issue #10, `bench/dashboard`): frame times of the routes map and
 * ETA table of 200 vans while every van reports a position once a second, in headless Chromium.
 *
 * Processes: the hub (`startHub`, SQLite in a temp dir, loopback, logging silenced) alone in a
 * child (bench/hub/parts/ingest-hub.ts, as the store half); Chromium (its own processes); this
 * process builds the dashboards (`vite build`, served by the hub at `/`), sets up the fleet and the
 * plan through the hub's REST API, drives the page and is the vans' gateways: one MQTT client per
 * van, logged in as `gw-{van}`, publishing live batches of one `gps.fix` to
 * `up/{van}/gw-{van}/batch` (a van is its own site; the real ingest path: tracking moves the van,
 * recomputes its ETAs and pushes a `routes` delta to `logistics` over socket.io).
 *
 * Setup (REST, as a planner and an admin would): `--depots` depots around Berlin and `--vans` vans
 * (`PUT /api/routing/fleet/{depots,vans}`), capacity `--stops`, one all-day shift; `--vans` ×
 * `--stops` parcels of demand 1 scattered over a 30 × 20 km box (`POST /api/routing/jobs`), so the
 * capacities make the solver send every van out with `--stops` stops; `POST /api/routing/plans`
 * (solver budget `--solve-ms`) and activate. A planner signs in through the login form and opens
 * the Logistics view; one position per van is published and the bench waits until the page shows
 * every van reporting (placed along its route, so the map shows single markers and clusters as
 * a planner would see a fleet on the road).
 *
 * The vans drive their route polyline (depot → stops → depot, straight legs) at `--speed-kmh`,
 * each starting at its own point along it; the fixes carry the wall clock. `routing.tracking.
 * pushEveryMs` is 0, so every fix reaches the page (the hub's default, 5 s, would push each van at
 * most every 5 s of its readings: a fifth of this). Vans passing within 120 m of a stop arrive
 * there by the hub's fallback geofence (route redrawn), as with a real gateway reporting fixes only.
 *
 * Measured (`parts/browser.ts`, injected, nothing added to the dashboards for it): rAF deltas and
 * long animation frames for `--seconds`, the renderer's main-thread time by kind (CDP), and what
 * the page applied in the window: van markers whose `data-position` changed (distinct vans), ETA
 * table rows whose `data-eta` changed, read from the DOM.
 *  - anchor: the same page, same probe, no publishing (updates paused), measured first;
 *  - figure: after `--warmup` seconds of load, the same window while every van reports at 1 Hz
 *    (the vans' publishes spread evenly over each second, as independent gateways would be).
 * Target: the issue gives none for this view; the store half's bar is applied: p95 frame time < 20 ms.
 */

const RUN_LIMIT_MS = 8 * 60_000;
const ADMIN = { username: 'admin', password: 'bench-admin-secret' };
const PLANNER = { username: 'pat', password: 'pat-bench-secret-1' };
const GATEWAY_SECRET = 'bench-van-gateway-secret';
const TARGET_P95_MS = 20;
const CENTRE = { lat: 52.52, lon: 13.405 };
/** The watched attributes: van markers' positions (by van) and ETA rows' next-stop ETA (by van). */
const WATCH: Watched[] = [
  { attribute: 'data-position', key: 'data-van-marker' },
  { attribute: 'data-eta', key: 'data-van' },
];

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== 'hub'),
  options: {
    vans: { type: 'string', default: '200' },
    stops: { type: 'string', default: '4' },
    depots: { type: 'string', default: '4' },
    'speed-kmh': { type: 'string', default: '36' },
    'solve-ms': { type: 'string', default: '3000' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    /** Investigation: after the report, a CPU profile of another loaded window (dashboards built unminified). */
    profile: { type: 'boolean', default: false },
    /** Investigation: after the report, a Chromium trace of another loaded window (threads' busy time, main-thread split). */
    trace: { type: 'boolean', default: false },
  },
});

type Role = 'hub';
type Spawn = BenchSpawn<Role, HubReply>;
const ask = (child: Parameters<typeof askProcess>[0], command: HubCommand) =>
  askProcess<HubCommand, HubReply>(child, command);

const round2 = (x: number): number => Math.round(x * 100) / 100;
const log = (message: string): void => {
  process.stderr.write(`dashboard/logistics: ${message}\n`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A point `northKm`, `eastKm` from the centre. */
function offset(northKm: number, eastKm: number): LatLon {
  return {
    lat: CENTRE.lat + (northKm * 1000) / 111_195,
    lon: CENTRE.lon + (eastKm * 1000) / (111_195 * Math.cos((CENTRE.lat * Math.PI) / 180)),
  };
}

/** xorshift32: seeded, so runs plan the same jobs and start the vans at the same places. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function metres(a: LatLon, b: LatLon): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(h));
}

/** A van driving its route's polyline (depot → stops → depot) in a loop, from `startM` along it. */
class VanPath {
  private readonly points: LatLon[];
  private readonly cumulative: number[];
  readonly lengthM: number;
  constructor(
    route: Route,
    private readonly startM: number,
  ) {
    this.points = [route.depot, ...route.stops.map((s) => s.location), route.depot];
    this.cumulative = [0];
    for (let i = 1; i < this.points.length; i++)
      this.cumulative.push(
        (this.cumulative[i - 1] as number) + metres(this.points[i - 1] as LatLon, this.points[i] as LatLon),
      );
    this.lengthM = this.cumulative.at(-1) as number;
  }

  /** Where the van is after driving `drivenM` from its start. */
  at(drivenM: number): LatLon {
    const d = (this.startM + drivenM) % Math.max(1, this.lengthM);
    let i = 1;
    while (i < this.cumulative.length - 1 && (this.cumulative[i] as number) < d) i++;
    const a = this.points[i - 1] as LatLon;
    const b = this.points[i] as LatLon;
    const from = this.cumulative[i - 1] as number;
    const leg = (this.cumulative[i] as number) - from;
    const f = leg <= 0 ? 0 : (d - from) / leg;
    return { lat: a.lat + (b.lat - a.lat) * f, lon: a.lon + (b.lon - a.lon) * f };
  }
}

/** One van's edge gateway on the live path: a batch of one GPS fix per report. */
class VanGateway {
  private readonly epoch = newId();
  private seq = 0;
  constructor(
    readonly vehicle: string,
    private readonly client: MqttClient,
    private readonly path: VanPath,
  ) {}

  async report(drivenM: number): Promise<void> {
    const ts = Date.now();
    this.seq += 1;
    const position = this.path.at(drivenM);
    const gateway = `gw-${this.vehicle}`;
    const batch = {
      v: 1,
      site: this.vehicle,
      gateway,
      epoch: this.epoch,
      boot: 1,
      lane: 'live',
      firstSeq: this.seq,
      lastSeq: this.seq,
      sentAt: ts,
      items: [
        {
          oseq: this.seq,
          id: newId(),
          type: 'gps.fix',
          src: { site: this.vehicle, device: 'gps', gateway },
          boot: 1,
          seq: this.seq,
          ts,
          rx: ts,
          tq: 'ntp',
          data: { ...position, speedMps: 10, van: this.vehicle, quality: 'gps' },
        },
      ],
    };
    await this.client.publishAsync(`up/${this.vehicle}/${gateway}/batch`, JSON.stringify(batch), { qos: 1 });
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }
}

/** The fleet on the road: every van reports once a second, the reports spread evenly over the second. */
class Fleet {
  private readonly t0 = performance.now();
  published = 0;
  constructor(
    private readonly vans: readonly VanGateway[],
    private readonly speedMps: number,
  ) {}

  /** Metres driven by now (every van drives the same distance along its own route). */
  private driven(): number {
    return ((performance.now() - this.t0) / 1000) * this.speedMps;
  }

  /** One report from every van, at once (before the page's windows). */
  async reportAll(): Promise<void> {
    const d = this.driven();
    await Promise.all(this.vans.map((v) => v.report(d)));
    this.published += this.vans.length;
  }

  /**
   * Every van at 1 Hz for `ms`, in slots of 50 ms (a twentieth of the fleet each), on a fixed
   * schedule. A slot does not wait for the previous slots' PUBACKs (each van's gateway is on its
   * own: a slow ack to one does not hold the others back); `seconds` is how long publishing took,
   * so `published / seconds` is the rate the hub was actually sent.
   */
  async run(ms: number): Promise<{ published: number; late: number; seconds: number }> {
    const slotMs = 50;
    const perSlot = Math.ceil(this.vans.length / (1000 / slotMs));
    const started = performance.now();
    const before = this.published;
    const inFlight: Promise<void>[] = [];
    let late = 0;
    let next = 0;
    for (let k = 0; k < Math.ceil(ms / slotMs); k++) {
      const wait = started + k * slotMs - performance.now();
      if (wait > 0) await sleep(wait);
      else if (wait < -slotMs) late++;
      const d = this.driven();
      for (let i = 0; i < perSlot; i++) {
        const van = this.vans[next] as VanGateway;
        next = (next + 1) % this.vans.length;
        inFlight.push(van.report(d));
      }
      this.published += perSlot;
    }
    const seconds = (performance.now() - started) / 1000;
    await Promise.all(inFlight);
    return { published: this.published - before, late, seconds };
  }
}

/** What the page shows of the fleet: vans with a route, reporting, as own markers, in clusters. */
async function shown(page: Page) {
  return (await page.evaluate(`(() => {
    const placed = Number(document.querySelector('[data-vans-placed]')?.getAttribute('data-vans-placed') ?? 0);
    const markers = document.querySelectorAll('[data-van-marker]').length;
    const clusters = [...document.querySelectorAll('[data-cluster]')];
    return {
      rows: document.querySelectorAll('[data-panel="etas"] tr[data-van]').length,
      placed,
      markers,
      clusters: clusters.length,
      vansInClusters: clusters.reduce((s, c) => s + Number(c.getAttribute('data-cluster')), 0),
    };
  })()`)) as { rows: number; placed: number; markers: number; clusters: number; vansInClusters: number };
}

async function run(spawn: Spawn, _servers: unknown[], tempDir: string): Promise<void> {
  const n = Number(args.vans);
  const stops = Number(args.stops);
  const depots = Number(args.depots);
  const speedMps = Number(args['speed-kmh']) / 3.6;
  const seconds = Number(args.seconds);
  const warmup = Number(args.warmup);
  const dist = join(tempDir, 'dashboards');
  let t = performance.now();
  await buildDashboards(dist, { minify: !args.profile });
  log(`dashboards built in ${round2((performance.now() - t) / 1000)} s`);

  const vehicles = Array.from({ length: n }, (_, k) => `van-${k + 1}`);
  const passwordHash = await hashPassword(GATEWAY_SECRET);
  const [hub] = await spawn('hub');
  const started = await ask(hub, {
    kind: 'start',
    config: {
      dataDir: join(tempDir, 'hub'),
      http: { host: '127.0.0.1', port: 0, dashboardsDir: dist },
      broker: { host: '127.0.0.1', port: 0 },
      // The setup makes a thousand requests in a few seconds; the page's own are few.
      auth: { admin: ADMIN, jwtSecret: 'b'.repeat(32), requestsPerMinute: 100_000 },
      gateways: vehicles.map((v) => ({ site: v, gateway: `gw-${v}`, passwordHash })),
      recommendation: { retrainEveryMs: 0 },
      routing: {
        speedKmh: Number(args['speed-kmh']),
        solve: { timeLimitMs: Number(args['solve-ms']) },
        // Only this bench plans: no re-plan while it measures.
        replan: { debounceMs: 3_600_000 },
        tracking: { pushEveryMs: 0 },
      },
    },
  });
  const base = started.httpUrl as string;
  const brokerUrl = started.brokerUrl as string;
  const admin = ((await call(base, undefined, 'POST', '/api/auth/login', ADMIN)) as { token: string }).token;
  await call(base, admin, 'POST', '/api/users', { ...PLANNER, role: 'planner', sites: [] });
  const planner = ((await call(base, undefined, 'POST', '/api/auth/login', PLANNER)) as { token: string }).token;

  // The fleet: depots on a ring 8 km out, vans shared among them; parcels all over the box.
  t = performance.now();
  for (let d = 0; d < depots; d++) {
    const angle = (2 * Math.PI * d) / depots;
    await call(base, planner, 'PUT', `/api/routing/fleet/depots/dc-${d + 1}`, {
      ...offset(8 * Math.sin(angle), 12 * Math.cos(angle)),
      name: `DC ${d + 1}`,
    });
  }
  for (const [k, vehicle] of vehicles.entries())
    await call(base, planner, 'PUT', `/api/routing/fleet/vans/${vehicle}`, {
      gateway: `gw-${vehicle}`,
      depot: `dc-${(k % depots) + 1}`,
      capacity: [stops],
      shift: { start: '00:00', end: '24:00' },
      timeZone: 'UTC',
    });
  const random = rng(20261202);
  for (let j = 0; j < n * stops; j++)
    await call(base, planner, 'POST', '/api/routing/jobs', {
      location: offset((random() - 0.5) * 20, (random() - 0.5) * 30),
      demand: [1],
      serviceMs: 5 * 60_000,
    });
  log(`fleet: ${depots} depots, ${n} vans, ${n * stops} parcels in ${round2((performance.now() - t) / 1000)} s`);
  t = performance.now();
  const planned = (await call(base, planner, 'POST', '/api/routing/plans')) as { plan: { id: string } };
  const active = (await call(base, planner, 'POST', `/api/routing/plans/${planned.plan.id}/activate`)) as {
    plan: { routes: Route[]; unassigned: string[] };
  };
  const routes = active.plan.routes.filter((r) => r.stops.length > 0);
  log(
    `plan: ${routes.length} routes, ${active.plan.unassigned.length} parcels unassigned, in ${round2((performance.now() - t) / 1000)} s`,
  );
  if (routes.length < n) throw new Error(`the plan sends ${routes.length} of ${n} vans out`);

  const start = rng(7);
  const gateways = await Promise.all(
    routes.map(async (route) => {
      const client = await connectAsync(brokerUrl, {
        clientId: `gw-${route.vehicle}`,
        username: `gw-${route.vehicle}`,
        password: GATEWAY_SECRET,
      });
      const path = new VanPath(route, 0);
      return new VanGateway(route.vehicle, client, new VanPath(route, start() * path.lengthM));
    }),
  );
  const fleet = new Fleet(gateways, speedMps);

  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(base);
    await page.getByLabel('Username').fill(PLANNER.username);
    await page.getByLabel('Password').fill(PLANNER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Logistics' }).click();
    await page.waitForURL(/\/logistics$/);
    for (let i = 0; i < 600 && (await shown(page)).rows < n; i++) await sleep(100);
    // One position per van: every van on the road, on the map, before either window.
    await fleet.reportAll();
    let on = await shown(page);
    for (let i = 0; i < 600 && on.placed < n; i++, on = await shown(page)) await sleep(100);
    if (on.rows < n || on.placed < n)
      throw new Error(`the Logistics view shows ${on.rows} of ${n} vans, ${on.placed} where they reported`);
    log('logistics view shows every van where it reported; settling');
    await sleep(2000);
    on = await shown(page);
    log(`shown: ${JSON.stringify(on)}`);

    // Anchor: the same page, no positions published.
    let stop = await mainThread(page);
    const paused = { ...summarizeFrames(await recordFrames(page, seconds * 1000, WATCH)), mainThread: await stop() };
    log(`paused: ${JSON.stringify(paused)}`);

    await fleet.run(warmup * 1000);
    stop = await mainThread(page);
    const [frames, fed] = await Promise.all([recordFrames(page, seconds * 1000, WATCH), fleet.run(seconds * 1000)]);
    const loaded = { ...summarizeFrames(frames, paused.frameMs.p50), mainThread: await stop() };
    const after = await shown(page);
    log(`loaded: ${JSON.stringify(loaded)}, published ${fed.published} fixes (late slots ${fed.late})`);

    const moved = frames.changes['data-position']?.elements ?? 0;
    const etas = frames.changes['data-eta']?.elements ?? 0;
    report({
      bench: 'dashboard/logistics',
      figure: `Logistics view (routes map + ETA table, ${n} vans with ${stops} stops each) in headless Chromium while every van reports a GPS fix once a second from its own gateway through MQTT → hub tracking → socket.io route deltas: p95 frame time (requestAnimationFrame deltas)`,
      value: loaded.frameMs.p95,
      unit: 'ms',
      anchor: {
        name: 'the same page, same probe, updates paused (no positions published), same run: p95 frame time',
        value: paused.frameMs.p95,
        unit: 'ms',
      },
      ratio: round2(loaded.frameMs.p95 / paused.frameMs.p95),
      target: `p95 < ${TARGET_P95_MS} ms (the store half's bar; issue #10 gives none for this view)`,
      met: loaded.frameMs.p95 < TARGET_P95_MS,
      loaded,
      paused,
      published: fed.published,
      fixesPerSecond: round2(fed.published / fed.seconds),
      /** Route deltas the page applied: its ETA rows' `data-eta` changes per second. */
      etaChangesPerSecond: round2((frames.changes['data-eta']?.writes ?? 0) / (frames.elapsedMs / 1000)),
      lateSlots: fed.late,
      vanMarkersMoved: moved,
      etaRowsUpdated: etas,
      shownBefore: on,
      shownAfter: after,
      vans: n,
      stopsPerVan: stops,
      loadAvg1m: round2(loadavg()[0] ?? 0),
      ...(args.profile ? { dashboards: 'built unminified (--profile)' } : {}),
    });
    if (args.trace) {
      const traced = await timeline(page);
      await fleet.run(seconds * 1000);
      log(`trace of a loaded window, ms per second: ${JSON.stringify(await traced(), undefined, 1)}`);
    }
    if (args.profile) {
      const profiled = await cpuProfile(page, 40);
      await fleet.run(seconds * 1000);
      log(`profile of a loaded window, self time: ${JSON.stringify(await profiled(), undefined, 1)}`);
    }
  } finally {
    await browser.close().catch(() => undefined);
    await Promise.all(gateways.map((g) => g.close().catch(() => undefined)));
    await ask(hub, { kind: 'close' });
  }
}

async function main(): Promise<void> {
  await runBench<Role, HubReply>('dashboard-logistics', fileURLToPath(import.meta.url), RUN_LIMIT_MS, run);
}

// Last, so every module above is initialised before any role runs.
if (process.argv[2] === 'hub') serveHub();
else await main();
