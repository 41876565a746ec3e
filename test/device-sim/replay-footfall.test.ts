import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FOOTFALL_REJECT_REASONS,
  type FootfallPoint,
  type FootfallSeries,
  gapsOf,
  HOURS_PER_WEEK,
  hourOfWeekProfile,
  loadFootfall,
  replayRate,
  replaySourceTime,
} from '../../device-sim/src/replay/footfall.js';
import { SHARED_DATA, sharedDataMissing } from '../helpers/shared-data.js';

const MELBOURNE = join(SHARED_DATA, 'footfall/melbourne_pedestrian.csv');
const missing = sharedDataMissing('footfall/melbourne_pedestrian.csv');
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aisle-replay-footfall-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Melbourne daylight saving: ends 2015-04-05 03:00 AEDT (+1100) → 02:00 AEST (+1000), so local 02:00
// happens twice; starts 2015-10-04 02:00 AEST → 03:00 AEDT, so local 02:00 never happens.
const SYNTHETIC = [
  'Sensor,Date_Time,Date,Time,Count',
  'A,2015-04-05T01:00:00+1100,2015-04-05,1,10',
  'A,2015-04-05T02:00:00+1100,2015-04-05,2,11',
  'A,2015-04-05T02:00:00+1000,2015-04-05,2,12',
  'A,2015-04-05T03:00:00+1000,2015-04-05,3,13',
  'A,2015-04-05T03:00:00+1000,2015-04-05,3,99', // DUPLICATE_HOUR
  'B,2015-10-04T03:00:00+1100,2015-10-04,3,7', // out of order in the file: sorted on load
  'B,2015-10-04T01:00:00+1000,2015-10-04,1,5',
  'A,2015-04-05T04:00:00+1000,2015-04-05,4', // COLUMN_COUNT
  '"A"x,2015-04-05T04:00:00+1000,2015-04-05,4,1', // CSV_QUOTE_INVALID
  ',2015-04-05T04:00:00+1000,2015-04-05,4,1', // SENSOR_EMPTY
  'A,2015-02-29T04:00:00+1100,2015-02-29,4,1', // DATE_TIME_INVALID: no 29 February in 2015
  'A,2015-04-05T04:30:00+1000,2015-04-05,4,1', // DATE_TIME_INVALID: not an hour start
  'A,2015-04-05T05:00:00+1000,2015-04-05,4,1', // LOCAL_TIME_MISMATCH: hour
  'A,2015-04-05T05:00:00+1000,2015-04-06,5,1', // LOCAL_TIME_MISMATCH: date
  'A,2015-04-05T06:00:00+1000,2015-04-05,6,NA', // COUNT_INVALID
  'A,2015-04-05T06:00:00+1000,2015-04-05,6,-3', // COUNT_INVALID
  '',
].join('\n');

async function synthetic(): Promise<string> {
  const path = join(dir, 'footfall.csv');
  await writeFile(path, SYNTHETIC);
  return path;
}

function seriesOf(points: FootfallPoint[]): FootfallSeries {
  return { sensor: 'S', points };
}

/** Hourly points from a UTC Monday midnight, so local time = UTC, with the given count per hour index. */
function hourly(startMs: number, hours: number, count: (i: number) => number): FootfallSeries {
  return seriesOf(
    Array.from({ length: hours }, (_, i) => ({
      ts: startMs + i * HOUR_MS,
      localHour: i % 24,
      localWeekday: Math.floor(i / 24) % 7,
      count: count(i),
    })),
  );
}

describe('loading footfall counts', () => {
  it('reads local hours across both daylight-saving changes and counts every bad row by reason', async () => {
    const load = await loadFootfall(await synthetic());
    expect(load.rows).toBe(16);
    expect(load.filteredOut).toBe(0);
    expect(load.rejects).toEqual({
      DUPLICATE_HOUR: 1,
      COLUMN_COUNT: 1,
      CSV_QUOTE_INVALID: 1,
      SENSOR_EMPTY: 1,
      DATE_TIME_INVALID: 2,
      LOCAL_TIME_MISMATCH: 2,
      COUNT_INVALID: 2,
    });
    for (const reason of Object.keys(load.rejects)) expect(FOOTFALL_REJECT_REASONS).toHaveProperty(reason);
    const [a, b] = load.series;
    expect(a?.sensor).toBe('A');
    // Autumn: four consecutive UTC hours read 01, 02, 02, 03 on the local clock (Sunday).
    expect(a?.points).toEqual([
      { ts: Date.UTC(2015, 3, 4, 14), localHour: 1, localWeekday: 6, count: 10 },
      { ts: Date.UTC(2015, 3, 4, 15), localHour: 2, localWeekday: 6, count: 11 },
      { ts: Date.UTC(2015, 3, 4, 16), localHour: 2, localWeekday: 6, count: 12 },
      { ts: Date.UTC(2015, 3, 4, 17), localHour: 3, localWeekday: 6, count: 13 },
    ]);
    // Spring: local 01 and 03 are one UTC hour apart, so the skipped 02 is not a gap.
    expect(b?.points.map((p) => [p.ts, p.localHour, p.count])).toEqual([
      [Date.UTC(2015, 9, 3, 15), 1, 5],
      [Date.UTC(2015, 9, 3, 16), 3, 7],
    ]);
    expect(b === undefined ? undefined : gapsOf(b)).toEqual([]);
  });

  it('keeps one sensor when asked, counting the other sensors valid rows as filtered out', async () => {
    const load = await loadFootfall(await synthetic(), { sensor: 'B' });
    expect(load.series.map((s) => s.sensor)).toEqual(['B']);
    expect(load.filteredOut).toBe(5);
    expect(load.rejects.DUPLICATE_HOUR).toBeUndefined();
  });

  it('finds gaps as the missing hours between observed ones', () => {
    const series = seriesOf([0, 1, 4, 5, 9].map((h) => ({ ts: h * HOUR_MS, localHour: h, localWeekday: 3, count: 1 })));
    expect(gapsOf(series)).toEqual([
      { afterTs: 1 * HOUR_MS, beforeTs: 4 * HOUR_MS, missingHours: 2 },
      { afterTs: 5 * HOUR_MS, beforeTs: 9 * HOUR_MS, missingHours: 3 },
    ]);
  });
});

describe('hour-of-week profile', () => {
  it('averages each (weekday, hour) bucket and scales the 168 buckets to mean 1', () => {
    // Two weeks of 1 pedestrian an hour, except 169 on Mondays 09:00: bucket means 167×1 + 169,
    // mean of means (167 + 169) / 168 = 2, so ordinary hours are 0.5 and Monday 09:00 is 84.5.
    const monday = Date.UTC(2026, 0, 5);
    const profile = hourOfWeekProfile(hourly(monday, 2 * HOURS_PER_WEEK, (i) => (i % HOURS_PER_WEEK === 9 ? 169 : 1)));
    expect(profile.relativeRate).toHaveLength(HOURS_PER_WEEK);
    expect(profile.relativeRate[9]).toBe(84.5);
    expect(profile.relativeRate[10]).toBe(0.5);
    expect(profile.relativeRate[6 * 24 + 23]).toBe(0.5);
    expect(profile.coverage.every((n) => n === 2)).toBe(true);
  });

  it('gives empty buckets the average rate and zero coverage', () => {
    const profile = hourOfWeekProfile(
      seriesOf([
        { ts: 0, localHour: 0, localWeekday: 0, count: 2 },
        { ts: HOUR_MS, localHour: 1, localWeekday: 0, count: 6 },
      ]),
    );
    expect(profile.relativeRate.slice(0, 3)).toEqual([0.5, 1.5, 1]);
    expect(profile.coverage.slice(0, 3)).toEqual([1, 1, 0]);
    expect(profile.relativeRate.reduce((a, b) => a + b, 0)).toBeCloseTo(HOURS_PER_WEEK, 9);
  });
});

describe('replaying counts in another year', () => {
  // 731 days from Monday 2015-01-05, the count of each hour being its index: two whole mean years.
  const start = Date.UTC(2015, 0, 5);
  const series = hourly(start, 731 * 24, (i) => i);

  it('shifts by whole weeks: Monday 2026-03-02 10:00 replays Monday 2016-02-29 10:00', () => {
    const t = Date.UTC(2026, 2, 2, 10);
    // Eleven years in, two-year cycle → k = 10 years ≈ 521.775 weeks → 522 weeks = 3,654 days.
    expect(replaySourceTime(series, t)).toBe(Date.UTC(2016, 1, 29, 10));
    expect(t - Date.UTC(2016, 1, 29, 10)).toBe(522 * 7 * DAY_MS);
    expect(replayRate(series, t)).toBe((Date.UTC(2016, 1, 29, 10) - start) / HOUR_MS);
    // Any instant inside the hour gives that hour's count.
    expect(replayRate(series, t + 59 * 60_000)).toBe(replayRate(series, t));
  });

  it('keeps weekday and hour for every day of a simulated year and stays within 3.5 days of the date', () => {
    const wrong: string[] = [];
    for (let day = 0; day < 365; day++) {
      const t = Date.UTC(2026, 0, 1, 17) + day * DAY_MS;
      const source = replaySourceTime(series, t);
      // Distance to the same calendar date in the source's year or a neighbouring one (for New Year).
      const year = new Date(source).getUTCFullYear();
      const drift = Math.min(
        ...[year - 1, year, year + 1].map((y) => Math.abs(source - new Date(t).setUTCFullYear(y))),
      );
      const sameWeekday = new Date(source).getUTCDay() === new Date(t).getUTCDay();
      const sameHour = new Date(source).getUTCHours() === 17;
      if (!sameWeekday || !sameHour || drift > 3.5 * DAY_MS || replayRate(series, t) === undefined) {
        wrong.push(`${new Date(t).toISOString()} → ${new Date(source).toISOString()}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('answers undefined for an hour missing from the data, and replays times before the data too', () => {
    const t = Date.UTC(2026, 2, 2, 10);
    const source = replaySourceTime(series, t);
    const holed = seriesOf(series.points.filter((p) => p.ts !== source));
    expect(replayRate(holed, t)).toBeUndefined();
    expect(replayRate(holed, t + HOUR_MS)).toBe((source + HOUR_MS - start) / HOUR_MS);
    const early = Date.UTC(2010, 5, 7, 12);
    expect(replaySourceTime(series, early)).toBeGreaterThanOrEqual(start);
    expect(new Date(replaySourceTime(series, early)).getUTCDay()).toBe(new Date(early).getUTCDay());
  });
});

describe.skipIf(missing !== undefined)(
  `the Melbourne pedestrian counts${missing === undefined ? '' : ` (skipped: ${missing})`}`,
  () => {
    const loading = loadFootfall(MELBOURNE);

    it('load without rejects: three sensors, hourly, time-ordered', async () => {
      const load = await loading;
      expect(load.rejects).toEqual({});
      expect(load.rows).toBe(48_498);
      expect(Object.fromEntries(load.series.map((s) => [s.sensor, s.points.length]))).toEqual({
        'Birrarung Marr': 14_566,
        'Bourke Street Mall (North)': 16_414,
        'QV Market-Elizabeth St (West)': 17_518,
      });
      for (const s of load.series) {
        expect(s.points.every((p, i) => i === 0 || p.ts > (s.points[i - 1]?.ts ?? 0))).toBe(true);
      }
    });

    it('miss the repeated 02:00 hour at each end of daylight saving, plus outages at two sensors', async () => {
      const load = await loading;
      const dstEnds = [Date.UTC(2015, 3, 4, 15), Date.UTC(2016, 3, 2, 15)]; // 02:00 AEDT, last hour before the change
      for (const s of load.series) {
        const gaps = gapsOf(s);
        for (const afterTs of dstEnds)
          expect(gaps).toContainEqual({ afterTs, beforeTs: afterTs + 2 * HOUR_MS, missingHours: 1 });
        const outage = gaps.filter((g) => !dstEnds.includes(g.afterTs)).reduce((n, g) => n + g.missingHours, 0);
        expect({ sensor: s.sensor, outage }).toEqual(
          {
            'Birrarung Marr': { sensor: s.sensor, outage: 2976 },
            'Bourke Street Mall (North)': { sensor: s.sensor, outage: 0 },
            'QV Market-Elizabeth St (West)': { sensor: s.sensor, outage: 24 },
          }[s.sensor],
        );
      }
    });

    it('have a weekly shape: weekday commute, weekend late nights, daytime far above the small hours', async () => {
      const load = await loading;
      for (const s of load.series) {
        const { relativeRate, coverage } = hourOfWeekProfile(s);
        expect(coverage.every((n) => n > 50)).toBe(true);
        const at = (weekday: number, hour: number) => relativeRate[weekday * 24 + hour] as number;
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        const weekdays = [0, 1, 2, 3, 4];
        const weekend = [5, 6];
        // 08:00 on a working day (people going to work) is busier than 08:00 on a weekend...
        expect(mean(weekdays.map((d) => at(d, 8)))).toBeGreaterThan(1.3 * mean(weekend.map((d) => at(d, 8))));
        // ...and just after midnight on Saturday and Sunday busier than on working days.
        expect(mean(weekend.map((d) => at(d, 1)))).toBeGreaterThan(1.5 * mean(weekdays.map((d) => at(d, 1))));
        for (let d = 0; d < 7; d++) {
          const peak = Math.max(...[10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20].map((h) => at(d, h)));
          expect(peak).toBeGreaterThan(5 * mean([2, 3, 4, 5].map((h) => at(d, h))));
        }
      }
    });

    it('replays into 2026 on matching weekdays', async () => {
      const bourke = (await loading).series.find((s) => s.sensor === 'Bourke Street Mall (North)');
      expect(bourke).toBeDefined();
      if (bourke === undefined) return;
      // A Saturday at 14:00 Melbourne summer time (03:00 UTC).
      const t = Date.UTC(2026, 1, 7, 3);
      const source = replaySourceTime(bourke, t);
      const point = bourke.points.find((p) => p.ts === source);
      expect(point?.localWeekday).toBe(5);
      expect(point?.localHour).toBe(14);
      expect(replayRate(bourke, t)).toBe(point?.count);
    });
  },
);
