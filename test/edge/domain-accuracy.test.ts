import { decodeMessage, type Item } from '@aisle/protocols';
import { describe, expect, it } from 'vitest';
import type { DeviceOutput } from '../../device-sim/src/outputs/output.js';
import { parseScenario } from '../../device-sim/src/scenario.js';
import { MemoryTruth } from '../../device-sim/src/world/truth.js';
import { World } from '../../device-sim/src/world/world.js';
import { SiteFootfall } from '../../edge/src/domain/footfall.js';
import { ShelfLaneState } from '../../edge/src/domain/shelf-lane.js';
import { VanTracker } from '../../edge/src/domain/van-tracker.js';

/**
 * The gateway's reading of the shelves, doors and vans against the simulator's ground truth over a
 * simulated store day with sensor noise and hands on the shelves (issue #4 acceptance):
 * units per lane within ±1 on ≥ 99% of lane-minutes at rest, door counts exact, van arrivals at
 * stops detected within 60 s.
 */
const scenario = parseScenario({
  name: 'edge-day',
  seed: 404,
  start: '2026-01-07T08:00:00+11:00',
  catalog: { skus: 80, bundles: 8 },
  sensors: { scaleReportS: 10, scaleNoiseGrams: 2, transientS: 3, doorReportS: 60, gpsReportS: 1, tempReportS: 30 },
  faults: { noise: { gramsSd: 2 } },
  stores: [
    {
      id: 'store-a',
      location: { lat: -37.8136, lon: 144.9631 },
      lanes: 64,
      doors: 2,
      registers: 2,
      peakShoppersPerHour: 220,
    },
    {
      id: 'store-b',
      location: { lat: -37.85, lon: 145.001 },
      lanes: 32,
      doors: 1,
      registers: 1,
      peakShoppersPerHour: 120,
    },
  ],
  dc: { id: 'dc-1', location: { lat: -37.79, lon: 144.89 } },
  vans: [{ id: 'van-1', route: ['store-a', 'store-b'], departAtHour: 9, gpsOverSerial: false }],
});

describe('edge semantics against ground truth over a simulated store day', () => {
  const truth = new MemoryTruth();
  const world = new World(scenario, { truth });
  const lanes = new Map<string, ShelfLaneState>();
  for (const store of scenario.stores) {
    const layout = world.layout(store.id);
    for (const lane of layout?.lanes ?? []) {
      const sku = world.catalog.skus[lane.sku];
      lanes.set(
        `${store.id}/${lane.lane}`,
        new ShelfLaneState({
          lane: lane.lane,
          sku: sku?.sku ?? '',
          unitGrams: lane.unitGrams,
          capacity: lane.capacity,
        }),
      );
    }
  }
  const doors = new Map(scenario.stores.map((s) => [s.id, new SiteFootfall()]));
  const van = new VanTracker(
    'van-1',
    scenario.stores.map((s) => ({ id: s.id, position: s.location })),
  );
  const arrivals: Array<{ stop: string; t: number }> = [];
  let lastDoorReport = 0;
  const handle = (o: DeviceOutput) => {
    if (o.kind !== 'mqtt' || o.retain) return;
    const r = decodeMessage(o.topic, o.payload);
    if (!r.ok) throw new Error(`${o.topic}: ${r.error.code}`);
    if (!('item' in r.value)) return;
    const item: Item = r.value.item;
    if (item.type === 'shelf.weight')
      lanes.get(`${item.src.site}/${item.data.lane}`)?.reading(item.data.grams, item.data.stable);
    if (item.type === 'footfall.count') {
      doors.get(item.src.site)?.count(item.data);
      lastDoorReport = item.ts;
    }
    if (item.type === 'gps.fix')
      for (const e of van.fix(item.data, item.ts))
        if (e.event === 'arrived' && e.stop !== undefined) arrivals.push({ stop: e.stop, t: item.ts });
  };

  // Minute by minute over 14 hours, comparing every lane at rest with the true units.
  let atRest = 0;
  let within1 = 0;
  let exact = 0;
  const lastChange = new Map<string, number>();
  let seenTruth = 0;
  for (let minute = 1; minute <= 14 * 60; minute++) {
    world.run(world.startMs + minute * 60_000, handle);
    for (; seenTruth < truth.events.length; seenTruth++) {
      const e = truth.events[seenTruth];
      if (e === undefined) continue;
      if (e.kind === 'pick' || e.kind === 'restock' || e.kind === 'phantom') lastChange.set(`${e.site}/${e.lane}`, e.t);
      if (e.kind !== 'snapshot') continue;
      const layout = world.layout(e.site);
      e.units.forEach((units, i) => {
        const key = `${e.site}/${layout?.lanes[i]?.lane}`;
        // At rest: nothing happened to the lane for 30 s (three report periods).
        if (e.t - (lastChange.get(key) ?? 0) < 30_000) return;
        atRest++;
        const estimate = lanes.get(key)?.units;
        if (estimate !== undefined && Math.abs(estimate - units) <= 1) within1++;
        if (estimate === units) exact++;
      });
    }
  }

  it('units per lane are within ±1 of the truth on ≥ 99% of lane-minutes at rest', () => {
    expect(atRest).toBeGreaterThan(50_000);
    const share = within1 / atRest;
    expect(share).toBeGreaterThanOrEqual(0.99);
    // Exact most of the time, too (reported for the record).
    expect(exact / atRest).toBeGreaterThan(0.97);
    console.log(
      `lane-minutes at rest ${atRest}, within ±1 ${(100 * share).toFixed(3)}%, exact ${((100 * exact) / atRest).toFixed(3)}%`,
    );
  });

  it('door counts match the true crossings exactly', () => {
    for (const store of scenario.stores) {
      const counted = doors.get(store.id)?.totals();
      const crossings = truth.of('crossing').filter((c) => c.site === store.id && c.t <= lastDoorReport);
      for (const [door, total] of counted ?? []) {
        expect(total.in).toBe(crossings.filter((c) => c.door === door && c.direction === 'in').length);
        expect(total.out).toBe(crossings.filter((c) => c.door === door && c.direction === 'out').length);
      }
      expect(counted?.size).toBe(store.doors);
    }
  });

  it('van arrivals at stops are detected within 60 s of the truth', () => {
    const real = truth.of('van-arrival').filter((a) => a.van === 'van-1');
    expect(real.length).toBeGreaterThanOrEqual(2);
    for (const a of real) {
      const seen = arrivals.find((d) => d.stop === a.stop && Math.abs(d.t - a.t) <= 60_000);
      expect(seen, `arrival at ${a.stop} at ${new Date(a.t).toISOString()}`).toBeDefined();
    }
    expect(arrivals.length).toBe(real.length);
  });

  it('hours of simulated shopping happened (the test is not vacuous)', () => {
    expect(truth.of('pick').length).toBeGreaterThan(2000);
    expect(truth.of('restock').length).toBeGreaterThan(50);
  });
});
