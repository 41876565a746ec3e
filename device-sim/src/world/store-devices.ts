import { type Command, encodeShelfWeight, type ShelfWeight } from '@aisle/protocols';
import type { Rng } from '../rng.js';
import type { StoreState, WorldContext } from './context.js';
import { HOUR_MS } from './context.js';

/**
 * A store's devices as they sense the world: shelf scales (per-lane net grams with noise, drift
 * and hands on the shelf; tare, calibrate and config commands) and door counters.
 */
export class StoreDevices {
  readonly #ctx: WorldContext;
  readonly #stores: readonly StoreState[];

  constructor(ctx: WorldContext, stores: readonly StoreState[]) {
    this.#ctx = ctx;
    this.#stores = stores;
  }

  command(t: number, s: number, scaleIndex: number, command: Command): void {
    const store = this.#stores[s] as StoreState;
    const scale = store.layout.scales[scaleIndex];
    if (scale === undefined) return;
    const site = store.id;
    const device = scale.device;
    const lane = command.command === 'tare' || command.command === 'calibrate' ? command.lane : undefined;
    const lanes = scale.lanes.filter((i) => lane === undefined || store.layout.lanes[i]?.lane === lane);
    switch (command.command) {
      case 'tare':
        for (const i of lanes)
          store.tareGrams[i] = (store.units[i] as number) * (store.layout.lanes[i]?.unitGrams ?? 0);
        this.#ctx.emitter.event(t, site, device, {
          event: 'tare-done',
          ref: command.id,
          ok: lanes.length > 0,
          ...(command.lane === undefined ? {} : { lane: command.lane }),
        });
        return;
      case 'calibrate':
        this.#ctx.emitter.event(t, site, device, {
          event: 'calibrate-done',
          ref: command.id,
          ok: lanes.length > 0,
          lane: command.lane,
        });
        return;
      case 'config': {
        const unknown = Object.keys(command.settings).filter((k) => k !== 'reportIntervalS');
        this.#ctx.emitter.event(t, site, device, {
          event: 'config-done',
          ref: command.id,
          ok: unknown.length === 0,
          ...(unknown.length === 0 ? {} : { message: `unknown settings: ${unknown.join(', ')}` }),
        });
        return;
      }
      case 'route':
        // A scale has no route to drive.
        return;
    }
  }

  /** One lane's reading as the scale reports it: net grams with noise, drift and any hand on it. */
  #reading(t: number, store: StoreState, s: number, laneIndex: number): ShelfWeight {
    const lane = store.layout.lanes[laneIndex];
    if (lane === undefined) throw new Error(`lane ${laneIndex} missing`);
    const { sensors, faults } = this.#ctx.scenario;
    const r = store.laneRng[laneIndex] as Rng;
    const scaleIndex = Math.floor(laneIndex / (this.#ctx.scenario.stores[s]?.lanesPerScale ?? 1));
    const hours = (t - this.#ctx.startMs) / HOUR_MS;
    let grams = (store.units[laneIndex] as number) * lane.unitGrams - (store.tareGrams[laneIndex] as number);
    grams += r.normal(0, sensors.scaleNoiseGrams);
    if (faults.noise.gramsSd > 0) grams += (store.laneNoiseRng[laneIndex] as Rng).normal(0, faults.noise.gramsSd);
    grams += (store.driftSign[scaleIndex] ?? 1) * faults.drift.gramsPerHour * hours;
    const disturbed = t < (store.handUntil[laneIndex] as number);
    if (disturbed) grams += store.handGrams[laneIndex] as number;
    return { lane: lane.lane, grams: Math.round(grams * 10) / 10, stable: !disturbed };
  }

  reportLane(t: number, store: StoreState, s: number, laneIndex: number): void {
    const lane = store.layout.lanes[laneIndex];
    const scale = store.layout.scales.find((x) => x.device === lane?.scale);
    if (lane === undefined || scale === undefined) return;
    const data = this.#reading(t, store, s, laneIndex);
    if (scale.serial) {
      this.#ctx.emitter.serial(
        t,
        store.id,
        scale.device,
        encodeShelfWeight(scale.device, this.#ctx.emitter.nextSeq(store.id, scale.device), data),
      );
    } else {
      this.#ctx.emitter.telemetry(t, store.id, scale.device, 'shelf.weight', data);
    }
  }

  scaleReport(t: number, s: number, scaleIndex: number): void {
    const store = this.#stores[s] as StoreState;
    const scale = store.layout.scales[scaleIndex];
    if (scale === undefined) return;
    for (const lane of scale.lanes) this.reportLane(t, store, s, lane);
    this.#ctx.schedule(t + this.#ctx.scenario.sensors.scaleReportS * 1000, { k: 'scale', store: s, scale: scaleIndex });
  }

  doorReport(t: number, s: number, door: number): void {
    const store = this.#stores[s] as StoreState;
    const intervalMs = this.#ctx.scenario.sensors.doorReportS * 1000;
    this.#ctx.emitter.telemetry(t, store.id, store.layout.doors[door] ?? '', 'footfall.count', {
      door: store.layout.doors[door],
      in: store.doorIn[door] ?? 0,
      out: store.doorOut[door] ?? 0,
      intervalMs,
    });
    store.doorIn[door] = 0;
    store.doorOut[door] = 0;
    this.#ctx.schedule(t + intervalMs, { k: 'door', store: s, door });
  }
}
