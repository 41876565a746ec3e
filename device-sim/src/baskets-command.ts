import { once } from 'node:events';
import { createWriteStream, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { truthOnly } from './lane-history.js';
import { replayOptions } from './run-command.js';
import { loadScenario } from './scenario.js';
import { DAY_MS } from './world/context.js';
import type { TruthEvent, TruthRecorder } from './world/truth.js';
import { World } from './world/world.js';

/**
 * `aisle-sim baskets`: every paid basket line of a run, as the interactions file the hub's offline
 * recommendation evaluator reads (`aisle-hub recommend eval --format customer,sku,ts`), from ground
 * truth with the world run flat out. Columns `customer,sku,ts,site,basket`: the loyalty card (empty
 * for an anonymous shopper), the SKU, the payment time (epoch ms), the store and the basket id —
 * what the POS reports, one row per line (quantities left out: an implicit-feedback model counts
 * a purchase, not its units).
 *
 * `--truth` writes what the world planted for recommendation to find: each loyalty customer's
 * favourite SKUs over time (they drift, `shoppers.preferenceDrift`) and the catalogue's bundles.
 * `--products` writes the catalogue's attributes (`sku,category,name,price_cents,unit_grams`) for
 * a content model: favourites are drawn from two categories a customer likes. Deterministic for a
 * scenario and seed.
 */

export interface BasketsTruthFile {
  readonly scenario: string;
  readonly seed: number;
  readonly startMs: number;
  readonly endMs: number;
  /** Planted "bought together" groups of SKUs. */
  readonly bundles: readonly (readonly string[])[];
  /** Per loyalty customer (by id), their store and favourites, each set holding from `fromMs` until the next. */
  readonly customers: readonly {
    readonly customer: string;
    readonly site: string;
    readonly favorites: readonly { readonly fromMs: number; readonly skus: readonly string[] }[];
  }[];
}

const csvField = (text: string) => (/[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

/** Basket lines as CSV rows (emptied by the writer between days), and the planted truth. */
class BasketRecorder implements TruthRecorder {
  rows: string[] = [];
  baskets = 0;
  lines = 0;
  readonly customers = new Set<string>();
  readonly preferences = new Map<string, { site: string; favorites: { fromMs: number; skus: string[] }[] }>();
  bundles: string[][] = [];

  constructor(private readonly loyalOnly: boolean) {}

  record(event: TruthEvent): void {
    if (event.kind === 'basket') {
      const customer = event.customer ?? '';
      if (this.loyalOnly && customer === '') return;
      if (customer !== '') this.customers.add(customer);
      this.baskets++;
      const tail = `${event.t},${csvField(event.site)},${csvField(event.basket)}\n`;
      for (const line of event.lines) this.rows.push(`${csvField(customer)},${csvField(line.sku)},${tail}`);
      this.lines += event.lines.length;
    } else if (event.kind === 'preferences') {
      let entry = this.preferences.get(event.customer);
      if (entry === undefined) {
        entry = { site: event.site, favorites: [] };
        this.preferences.set(event.customer, entry);
      }
      entry.favorites.push({ fromMs: event.t, skus: [...event.favorites] });
    } else if (event.kind === 'bundles') {
      this.bundles = event.bundles.map((b) => [...b]);
    }
  }
}

export interface BasketsCommandOptions {
  readonly scenarioPath: string;
  readonly seed?: number;
  readonly days: number;
  readonly outPath: string;
  /** Drop anonymous shoppers' baskets. */
  readonly loyalOnly?: boolean;
  readonly truthPath?: string;
  readonly productsPath?: string;
}

export async function basketsCommand(options: BasketsCommandOptions): Promise<{
  scenario: string;
  seed: number;
  days: number;
  baskets: number;
  lines: number;
  customers: number;
  wallMs: number;
}> {
  const started = performance.now();
  const loaded = loadScenario(options.scenarioPath);
  const scenario = truthOnly(options.seed === undefined ? loaded : { ...loaded, seed: options.seed });
  const recorder = new BasketRecorder(options.loyalOnly === true);
  const world = new World(scenario, await replayOptions(scenario, dirname(options.scenarioPath), recorder));
  const endMs = world.startMs + options.days * DAY_MS;
  const out = createWriteStream(options.outPath);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('customer,sku,ts,site,basket\n');
  // A day of simulated time at a time: the world runs synchronously, the file drains between.
  for (let until = world.startMs; until < endMs; ) {
    until = Math.min(endMs, until + DAY_MS);
    world.run(until, () => {});
    if (recorder.rows.length > 0) await write(recorder.rows.join(''));
    recorder.rows = [];
  }
  out.end();
  await once(out, 'finish');
  if (options.productsPath !== undefined) {
    const rows = world.catalog.skus.map(
      (s) => `${csvField(s.sku)},${csvField(s.category)},${csvField(s.name)},${s.priceCents},${s.unitGrams}\n`,
    );
    writeFileSync(options.productsPath, `sku,category,name,price_cents,unit_grams\n${rows.join('')}`);
  }
  if (options.truthPath !== undefined) {
    const truth: BasketsTruthFile = {
      scenario: scenario.name,
      seed: scenario.seed,
      startMs: world.startMs,
      endMs,
      bundles: recorder.bundles,
      customers: [...recorder.preferences.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([customer, p]) => ({ customer, site: p.site, favorites: p.favorites })),
    };
    writeFileSync(options.truthPath, `${JSON.stringify(truth)}\n`);
  }
  return {
    scenario: scenario.name,
    seed: scenario.seed,
    days: options.days,
    baskets: recorder.baskets,
    lines: recorder.lines,
    customers: recorder.customers.size,
    wallMs: Math.round(performance.now() - started),
  };
}
