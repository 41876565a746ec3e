/**
 * `aisle-sim trace`: the store trace of a world — its wants add up to `aisle-sim demand`, and the
 * floor rule replayed over it reproduces the world's lanes under restocking the world never saw
 * while the trace was written.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStoreTrace, type StoreTrace, TRACE_WANT } from '@aisle/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demandCommand } from '../../device-sim/src/demand-command.js';
import { truthOnly } from '../../device-sim/src/lane-history.js';
import type { Scenario } from '../../device-sim/src/scenario.js';
import { traceCommand, withPhantomOverrides } from '../../device-sim/src/trace-command.js';
import { MemoryTruth, type TruthEvent } from '../../device-sim/src/world/truth.js';
import { World } from '../../device-sim/src/world/world.js';
import { smallScenario } from './scenarios.js';

const H = 3_600_000;
const DAYS = 3;
/** What the trace run overrides, as `--phantom-onset-within-hours 24` would. */
const ONSET = { onsetWithinHours: 24 };

/**
 * The small world with 30 SKUs on its 48 lanes, so 18 SKUs sit on two lanes and the fullest-lane
 * rule matters; 4 phantom lanes taking a unit an hour.
 */
const scenario = smallScenario({
  catalog: { skus: 30, bundles: 6 },
  faults: { phantomLane: { lanes: 4, unitsPerHour: 1 } },
});

/** The floor rule, as a policy simulation would apply it: the trace and the stock it moves. */
class Floor {
  readonly units: number[][];
  lost = 0;
  #next = 0;
  readonly #lanesOf: number[][][];

  constructor(private readonly trace: StoreTrace) {
    const skuIndex = new Map(trace.header.skus.map((s, i) => [s.sku, i]));
    this.units = trace.header.sites.map((s) => s.lanes.map((l) => l.capacity));
    this.#lanesOf = trace.header.sites.map((s) => {
      const lanes: number[][] = trace.header.skus.map(() => []);
      for (const [i, l] of s.lanes.entries()) lanes[skuIndex.get(l.sku) as number]?.push(i);
      return lanes;
    });
  }

  /** Applies every event up to and including `untilMs`. */
  advance(untilMs: number): void {
    const { trace } = this;
    for (; this.#next < trace.length && (trace.t[this.#next] as number) <= untilMs; this.#next++) {
      const i = this.#next;
      const units = this.units[trace.site[i] as number] as number[];
      if (trace.kind[i] === TRACE_WANT) {
        let best = -1;
        for (const l of this.#lanesOf[trace.site[i] as number]?.[trace.target[i] as number] ?? [])
          if (best < 0 || (units[l] as number) > (units[best] as number)) best = l;
        const taken = Math.min(units[best] as number, trace.units[i] as number);
        units[best] = (units[best] as number) - taken;
        this.lost += (trace.units[i] as number) - taken;
      } else if ((units[trace.target[i] as number] as number) > 0) {
        units[trace.target[i] as number] = (units[trace.target[i] as number] as number) - 1;
      }
    }
  }
}

describe('the store trace of a world', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-sim-trace-'));
  const scenarioPath = join(dir, 'small.yaml');
  let trace: StoreTrace;
  let summary: Awaited<ReturnType<typeof traceCommand>>;

  beforeAll(async () => {
    // JSON is YAML: the scenario file as `aisle-sim` reads it.
    writeFileSync(scenarioPath, JSON.stringify(scenario));
    const out = join(dir, 'small.trace');
    summary = await traceCommand({
      scenarioPath,
      durationMs: DAYS * 24 * H,
      outPath: out,
      phantom: ONSET,
    });
    trace = parseStoreTrace(readFileSync(out, 'utf8'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the layout, the catalogue and the counts the summary reports', () => {
    const { header } = trace;
    expect(header).toMatchObject({ kind: 'aisle-store-trace', scenario: 'small', seed: 7 });
    expect(header.endMs - header.startMs).toBe(DAYS * 24 * H);
    expect(header.sites.map((s) => s.id)).toEqual(['store-a']);
    expect(header.sites[0]?.lanes).toHaveLength(48);
    expect(header.skus).toHaveLength(30);
    const walks = header.sites[0]?.lanes.map((l) => l.walk) ?? [];
    expect(walks).toEqual([...walks].sort((a, b) => a - b));
    expect(new Set(walks).size).toBe(48);
    expect(summary.lines).toBe(1 + trace.length);
    expect(summary.wants + summary.shrinks).toBe(trace.length);
    expect(trace.units.reduce((sum, u, i) => sum + (trace.kind[i] === TRACE_WANT ? u : 0), 0)).toBe(summary.units);
    expect(summary.wants).toBeGreaterThan(10_000);
    // Every want pays after it is taken, within a long visit.
    for (let i = 0; i < trace.length; i++) {
      const wait = (trace.posAt[i] as number) - (trace.t[i] as number);
      expect(wait >= 0 && wait < 2 * H).toBe(true);
    }
  });

  it('wants the units `aisle-sim demand` reports per SKU and whole local day', async () => {
    const csv = join(dir, 'demand.csv');
    await demandCommand({ scenarioPath, durationMs: DAYS * 24 * H, outPath: csv });
    const rows = readFileSync(csv, 'utf8').trim().split('\n').slice(1);
    const fromTrace = new Map<string, number>();
    const { header } = trace;
    for (let i = 0; i < trace.length; i++) {
      if (trace.kind[i] !== TRACE_WANT) continue;
      const date = new Date((trace.t[i] as number) + header.utcOffsetHours * H).toISOString().slice(0, 10);
      const key = `${header.sites[trace.site[i] as number]?.id}/${header.skus[trace.target[i] as number]?.sku},${date}`;
      fromTrace.set(key, (fromTrace.get(key) ?? 0) + (trace.units[i] as number));
    }
    expect(rows.length).toBe(30 * DAYS);
    let total = 0;
    for (const row of rows) {
      const [sku, date, units] = row.split(',');
      expect(fromTrace.get(`${sku},${date}`) ?? 0, row).toBe(Number(units));
      total += Number(units);
    }
    expect(total).toBeGreaterThan(10_000);
  });

  it('reproduces the lanes and lost sales of a world restocked only by refills it never saw', () => {
    // The same world, restocked by the hub's hooks alone: every 2 hours each lane below half is refilled.
    let lostInWorld = 0;
    const tasks: Scenario = { ...scenario, restock: { ...scenario.restock, policy: 'tasks' } };
    const world = new World(truthOnly(withPhantomOverrides(tasks, ONSET)), {
      truth: {
        record: (e: TruthEvent) => {
          if (e.kind === 'lost-sale' && e.lane !== undefined) lostInWorld += e.units;
        },
      },
    });
    const floor = new Floor(trace);
    const lanes = trace.header.sites[0]?.lanes ?? [];
    let refills = 0;
    for (let until = world.startMs + 2 * H; until <= trace.header.endMs; until += 2 * H) {
      world.run(until, () => {});
      floor.advance(until);
      expect(floor.units[0], `lanes at ${new Date(until).toISOString()}`).toEqual([...world.units('store-a')]);
      expect(floor.lost).toBe(lostInWorld);
      lanes.forEach((lane, i) => {
        if ((world.units('store-a')[i] as number) >= lane.capacity / 2) return;
        expect(world.refill('store-a', lane.lane, undefined, 'test')).toBe(true);
        (floor.units[0] as number[])[i] = lane.capacity;
        refills++;
      });
    }
    // The run exercised what the rule is about: refills, lost sales, shrink.
    expect(refills).toBeGreaterThan(20);
    expect(floor.lost).toBeGreaterThan(0);
    expect(trace.kind.some((k) => k !== TRACE_WANT)).toBe(true);
  });

  it('spreads the shrink lanes’ onsets over --phantom-onset-within-hours, each its first attempt', () => {
    const { header } = trace;
    expect(header.shrinkLanes).toHaveLength(4);
    const onsets = header.shrinkLanes.map((s) => s.onsetMs - header.startMs);
    // Uniform within 24 h, then the usual gap (mean 1 h at 1 unit an hour).
    for (const onset of onsets) expect(onset >= 0 && onset < 24 * H + 8 * H).toBe(true);
    expect(Math.max(...onsets) - Math.min(...onsets)).toBeGreaterThan(6 * H);
    const laneIds = header.sites[0]?.lanes.map((l) => l.lane) ?? [];
    for (const s of header.shrinkLanes) {
      const first = trace.t.find(
        (_, i) => trace.kind[i] !== TRACE_WANT && laneIds[trace.target[i] as number] === s.lane,
      );
      expect(first).toBe(s.onsetMs);
    }
  });

  it('starts every shrink lane at once without an onset window (the scenario default)', () => {
    const world = new World(scenario);
    const onsets = world.phantomLanes.map((p) => p.firstAttemptMs - world.startMs);
    expect(onsets).toHaveLength(4);
    for (const onset of onsets) expect(onset >= 0 && onset < 8 * H).toBe(true);
  });
});

describe('restocking by tasks', () => {
  it('a van arriving at a store moves no stock: the lanes change only by picks and shrink', () => {
    const tasks: Scenario = { ...scenario, restock: { ...scenario.restock, policy: 'tasks' } };
    const truth = new MemoryTruth();
    const world = new World(truthOnly(tasks), { truth });
    // van-1 leaves the DC at 10:06 for store-a; 12 hours take it there and back.
    world.run(world.startMs + 24 * H, () => {});
    expect(truth.of('van-arrival').filter((a) => a.stop === 'store-a')).not.toHaveLength(0);
    expect(truth.of('restock')).toEqual([]);
    const layout = world.layout('store-a');
    const gone = new Map<string, number>();
    for (const e of [...truth.of('pick'), ...truth.of('phantom')]) gone.set(e.lane, (gone.get(e.lane) ?? 0) + e.units);
    expect([...world.units('store-a')]).toEqual(layout?.lanes.map((l) => l.capacity - (gone.get(l.lane) ?? 0)));

    // The built-in policy, by contrast, refills the store from the van.
    const builtin = new MemoryTruth();
    new World(truthOnly(scenario), { truth: builtin }).run(world.startMs + 24 * H, () => {});
    expect(builtin.of('restock').some((r) => r.reason === 'delivery:van-1')).toBe(true);
  });
});
