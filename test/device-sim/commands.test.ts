import { decodeMessage, newId } from '@aisle/protocols';
import { describe, expect, it } from 'vitest';
import type { DeviceOutput } from '../../device-sim/src/outputs/output.js';
import { World } from '../../device-sim/src/world/world.js';
import { smallScenario } from './scenarios.js';

function collect(world: World, ms: number): DeviceOutput[] {
  const out: DeviceOutput[] = [];
  world.run(world.now + ms, (o) => out.push(o));
  return out;
}

const items = (outputs: DeviceOutput[]) =>
  outputs.flatMap((o) => {
    if (o.kind !== 'mqtt' || o.retain) return [];
    const r = decodeMessage(o.topic, o.payload);
    return r.ok && 'item' in r.value ? [r.value.item] : [];
  });

describe('device commands', () => {
  it('tare zeroes a lane at its current load and answers tare-done with the command id', () => {
    const world = new World({
      ...smallScenario(),
      stores: smallScenario().stores.map((s) => ({ ...s, serialScales: 0 })),
    });
    collect(world, 60_000);
    const layout = world.layout('store-a');
    const lane = layout?.lanes[3];
    if (lane === undefined) throw new Error('no lane');
    const id = newId();
    expect(world.command('store-a', lane.scale, { id, ts: world.now, command: 'tare', lane: lane.lane })).toBe(true);
    const after = items(collect(world, 30_000));
    const done = after.find((i) => i.type === 'device.event');
    expect(done?.data).toEqual({ event: 'tare-done', ref: id, ok: true, lane: lane.lane });
    const readings = after.filter((i) => i.type === 'shelf.weight' && i.data.lane === lane.lane && i.data.stable);
    expect(readings.length).toBeGreaterThan(0);
    // Net of the tare, the lane reads about zero until something is picked from it.
    for (const r of readings) if (r.type === 'shelf.weight') expect(Math.abs(r.data.grams)).toBeLessThan(10);
    // Other lanes of the same scale are unaffected.
    const other = after.find(
      (i) => i.type === 'shelf.weight' && i.src.device === lane.scale && i.data.lane !== lane.lane,
    );
    expect(other?.type === 'shelf.weight' && other.data.grams).toBeGreaterThan(100);
  });

  it('config with a setting the device does not know answers config-done with ok false and names it', () => {
    const world = new World(smallScenario());
    const scale = world.layout('store-a')?.scales[4]?.device ?? '';
    const id = newId();
    world.command('store-a', scale, {
      id,
      ts: world.now,
      command: 'config',
      settings: { reportIntervalS: 5, colour: 'red' },
    });
    const done = items(collect(world, 1000)).find((i) => i.type === 'device.event');
    expect(done?.data).toEqual({ event: 'config-done', ref: id, ok: false, message: 'unknown settings: colour' });
  });

  it('a command for a device that does not exist is refused', () => {
    const world = new World(smallScenario());
    expect(world.command('store-a', 'scale-999', { id: newId(), ts: 0, command: 'tare' })).toBe(false);
  });
});
