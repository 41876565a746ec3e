import { join } from 'node:path';
import { decodeMessage, FrameDecoder, parseSentence } from '@aisle/protocols';
import { describe, expect, it } from 'vitest';
import type { DeviceOutput } from '../../device-sim/src/outputs/output.js';
import { loadBaskets } from '../../device-sim/src/replay/baskets.js';
import { loadGpsTraces } from '../../device-sim/src/replay/gps-traces.js';
import { replayOptions } from '../../device-sim/src/run-command.js';
import { distanceM } from '../../device-sim/src/world/geo.js';
import { MemoryTruth } from '../../device-sim/src/world/truth.js';
import { World } from '../../device-sim/src/world/world.js';
import { SHARED_DATA, sharedDataMissing } from '../helpers/shared-data.js';
import { smallScenario } from './scenarios.js';

/** Real data driving the world: dunnhumby baskets at the registers, delivery traces as van movement. */
const data = SHARED_DATA;
const missing =
  sharedDataMissing('retail/dunnhumby/transactions_sample.csv') ?? sharedDataMissing('gps/delivery_traces.csv');
const transactions = join(data, 'retail/dunnhumby/transactions_sample.csv');
const products = join(data, 'retail/dunnhumby/products.csv');
const tracesFile = join(data, 'gps/delivery_traces.csv');

describe.skipIf(missing !== undefined)(
  `replay in the world${missing === undefined ? '' : ` (skipped: ${missing})`}`,
  async () => {
    const base = smallScenario();
    const scenario = {
      ...base,
      catalog: { ...base.catalog, skus: 48 },
      replay: { baskets: { transactions, products }, gps: { file: tracesFile, vans: ['van-1'] } },
    };
    const truth = new MemoryTruth();
    const world = new World(scenario, await replayOptions(scenario, '/', truth));
    const outputs: DeviceOutput[] = [];
    world.run(world.startMs + 2 * 3_600_000, (o) => outputs.push(o));

    it('registers ring up real households’ baskets, of the most bought real products, in the data’s order', async () => {
      const load = await loadBaskets(transactions, products);
      const skus = new Set(world.catalog.skus.map((s) => s.sku));
      expect(skus.size).toBe(48);
      for (const sku of skus) expect(load.products.has(sku) || /^\d+$/.test(sku)).toBe(true);
      const baskets = outputs.flatMap((o) => {
        if (o.kind !== 'mqtt' || !o.topic.endsWith('/basket')) return [];
        const r = decodeMessage(o.topic, o.payload);
        if (!r.ok || !('item' in r.value) || r.value.item.type !== 'pos.basket') throw new Error('bad basket message');
        return [r.value.item.data];
      });
      expect(baskets.length).toBeGreaterThan(50);
      for (const b of baskets) {
        expect(b.customer).toMatch(/^hh-\d+$/);
        for (const line of b.lines) expect(skus.has(line.sku)).toBe(true);
      }
      // The first replayable real basket (restricted to the top products) is the first shopper's wish list.
      const households = load.baskets.map((b) => `hh-${b.household}`);
      expect(households).toContain(baskets[0]?.customer);
    });

    it('van-1 moves exactly like the real traces: same distances between fixes, stops where the agent walked', async () => {
      const { traces } = await loadGpsTraces(tracesFile);
      const first = traces[0];
      if (first === undefined) throw new Error('no trace');
      const vanFixes = truth.of('van').filter((v) => v.van === 'van-1');
      expect(vanFixes.length).toBeGreaterThan(first.points.length);
      // The first trace's step lengths, in metres, reappear as the van's first steps.
      for (let i = 1; i < first.points.length; i++) {
        const a = first.points[i - 1];
        const b = first.points[i];
        const v0 = vanFixes[i - 1];
        const v1 = vanFixes[i];
        if (a === undefined || b === undefined || v0 === undefined || v1 === undefined) throw new Error('short');
        const real = Math.hypot(b.xM - a.xM, b.yM - a.yM);
        expect(Math.abs(distanceM(v0.position, v1.position) - real)).toBeLessThan(0.5);
        expect(v1.state).toBe(b.mode === 'OnFoot' ? 'stopped' : 'driving');
      }
      const arrivals = truth.of('van-arrival').filter((a) => a.van === 'van-1');
      expect(arrivals.length).toBeGreaterThan(5);
    });

    it('the van’s GPS module prints the replayed fixes as NMEA on its serial line', () => {
      const decoder = new FrameDecoder();
      const fixes = outputs
        .filter((o) => o.kind === 'serial' && o.line === 'van-1/gps')
        .flatMap((o) => (o.kind === 'serial' ? decoder.push(o.data) : []))
        .map((f) => parseSentence(f))
        .filter((r) => r.ok && r.value.kind === 'rmc');
      expect(fixes.length).toBeGreaterThan(100);
    });
  },
);
