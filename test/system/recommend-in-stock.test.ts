/**
 * In-stock-aware recommendations end to end (issue #9 acceptance): the hub (`aisle-hub serve`), a
 * gateway per store (`aisle-edge`) and the simulator (`aisle-sim run --mqtt-only`), each its own
 * process from the sources. Two stores stock the same best seller; the simulator empties its lane
 * at store-a an hour into the run (`--empty-lane store-a:SKU:60`) and nothing restocks it. The
 * hub learns that from store-a's shelf levels alone (no one tells it), so the SKU leaves store-a's
 * recommendations — for a customer who buys it, and the store's best sellers — while store-b keeps
 * recommending it, and each answer counts it under `OUT_OF_STOCK`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '@aisle/edge/credentials';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/external-server.js';
import { MAIN, runSim, SourceProcesses, simSite, simSites, writeGatewayConfig } from '../helpers/source-processes.js';

/** Simulated seconds per real second: the lane empties 12 s into the run. */
const SPEED = 300;
const EMPTY_AFTER_MIN = 60;
const STORES = ['store-a', 'store-b'] as const;

describe('recommendations follow live stock: hub, store gateways and simulator as processes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-recommend-stock-'));
  const processes = new SourceProcesses();
  afterAll(async () => {
    await processes.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  // Two stores of one small catalogue, busy all day (no night in the seasonality), so the run's
  // first simulated hours hold a few hundred baskets a store whatever the wall clock says.
  const scenario = join(dir, 'scenario.yaml');
  writeFileSync(
    scenario,
    [
      'name: recommend-stock',
      'seed: 11',
      'utcOffsetHours: 0',
      'catalog: { skus: 24, bundles: 4 }',
      `seasonality: { daily: [${Array(24).fill(1).join(', ')}], weekly: [1, 1, 1, 1, 1, 1, 1] }`,
      'shoppers: { affinity: 0.45, loyaltyShare: 0.6, loyaltyCustomers: 80 }',
      'sensors: { scaleReportS: 30, doorReportS: 600, gpsReportS: 60, tempReportS: 600 }',
      'stores:',
      '  - { id: store-a, location: { lat: 52.52, lon: 13.45 }, lanes: 16, aisles: 2, doors: 1, registers: 2, peakShoppersPerHour: 120, planogram: {} }',
      '  - { id: store-b, location: { lat: 52.50, lon: 13.35 }, lanes: 16, aisles: 2, doors: 1, registers: 2, peakShoppersPerHour: 120, planogram: {} }',
      'dc: { id: dc-1, location: { lat: 52.5, lon: 13.4 } }',
      '',
    ].join('\n'),
  );
  const sites = simSites(scenario);
  const lanesOf = (site: string) => sites.find((s) => s.site === site)?.lanes ?? [];
  const inBoth = new Set(
    lanesOf('store-a')
      .map((l) => l.sku)
      .filter((sku) => lanesOf('store-b').some((l) => l.sku === sku)),
  );
  // The best seller both stores stock, from a ground-truth day of the same world.
  const basketsFile = join(dir, 'baskets.csv');
  runSim(['baskets', '--scenario', scenario, '--days', '1', '--out', basketsFile]);
  const sold = new Map<string, number>();
  for (const row of readFileSync(basketsFile, 'utf8').trim().split('\n').slice(1)) {
    const [, sku, , site] = row.split(',');
    if (site === 'store-b' && sku !== undefined && inBoth.has(sku)) sold.set(sku, (sold.get(sku) ?? 0) + 1);
  }
  const target = [...sold].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
  if (target === undefined) throw new Error('the two stores share no SKU that sells');

  const [httpPort, hubMqtt, ...gatewayPorts] = await Promise.all(
    Array.from({ length: 2 + 2 * STORES.length }, () => freePort()),
  );
  const secret = (site: string) => `gw-${site}-secret`;
  const hubConfig = join(dir, 'hub.json');
  writeFileSync(
    hubConfig,
    JSON.stringify({
      dataDir: join(dir, 'hub'),
      http: { host: '127.0.0.1', port: httpPort },
      broker: { host: '127.0.0.1', port: hubMqtt },
      auth: { admin: { username: 'root', password: 'root-secret-1' }, jwtSecret: 'x'.repeat(32) },
      // The simulator runs ahead of the wall clock: its readings and baskets are taken at their own time.
      ingest: { maxFutureSkewMs: 86_400_000 },
      gateways: await Promise.all(
        STORES.map(async (site) => ({ site, gateway: `gw-${site}`, passwordHash: await hashPassword(secret(site)) })),
      ),
      recommendation: { retrainEveryMs: 0 },
      log: { level: 'info' },
    }),
  );
  const hubUrl = `http://127.0.0.1:${httpPort}`;
  await processes.start('hub', MAIN.hub, ['serve', '--config', hubConfig], (line) =>
    line.includes('"msg":"hub started"'),
  );
  for (const [i, site] of STORES.entries()) {
    const world = simSite(sites, site);
    const config = await writeGatewayConfig({
      path: join(dir, `gw-${site}.json`),
      dataDir: join(dir, `gw-${site}`),
      site,
      gateway: `gw-${site}`,
      devices: world.devices,
      broker: { port: gatewayPorts[2 * i] as number, publishesPerSecond: 2 * SPEED, publishBurst: 8 * SPEED },
      httpPort: gatewayPorts[2 * i + 1] as number,
      uplink: { url: `mqtt://127.0.0.1:${hubMqtt}`, password: secret(site), flushIntervalMs: 100 },
      extra: { lanes: world.lanes },
    });
    await processes.start(`gw-${site}`, MAIN.edge, ['--config', config], (line) =>
      line.includes('"msg":"gateway started"'),
    );
  }

  const call = async (method: string, path: string, token?: string) => {
    const answer = await fetch(`${hubUrl}${path}`, {
      method,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
    // biome-ignore lint/suspicious/noExplicitAny: JSON answers of several shapes, each asserted below
    return { status: answer.status, body: (await answer.json()) as any };
  };
  const login = await fetch(`${hubUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'root', password: 'root-secret-1' }),
  });
  const { token } = (await login.json()) as { token: string };
  const detail = () => processes.logs();
  const until = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`no ${what} in ${timeoutMs / 1000} s\n${detail()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const units = async (site: string) => {
    const inventory = (await call('GET', `/api/sites/${site}/inventory`, token)).body as {
      skus: Array<{ sku: string; units: number }>;
    };
    return inventory.skus.find((s) => s.sku === target)?.units;
  };

  await processes.start('simulator', MAIN.sim, [
    'run',
    '--scenario',
    scenario,
    '--mqtt-only',
    ...STORES.flatMap((site, i) => ['--broker', `${site}=mqtt://127.0.0.1:${gatewayPorts[2 * i]}`]),
    '--start',
    'now',
    '--speed',
    String(SPEED),
    '--duration',
    '6h',
    '--empty-lane',
    `store-a:${target}:${EMPTY_AFTER_MIN}`,
    '--quiet',
  ]);

  let buyer: string | undefined;

  it(`the hub learns from store-a's shelves alone that its best seller ran out there`, async () => {
    // Stocked in both stores while the first hour's baskets come in…
    await until('units of the target at both stores', async () =>
      (await units('store-a')) !== undefined && ((await units('store-b')) ?? 0) > 0 ? true : undefined,
    );
    // …then store-a's lane reads empty, and stays so; store-b's does not.
    await until('an empty lane at store-a', async () => ((await units('store-a')) === 0 ? true : undefined));
    expect(await units('store-b')).toBeGreaterThan(0);
    // A loyalty customer who bought it at store-a before it ran out.
    buyer = await until('a store-a loyalty customer who bought it', async () => {
      const baskets = (await call('GET', '/api/sites/store-a/baskets?limit=10000', token)).body as Array<{
        customer?: string;
        lines: Array<{ sku: string }>;
      }>;
      return baskets.find((b) => b.customer !== undefined && b.lines.some((l) => l.sku === target))?.customer;
    });
    const trained = await call('POST', '/api/recommendations/retrain', token);
    expect(trained.status).toBe(200);
    expect(trained.body.summary.sites).toBe(2);
  });

  it("and drops it from store-a's recommendations only, saying why", async () => {
    const skus = (answer: { items: Array<{ sku: string }> }) => answer.items.map((i) => i.sku);
    const popularA = (await call('GET', '/api/recommendations/popular?site=store-a&n=50', token)).body;
    const popularB = (await call('GET', '/api/recommendations/popular?site=store-b&n=50', token)).body;
    expect(skus(popularA)).not.toContain(target);
    expect(popularA.skipped.OUT_OF_STOCK).toBeGreaterThanOrEqual(1);
    expect(skus(popularB)).toContain(target);
    expect(popularB.skipped.OUT_OF_STOCK).toBe(0);
    // The customer who buys it: gone at store-a, still offered to them at store-b.
    const atA = (await call('GET', `/api/recommendations/customers/${buyer}?site=store-a&mode=buy-again&n=50`, token))
      .body;
    const atB = (await call('GET', `/api/recommendations/customers/${buyer}?site=store-b&mode=buy-again&n=50`, token))
      .body;
    expect(atA.coldStart).toBe(false);
    expect(skus(atA)).not.toContain(target);
    expect(skus(atB)).toContain(target);
    const metrics = await (await fetch(`${hubUrl}/metrics`)).text();
    expect(metrics).toMatch(/aisle_hub_recommendation_filtered_total\{reason="OUT_OF_STOCK"\} [1-9]/);
  });
});
