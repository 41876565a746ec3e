import { parseScenario, type Scenario } from '../../device-sim/src/scenario.js';

/** A small world for fast tests: one store of 48 lanes (two scales on serial), one van. */
export function smallScenario(overrides: Record<string, unknown> = {}): Scenario {
  return parseScenario({
    name: 'small',
    seed: 7,
    start: '2026-01-05T10:00:00+11:00',
    catalog: { skus: 60, bundles: 6 },
    stores: [
      {
        id: 'store-a',
        location: { lat: -37.8136, lon: 144.9631 },
        lanes: 48,
        lanesPerScale: 8,
        aisles: 4,
        doors: 2,
        registers: 2,
        peakShoppersPerHour: 200,
        serialScales: 2,
      },
    ],
    dc: { id: 'dc-1', location: { lat: -37.79, lon: 144.89 } },
    vans: [{ id: 'van-1', route: ['store-a'], departAtHour: 10.1, gpsOverSerial: true }],
    ...overrides,
  });
}

/**
 * Two stores that stock the same SKUs on the same lane ids (each store stocks the catalogue's most
 * popular SKUs in popularity order: lane i of one holds the SKU of lane i of the other), the most
 * popular ones on a second lane too (48 lanes for 30 SKUs), no vans.
 */
export function twoStoreScenario(overrides: Record<string, unknown> = {}): Scenario {
  const store = {
    lanes: 48,
    lanesPerScale: 8,
    aisles: 4,
    doors: 1,
    registers: 2,
    peakShoppersPerHour: 200,
    serialScales: 0,
  };
  return parseScenario({
    name: 'two-stores',
    seed: 11,
    start: '2026-01-05T10:00:00+11:00',
    catalog: { skus: 30, bundles: 4 },
    stores: [
      { id: 'store-a', location: { lat: -37.8136, lon: 144.9631 }, ...store },
      { id: 'store-b', location: { lat: -37.85, lon: 145.001 }, ...store },
    ],
    dc: { id: 'dc-1', location: { lat: -37.79, lon: 144.89 } },
    ...overrides,
  });
}
