import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { hashPassword } from '@aisle/edge/credentials';
import { newId } from '@aisle/protocols';
import { connectAsync, type MqttClient } from 'mqtt';
import { report } from '../harness.js';
import { type Spawn as BenchSpawn, runBench } from '../hub/parts/bench-main.js';
import { askProcess, hubCall as call } from '../hub/parts/hub-client.js';
import { type HubCommand, type HubReply, serveHub } from '../hub/parts/ingest-hub.js';
import { buildDashboards, launchBrowser, mainThread, recordFrames, summarizeFrames } from './parts/browser.js';

/**
 * The Store view under load (issue #10, `bench/dashboard`): frame times of the shelf map with
 * 2,000 lanes while the store's gateway reports 500 shelf levels a second, in headless Chromium.
 *
 * Processes: the hub (`startHub`, SQLite in a temp dir, loopback, logging silenced) alone in a
 * child (the recommend-serve bench's hub child); Chromium (its own processes); this process builds
 * the dashboards (`vite build` into the temp dir, served by the hub at `/`), uploads the planogram,
 * drives the page and is the gateway: an MQTT client logged in as `gw-a` publishing live batches
 * to `up/store-a/gw-a/batch` (the real ingest path; the hub pushes `latest` deltas to the page over
 * socket.io).
 *
 * Setup: store-a with 2,000 lanes (20 aisles × 5 shelves × 20 positions, one SKU each); one level
 * per lane published before the page opens, so every cell has a level; staff `ann` of store-a signs
 * in through the login form and lands on the Store view, in a `--viewport` window (1280x900: 12 of
 * the 20 aisles within the view's follow margin; the page follows only those lanes live, as built;
 * a tall window, e.g. 1280x3200, puts every aisle on screen, so every published level reaches it).
 * The hub's realtime counters tell how many changes were sent to the page and how many lane
 * changes it held back as off screen; `--trace FILE` writes a Chromium trace of the loaded window.
 *
 * Measured (`parts/browser.ts`, injected with page.evaluate, nothing added to the dashboards):
 * requestAnimationFrame deltas and `long-animation-frame` entries for `--seconds`, and the lane
 * cells' `data-units` changes in the window (the page applied the updates, not just received them),
 * and the renderer's main-thread time by kind (script, style, layout, the rest) from CDP
 * `Performance.getMetrics`, for where a late frame's time went.
 *  - anchor: the same page, same probe, no publishing (updates paused), measured first;
 *  - figure: after `--warmup` seconds of load, the same window while `--rate` levels a second are
 *    published, `--batch` items per batch (every 100 ms at the defaults), lanes in turn with new
 *    random levels.
 * Target (issue #10): p95 frame time < 20 ms.
 */

const RUN_LIMIT_MS = 6 * 60_000;
const ADMIN = { username: 'admin', password: 'bench-admin-secret' };
const SITE = 'store-a';
const GATEWAY = 'gw-a';
const GATEWAY_SECRET = 'bench-gateway-secret';
const STAFF = { username: 'ann', password: 'ann-bench-secret-1' };
const CAPACITY = 24;
const TARGET_P95_MS = 20;

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== 'hub'),
  options: {
    lanes: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '500' },
    batch: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    /** The browser window, WIDTHxHEIGHT: a tall one puts every aisle on screen (all of them followed). */
    viewport: { type: 'string', default: '1280x900' },
    /** Writes a Chromium performance trace of the loaded window to this file (for chrome://tracing or Perfetto). */
    trace: { type: 'string' },
  },
});

type Role = 'hub';
type Spawn = BenchSpawn<Role, HubReply>;
const ask = (child: Parameters<typeof askProcess>[0], command: HubCommand) =>
  askProcess<HubCommand, HubReply>(child, command);

const round2 = (x: number): number => Math.round(x * 100) / 100;
const log = (message: string): void => {
  process.stderr.write(`dashboard/store: ${message}\n`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The hub's realtime counters: changes sent to sockets, and lane changes held back as not on screen. */
async function realtimeCounters(base: string): Promise<{ sent: number; outOfScope: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    sent: value('aisle_hub_realtime_deltas_sent_total'),
    outOfScope: value('aisle_hub_realtime_out_of_scope_total'),
  };
}

interface Lane {
  readonly lane: string;
  readonly device: string;
  readonly sku: string;
}

function lanes(n: number): Lane[] {
  return Array.from({ length: n }, (_, k) => ({
    lane: `l${k + 1}`,
    device: `scale-${1 + (k >> 3)}`,
    sku: `sku-${k + 1}`,
  }));
}

/** The store's gateway on the live path: batches of shelf levels, lanes in turn, random units. */
class Gateway {
  private readonly epoch = newId();
  private oseq = 0;
  private next = 0;
  private random = 1;
  published = 0;
  constructor(
    private readonly client: MqttClient,
    private readonly all: readonly Lane[],
  ) {}

  private units(): number {
    // xorshift: seeded, so runs publish the same levels.
    this.random ^= this.random << 13;
    this.random ^= this.random >>> 17;
    this.random ^= this.random << 5;
    return (this.random >>> 0) % (CAPACITY + 1);
  }

  async publish(count: number): Promise<void> {
    const ts = Date.now();
    const first = this.oseq + 1;
    const items = Array.from({ length: count }, () => {
      const lane = this.all[this.next] as Lane;
      this.next = (this.next + 1) % this.all.length;
      this.oseq += 1;
      const units = this.units();
      return {
        oseq: this.oseq,
        id: newId(),
        type: 'shelf.level',
        src: { site: SITE, device: lane.device, gateway: GATEWAY },
        boot: 1,
        seq: this.oseq,
        ts,
        rx: ts,
        tq: 'ntp',
        data: { lane: lane.lane, sku: lane.sku, units, grams: units * 250, capacity: CAPACITY },
      };
    });
    const batch = {
      v: 1,
      site: SITE,
      gateway: GATEWAY,
      epoch: this.epoch,
      boot: 1,
      lane: 'live',
      firstSeq: first,
      lastSeq: this.oseq,
      sentAt: ts,
      items,
    };
    await this.client.publishAsync(`up/${SITE}/${GATEWAY}/batch`, JSON.stringify(batch), { qos: 1 });
    this.published += count;
  }

  /** Publishes `rate` levels a second in batches of `batch` for `ms`, on a fixed schedule (no drift). */
  async run(rate: number, batch: number, ms: number): Promise<{ published: number; late: number }> {
    const every = (1000 * batch) / rate;
    const started = performance.now();
    const before = this.published;
    let late = 0;
    for (let k = 0; k < Math.ceil(ms / every); k++) {
      const due = started + k * every;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      else if (wait < -every) late++;
      await this.publish(batch);
    }
    return { published: this.published - before, late };
  }
}

async function run(spawn: Spawn, _servers: unknown[], tempDir: string): Promise<void> {
  const n = Number(args.lanes);
  const rate = Number(args.rate);
  const batch = Number(args.batch);
  const seconds = Number(args.seconds);
  const warmup = Number(args.warmup);
  const dist = join(tempDir, 'dashboards');
  let t = performance.now();
  await buildDashboards(dist);
  log(`dashboards built in ${round2((performance.now() - t) / 1000)} s`);

  const [hub] = await spawn('hub');
  const started = await ask(hub, {
    kind: 'start',
    config: {
      dataDir: join(tempDir, 'hub'),
      http: { host: '127.0.0.1', port: 0, dashboardsDir: dist },
      broker: { host: '127.0.0.1', port: 0 },
      auth: { admin: ADMIN, jwtSecret: 'b'.repeat(32) },
      gateways: [{ site: SITE, gateway: GATEWAY, passwordHash: await hashPassword(GATEWAY_SECRET) }],
      recommendation: { retrainEveryMs: 0 },
    },
  });
  const base = started.httpUrl as string;
  const brokerUrl = started.brokerUrl as string;
  const admin = ((await call(base, undefined, 'POST', '/api/auth/login', ADMIN)) as { token: string }).token;
  await call(base, admin, 'POST', '/api/sites', { site: SITE, name: 'Bench store', kind: 'store' });
  const all = lanes(n);
  t = performance.now();
  await call(base, admin, 'PUT', `/api/sites/${SITE}/planogram`, {
    skus: all.map((l) => ({ sku: l.sku, name: `Item ${l.sku}`, category: `c${l.sku.length}` })),
    lanes: all.map((l, k) => ({
      lane: l.lane,
      device: l.device,
      sku: l.sku,
      unitGrams: 250,
      capacity: CAPACITY,
      facings: 4,
      aisle: `a${1 + Math.floor(k / 100)}`,
      shelf: 1 + (Math.floor(k / 20) % 5),
      position: k % 20,
    })),
  });
  log(`planogram: ${n} lanes in ${round2((performance.now() - t) / 1000)} s`);
  await call(base, admin, 'POST', '/api/users', { ...STAFF, role: 'staff', sites: [SITE] });

  const client = await connectAsync(brokerUrl, { clientId: GATEWAY, username: GATEWAY, password: GATEWAY_SECRET });
  const gateway = new Gateway(client, all);
  // One level per lane before the page opens: every cell starts with a level.
  for (let k = 0; k < n; k += batch) await gateway.publish(Math.min(batch, n - k));

  const browser = await launchBrowser();
  try {
    const [width, height] = (args.viewport as string).split('x').map(Number) as [number, number];
    const page = await browser.newPage({ viewport: { width, height } });
    await page.goto(base);
    await page.getByLabel('Username').fill(STAFF.username);
    await page.getByLabel('Password').fill(STAFF.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(new RegExp(`/store/${SITE}$`));
    const shown = () => page.locator('button.lane[data-units]').count();
    for (let i = 0; i < 600 && (await shown()) < n; i++) await sleep(100);
    const cells = await shown();
    if (cells < n) throw new Error(`the shelf map shows ${cells} of ${n} lanes with a level`);
    log(`store view shows ${cells} lanes; settling`);
    await sleep(2000);

    // Anchor: the same page, no publishing.
    let stop = await mainThread(page);
    const paused = { ...summarizeFrames(await recordFrames(page, seconds * 1000)), mainThread: await stop() };
    log(`paused: ${JSON.stringify(paused)}`);

    await gateway.run(rate, batch, warmup * 1000);
    const levelsBefore = await page.$$eval('button.lane[data-units]', (cs) =>
      cs.map((c) => c.getAttribute('data-units')),
    );
    stop = await mainThread(page);
    const countersBefore = await realtimeCounters(base);
    if (args.trace !== undefined)
      await browser.startTracing(page, {
        path: args.trace,
        categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'cc', 'viz'],
      });
    const [frames, fed] = await Promise.all([
      recordFrames(page, seconds * 1000),
      gateway.run(rate, batch, seconds * 1000),
    ]);
    const levelsAfter = await page.$$eval('button.lane[data-units]', (cs) =>
      cs.map((c) => c.getAttribute('data-units')),
    );
    if (args.trace !== undefined) await browser.stopTracing();
    const countersAfter = await realtimeCounters(base);
    const toPage = {
      sent: countersAfter.sent - countersBefore.sent,
      notOnScreen: countersAfter.outOfScope - countersBefore.outOfScope,
    };
    const aislesFollowed = await page.evaluate(
      `[...document.querySelectorAll('section.aisle')].filter((s) => { const r = s.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; }).length`,
    );
    const loaded = { ...summarizeFrames(frames, paused.frameMs.p50), mainThread: await stop() };
    const lanesChanged = levelsAfter.filter((u, i) => u !== levelsBefore[i]).length;
    log(
      `loaded: ${JSON.stringify(loaded)}, published ${fed.published} (late batches ${fed.late}), ${lanesChanged} lanes changed, to the page ${JSON.stringify(toPage)}, aisles on screen ${aislesFollowed}`,
    );

    report({
      bench: 'dashboard/store',
      figure: `Store view (shelf map, ${n.toLocaleString('en')} lanes) in headless Chromium while the store's gateway publishes ${rate} shelf levels/s (${batch} per batch) through MQTT → hub → socket.io deltas: p95 frame time (requestAnimationFrame deltas)`,
      value: loaded.frameMs.p95,
      unit: 'ms',
      anchor: {
        name: 'the same page, same probe, updates paused (no publishing), same run: p95 frame time',
        value: paused.frameMs.p95,
        unit: 'ms',
      },
      ratio: round2(loaded.frameMs.p95 / paused.frameMs.p95),
      target: `p95 < ${TARGET_P95_MS} ms`,
      met: loaded.frameMs.p95 < TARGET_P95_MS,
      loaded,
      paused,
      published: fed.published,
      publishedPerSecond: round2(fed.published / seconds),
      lateBatches: fed.late,
      lanesWithNewLevel: lanesChanged,
      changesSentToPage: toPage.sent,
      laneChangesNotOnScreen: toPage.notOnScreen,
      aislesOnScreen: aislesFollowed,
      lanes: n,
      viewport: args.viewport,
      loadAvg1m: round2(loadavg()[0] ?? 0),
    });
  } finally {
    await browser.close().catch(() => undefined);
    await client.endAsync().catch(() => undefined);
    await ask(hub, { kind: 'close' });
  }
}

async function main(): Promise<void> {
  await runBench<Role, HubReply>('dashboard-store', fileURLToPath(import.meta.url), RUN_LIMIT_MS, run);
}

// Last, so every module above is initialised before any role runs.
if (process.argv[2] === 'hub') serveHub();
else await main();
