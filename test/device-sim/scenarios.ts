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
