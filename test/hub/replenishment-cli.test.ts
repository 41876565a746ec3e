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
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type EvaluateReport, replenishCli } from '../../hub/src/replenishment/cli.js';

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
