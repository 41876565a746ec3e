import { describe, expect, it } from 'vitest';
import { MemoryTruth } from '../../device-sim/src/world/truth.js';
import { World } from '../../device-sim/src/world/world.js';
import { smallScenario } from './scenarios.js';

/**
 * Shoppers arrive by a non-homogeneous Poisson process shaped by the scenario's daily and weekly
 * profiles: over four simulated weeks, entries by local hour and by weekday follow the profile.
 */
const DAY = 86_400_000;
const daily = [0, 0, 0, 0, 0, 0, 0.2, 0.4, 0.6, 0.8, 1, 0.9, 0.8, 0.7, 0.6, 0.7, 0.9, 1, 0.8, 0.5, 0.3, 0.1, 0, 0];
const weekly = [0.6, 0.6, 0.7, 0.8, 1, 0.9, 0.4];

function entries(weeks: number) {
  const base = smallScenario();
  const scenario = {
    ...base,
    seasonality: { daily, weekly },
    shoppers: { ...base.shoppers, meanItems: 1 },
    // Sensors that rarely report keep this test about arrivals, and fast.
    sensors: { ...base.sensors, scaleReportS: 86_400, doorReportS: 3600 },
    stores: base.stores.map((s) => ({ ...s, peakShoppersPerHour: 400, lanes: 8 })),
    vans: [],
  };
  const truth = new MemoryTruth();
  const world = new World(scenario, { truth });
  world.run(world.startMs + weeks * 7 * DAY, () => {});
  const offset = scenario.utcOffsetHours * 3_600_000;
  const byHour = new Array<number>(24).fill(0);
  const byWeekday = new Array<number>(7).fill(0);
  for (const c of truth.of('crossing')) {
    if (c.direction !== 'in') continue;
    const local = c.t + offset;
    const hour = Math.floor(local / 3_600_000) % 24;
    const weekday = (Math.floor(local / DAY) + 3) % 7;
    byHour[hour] = (byHour[hour] ?? 0) + 1;
    byWeekday[weekday] = (byWeekday[weekday] ?? 0) + 1;
  }
  return { byHour, byWeekday, total: byHour.reduce((a, b) => a + b, 0) };
}

const normalized = (xs: number[]) => {
  const sum = xs.reduce((a, b) => a + b, 0);
  return xs.map((x) => x / sum);
};

describe('arrival seasonality', () => {
  const { byHour, byWeekday, total } = entries(4);

  it('follows the daily profile: zero when closed, shares by hour within 10% (relative) of the profile', () => {
    expect(total).toBeGreaterThan(30_000);
    const expected = normalized(daily);
    const observed = normalized(byHour);
    expected.forEach((share, hour) => {
      if (share === 0) expect(byHour[hour]).toBe(0);
      else expect(Math.abs((observed[hour] as number) - share) / share).toBeLessThan(0.1);
    });
  });

  it('follows the weekly profile: shares by weekday within 5% (relative) of the profile', () => {
    const expected = normalized(weekly);
    const observed = normalized(byWeekday);
    expected.forEach((share, day) => {
      expect(Math.abs((observed[day] as number) - share) / share).toBeLessThan(0.05);
    });
  });

  it('arrives at the configured peak rate: the total matches the integral of the profile', () => {
    // Expected entries = peak × Σ over the 4 weeks of daily[h] × weekly[d] (both peak-normalized).
    const perWeek = weekly.reduce((sum, w) => sum + daily.reduce((s, h) => s + h * w, 0), 0);
    const expected = 400 * perWeek * 4;
    expect(Math.abs(total - expected)).toBeLessThan(4 * Math.sqrt(expected));
  });
});
