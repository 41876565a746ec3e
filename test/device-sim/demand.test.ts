/**
 * `aisle-sim demand`: what shoppers wanted per stocked SKU and store-day (sold + lost to an empty
 * lane), on the stores' local day; a lost sale of a SKU the store does not stock is left out.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DailyDemandTruth, demandCommand } from '../../device-sim/src/demand-command.js';

const H = 3_600_000;
// 2026-01-05T07:00:00+11:00, a Monday morning on the stores' clock (UTC+11).
const START = Date.UTC(2026, 0, 4, 20);

describe('daily demand from ground truth', () => {
  it('adds sold and lost units per site, SKU and local day; unstocked SKUs and other events are left out', () => {
    const demand = new DailyDemandTruth(START, 11);
    const pick = (t: number, sku: string, units: number) =>
      demand.record({ t, kind: 'pick', site: 'store-a', lane: 'L1', sku, units, basket: 'b' });
    pick(START + H, 'SKU-1', 2); // 08:00 Monday
    pick(START + 16 * H + 59 * 60_000, 'SKU-1', 1); // 23:59 Monday
    pick(START + 17 * H, 'SKU-1', 4); // 00:00 Tuesday
    demand.record({ t: START + 2 * H, kind: 'lost-sale', site: 'store-a', sku: 'SKU-1', units: 3, lane: 'L1' });
    demand.record({ t: START + 2 * H, kind: 'lost-sale', site: 'store-a', sku: 'SKU-9', units: 5 });
    demand.record({ t: START + 3 * H, kind: 'restock', site: 'store-a', lane: 'L1', units: 12, reason: 'low' });
    demand.record({ t: START + 3 * H, kind: 'phantom', site: 'store-a', lane: 'L1', units: 1 });
    // Two days from 07:00 Monday end at 07:00 Wednesday: Monday and Tuesday are whole.
    expect(demand.wholeDaysUntil(START + 48 * H)).toBe(2);
    const table = demand.table(['store-a/SKU-2', 'store-a/SKU-1'], 2);
    expect([...table.keys()]).toEqual(['store-a/SKU-1', 'store-a/SKU-2']);
    expect(table.get('store-a/SKU-1')).toEqual([2 + 1 + 3, 4]);
    expect(table.get('store-a/SKU-2')).toEqual([0, 0]);
    expect([demand.date(0), demand.date(1)]).toEqual(['2026-01-05', '2026-01-06']);
  });

  describe('of the demo world', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisle-sim-demand-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('writes sku,date,units for every stocked SKU of both stores and every whole day', async () => {
      const out = join(dir, 'demand.csv');
      const summary = await demandCommand({
        scenarioPath: join(import.meta.dirname, '../../scenarios/demo.yaml'),
        durationMs: 24 * H,
        outPath: out,
      });
      const lines = readFileSync(out, 'utf8').trim().split('\n');
      expect(lines[0]).toBe('sku,date,units');
      const rows = lines.slice(1).map((l) => l.split(','));
      expect(summary.days).toBe(1);
      expect(rows).toHaveLength(summary.skus);
      expect(new Set(rows.map((r) => r[0]?.split('/')[0]))).toEqual(new Set(['store-a', 'store-b']));
      expect(rows.every((r) => r[1] === '2026-01-05')).toBe(true);
      expect(rows.reduce((sum, r) => sum + Number(r[2]), 0)).toBe(summary.units);
      expect(summary.units).toBeGreaterThan(5000);
    }, 60_000);
  });
});
