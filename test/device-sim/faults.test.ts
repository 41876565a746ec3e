import { describe, expect, it } from 'vitest';
import type { DeviceOutput } from '../../device-sim/src/outputs/output.js';
import type { Scenario } from '../../device-sim/src/scenario.js';
import { MemoryTruth } from '../../device-sim/src/world/truth.js';
import { World } from '../../device-sim/src/world/world.js';
import { smallScenario } from './scenarios.js';

/**
 * Each fault happens at its configured rate, and switching it on changes nothing else: the run
 * with the fault equals the run without it once the fault's own effect is taken out. Rates are
 * checked against a binomial (or Poisson) tolerance of 4 standard deviations.
 */

const HOUR = 3_600_000;
type Faults = Scenario['faults'];
type Envelope = {
  id: string;
  ts: number;
  tq: string;
  src: { site: string; device: string };
  type: string;
  data: Record<string, unknown>;
};

function run(faults: Partial<{ [K in keyof Faults]: Partial<Faults[K]> }>, hours = 1) {
  const base = smallScenario();
  const scenario: Scenario = { ...base, faults: { ...base.faults, ...faults } as Faults };
  const truth = new MemoryTruth();
  const world = new World(scenario, { truth });
  const outputs: DeviceOutput[] = [];
  world.run(world.startMs + hours * HOUR, (o) => outputs.push(o));
  return { outputs, truth, world };
}

const baseline = run({});
const key = (o: DeviceOutput) => JSON.stringify(o);
const transported = (outputs: DeviceOutput[]) =>
  outputs.filter((o) => o.kind !== 'disconnect' && !(o.kind === 'mqtt' && o.retain));

function expectRate(observed: number, trials: number, rate: number) {
  const sd = Math.sqrt(trials * rate * (1 - rate));
  expect(Math.abs(observed - trials * rate)).toBeLessThanOrEqual(4 * sd + 1);
}

describe('faults', () => {
  it('baseline: no fault, no fault events', () => {
    expect(baseline.truth.of('fault')).toEqual([]);
    expect(baseline.outputs.length).toBeGreaterThan(20_000);
  });

  it('dropout: messages vanish at the configured rate; the rest is the baseline stream in order', () => {
    const { outputs, truth } = run({ dropout: { rate: 0.1 } });
    const dropped = truth.of('fault').filter((f) => f.fault === 'dropout').length;
    expectRate(dropped, transported(baseline.outputs).length, 0.1);
    expect(outputs.length).toBe(baseline.outputs.length - dropped);
    // A subsequence of the baseline: every kept output appears in the same order.
    let j = 0;
    for (const o of outputs) {
      while (j < baseline.outputs.length && key(baseline.outputs[j] as DeviceOutput) !== key(o)) j++;
      expect(j).toBeLessThan(baseline.outputs.length);
      j++;
    }
  });

  it('duplicate: messages are sent twice at the configured rate; removing the repeats gives the baseline', () => {
    const { outputs, truth } = run({ duplicate: { rate: 0.05 } });
    const doubled = truth.of('fault').filter((f) => f.fault === 'duplicate').length;
    expectRate(doubled, transported(baseline.outputs).length, 0.05);
    const deduped = outputs.filter((o, i) => i === 0 || key(o) !== key(outputs[i - 1] as DeviceOutput));
    expect(deduped.map(key)).toEqual(baseline.outputs.map(key));
  });

  it('reorder: a share of MQTT messages arrive late, overtaken by later ones; the set of messages is unchanged', () => {
    const { outputs, truth } = run({ reorder: { rate: 0.05, maxDelayS: 20 } });
    const late = truth.of('fault').filter((f) => f.fault === 'reorder');
    expectRate(late.length, baseline.outputs.filter((o) => o.kind === 'mqtt' && !o.retain).length, 0.05);
    const payload = (o: DeviceOutput) => (o.kind === 'mqtt' ? `${o.topic} ${o.payload}` : key(o));
    // Messages delayed past the end of the run are still in flight: the rest is the same multiset.
    const end = baseline.world.startMs + HOUR;
    const inFlight = late.filter((f) => f.t + (f.delayMs as number) > end).length;
    expect(outputs.length).toBe(baseline.outputs.length - inFlight);
    const remaining = new Map<string, number>();
    for (const o of baseline.outputs) remaining.set(payload(o), (remaining.get(payload(o)) ?? 0) + 1);
    for (const o of outputs) {
      const n = remaining.get(payload(o)) ?? 0;
      expect(n).toBeGreaterThan(0);
      remaining.set(payload(o), n - 1);
    }
    expect(outputs.map(key)).not.toEqual(baseline.outputs.map(key));
    // Emission times never go backwards: late messages are emitted later, not earlier.
    for (let i = 1; i < outputs.length; i++)
      expect((outputs[i] as DeviceOutput).at).toBeGreaterThanOrEqual((outputs[i - 1] as DeviceOutput).at);
  });

  const envelopes = (outputs: DeviceOutput[]) =>
    outputs.flatMap((o) => (o.kind === 'mqtt' && !o.retain ? [JSON.parse(o.payload) as Envelope] : []));

  it('clock skew: the configured share of devices stamp times off by a constant; nothing else differs', () => {
    const { outputs, truth, world } = run({ clockSkew: { share: 0.3, maxSkewS: 90 } });
    const skewed = truth.of('clock');
    expectRate(skewed.length, world.devices.length, 0.3);
    const skewOf = new Map(skewed.map((c) => [`${c.site}/${c.device}`, c.skewMs]));
    const before = envelopes(baseline.outputs);
    const after = envelopes(outputs);
    expect(after.length).toBe(before.length);
    after.forEach((e, i) => {
      const b = before[i] as Envelope;
      const skew = skewOf.get(`${e.src.site}/${e.src.device}`) ?? 0;
      expect(Math.abs(skew)).toBeLessThanOrEqual(90_000);
      expect(e.ts - b.ts).toBe(skew);
      expect(e.tq).toBe(skew === 0 ? 'ntp' : 'rtc');
      expect({ ...e, id: '', ts: 0, tq: '' }).toEqual({ ...b, id: '', ts: 0, tq: '' });
    });
  });

  it('unsynced clocks: the configured share of devices count from 2000-01-01 and say so (tq unsynced)', () => {
    const { outputs, truth, world } = run({ unsyncedClock: { share: 0.25 } });
    const unsynced = new Set(truth.of('clock').map((c) => `${c.site}/${c.device}`));
    expectRate(unsynced.size, world.devices.length, 0.25);
    for (const e of envelopes(outputs)) {
      const isUnsynced = unsynced.has(`${e.src.site}/${e.src.device}`);
      expect(e.tq === 'unsynced').toBe(isUnsynced);
      if (isUnsynced) expect(e.ts).toBeLessThan(Date.UTC(2000, 0, 2));
    }
  });

  const weights = (outputs: DeviceOutput[]) => envelopes(outputs).filter((e) => e.type === 'shelf.weight');

  it('noise: shelf weights gain Gaussian noise of the configured spread; every other message is unchanged', () => {
    const { outputs } = run({ noise: { gramsSd: 25 } });
    const before = weights(baseline.outputs);
    const after = weights(outputs);
    const diffs = after.map((e, i) => (e.data.grams as number) - ((before[i] as Envelope).data.grams as number));
    const mean = diffs.reduce((a, b) => a + b, 0) / diffs.length;
    const sd = Math.sqrt(diffs.reduce((a, d) => a + (d - mean) ** 2, 0) / diffs.length);
    expect(sd).toBeGreaterThan(24);
    expect(sd).toBeLessThan(26);
    expect(Math.abs(mean)).toBeLessThan(1);
    const others = (list: DeviceOutput[]) => envelopes(list).filter((e) => e.type !== 'shelf.weight');
    expect(others(outputs)).toEqual(others(baseline.outputs));
  });

  it('drift: each scale drifts linearly at the configured grams per hour', () => {
    const { outputs, world } = run({ drift: { gramsPerHour: 40 } });
    const before = weights(baseline.outputs);
    weights(outputs).forEach((e, i) => {
      const hours = (e.ts - world.startMs) / HOUR;
      const d = (e.data.grams as number) - ((before[i] as Envelope).data.grams as number);
      expect(Math.abs(Math.abs(d) - 40 * hours)).toBeLessThanOrEqual(0.11);
    });
  });

  it('serial garbage: a share of serial frames get 1–16 garbage bytes in front; stripping them gives the baseline', () => {
    const { outputs, truth } = run({ serialGarbage: { rate: 0.2 } });
    const garbage = truth.of('fault').filter((f) => f.fault === 'serial-garbage');
    const serialBefore = baseline.outputs.filter((o) => o.kind === 'serial');
    expectRate(garbage.length, serialBefore.length, 0.2);
    const serialAfter = outputs.filter((o) => o.kind === 'serial');
    expect(serialAfter.map((o) => (o.kind === 'serial' ? o.data.slice(o.data.indexOf('$')) : ''))).toEqual(
      serialBefore.map((o) => (o.kind === 'serial' ? o.data : '')),
    );
    const garbled = serialAfter.filter((o) => o.kind === 'serial' && !o.data.startsWith('$'));
    expect(garbled.length).toBe(garbage.length);
  });

  it('disconnect storms: every N minutes the configured share of MQTT devices drop off; the message stream is otherwise unchanged', () => {
    const { outputs, world } = run({ disconnectStorm: { everyMinutes: 10, share: 0.4, durationS: 20 } });
    const storms = outputs.filter((o) => o.kind === 'disconnect');
    expect(storms.length).toBe(6);
    const mqttDevices = world.devices.length - world.serialLines.length;
    const hit = storms.reduce((sum, s) => sum + (s.kind === 'disconnect' ? s.devices.length : 0), 0);
    expectRate(hit, 6 * mqttDevices, 0.4);
    for (const s of storms) if (s.kind === 'disconnect') expect(s.durationMs).toBe(20_000);
    expect(outputs.filter((o) => o.kind !== 'disconnect').map(key)).toEqual(baseline.outputs.map(key));
  });

  it('phantom lane: stock vanishes without a sale on the configured lanes at the configured rate; other lanes are untouched', () => {
    const hours = 4;
    const { outputs, truth } = run({ phantomLane: { lanes: 3, unitsPerHour: 2 } }, hours);
    const before = run({}, hours);
    const events = truth.of('phantom');
    const phantomLanes = new Set(events.map((e) => e.lane));
    expect(phantomLanes.size).toBeGreaterThan(0);
    expect(phantomLanes.size).toBeLessThanOrEqual(3);
    // Poisson(3 lanes × 2/h × 4 h = 24), within 4 sd (fewer only if a lane ran empty).
    expect(Math.abs(events.length - 24)).toBeLessThanOrEqual(4 * Math.sqrt(24));
    expect(events.every((e) => e.units === 1)).toBe(true);
    // No sale goes with a vanished unit, and every other lane reads exactly as without the fault.
    // (Readings compared by time and content: per-device sequence numbers and ids shift when a
    // phantom lane on the same scale reports a different number of transients.)
    const otherLanes = (list: DeviceOutput[]) =>
      weights(list)
        .filter((e) => !phantomLanes.has(e.data.lane as string))
        .map((e) => ({ device: e.src.device, ts: e.ts, data: e.data }));
    expect(otherLanes(outputs)).toEqual(otherLanes(before.outputs));
    const otherPicks = (t: MemoryTruth) => t.of('pick').filter((p) => !phantomLanes.has(p.lane));
    expect(otherPicks(truth)).toEqual(otherPicks(before.truth));
  });
});
