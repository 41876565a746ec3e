import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFootfall } from '../../device-sim/src/replay/footfall.js';
import { footfallArrivalProfile } from '../../device-sim/src/world/arrival-profile.js';
import { MemoryTruth } from '../../device-sim/src/world/truth.js';
import { World } from '../../device-sim/src/world/world.js';
import { SHARED_DATA, sharedDataMissing } from '../helpers/shared-data.js';
import { smallScenario } from './scenarios.js';

/**
 * Replaying the City of Melbourne pedestrian counts (../shared/data): over four simulated weeks,
 * store entries per hour follow the replayed counts of the same hours.
 */
const HOUR = 3_600_000;
const file = join(SHARED_DATA, 'footfall/melbourne_pedestrian.csv');
const missing = sharedDataMissing('footfall/melbourne_pedestrian.csv');

describe.skipIf(missing !== undefined)(
  `arrivals replayed from real pedestrian counts${missing === undefined ? '' : ` (skipped: ${missing})`}`,
  async () => {
    const load = await loadFootfall(file, { sensor: 'Bourke Street Mall (North)' });
    const series = load.series[0];
    if (series === undefined) throw new Error('no Bourke Street Mall (North) series in the footfall file');
    const base = smallScenario();
    const scenario = {
      ...base,
      sensors: { ...base.sensors, scaleReportS: 86_400, doorReportS: 3600 },
      shoppers: { ...base.shoppers, meanItems: 1 },
      stores: base.stores.map((s) => ({ ...s, peakShoppersPerHour: 300, lanes: 8 })),
      vans: [],
    };
    const { profile, max } = footfallArrivalProfile(series, 1, scenario.utcOffsetHours);
    const truth = new MemoryTruth();
    const world = new World(scenario, { truth, arrivalProfile: profile, arrivalProfileMax: max });
    const hours = 4 * 7 * 24;
    world.run(world.startMs + hours * HOUR, () => {});
    const observed = new Array<number>(hours).fill(0);
    for (const c of truth.of('crossing')) {
      if (c.direction === 'in') {
        const h = Math.floor((c.t - world.startMs) / HOUR);
        observed[h] = (observed[h] ?? 0) + 1;
      }
    }
    const expected = observed.map((_, h) => {
      // Mean of the profile over the hour (it is constant within a data hour; sample its middle).
      return 300 * profile(world.startMs + h * HOUR + HOUR / 2);
    });

    it('entries per simulated hour track the replayed counts (correlation > 0.97)', () => {
      const n = hours;
      const mx = observed.reduce((a, b) => a + b, 0) / n;
      const my = expected.reduce((a, b) => a + b, 0) / n;
      let sxy = 0;
      let sxx = 0;
      let syy = 0;
      for (let i = 0; i < n; i++) {
        const dx = (observed[i] as number) - mx;
        const dy = (expected[i] as number) - my;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
      }
      expect(sxy / Math.sqrt(sxx * syy)).toBeGreaterThan(0.97);
    });

    it('the total matches the replayed volume within Poisson noise', () => {
      const total = observed.reduce((a, b) => a + b, 0);
      const want = expected.reduce((a, b) => a + b, 0);
      expect(total).toBeGreaterThan(5000);
      expect(Math.abs(total - want)).toBeLessThan(4 * Math.sqrt(want));
    });

    it('keeps the shape of the data: Saturday lunchtime in the mall is far busier than the small hours', () => {
      const at = (day: number, hour: number) => {
        let sum = 0;
        for (let week = 0; week < 4; week++) {
          // The scenario starts on a Monday at 10:00 local: index of (day, hour) in week `week`.
          const h = week * 168 + day * 24 + hour - 10;
          if (h >= 0 && h < hours) sum += observed[h] as number;
        }
        return sum;
      };
      expect(at(5, 13)).toBeGreaterThan(50);
      expect(at(5, 13)).toBeGreaterThan(5 * at(1, 4));
    });
  },
);
