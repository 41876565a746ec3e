/**
 * `aisle-hub replenish evaluate` on a hand-computed demand file: two SKUs selling 5 a day for 6
 * weeks, lead time 2 d, daily review, 14 warm-up days. The forecast policy (moving average, exact
 * on constant demand, so no safety stock) starts with S = 5 · (L + R) = 15, orders 5 every day and
 * closes 10, then 5 every day: average on hand (10 + 27 · 5) / 28. No static (s, S) can do with
 * less than 5 at a close without losing the next day's sales. Bad invocations exit 2.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  formatStoreTraceEvent,
  formatStoreTraceHeader,
  type StoreTraceHeader,
  TRACE_SHRINK,
  TRACE_WANT,
} from '@aisle/protocols';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type EvaluateReport, replenishCli } from '../../hub/src/replenishment/cli.js';
import type { SimulateReport } from '../../hub/src/replenishment/simulate.js';

describe('aisle-hub replenish evaluate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-replenish-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const csv = join(dir, 'demand.csv');
  const rows = ['sku,date,units'];
  for (const sku of ['store-a/SKU-1', 'store-b/SKU-1'])
    for (let d = 0; d < 42; d++) rows.push(`${sku},${new Date(Date.UTC(2026, 0, 5 + d)).toISOString().slice(0, 10)},5`);
  writeFileSync(csv, `${rows.join('\n')}\n`);
  const base = ['evaluate', '--data', csv, '--lead-time', '2', '--review', '1', '--forecaster', 'moving-average'];

  it('replays the forecast policy and the leanest min/max at the same fill rate, and writes both reports', async () => {
    const out = join(dir, 'report');
    expect(await replenishCli([...base, '--target', '0.98', '--out', out, '--quiet'])).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as EvaluateReport;
    expect(report.skus).toBe(2);
    expect(report.measuredDays).toBe(28);
    expect(report.forecast.fillRate).toBe(1);
    expect(report.forecast.lostUnits).toBe(0);
    expect(report.forecast.demandUnits).toBe(2 * 28 * 5);
    expect(report.forecast.orders).toBe(2 * 28);
    expect(report.forecast.averageOnHand).toBeCloseTo((2 * (10 + 27 * 5)) / 28, 9);
    const minMax = report.minMaxSameFillRate;
    expect(minMax?.fillRate).toBe(1);
    expect(minMax?.averageOnHand).toBeGreaterThanOrEqual(2 * 5);
    expect(report.onHandRatio).toBeCloseTo(report.forecast.averageOnHand / (minMax?.averageOnHand ?? 0), 9);
    expect(report.acceptance.fillRate).toBe(true);
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    expect(markdown).toContain('| forecast order-up-to | 100.00 % | 0 | 10.4 |');
    expect(markdown).toContain('min/max, leanest mix at the same total fill rate | 100.00 %');
  });

  it('refuses bad invocations with exit code 2 and the reason', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await replenishCli(['evaluate', '--data', csv, '--review', '1'])).toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toContain('--lead-time is required');
      expect(await replenishCli([...base, '--target', '1.5'])).toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toContain('--target must be a number in (0, 1)');
      expect(await replenishCli([...base, '--forecaster', 'oracle'])).toBe(2);
      expect(await replenishCli([...base, '--warmup-days', '42'])).toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toContain('42 days of data');
      expect(
        await replenishCli(['evaluate', '--data', join(dir, 'missing.csv'), '--lead-time', '2', '--review', '1']),
      ).toBe(2);
    } finally {
      stderr.mockRestore();
    }
  });
});

describe('aisle-hub replenish simulate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-replenish-simulate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // One store on UTC, three weeks from Monday 2026-01-05: SKU-1 wanted 3 at 10:00 and 3 at 15:00,
  // SKU-2 2 at 12:00, every day; SKU-2's lane loses two units to shrink at 02:00 and 02:30 on the
  // 18th day (one unit alone is within the check's tolerance).
  const start = Date.parse('2026-01-05T00:00:00Z');
  const header: StoreTraceHeader = {
    v: 1,
    kind: 'aisle-store-trace',
    scenario: 'steady',
    seed: 1,
    startMs: start,
    endMs: start + 21 * 86_400_000,
    utcOffsetHours: 0,
    sites: [
      {
        id: 'store-a',
        lanes: [
          { lane: 'a01-p01', sku: 'SKU-1', capacity: 20, facings: 2, zone: 'z1', walk: 1, unitGrams: 400 },
          { lane: 'a01-p02', sku: 'SKU-2', capacity: 12, facings: 1, zone: 'z1', walk: 2, unitGrams: 400 },
        ],
      },
    ],
    skus: [
      { sku: 'SKU-1', casePack: 6, priceCents: 100 },
      { sku: 'SKU-2', casePack: 4, priceCents: 100 },
    ],
    shrinkLanes: [{ site: 'store-a', lane: 'a01-p02', onsetMs: start + 17 * 86_400_000 + 2 * 3_600_000 }],
  };
  const lines = [formatStoreTraceHeader(header)];
  const H = 3_600_000;
  for (let d = 0; d < 21; d++) {
    const day = start + d * 86_400_000;
    if (d === 17)
      for (const t of [day + 2 * H, day + 2.5 * H])
        lines.push(formatStoreTraceEvent(start, { kind: TRACE_SHRINK, t, site: 0, lane: 1 }));
    for (const [hour, sku, units] of [
      [10, 0, 3],
      [12, 1, 2],
      [15, 0, 3],
    ] as const)
      lines.push(
        formatStoreTraceEvent(start, {
          kind: TRACE_WANT,
          t: day + hour * H,
          site: 0,
          sku,
          units,
          posAt: day + hour * H + 600_000,
        }),
      );
  }
  const tracePath = join(dir, 'steady.trace');
  writeFileSync(tracePath, `${lines.join('\n')}\n`);

  it('runs the forecast policy and the min/max grid in the loop and writes both reports', async () => {
    const out = join(dir, 'sim');
    expect(
      await replenishCli([
        'simulate',
        '--trace',
        tracePath,
        '--weeks',
        '1',
        '--warmup-weeks',
        '2',
        '--out',
        out,
        '--quiet',
      ]),
    ).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as SimulateReport;
    expect(report.measuredDays).toBe(7);
    // Steady demand the forecast learns exactly: nothing lost, 7 · (6 + 2) units wanted.
    expect(report.forecast).toMatchObject({ wanted: 56, sold: 56, lost: 0, fillRate: 1 });
    expect(report.forecast?.orders).toBeGreaterThan(0);
    expect(report.forecast?.tasks).toBeGreaterThan(0);
    // Every (s, S) of the grid ran; the best one reaching the forecast's fill rate is kept.
    expect(report.minMaxGrid?.length).toBeGreaterThanOrEqual(
      report.setup.minDays.length * report.setup.spreadDays.length,
    );
    expect(report.minMaxBest?.fillRate).toBe(1);
    expect(report.onHandRatio).toBeCloseTo(
      (report.forecast?.averageOnHand ?? 0) / (report.minMaxBest?.averageOnHand ?? 1),
      9,
    );
    // The shrink is caught at the 03:00 check, one hour after it began.
    expect(report.phantom).toMatchObject({ injected: 1, flaggedWithin24h: 1, medianHoursToFlag: 1, healthyFlagged: 0 });
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    expect(markdown).toContain('| forecast order-up-to, forecast refills | 100.00 % | 0 |');
    expect(markdown).toContain('Phantom inventory: 1 of 1 shrink lanes flagged within 24 h');
  });

  it('refuses bad invocations and a bad trace with exit code 2 and the reason', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await replenishCli(['simulate'])).toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toContain('--trace FILE is required');
      expect(await replenishCli(['simulate', '--trace', tracePath, '--policy', 'oracle'])).toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toContain('--policy takes forecast, minmax or both');
      expect(await replenishCli(['simulate', '--trace', tracePath, '--service-levels', '0.9,1.2,0.8'])).toBe(2);
      const bad = join(dir, 'bad.trace');
      writeFileSync(bad, `${lines.slice(0, 5).join('\n')}\nw,${2 * 86_400_000},0,7,1,0\n`);
      expect(await replenishCli(['simulate', '--trace', bad, '--quiet'])).toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toContain('store trace line 6: SKU index 7 out of range');
      // Three weeks of trace cannot hold 2 warm-up + 8 measured weeks.
      await expect(replenishCli(['simulate', '--trace', tracePath, '--quiet'])).resolves.toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toContain('the trace ends');
    } finally {
      stderr.mockRestore();
    }
  });
});
