import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { dirname } from 'node:path';
import {
  formatStoreTraceEvent,
  formatStoreTraceHeader,
  type StoreTraceHeader,
  TRACE_SHRINK,
  TRACE_WANT,
} from '@aisle/protocols';
import { truthOnly } from './lane-history.js';
import { replayOptions } from './run-command.js';
import { loadScenario, type Scenario } from './scenario.js';
import { HOUR_MS } from './world/context.js';
import type { TruthEvent, TruthRecorder } from './world/truth.js';
import { World } from './world/world.js';

/**
 * `aisle-sim trace`: the world's store trace (`@aisle/protocols` `StoreTraceReader`), for running
 * a replenishment policy in the loop without the simulator (`aisle-hub replenish simulate`). The
 * header holds the stores' lanes, the catalogue and the injected shrink lanes; the events are every
 * want of a stocked SKU and every shrink attempt, in simulated time order.
 *
 * Shoppers choose on arrival, before they see the shelf, and shrink attempts come on their own
 * clock, so the stream is the same whatever restocked the shelves; the floor rule (see the
 * protocol) applied to it reproduces the world's lanes under any restocking.
 */

/** Overrides of `faults.phantomLane`. */
export interface PhantomOverrides {
  readonly lanes?: number;
  readonly unitsPerHour?: number;
  readonly onsetWithinHours?: number;
}

export function withPhantomOverrides(scenario: Scenario, phantom: PhantomOverrides): Scenario {
  return {
    ...scenario,
    faults: { ...scenario.faults, phantomLane: { ...scenario.faults.phantomLane, ...phantom } },
  };
}

/** Turns truth events into trace lines (`lines`, emptied by the writer between slices). */
class StoreTraceRecorder implements TruthRecorder {
  lines: string[] = [];
  wants = 0;
  shrinks = 0;
  units = 0;
  readonly #startMs: number;
  readonly #sites: Map<string, { index: number; lanes: Map<string, number> }>;
  readonly #skus: Map<string, number>;
  #lastT: number;

  constructor(world: World) {
    this.#startMs = world.startMs;
    this.#lastT = world.startMs;
    this.#skus = new Map(world.catalog.skus.map((s) => [s.sku, s.index]));
    this.#sites = new Map(
      world.scenario.stores.map((store, index) => [
        store.id,
        { index, lanes: new Map((world.layout(store.id)?.lanes ?? []).map((l) => [l.lane, l.index])) },
      ]),
    );
  }

  record(event: TruthEvent): void {
    if (event.kind === 'want') {
      // A SKU the store does not stock: no lane can serve it, no policy can change it.
      if (event.lane === undefined) return;
      this.#inOrder(event.t);
      this.lines.push(
        formatStoreTraceEvent(this.#startMs, {
          kind: TRACE_WANT,
          t: event.t,
          site: this.#site(event.site).index,
          sku: this.#skus.get(event.sku) as number,
          units: event.units,
          posAt: event.payAt,
        }),
      );
      this.wants++;
      this.units += event.units;
    } else if (event.kind === 'shrink-attempt') {
      this.#inOrder(event.t);
      const site = this.#site(event.site);
      this.lines.push(
        formatStoreTraceEvent(this.#startMs, {
          kind: TRACE_SHRINK,
          t: event.t,
          site: site.index,
          lane: site.lanes.get(event.lane) as number,
        }),
      );
      this.shrinks++;
    }
  }

  #site(id: string): { index: number; lanes: Map<string, number> } {
    const site = this.#sites.get(id);
    if (site === undefined) throw new Error(`trace: truth names unknown site ${id}`);
    return site;
  }

  /** The world's agenda runs in time order; a trace out of order would be refused by every reader. */
  #inOrder(t: number): void {
    if (t < this.#lastT) throw new Error(`trace: truth went back in time (${t} after ${this.#lastT})`);
    this.#lastT = t;
  }
}

function traceHeader(world: World, endMs: number): StoreTraceHeader {
  const { scenario, catalog } = world;
  return {
    v: 1,
    kind: 'aisle-store-trace',
    scenario: scenario.name,
    seed: scenario.seed,
    startMs: world.startMs,
    endMs,
    utcOffsetHours: scenario.utcOffsetHours,
    sites: scenario.stores.map((store) => ({
      id: store.id,
      lanes: (world.layout(store.id)?.lanes ?? []).map((l) => ({
        lane: l.lane,
        sku: catalog.skus[l.sku]?.sku ?? '',
        capacity: l.capacity,
        facings: l.facings,
        zone: l.zone,
        walk: l.walk,
        unitGrams: l.unitGrams,
      })),
    })),
    skus: catalog.skus.map((s) => ({ sku: s.sku, casePack: s.casePack, priceCents: s.priceCents })),
    // A lane whose first attempt comes after the end has no shrink in this trace.
    shrinkLanes: world.phantomLanes
      .filter((p) => p.firstAttemptMs <= endMs)
      .map((p) => ({ site: p.site, lane: p.lane, onsetMs: p.firstAttemptMs })),
  };
}

export async function traceCommand(options: {
  readonly scenarioPath: string;
  readonly seed?: number;
  readonly durationMs: number;
  readonly outPath: string;
  readonly phantom?: PhantomOverrides;
}): Promise<{
  scenario: string;
  seed: number;
  wants: number;
  shrinks: number;
  units: number;
  lines: number;
  wallMs: number;
}> {
  const started = performance.now();
  const loaded = loadScenario(options.scenarioPath);
  const seeded = options.seed === undefined ? loaded : { ...loaded, seed: options.seed };
  const scenario = truthOnly(withPhantomOverrides(seeded, options.phantom ?? {}));
  // The trace format has no event for a lane taken off the shelf: a replay would restock it.
  if (scenario.faults.emptyLane.length > 0)
    throw new Error(`trace: ${options.scenarioPath} has faults.emptyLane, which a store trace cannot carry`);
  let trace: StoreTraceRecorder | undefined;
  const recorder: TruthRecorder = { record: (e) => trace?.record(e) };
  const world = new World(scenario, await replayOptions(scenario, dirname(options.scenarioPath), recorder));
  trace = new StoreTraceRecorder(world);
  const endMs = world.startMs + options.durationMs;
  const out = createWriteStream(options.outPath);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(`${formatStoreTraceHeader(traceHeader(world, endMs))}\n`);
  // An hour of simulated time at a time: the world runs synchronously, the file drains between.
  for (let until = world.startMs; until < endMs; ) {
    until = Math.min(endMs, until + HOUR_MS);
    world.run(until, () => {});
    if (trace.lines.length > 0) await write(`${trace.lines.join('\n')}\n`);
    trace.lines = [];
  }
  out.end();
  await once(out, 'finish');
  return {
    scenario: scenario.name,
    seed: scenario.seed,
    wants: trace.wants,
    shrinks: trace.shrinks,
    units: trace.units,
    lines: 1 + trace.wants + trace.shrinks,
    wallMs: Math.round(performance.now() - started),
  };
}
