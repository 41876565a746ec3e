import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { decodeMessage } from '@aisle/protocols';
import { afterAll, describe, expect, it } from 'vitest';
import { LaneTruth, laneHistory } from '../../device-sim/src/lane-history.js';
import type { DeviceOutput } from '../../device-sim/src/outputs/output.js';
import { parseEmptyLaneArgs } from '../../device-sim/src/run-command.js';
import { parseScenario, type Scenario, ScenarioError } from '../../device-sim/src/scenario.js';
import { laneIds } from '../../device-sim/src/world/layout.js';
import { MemoryTruth } from '../../device-sim/src/world/truth.js';
import { World } from '../../device-sim/src/world/world.js';
import { twoStoreScenario } from './scenarios.js';

/**
 * `faults.emptyLane` / `aisle-sim run --empty-lane`: a lane's stock leaves the shelf at a set time,
 * its scale reports an empty lane from then on, shoppers who want the SKU there go without, and
 * nothing restocks it while the hold lasts — in that store only: the other store's lanes of the
 * same SKU go on selling. What the in-stock filter's system test relies on.
 */

const MIN = 60_000;
const HOUR = 3_600_000;

interface Reading {
  t: number;
  site: string;
  lane: string;
  grams: number;
  stable: boolean;
}

function run(scenario: Scenario, hours: number) {
  const truth = new MemoryTruth();
  const world = new World(scenario, { truth });
  const readings: Reading[] = [];
  world.run(world.startMs + hours * HOUR, (o: DeviceOutput) => {
    if (o.kind !== 'mqtt' || o.retain) return;
    const r = decodeMessage(o.topic, o.payload);
    if (!r.ok || !('item' in r.value)) return;
    const item = r.value.item;
    if (item.type === 'shelf.weight') readings.push({ t: o.at, site: item.src.site, ...item.data } as Reading);
  });
  return { world, truth, readings };
}

function withEmptyLane(base: Scenario, emptyLane: Scenario['faults']['emptyLane']): Scenario {
  return parseScenario({ ...base, faults: { ...base.faults, emptyLane } });
}

describe('faults.emptyLane', () => {
  const base = twoStoreScenario();
  // Lane 20 holds the 21st most popular SKU, on that lane alone (the 18 most popular have two).
  const lane = laneIds(base.stores[0] as Scenario['stores'][number])[20] as string;
  const at = Date.parse(base.start) + 60 * MIN;

  const plain = run(base, 4);
  const faulted = run(withEmptyLane(base, [{ site: 'store-a', lane, afterMinutes: 60 }]), 4);

  it('one lane: its scale reads empty from then on, shoppers there go without, the other store sells on', () => {
    const { world, truth, readings } = faulted;
    const spec = world.layout('store-a')?.lanes.find((l) => l.lane === lane);
    if (spec === undefined) throw new Error(`no lane ${lane}`);
    const sku = world.catalog.skus[spec.sku]?.sku as string;
    expect(world.layout('store-b')?.lanes[spec.index]).toMatchObject({ lane, sku: spec.sku });
    expect(world.layout('store-a')?.lanesBySku.get(spec.sku)).toEqual([spec.index]);

    const [emptied, ...more] = truth.of('empty-lane');
    expect(more).toEqual([]);
    expect(emptied).toMatchObject({ t: at, site: 'store-a', lane, sku });
    expect(emptied?.units).toBeGreaterThan(0);
    expect(emptied && 'untilMs' in emptied).toBe(false);

    const of = (site: string, from: number, to: number) =>
      readings.filter((r) => r.site === site && r.lane === lane && r.t >= from && r.t < to);
    expect(of('store-a', at - 30 * MIN, at).every((r) => r.grams > 100)).toBe(true);
    const after = of('store-a', at, Number.POSITIVE_INFINITY);
    // A report every 10 s for three hours, every one a stable empty lane (noise 1.5 g).
    expect(after.length).toBeGreaterThan(1000);
    for (const r of after) {
      expect(r.stable).toBe(true);
      expect(Math.abs(r.grams)).toBeLessThan(10);
    }
    expect(world.units('store-a')[spec.index]).toBe(0);
    expect(truth.of('restock').filter((e) => e.site === 'store-a' && e.lane === lane && e.t >= at)).toEqual([]);
    expect(truth.of('pick').filter((e) => e.site === 'store-a' && e.lane === lane && e.t >= at)).toEqual([]);
    const lost = truth.of('lost-sale').filter((e) => e.site === 'store-a' && e.sku === sku && e.t >= at);
    expect(lost.length).toBeGreaterThan(5);

    // store-b's lane of the same SKU sells on and is restocked as usual.
    expect(truth.of('pick').filter((e) => e.site === 'store-b' && e.sku === sku && e.t >= at).length).toBeGreaterThan(
      5,
    );
    expect(world.units('store-b')[spec.index]).toBeGreaterThan(0);
  });

  it('changes nothing before it strikes, and nothing in the other store', () => {
    const earlier = (t: MemoryTruth) => JSON.stringify(t.events.filter((e) => e.t < at));
    expect(earlier(faulted.truth)).toBe(earlier(plain.truth));
    const storeB = (t: MemoryTruth) => JSON.stringify(t.events.filter((e) => 'site' in e && e.site === 'store-b'));
    expect(storeB(faulted.truth)).toBe(storeB(plain.truth));
    const readingsB = (r: Reading[]) => JSON.stringify(r.filter((x) => x.site === 'store-b'));
    expect(readingsB(faulted.readings)).toBe(readingsB(plain.readings));
  });

  it('a SKU empties every lane of it in that store; after `hours` the built-in policy restocks them', () => {
    const world = new World(base);
    // The most popular SKU (lane 0) has a second lane (lane 30).
    const top = world.layout('store-a')?.lanes[0]?.sku as number;
    const sku = world.catalog.skus[top]?.sku as string;
    const lanes = world.layout('store-a')?.lanesBySku.get(top) ?? [];
    expect(lanes).toHaveLength(2);

    const held = run(withEmptyLane(base, [{ site: 'store-a', sku, afterMinutes: 30, hours: 1 }]), 3);
    const from = Date.parse(base.start) + 30 * MIN;
    const until = from + HOUR;
    const ids = lanes.map((i) => world.layout('store-a')?.lanes[i]?.lane);
    const events = held.truth.of('empty-lane');
    expect(events.map((e) => e.lane).sort()).toEqual([...ids].sort());
    for (const e of events) expect(e).toMatchObject({ t: from, site: 'store-a', sku, untilMs: until });
    // Minute snapshots: both lanes hold nothing for the whole hour.
    const snapshots = held.truth.of('snapshot').filter((s) => s.site === 'store-a' && s.t >= from && s.t < until);
    expect(snapshots.length).toBeGreaterThanOrEqual(59);
    for (const s of snapshots) for (const i of lanes) expect(s.units[i]).toBe(0);
    expect(
      held.truth.of('lost-sale').filter((e) => e.site === 'store-a' && e.sku === sku && e.t >= from && e.t < until)
        .length,
    ).toBeGreaterThan(10);
    // store-b sells the same SKU meanwhile.
    expect(
      held.truth.of('pick').filter((e) => e.site === 'store-b' && e.sku === sku && e.t >= from && e.t < until).length,
    ).toBeGreaterThan(10);
    // Then each lane is restocked (built-in policy), and sells again.
    for (const id of ids) {
      const restocks = held.truth.of('restock').filter((e) => e.site === 'store-a' && e.lane === id && e.t >= from);
      expect(restocks.length).toBeGreaterThan(0);
      expect(Math.min(...restocks.map((e) => e.t))).toBeGreaterThanOrEqual(until);
    }
    expect(
      held.truth.of('pick').filter((e) => e.site === 'store-a' && e.sku === sku && e.t >= until).length,
    ).toBeGreaterThan(0);
  });

  it('the lane history (`aisle-sim lanes`) replays the emptying: no units and only lost sales from that hour', () => {
    const truth = new LaneTruth();
    const world = new World(withEmptyLane(base, [{ site: 'store-a', lane, afterMinutes: 60 }]), { truth });
    const history = laneHistory(world, truth, 4);
    const a = history.lanes.find((l) => l.id === `store-a/${lane}`);
    const b = history.lanes.find((l) => l.id === `store-b/${lane}`);
    expect(a?.units[0]).toBeGreaterThan(0);
    expect([...(a?.units.slice(2) ?? [])]).toEqual([0, 0]);
    expect([...(a?.sold.slice(1) ?? [])]).toEqual([0, 0, 0]);
    expect(Math.min(...(a?.lost.slice(1) ?? []))).toBeGreaterThan(0);
    expect([...(a?.emptyMinutes.slice(1) ?? [])]).toEqual([60, 60, 60]);
    expect(world.units('store-a')[20]).toBe(0);
    expect(Math.min(...(b?.sold ?? []))).toBeGreaterThan(0);
  });

  it('World.refill refuses a held lane until the hold ends (restock policy tasks)', () => {
    const scenario = withEmptyLane({ ...base, restock: { ...base.restock, policy: 'tasks' } }, [
      { site: 'store-a', lane, afterMinutes: 10, hours: 2 },
    ]);
    const world = new World(scenario);
    const index = laneIds(scenario.stores[0] as Scenario['stores'][number]).indexOf(lane);
    world.run(world.startMs + 30 * MIN, () => {});
    expect(world.units('store-a')[index]).toBe(0);
    expect(world.refill('store-a', lane, undefined, 'task')).toBe(false);
    expect(world.units('store-a')[index]).toBe(0);
    expect(world.refill('store-b', lane, undefined, 'task')).toBe(true);
    world.run(world.startMs + 10 * MIN + 2 * HOUR, () => {});
    expect(world.refill('store-a', lane, undefined, 'task')).toBe(true);
    expect(world.units('store-a')[index]).toBe(world.layout('store-a')?.lanes[index]?.capacity);
  });

  it('names a store, one lane of it or one SKU it stocks; every problem is listed', () => {
    const problems = (emptyLane: unknown[]) => {
      try {
        parseScenario({ ...base, faults: { emptyLane } });
        return [];
      } catch (error) {
        return (error as ScenarioError).problems;
      }
    };
    expect(problems([{ site: 'store-b', sku: 'SKU-00001', hours: 0 }])).toEqual([
      '/faults/emptyLane/0/hours: Expected number to be greater than 0 (got 0)',
    ]);
    expect(
      problems([
        { site: 'store-z', lane, afterMinutes: 5 },
        { site: 'store-a', lane: 'a99-s0-p00' },
        { site: 'store-a' },
        { site: 'store-a', lane, sku: 'SKU-00001' },
        { site: 'store-b', sku: 'SKU-00001' },
      ]),
    ).toEqual([
      '/faults/emptyLane/0/site: "store-z" is not a store',
      '/faults/emptyLane/1/lane: "a99-s0-p00" is not a lane of store-a (its lanes are a01-s0-p00 … a04-s1-p02)',
      '/faults/emptyLane/2: give one of lane or sku (got neither)',
      '/faults/emptyLane/3: give one of lane or sku (got both)',
    ]);
    // Which SKUs a store stocks depends on the catalogue and planogram: the world checks.
    const wide = twoStoreScenario({ catalog: { skus: 60, bundles: 4 } });
    const stocked = new World(wide).layout('store-a')?.stocked ?? [];
    const missing = Array.from({ length: 60 }, (_, i) => i).find((i) => !stocked.includes(i)) as number;
    const missingSku = `SKU-${String(missing + 1).padStart(5, '0')}`;
    expect(
      () =>
        new World(
          withEmptyLane(wide, [
            { site: 'store-a', sku: missingSku, afterMinutes: 0 },
            { site: 'store-b', sku: 'SKU-99999', afterMinutes: 0 },
          ]),
        ),
    ).toThrow(
      new ScenarioError('two-stores', [
        `/faults/emptyLane/0/sku: "${missingSku}" is not stocked at store-a`,
        '/faults/emptyLane/1/sku: "SKU-99999" is not in the catalogue',
      ]),
    );
  });
});

describe('aisle-sim run --empty-lane', () => {
  it('parses SITE:LANE_OR_SKU[:AFTER_MINUTES[:HOURS]]: a lane id is a lane, anything else a SKU', () => {
    expect(parseEmptyLaneArgs(['store-a:a01-s0-p00:30', 'store-b:SKU-00012', 'store-a:SKU-00003:15:2.5'])).toEqual({
      emptyLanes: [
        { site: 'store-a', lane: 'a01-s0-p00', afterMinutes: 30 },
        { site: 'store-b', sku: 'SKU-00012', afterMinutes: 0 },
        { site: 'store-a', sku: 'SKU-00003', afterMinutes: 15, hours: 2.5 },
      ],
      problems: [],
    });
    const { emptyLanes, problems } = parseEmptyLaneArgs(['store-a', 'Store A:x', 'store-a:x:soon', 'store-a:x:5:0']);
    expect(emptyLanes).toEqual([]);
    expect(problems).toHaveLength(4);
    expect(problems[0]).toBe(
      'empty-lane=store-a (SITE:LANE_OR_SKU[:AFTER_MINUTES[:HOURS]], e.g. store-a:a01-s0-p00:30 or store-b:SKU-00012)',
    );
  });
});

describe('aisle-sim run --empty-lane (the CLI)', () => {
  const run = promisify(execFile);
  const MAIN = fileURLToPath(new URL('../../device-sim/src/main.ts', import.meta.url));
  const TS_NODE = [
    '--conditions=aisle-source',
    '--import',
    fileURLToPath(new URL('../helpers/ts-register.mjs', import.meta.url)),
  ];
  const dir = mkdtempSync(join(tmpdir(), 'aisle-empty-lane-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'scenario.yaml');
  writeFileSync(
    path,
    [
      'name: empty-lane-cli',
      'start: "2026-01-05T10:00:00+11:00"',
      'catalog: { skus: 20, bundles: 2 }',
      'stores:',
      '  - { id: store-a, location: { lat: -37.8136, lon: 144.9631 }, lanes: 16, aisles: 2 }',
      '  - { id: store-b, location: { lat: -37.85, lon: 145.001 }, lanes: 16, aisles: 2 }',
      'dc: { id: dc-1, location: { lat: -37.79, lon: 144.89 } }',
      'faults: { emptyLane: [{ site: store-b, lane: a02-s0-p00, afterMinutes: 1 }] }',
    ].join('\n'),
  );
  const sim = (...args: string[]) =>
    run(process.execPath, [...TS_NODE, MAIN, 'run', '--scenario', path, '--quiet', ...args], { timeout: 60_000 }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );

  it('adds to the scenario’s list; the truth records each emptying', async () => {
    const truthPath = join(dir, 'truth.jsonl');
    const r = await sim('--duration', '10m', '--empty-lane', 'store-a:a01-s0-p00:5', '--truth', truthPath);
    expect(r.code).toBe(0);
    const emptied = readFileSync(truthPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; t: number; site?: string; lane?: string })
      .filter((e) => e.kind === 'empty-lane');
    const start = Date.parse('2026-01-05T10:00:00+11:00');
    expect(emptied.map((e) => [e.t - start, e.site, e.lane])).toEqual([
      [MIN, 'store-b', 'a02-s0-p00'],
      [5 * MIN, 'store-a', 'a01-s0-p00'],
    ]);
  });

  it('refuses a malformed value (exit 2) and ids the scenario does not have, naming each', async () => {
    const malformed = await sim('--empty-lane', 'store-a');
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('invalid options: empty-lane=store-a (SITE:LANE_OR_SKU[:AFTER_MINUTES[:HOURS]]');
    const unknown = await sim('--empty-lane', 'store-z:a01-s0-p00', '--empty-lane', 'store-a:a09-s0-p00:5');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('/faults/emptyLane/1/site: "store-z" is not a store');
    expect(unknown.stderr).toContain('/faults/emptyLane/2/lane: "a09-s0-p00" is not a lane of store-a');
    const sku = await sim('--empty-lane', 'store-a:SKU-00777');
    expect(sku.code).toBe(1);
    expect(sku.stderr).toContain('/faults/emptyLane/1/sku: "SKU-00777" is not in the catalogue');
  });
});
