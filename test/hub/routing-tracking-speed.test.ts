import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOUR_MS, SpeedProfile, segmentSpeed, trimmedMean } from '../../hub/src/routing/tracking/speed-profile.js';
import { learnFromTraceFile } from '../../hub/src/routing/tracking/trace-speeds.js';
import { SHARED_DATA } from '../helpers/shared-data.js';

const OPTIONS = { defaultSpeedMps: 8, minSamplesPerHour: 3, trimShare: 0.2, maxSamplesPerHour: 10 };

describe('routing tracking: speed profile', () => {
  it('a trimmed mean drops the share at each end; 0.5 is the median', () => {
    // Sorted 1 2 3 4 100: 20 % of 5 = 1 dropped at each end → mean(2, 3, 4) = 3.
    expect(trimmedMean([100, 3, 1, 4, 2], 0.2)).toBe(3);
    expect(trimmedMean([100, 3, 1, 4, 2], 0)).toBe(22);
    expect(trimmedMean([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(trimmedMean([7], 0.5)).toBe(7);
    expect(trimmedMean([], 0.1)).toBeUndefined();
  });

  it('segments: distance ÷ time; gaps and GPS jumps are no sample', () => {
    expect(segmentSpeed({ fromMs: 0, toMs: 5000, distanceM: 50 })).toBe(10);
    expect(segmentSpeed({ fromMs: 0, toMs: 61_000, distanceM: 100 })).toBeUndefined(); // gap > 60 s
    expect(segmentSpeed({ fromMs: 0, toMs: 1000, distanceM: 51 })).toBeUndefined(); // 183.6 km/h
    expect(segmentSpeed({ fromMs: 5, toMs: 5, distanceM: 0 })).toBeUndefined();
  });

  it('an hour with enough samples answers with its own figure, robust to one jump', () => {
    const profile = new SpeedProfile(OPTIONS);
    const at8 = 8 * HOUR_MS + 60_000;
    // 8 h: 5, 6, 7, 8, 45 m/s → 20 % trimmed: mean(6, 7, 8) = 7 (the mean would be 14.2).
    for (const v of [5, 6, 7, 8, 45]) profile.add(v, at8);
    expect(profile.speedAt(8 * HOUR_MS + 30 * 60_000)).toEqual({ speedMps: 7, source: 'hour' });
    // The next day's 8 h is the same hour of day.
    expect(profile.speedAt(24 * HOUR_MS + 8 * HOUR_MS)).toEqual({ speedMps: 7, source: 'hour' });
  });

  it('an hour with too few samples falls back to the overall figure, then to the default', () => {
    const profile = new SpeedProfile(OPTIONS);
    expect(profile.speedAt(0)).toEqual({ speedMps: 8, source: 'default' });
    profile.add(10, 9 * HOUR_MS);
    profile.add(12, 9 * HOUR_MS);
    // 2 samples < 3: not even overall yet.
    expect(profile.speedAt(9 * HOUR_MS)).toEqual({ speedMps: 8, source: 'default' });
    profile.add(14, undefined); // hour unknown (the public trace file): overall only
    // Overall: 10 12 14 → 20 % of 3 = 0 dropped → 12; hour 9 still has only 2.
    expect(profile.speedAt(9 * HOUR_MS)).toEqual({ speedMps: 12, source: 'overall' });
    expect(profile.speedAt(17 * HOUR_MS)).toEqual({ speedMps: 12, source: 'overall' });
    profile.add(2, 9 * HOUR_MS);
    // Hour 9: 2, 10, 12 (20 % of 3 rounds down to none dropped) → 8.
    expect(profile.speedAt(9 * HOUR_MS)).toEqual({ speedMps: 8, source: 'hour' });
  });

  it('memory is bounded: an hour keeps its latest samples, so the figure follows the traffic', () => {
    const profile = new SpeedProfile({ ...OPTIONS, maxSamplesPerHour: 4 });
    for (let i = 0; i < 4; i++) profile.add(15, 7 * HOUR_MS);
    expect(profile.speedAt(7 * HOUR_MS).speedMps).toBe(15);
    for (let i = 0; i < 4; i++) profile.add(5, 7 * HOUR_MS);
    expect(profile.speedAt(7 * HOUR_MS).speedMps).toBe(5);
    const snapshot = profile.snapshot();
    expect(snapshot.hours[7]).toEqual({ speedMps: 5, samples: 4 });
    expect(snapshot.overall.samples).toBe(8); // 24 × 4 = 96 kept overall
  });

  it('the hour of day is local when an hourOf is given', () => {
    // UTC+2: 06:00 UTC is 08 h local.
    const profile = new SpeedProfile({ ...OPTIONS, hourOf: (ms) => Math.floor(ms / HOUR_MS + 2) % 24 });
    for (const v of [9, 9, 9]) profile.add(v, 6 * HOUR_MS);
    expect(profile.snapshot().hours[8]?.speedMps).toBe(9);
    expect(profile.snapshot().hours[6]?.speedMps).toBeUndefined();
  });

  it('learns from a trace file only Driving-to-Driving segments, with no hour of day', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisle-speeds-'));
    const file = join(dir, 'traces.csv');
    writeFileSync(
      file,
      [
        'trace,timestamp,x_m,y_m,mode',
        // Trace a: 0→50 m in 5 s (10 m/s), then 50→80 m in 5 s (6 m/s), then on foot (not a sample).
        'a,1964-01-12 00:00:00.000,0,0,Driving',
        'a,1964-01-12 00:00:10.000000000,50,40,Driving', // rows out of order are sorted by time
        'a,1964-01-12 00:00:05.000000000,0,50,Driving',
        'a,1964-01-12 00:00:15.000,52,41,OnFoot',
        // Trace b: 3-4-5 triangle, 5 m in 1 s; then a 100 s gap (refused) and a bad row.
        'b,1964-01-12 00:00:00,0,0,Driving',
        'b,1964-01-12 00:00:01,3,4,Driving',
        'b,1964-01-12 00:01:41,13,4,Driving',
        'b,not-a-time,0,0,Driving',
      ].join('\n'),
    );
    const profile = new SpeedProfile({ ...OPTIONS, trimShare: 0 });
    const load = await learnFromTraceFile(file, profile);
    // a: 0,0 → 0,50 (10 m/s); 0,50 → 50,40: √(2500 + 100) = 50.99 m in 5 s = 10.198 m/s. b: 5 m/s.
    expect(load).toEqual({ samples: 3, refused: 1, badRows: 1, traces: 2 });
    const snapshot = profile.snapshot();
    expect(snapshot.overall.samples).toBe(3);
    expect(snapshot.overall.speedMps).toBeCloseTo((10 + Math.sqrt(2600) / 5 + 5) / 3, 9);
    expect(snapshot.hours.every((h) => h.samples === 0)).toBe(true);
  });

  it('the public delivery traces: about 26 km/h overall, the mean of distance over time within 1 %', async () => {
    const profile = new SpeedProfile({
      defaultSpeedMps: 8,
      minSamplesPerHour: 30,
      trimShare: 0.01,
      maxSamplesPerHour: 2000,
    });
    const load = await learnFromTraceFile(join(SHARED_DATA, 'gps/delivery_traces.csv'), profile);
    // 805 traces; 23,421 driving segments trusted, 10 refused (gaps over 60 s or over 50 m/s).
    expect(load.traces).toBe(805);
    expect(load.samples).toBe(23_421);
    expect(load.refused).toBe(10);
    expect(load.badRows).toBe(0);
    // Ring of 48,000: all of them kept. Trimmed mean at 1 % = 7.27 m/s; total distance ÷ total
    // time of the same segments is 7.275 m/s (computed apart, in Python, on the file).
    const answer = profile.speedAt(12 * HOUR_MS);
    expect(answer.source).toBe('overall');
    expect(answer.speedMps).toBeGreaterThan(7.275 * 0.99);
    expect(answer.speedMps).toBeLessThan(7.275 * 1.01);
  });
});
