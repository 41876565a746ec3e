import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { type BasketsTruthFile, basketsCommand } from '../../device-sim/src/baskets-command.js';
import { truthOnly } from '../../device-sim/src/lane-history.js';
import { loadScenario } from '../../device-sim/src/scenario.js';
import { MemoryTruth } from '../../device-sim/src/world/truth.js';
import { World } from '../../device-sim/src/world/world.js';

/**
 * `aisle-sim baskets`: every paid basket line as `customer,sku,ts,site,basket`, the file the hub's
 * recommendation evaluator reads, and (`--truth`) the favourites the world planted in its loyalty
 * customers. Checked against the world's own ground truth.
 */

const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'aisle-baskets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const scenarioPath = join(dir, 'scenario.yaml');
writeFileSync(
  scenarioPath,
  [
    'name: baskets',
    'seed: 3',
    'start: "2026-01-05T07:00:00+11:00"',
    'catalog: { skus: 80, bundles: 6 }',
    'shoppers: { loyaltyCustomers: 40, loyaltyShare: 0.35, affinity: 0.45, preferenceDrift: 0.05 }',
    'stores:',
    '  - { id: store-a, location: { lat: -37.8136, lon: 144.9631 }, lanes: 48, aisles: 4, peakShoppersPerHour: 40 }',
    '  - { id: store-b, location: { lat: -37.85, lon: 145.001 }, lanes: 40, aisles: 4, peakShoppersPerHour: 30 }',
    'dc: { id: dc-1, location: { lat: -37.79, lon: 144.89 } }',
  ].join('\n'),
);

interface Row {
  customer: string;
  sku: string;
  ts: number;
  site: string;
  basket: string;
}

function rowsOf(path: string): { header: string; rows: Row[] } {
  const [header, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n');
  return {
    header: header ?? '',
    rows: lines.map((l) => {
      const [customer, sku, ts, site, basket] = l.split(',') as [string, string, string, string, string];
      return { customer, sku, ts: Number(ts), site, basket };
    }),
  };
}

describe('aisle-sim baskets', () => {
  const all = join(dir, 'all.csv');
  const loyal = join(dir, 'loyal.csv');
  const truthPath = join(dir, 'truth.json');
  const productsPath = join(dir, 'products.csv');
  const summaries = Promise.all([
    basketsCommand({ scenarioPath, days: 3, outPath: all, truthPath, productsPath }),
    basketsCommand({ scenarioPath, days: 3, outPath: loyal, loyalOnly: true }),
  ]);

  it('writes every paid basket line the world recorded, in payment order, anonymous ones with no customer', async () => {
    const [summary] = await summaries;
    const truth = new MemoryTruth();
    const world = new World(truthOnly(loadScenario(scenarioPath)), { truth });
    world.run(world.startMs + 3 * DAY, () => {});
    const expected = truth
      .of('basket')
      .flatMap((b) =>
        b.lines.map((l) => ({ customer: b.customer ?? '', sku: l.sku, ts: b.t, site: b.site, basket: b.basket })),
      );
    const { header, rows } = rowsOf(all);
    expect(header).toBe('customer,sku,ts,site,basket');
    expect(rows).toEqual(expected);
    expect(summary).toMatchObject({ scenario: 'baskets', seed: 3, days: 3, baskets: truth.of('basket').length });
    expect(summary.lines).toBe(rows.length);
    expect(rows.every((r, i) => i === 0 || r.ts >= (rows[i - 1] as Row).ts)).toBe(true);
    expect(new Set(rows.map((r) => r.site))).toEqual(new Set(['store-a', 'store-b']));
    const anonymous = rows.filter((r) => r.customer === '').length;
    // About 35 % of shoppers show a card.
    expect(anonymous / rows.length).toBeGreaterThan(0.4);
    expect(anonymous / rows.length).toBeLessThan(0.9);
  });

  it('--loyal-only keeps exactly the card holders’ lines; each customer shops at one store', async () => {
    const [, summary] = await summaries;
    const everything = rowsOf(all).rows;
    const { rows } = rowsOf(loyal);
    expect(rows).toEqual(everything.filter((r) => r.customer !== ''));
    expect(summary.lines).toBe(rows.length);
    expect(summary.customers).toBe(new Set(rows.map((r) => r.customer)).size);
    for (const r of rows) expect(r.customer.startsWith(`${r.site}-c`)).toBe(true);
  });

  it('--truth: each loyalty customer’s planted favourites over time, which their baskets follow', async () => {
    await summaries;
    const truth = JSON.parse(readFileSync(truthPath, 'utf8')) as BasketsTruthFile;
    const start = Date.parse('2026-01-05T07:00:00+11:00');
    expect(truth).toMatchObject({ scenario: 'baskets', seed: 3, startMs: start, endMs: start + 3 * DAY });
    expect(truth.bundles).toHaveLength(6);
    expect(truth.customers).toHaveLength(40);
    const byId = new Map(truth.customers.map((c) => [c.customer, c]));
    for (const c of truth.customers) {
      expect(c.favorites[0]?.fromMs).toBe(start);
      expect(c.customer.startsWith(`${c.site}-c`)).toBe(true);
      for (const f of c.favorites) expect(f.skus.length).toBeGreaterThan(0);
    }
    // Drift (5 %/day per favourite) changed some sets, later in time.
    expect(truth.customers.some((c) => c.favorites.length > 1)).toBe(true);
    const favouriteAt = (customer: string, sku: string, ts: number) => {
      const sets = byId.get(customer)?.favorites ?? [];
      const current = sets.filter((f) => f.fromMs <= ts).at(-1);
      return current?.skus.includes(sku) === true;
    };
    // 60 % of a card holder's picks go to a favourite, plus popular SKUs that happen to be one.
    const rows = rowsOf(loyal).rows;
    const share = rows.filter((r) => favouriteAt(r.customer, r.sku, r.ts)).length / rows.length;
    expect(share).toBeGreaterThan(0.55);
    // Another customer's favourites (the next card at that store) explain far fewer of them.
    const ids = truth.customers.map((c) => c.customer);
    const neighbour = (customer: string) => {
      const site = byId.get(customer)?.site;
      const same = ids.filter((id) => byId.get(id)?.site === site);
      return same[(same.indexOf(customer) + 1) % same.length] as string;
    };
    const borrowed = rows.filter((r) => favouriteAt(neighbour(r.customer), r.sku, r.ts)).length / rows.length;
    expect(borrowed).toBeLessThan(share / 2);
  });

  it('--products: the catalogue with each SKU’s category, for a content model', async () => {
    await summaries;
    const world = new World(loadScenario(scenarioPath));
    const [header, ...lines] = readFileSync(productsPath, 'utf8').trimEnd().split('\n');
    expect(header).toBe('sku,category,name,price_cents,unit_grams');
    expect(lines).toEqual(
      world.catalog.skus.map((s) => `${s.sku},${s.category},${s.name},${s.priceCents},${s.unitGrams}`),
    );
    expect(lines).toHaveLength(80);
  });

  it('is deterministic for a scenario and seed; another seed gives other baskets', async () => {
    await summaries;
    const again = join(dir, 'again.csv');
    const other = join(dir, 'other.csv');
    await basketsCommand({ scenarioPath, days: 3, outPath: again });
    await basketsCommand({ scenarioPath, days: 3, outPath: other, seed: 4 });
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(all, 'utf8'));
    expect(readFileSync(other, 'utf8')).not.toBe(readFileSync(all, 'utf8'));
  });

  it('the CLI checks its options (exit 2) and prints a summary', async () => {
    const run = promisify(execFile);
    const MAIN = fileURLToPath(new URL('../../device-sim/src/main.ts', import.meta.url));
    const TS_NODE = [
      '--conditions=aisle-source',
      '--import',
      fileURLToPath(new URL('../helpers/ts-register.mjs', import.meta.url)),
    ];
    const sim = (...args: string[]) =>
      run(process.execPath, [...TS_NODE, MAIN, 'baskets', '--scenario', scenarioPath, ...args], {
        timeout: 60_000,
      }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
    const bad = await sim('--days', '0');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid options: --out FILE is required; days=0 (whole days, 1–3650)');
    const out = join(dir, 'cli.csv');
    const ok = await sim('--days', '1', '--loyal-only', '--out', out);
    expect(ok.code).toBe(0);
    const summary = JSON.parse(ok.stdout) as { days: number; lines: number };
    expect(summary.days).toBe(1);
    expect(summary.lines).toBe(rowsOf(out).rows.length);
    expect(rowsOf(out).rows.every((r) => r.customer !== '')).toBe(true);
  });
});
