import type { Socket } from 'socket.io-client';
import { LANES_PER_SCALE } from './e2e-latency-devices.js';

/**
 * What the client of `hub/e2e-latency` (bench/hub/e2e-latency.ts) received, and what became of
 * every reading the scales published: delivered, merged away by design, or still on its way.
 */

const round1 = (x: number): number => Math.round(x * 10) / 10;

export function percentiles(values: number[]): { p50: number; p99: number; max: number; n: number } {
  values.sort((a, b) => a - b);
  const at = (q: number) => round1(values[Math.min(values.length - 1, Math.floor(q * values.length))] ?? Number.NaN);
  return { p50: at(0.5), p99: at(0.99), max: round1(values.at(-1) ?? Number.NaN), n: values.length };
}

/** Every `shelf.weight` change the client got: scale index, seq, ts, receipt. */
export class Deliveries {
  readonly scale: number[] = [];
  readonly seq: number[] = [];
  readonly ts: number[] = [];
  readonly at: number[] = [];

  listen(socket: Socket): void {
    socket.on('delta', (delta: { changes: Array<{ value: { type: string; item: unknown } }> }) => {
      const at = Date.now();
      for (const change of delta.changes) {
        if (change.value.type !== 'shelf.weight') continue;
        const item = change.value.item as { seq: number; ts: number; src: { device: string } };
        this.scale.push(Number(item.src.device.slice('scale-'.length)) - 1);
        this.seq.push(item.seq);
        this.ts.push(item.ts);
        this.at.push(at);
      }
    });
  }

  /**
   * Every reading published in [from, to), by what became of it by `end`: `delivered` (its own
   * change arrived: receipt − ts), `merged` (never sent on its own, a newer reading of its lane
   * arrived instead: by design), `pending` (neither: still on its way at `end`, so its latency is
   * at least end − ts). `visible`: for every reading not pending, the earliest receipt of it or a
   * newer reading of its lane.
   */
  classify(sent: readonly (readonly number[])[], from: number, to: number, end: number) {
    // By scale and lane: [seq, receipt, earliest receipt of any seq ≥ it], sorted by seq.
    const lanes = new Map<number, Array<[number, number, number]>>();
    for (let i = 0; i < this.seq.length; i++) {
      const seq = this.seq[i] as number;
      const key = (this.scale[i] as number) * LANES_PER_SCALE + (seq % LANES_PER_SCALE);
      const list = lanes.get(key) ?? [];
      list.push([seq, this.at[i] as number, this.at[i] as number]);
      lanes.set(key, list);
    }
    for (const list of lanes.values()) {
      list.sort((a, b) => a[0] - b[0]);
      for (let i = list.length - 2; i >= 0; i--) {
        const here = list[i] as [number, number, number];
        here[2] = Math.min(here[2], (list[i + 1] as [number, number, number])[2]);
      }
    }
    const delivered: number[] = [];
    const pending: number[] = [];
    const visible: number[] = [];
    let merged = 0;
    for (const [d, times] of sent.entries()) {
      for (let lane = 0; lane < LANES_PER_SCALE; lane++) {
        const list = lanes.get(d * LANES_PER_SCALE + lane) ?? [];
        let k = 0;
        // Seqs of this lane: lane, lane + LANES, … (seq = index + 1; there is no seq 0).
        for (let seq = lane === 0 ? LANES_PER_SCALE : lane; seq <= times.length; seq += LANES_PER_SCALE) {
          const ts = times[seq - 1] as number;
          while (k < list.length && (list[k] as [number, number, number])[0] < seq) k++;
          if (ts < from || ts >= to) continue;
          const next = list[k];
          if (next === undefined) {
            pending.push(end - ts);
            continue;
          }
          visible.push(next[2] - ts);
          if (next[0] === seq) delivered.push(next[1] - ts);
          else merged++;
        }
      }
    }
    return { delivered, pending, merged, visible };
  }
}

/**
 * Percentiles of latencies of which `censored` are lower bounds (readings still on their way):
 * a percentile is itself only a lower bound once a censored value is at or below it.
 */
export function censoredPercentiles(values: number[], censored: readonly number[]) {
  const result = percentiles([...values, ...censored]);
  const least = Math.min(...censored.slice(0, 100_000), Number.POSITIVE_INFINITY);
  return { ...result, p99IsLowerBound: least <= result.p99, p50IsLowerBound: least <= result.p50 };
}
