import { FrameDecoder, parseSentence } from '@aisle/protocols';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../device-sim/src/rng.js';
import { serialFeed } from '../../device-sim/src/serial-feed.js';

const start = Date.UTC(2026, 0, 5, 8, 0, 0);

function take(seed: number, n: number, faults = { garbage: 0, truncate: 0 }): string[] {
  const feed = serialFeed(new Rng(seed), { startMs: start, ...faults });
  return Array.from({ length: n }, () => feed.next().value as string);
}

describe('serial feed of the simulated scale and van GPS', () => {
  it('is identical for the same seed and differs for another', () => {
    expect(take(42, 200)).toEqual(take(42, 200));
    expect(take(42, 200)).not.toEqual(take(43, 200));
  });

  it('without faults, every frame decodes: shelf weights in whole units plus noise, and a van driving east', () => {
    const decoder = new FrameDecoder();
    const sentences = decoder.push(take(7, 300).join('')).map((frame) => parseSentence(frame));
    expect(sentences.every((s) => s.ok)).toBe(true);
    expect(decoder.stats.rejects).toEqual({});
    const values = sentences.flatMap((s) => (s.ok ? [s.value] : []));
    const weights = values.flatMap((s) => (s.kind === 'shelf-weight' ? [s.data.grams] : []));
    const fixes = values.flatMap((s) => (s.kind === 'rmc' ? [s] : []));
    expect(weights.length).toBe(100);
    // 412 g units with ±1.5 g noise: every reading is within 10 g of a whole number of units.
    for (const grams of weights) expect(Math.abs(grams - Math.round(grams / 412) * 412)).toBeLessThan(10);
    expect(fixes.length).toBe(100);
    const first = fixes[0];
    const last = fixes.at(-1);
    expect(last?.fix.lon).toBeGreaterThan(first?.fix.lon ?? Infinity);
    expect(last?.ts).toBe((first?.ts ?? 0) + 99 * 2000);
  });

  it('with faults, the decoder counts the garbage and the cut frames it injected, and keeps the rest', () => {
    const decoder = new FrameDecoder();
    const frames = decoder.push(take(7, 1000, { garbage: 0.2, truncate: 0.1 }).join(''));
    const rejects = decoder.stats.rejects;
    expect(rejects.FRAME_GARBAGE ?? 0).toBeGreaterThan(100);
    expect(rejects.FRAME_TRUNCATED ?? 0).toBeGreaterThan(50);
    expect(frames.length + (rejects.FRAME_TRUNCATED ?? 0)).toBe(1000);
  });
});
