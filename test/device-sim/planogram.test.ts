/**
 * Shelf space by sales (`stores[].planogram`): the demo world's lanes hold about two days of what
 * their shoppers want, so a lane of a top seller is not emptied between two staff passes; without
 * a planogram the original random 1–4 facings stay, draw for draw.
 */
import { describe, expect, it } from 'vitest';
import { truthOnly } from '../../device-sim/src/lane-history.js';
import { loadScenario } from '../../device-sim/src/scenario.js';
import type { TruthEvent } from '../../device-sim/src/world/truth.js';
import { World } from '../../device-sim/src/world/world.js';

const demo = loadScenario(new URL('../../scenarios/demo.yaml', import.meta.url).pathname);
const DAY = 86_400_000;

/** Units wanted per lane over `days` of the world, and the world's layout of `site`. */
function wantedPerDay(scenario: typeof demo, site: string, days: number) {
  const wanted = new Map<string, number>();
  const world = new World(truthOnly(scenario), {
    truth: {
      record: (e: TruthEvent) => {
        if (e.kind === 'want' && e.site === site && e.lane !== undefined)
          wanted.set(e.lane, (wanted.get(e.lane) ?? 0) + e.units);
      },
    },
  });
  world.run(world.startMs + days * DAY, () => {});
  return {
    layout: world.layout(site),
    perDay: (lane: string) => (wanted.get(lane) ?? 0) / days,
    catalog: world.catalog,
  };
}

describe('planogram', () => {
  it('sizes every demo lane to days of its sales, at least a case, and the top sellers widest', () => {
    const { layout, perDay, catalog } = wantedPerDay(demo, 'store-a', 3);
    const lanes = layout?.lanes ?? [];
    expect(lanes).toHaveLength(200);
    for (const lane of lanes) expect(lane.capacity).toBeGreaterThanOrEqual(catalog.skus[lane.sku]?.casePack ?? 0);
    // Days of sales a full lane holds: the planogram asks for 2 from an estimate of demand.
    const cover = lanes.map((l) => l.capacity / Math.max(perDay(l.lane), 1e-9)).sort((a, b) => a - b);
    const below1 = cover.filter((c) => c < 1).length;
    expect(below1 / lanes.length).toBeLessThan(0.05);
    expect(cover[Math.floor(cover.length / 2)]).toBeGreaterThan(1.5);
    const byFacings = [...lanes].sort((a, b) => b.facings - a.facings);
    expect(perDay(byFacings[0]?.lane ?? '')).toBeGreaterThan(perDay(byFacings.at(-1)?.lane ?? ''));
  });

  it('without a planogram keeps the random layout, and with one draws the same numbers after it', () => {
    const random = { ...demo, stores: demo.stores.map(({ planogram: _p, ...store }) => store) };
    const a = new World(random).layout('store-a')?.lanes ?? [];
    expect(new Set(a.map((l) => l.facings))).toEqual(new Set([1, 2, 3, 4]));
    const b = new World(demo).layout('store-a')?.lanes ?? [];
    // Same lanes, SKUs and places; only the space differs.
    expect(b.map((l) => [l.lane, l.sku, l.scale])).toEqual(a.map((l) => [l.lane, l.sku, l.scale]));
    expect(b.some((l, i) => l.capacity !== a[i]?.capacity)).toBe(true);
  });
});
