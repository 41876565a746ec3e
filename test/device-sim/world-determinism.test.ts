import { createHash } from 'node:crypto';
import { decodeMessage, FrameDecoder, parseSentence } from '@aisle/protocols';
import { describe, expect, it } from 'vitest';
import type { DeviceOutput } from '../../device-sim/src/outputs/output.js';
import { loadScenario } from '../../device-sim/src/scenario.js';
import { MemoryTruth } from '../../device-sim/src/world/truth.js';
import { World } from '../../device-sim/src/world/world.js';

const HOUR = 3_600_000;
const demo = loadScenario(new URL('../../scenarios/demo.yaml', import.meta.url).pathname);

function streamOf(seed: number, durationMs: number): { hash: string; outputs: DeviceOutput[] } {
  const world = new World({ ...demo, seed });
  const outputs: DeviceOutput[] = [];
  world.run(world.startMs + durationMs, (o) => outputs.push(o));
  const hash = createHash('sha256');
  for (const o of outputs) hash.update(`${JSON.stringify(o)}\n`);
  return { hash: hash.digest('hex'), outputs };
}

describe('the demo world', () => {
  it('produces a byte-identical message stream for the same seed over a simulated hour, and another for another seed', () => {
    const a = streamOf(demo.seed, HOUR);
    const b = streamOf(demo.seed, HOUR);
    expect(a.outputs.length).toBeGreaterThan(100_000);
    expect(b.hash).toBe(a.hash);
    expect(streamOf(demo.seed + 1, HOUR).hash).not.toBe(a.hash);
  });

  it('speaks the contract: every MQTT message decodes with its topic, every serial line decodes to sentences', () => {
    const { outputs } = streamOf(demo.seed, 10 * 60_000);
    const decoders = new Map<string, FrameDecoder>();
    let mqtt = 0;
    let sentences = 0;
    for (const o of outputs) {
      if (o.kind === 'mqtt') {
        const r = decodeMessage(o.topic, o.payload);
        if (!r.ok) throw new Error(`${o.topic}: ${r.error.code} ${r.error.message}`);
        mqtt++;
      } else if (o.kind === 'serial') {
        const decoder = decoders.get(o.line) ?? new FrameDecoder();
        decoders.set(o.line, decoder);
        for (const frame of decoder.push(o.data)) {
          expect(parseSentence(frame).ok).toBe(true);
          sentences++;
        }
      }
    }
    expect(mqtt).toBeGreaterThan(10_000);
    expect(sentences).toBeGreaterThan(900);
  });

  it('records ground truth that adds up: every paid basket matches its picks, lanes never go below zero or above capacity', () => {
    const truth = new MemoryTruth();
    const world = new World(demo, { truth });
    world.run(world.startMs + 3 * HOUR, () => {});
    // Every paid basket holds exactly what its shopper picked; picks without a paid basket belong
    // to shoppers still in the store at the end (picked in the last couple of hours).
    const picksByBasket = new Map<string, Map<string, number>>();
    for (const p of truth.of('pick')) {
      const lines = picksByBasket.get(p.basket) ?? new Map<string, number>();
      lines.set(p.sku, (lines.get(p.sku) ?? 0) + p.units);
      picksByBasket.set(p.basket, lines);
    }
    const baskets = truth.of('basket');
    expect(baskets.length).toBeGreaterThan(200);
    for (const b of baskets) {
      const picked = picksByBasket.get(b.basket);
      expect(new Map(b.lines.map((l) => [l.sku, l.qty]))).toEqual(picked);
      picksByBasket.delete(b.basket);
    }
    const end = world.startMs + 3 * HOUR;
    for (const p of truth.of('pick')) if (picksByBasket.has(p.basket)) expect(p.t).toBeGreaterThan(end - 2 * HOUR);
    for (const site of ['store-a', 'store-b']) {
      const layout = world.layout(site);
      world.units(site).forEach((units, i) => {
        expect(units).toBeGreaterThanOrEqual(0);
        expect(units).toBeLessThanOrEqual(layout?.lanes[i]?.capacity ?? 0);
      });
    }
    const ins = truth.of('crossing').filter((c) => c.direction === 'in').length;
    expect(ins).toBeGreaterThan(300);
  });
});
