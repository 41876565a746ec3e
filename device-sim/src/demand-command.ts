import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { truthOnly } from './lane-history.js';
import { replayOptions } from './run-command.js';
import { loadScenario } from './scenario.js';
import { DAY_MS, HOUR_MS } from './world/context.js';
import type { TruthEvent, TruthRecorder } from './world/truth.js';
import { World } from './world/world.js';

/**
 * `aisle-sim demand`: what shoppers wanted per SKU and store-day, from ground truth — units sold
 * plus sales lost to an empty lane — as the daily demand CSV `sku,date,units` the hub's offline
 * replenishment evaluator reads (`aisle-hub replenish evaluate`). The SKU column is
 * `site/SKU-00012`: a replenishment policy decides per SKU × site. `date` is the store's local day.
 *
 * Shoppers decide what they want on arrival, before they see the shelf (see `lane-history.ts`), so
 * this demand does not depend on how the simulator restocked: it is what any policy would have had
 * to serve. A SKU the store does not stock (a lost sale with no lane) is left out: no store order
 * can serve it. Every stocked SKU gets a row for every day, zeros included.
 */
export class DailyDemandTruth implements TruthRecorder {
  /** `site/sku` → units per day from `startMs`. */
  readonly #units = new Map<string, number[]>();

  constructor(
    private readonly startMs: number,
    private readonly utcOffsetHours: number,
  ) {}

  record(event: TruthEvent): void {
    if (event.kind === 'pick') this.#add(event.site, event.sku, event.t, event.units);
    else if (event.kind === 'lost-sale' && event.lane !== undefined)
      this.#add(event.site, event.sku, event.t, event.units);
  }

  /** Stocked SKUs only: every `site/sku` of `stocked` gets `days` values. */
  table(stocked: Iterable<string>, days: number): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const key of [...stocked].sort()) {
      const units = this.#units.get(key) ?? [];
      out.set(
        key,
        Array.from({ length: days }, (_, d) => units[d] ?? 0),
      );
    }
    return out;
  }

  #add(site: string, sku: string, t: number, units: number): void {
    const key = `${site}/${sku}`;
    const day = Math.floor((t + this.utcOffsetHours * HOUR_MS - this.#localMidnight()) / DAY_MS);
    if (day < 0) return;
    let list = this.#units.get(key);
    if (list === undefined) {
      list = [];
      this.#units.set(key, list);
    }
    list[day] = (list[day] ?? 0) + units;
  }

  /** The local midnight the run starts in, as UTC ms shifted by the offset (day 0). */
  #localMidnight(): number {
    const local = this.startMs + this.utcOffsetHours * HOUR_MS;
    return local - (((local % DAY_MS) + DAY_MS) % DAY_MS);
  }

  /** Local days from day 0 that end by `endMs`. */
  wholeDaysUntil(endMs: number): number {
    return Math.floor((endMs + this.utcOffsetHours * HOUR_MS - this.#localMidnight()) / DAY_MS);
  }

  /** `YYYY-MM-DD` of local day `d`. */
  date(d: number): string {
    return new Date(this.#localMidnight() + d * DAY_MS).toISOString().slice(0, 10);
  }
}

export async function demandCommand(options: {
  readonly scenarioPath: string;
  readonly seed?: number;
  readonly durationMs: number;
  readonly outPath: string;
}): Promise<{ scenario: string; seed: number; skus: number; days: number; units: number; wallMs: number }> {
  const started = performance.now();
  const loaded = loadScenario(options.scenarioPath);
  const scenario = truthOnly(options.seed === undefined ? loaded : { ...loaded, seed: options.seed });
  let demand: DailyDemandTruth | undefined;
  const recorder: TruthRecorder = { record: (e) => demand?.record(e) };
  const world = new World(scenario, await replayOptions(scenario, dirname(options.scenarioPath), recorder));
  demand = new DailyDemandTruth(world.now, scenario.utcOffsetHours);
  const startMs = world.now;
  world.run(startMs + options.durationMs, () => {});
  // Whole local days only: a day the run ends inside would read as a day of low demand.
  const days = demand.wholeDaysUntil(startMs + options.durationMs);
  const stocked = scenario.stores.flatMap((store) => {
    const layout = world.layout(store.id);
    const skus = new Set((layout?.lanes ?? []).map((lane) => world.catalog.skus[lane.sku]?.sku));
    return [...skus].flatMap((sku) => (sku === undefined ? [] : [`${store.id}/${sku}`]));
  });
  const table = demand.table(stocked, days);
  const out = createWriteStream(options.outPath);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('sku,date,units\n');
  let units = 0;
  for (const [key, values] of table) {
    await write(values.map((v, d) => `${key},${demand.date(d)},${v}\n`).join(''));
    units += values.reduce((a, b) => a + b, 0);
  }
  out.end();
  await once(out, 'finish');
  return {
    scenario: scenario.name,
    seed: scenario.seed,
    skus: table.size,
    days,
    units,
    wallMs: Math.round(performance.now() - started),
  };
}
