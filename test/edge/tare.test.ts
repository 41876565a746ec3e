import { type Command, IdGenerator, type Item, newId } from '@aisle/protocols';
import { describe, expect, it } from 'vitest';
import type { DeviceOutput } from '../../device-sim/src/outputs/output.js';
import { World } from '../../device-sim/src/world/world.js';
import { parseConfig } from '../../edge/src/config.js';
import { Pipeline } from '../../edge/src/pipeline/pipeline.js';
import { smallScenario } from '../device-sim/scenarios.js';

/** Taring a stocked lane must not make the gateway think the stock vanished. */
describe('tare commands', () => {
  it('after tare-done, the lane keeps counting the units it had, and goes on tracking picks', () => {
    const base = smallScenario();
    const world = new World({
      ...base,
      stores: base.stores.map((s) => ({ ...s, serialScales: 0, peakShoppersPerHour: 0 })),
      vans: [],
    });
    const layout = world.layout('store-a');
    const config = parseConfig({
      site: 'store-a',
      gateway: 'gw-a',
      lanes: (layout?.lanes ?? []).map((l) => ({
        lane: l.lane,
        device: l.scale,
        sku: `S${l.sku}`,
        unitGrams: l.unitGrams,
        capacity: l.capacity,
      })),
    });
    const items: Item[] = [];
    const pipeline = new Pipeline({ config, emit: (i) => items.push(i), ids: new IdGenerator(), boot: 1 });
    const feed = (o: DeviceOutput) => {
      if (o.kind === 'mqtt') pipeline.ingest(o.topic, o.payload, o.at);
    };
    world.run(world.startMs + 2 * 60_000, feed);
    const lane = layout?.lanes[5];
    if (lane === undefined) throw new Error('no lane');
    const before = pipeline.context.lanes.get(lane.lane)?.units;
    expect(before).toBe(world.units('store-a')[5]);
    const command: Command = { id: newId(), ts: world.now, command: 'tare', lane: lane.lane };
    pipeline.commandSent(lane.scale, command);
    world.command('store-a', lane.scale, command);
    world.run(world.now + 60_000, feed);
    const done = items.find((i) => i.type === 'device.event' && i.data.event === 'tare-done');
    expect(done).toBeDefined();
    // The scale now reads about 0 g for the lane, but the gateway still counts its units.
    const after = items.filter(
      (i) => i.type === 'shelf.weight' && i.data.lane === lane.lane && i.ts > world.now - 30_000,
    );
    for (const r of after) if (r.type === 'shelf.weight') expect(Math.abs(r.data.grams)).toBeLessThan(20);
    expect(pipeline.context.lanes.get(lane.lane)?.units).toBe(before);
    expect(items.some((i) => i.type === 'shelf.event' && i.data.lane === lane.lane && i.data.event === 'pick')).toBe(
      false,
    );
  });
});
