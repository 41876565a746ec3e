import type { Command } from '@aisle/protocols';
import type { DeviceIdentity, DeviceOutput } from '../outputs/output.js';
import type { GpsTrace } from '../replay/gps-traces.js';
import { type Rng, rngFor } from '../rng.js';
import { type Scenario, ScenarioError } from '../scenario.js';
import { EventQueue } from '../sim/event-queue.js';
import { buildCatalog, type Catalog } from './catalog.js';
import { DAY_MS, HOUR_MS, type StoreState, type WorldContext, type WorldEvent } from './context.js';
import { DeviceEmitter } from './emitter.js';
import { buildLayout, type StoreLayout } from './layout.js';
import type { ReplayedBasket } from './replayed-baskets.js';
import { driftCustomer, makeCustomer } from './shoppers.js';
import { Shopping } from './shopping.js';
import { StoreDevices } from './store-devices.js';
import { discardTruth, type TruthRecorder } from './truth.js';
import { VanSim } from './vans.js';

/**
 * The simulated world: stores with shelves, shoppers, doors and registers; a DC; vans. A
 * discrete-event simulation on simulated time, deterministic for a seed: every random draw comes
 * from a named seeded stream and every tie in time is broken by scheduling order.
 */

export interface WorldOptions {
  readonly truth?: TruthRecorder;
  /** Relative arrival rate at a time, replacing the scenario's seasonality (e.g. replayed counts). */
  readonly arrivalProfile?: (tMs: number) => number;
  /** The largest value `arrivalProfile` returns (for thinning). */
  readonly arrivalProfileMax?: number;
  /** A catalogue to use instead of the generated one (replayed products). */
  readonly catalog?: Catalog;
  /** Real baskets to replay instead of drawing them (each arrival takes the next). */
  readonly basketSource?: () => ReplayedBasket;
  /** Vans (by id) that replay real GPS traces instead of driving planned routes. */
  readonly vanTraces?: ReadonlyMap<string, readonly GpsTrace[]>;
}

export class World {
  readonly scenario: Scenario;
  readonly catalog: Catalog;
  readonly startMs: number;
  readonly #queue = new EventQueue<WorldEvent>();
  readonly #stores: StoreState[];
  readonly #vans: VanSim;
  readonly #devices: StoreDevices;
  readonly #shopping: Shopping;
  readonly #emitter: DeviceEmitter;
  readonly #truth: TruthRecorder;
  readonly #rng: Record<'arrivals' | 'baskets' | 'sensors' | 'phantom' | 'vans' | 'storm' | 'drift', Rng>;
  readonly #profileMax: number;
  readonly #phantomLanes: { site: string; lane: string; firstAttemptMs: number }[] = [];
  readonly #emptyLanes: readonly { store: number; lanes: readonly number[]; atMs: number; untilMs: number }[];
  #out: (output: DeviceOutput) => void = () => {};
  #now: number;

  constructor(scenario: Scenario, options: WorldOptions = {}) {
    this.scenario = scenario;
    this.startMs = Date.parse(scenario.start);
    this.#now = this.startMs;
    this.#truth = options.truth ?? discardTruth;
    const seed = scenario.seed;
    this.#rng = {
      arrivals: rngFor(seed, 'arrivals'),
      baskets: rngFor(seed, 'baskets'),
      sensors: rngFor(seed, 'sensors'),
      phantom: rngFor(seed, 'fault:phantom'),
      vans: rngFor(seed, 'vans'),
      storm: rngFor(seed, 'fault:storm'),
      drift: rngFor(seed, 'drift'),
    };
    this.#profileMax = options.arrivalProfileMax ?? 1;
    this.catalog = options.catalog ?? buildCatalog(rngFor(seed, 'catalog'), scenario.catalog);
    this.#emitter = new DeviceEmitter({
      seed,
      faults: scenario.faults,
      emit: (o) => this.#out(o),
      defer: (at, output) => this.#queue.schedule(at, { k: 'deferred', output }),
      truth: this.#truth,
    });
    const layoutRng = rngFor(seed, 'layout');
    const customerRng = rngFor(seed, 'customers');
    this.#stores = scenario.stores.map((store) => {
      const layout = buildLayout(store, this.catalog, layoutRng, this.#expectedUnitsPerDay(store.peakShoppersPerHour));
      const lanes = layout.lanes.length;
      const customers = Array.from(
        { length: Math.round(scenario.shoppers.loyaltyCustomers / scenario.stores.length) },
        (_, i) => makeCustomer(`${store.id}-c${String(i + 1).padStart(5, '0')}`, customerRng, this.catalog, layout),
      );
      return {
        id: store.id,
        layout,
        units: layout.lanes.map((l) => l.capacity),
        handUntil: new Array<number>(lanes).fill(0),
        handGrams: new Array<number>(lanes).fill(0),
        tareGrams: new Array<number>(lanes).fill(0),
        restockPending: new Array<boolean>(lanes).fill(false),
        restockHeldUntil: new Array<number>(lanes).fill(0),
        doorIn: layout.doors.map(() => 0),
        doorOut: layout.doors.map(() => 0),
        customers,
        driftSign: layout.scales.map(() => (layoutRng.chance(0.5) ? 1 : -1)),
        laneRng: layout.lanes.map((l) => rngFor(seed, `lane:${store.id}:${l.lane}`)),
        laneNoiseRng: layout.lanes.map((l) => rngFor(seed, `fault:noise:${store.id}:${l.lane}`)),
        peakPerHour: store.peakShoppersPerHour,
        basketNo: 0,
      };
    });
    const context: WorldContext = {
      scenario,
      startMs: this.startMs,
      emitter: this.#emitter,
      truth: this.#truth,
      schedule: (at, event) => this.#queue.schedule(at, event),
      deliver: (t, site, van) => {
        // Under `tasks` the hub's tasks and deliveries restock, through `refill()` alone.
        if (scenario.restock.policy === 'tasks') return;
        const store = this.#stores.find((x) => x.id === site);
        if (store === undefined) return;
        for (let i = 0; i < store.layout.lanes.length; i++) this.#refill(t, store, i, undefined, `delivery:${van}`);
      },
    };
    this.#vans = new VanSim(context, this.#rng.vans, options.vanTraces ?? new Map());
    this.#devices = new StoreDevices(context, this.#stores);
    this.#shopping = new Shopping({
      ctx: context,
      stores: this.#stores,
      catalog: this.catalog,
      devices: this.#devices,
      rng: this.#rng,
      profile: options.arrivalProfile ?? ((t) => this.#seasonality(t)),
      profileMax: options.arrivalProfileMax ?? 1,
      basketSource: options.basketSource,
    });
    this.#emptyLanes = this.#resolveEmptyLanes();
    this.#registerDevices();
    this.#scheduleStart();
  }

  get now(): number {
    return this.#now;
  }

  get devices(): DeviceIdentity[] {
    return this.#emitter.devices;
  }

  /** Serial lines as `site/line` (a scale or a van's GPS module on a UART). */
  get serialLines(): string[] {
    const lines: string[] = [];
    for (const store of this.#stores)
      for (const s of store.layout.scales) if (s.serial) lines.push(`${store.id}/${s.device}`);
    for (const van of this.#vans.vans) if (van.scenario.gpsOverSerial) lines.push(`${van.id}/gps`);
    return lines;
  }

  /** The lanes injected with shrink (`faults.phantomLane`) and when each one's first attempt comes. */
  get phantomLanes(): readonly { readonly site: string; readonly lane: string; readonly firstAttemptMs: number }[] {
    return this.#phantomLanes;
  }

  layout(site: string): StoreLayout | undefined {
    return this.#stores.find((s) => s.id === site)?.layout;
  }

  /** True units on every lane of a store right now (ground truth). */
  units(site: string): readonly number[] {
    return this.#stores.find((s) => s.id === site)?.units ?? [];
  }

  /** Advances simulated time to `untilMs`, handing every device output to `emit` in order. */
  run(untilMs: number, emit: (output: DeviceOutput) => void): void {
    this.#out = emit;
    while (this.#queue.peekTime() <= untilMs) {
      const next = this.#queue.pop();
      if (next === undefined) break;
      this.#now = next.at;
      this.#handle(next.at, next.event);
    }
    this.#now = Math.max(this.#now, untilMs);
  }

  /**
   * A command from the gateway to one of this world's devices (`cmd/{site}/{device}/{name}`), as
   * the device would handle it: tare zeroes the lane(s) at their current load, calibrate
   * acknowledges the known mass, config applies what the device understands. Each answers with a
   * device event (`tare-done`, `calibrate-done`, `config-done`) that refers to the command id. A
   * van's GPS unit (`gps`) takes a `route` and the van drives it (no answer: its fixes are).
   */
  command(site: string, device: string, command: Command): boolean {
    if (command.command === 'route') {
      // A van's GPS unit (its driver terminal) takes the route; handled in time order too.
      const v = device === 'gps' ? this.#vans.vans.findIndex((x) => x.id === site) : -1;
      if (v < 0) return false;
      this.#queue.schedule(this.#now, { k: 'route', van: v, command });
      return true;
    }
    const s = this.#stores.findIndex((x) => x.id === site);
    const scale = this.#stores[s]?.layout.scales.findIndex((x) => x.device === device) ?? -1;
    if (s < 0 || scale < 0) return false;
    // Handled inside the next run(), in time order with everything else.
    this.#queue.schedule(this.#now, { k: 'command', store: s, scale, command });
    return true;
  }

  /**
   * A staff task or delivery refills a lane (closes the loop with the hub). False when the lane
   * does not exist or is held empty (`faults.emptyLane`): then nothing moves.
   */
  refill(site: string, lane: string, units: number | undefined, reason: string): boolean {
    const store = this.#stores.find((s) => s.id === site);
    const index = store?.layout.lanes.findIndex((l) => l.lane === lane) ?? -1;
    if (store === undefined || index < 0) return false;
    return this.#refill(this.#now, store, index, units, reason);
  }

  /**
   * `faults.emptyLane` as lane indices per store, with when each emptying starts and ends. A SKU the
   * store does not stock is a scenario error (only the world knows the catalogue and planogram).
   */
  #resolveEmptyLanes(): { store: number; lanes: readonly number[]; atMs: number; untilMs: number }[] {
    const problems: string[] = [];
    const resolved = this.scenario.faults.emptyLane.flatMap((empty, i) => {
      const s = this.#stores.findIndex((x) => x.id === empty.site);
      const store = this.#stores[s];
      if (store === undefined) return [];
      let lanes: readonly number[];
      if (empty.lane !== undefined) {
        lanes = store.layout.lanes.filter((l) => l.lane === empty.lane).map((l) => l.index);
      } else {
        const sku = this.catalog.skus.find((x) => x.sku === empty.sku);
        lanes = sku === undefined ? [] : (store.layout.lanesBySku.get(sku.index) ?? []);
        if (lanes.length === 0) {
          problems.push(
            `/faults/emptyLane/${i}/sku: "${empty.sku}" is ${sku === undefined ? 'not in the catalogue' : `not stocked at ${store.id}`}`,
          );
        }
      }
      const atMs = this.startMs + Math.round(empty.afterMinutes * 60_000);
      const untilMs = empty.hours === undefined ? Number.POSITIVE_INFINITY : atMs + Math.round(empty.hours * HOUR_MS);
      return lanes.length === 0 ? [] : [{ store: s, lanes, atMs, untilMs }];
    });
    if (problems.length > 0) throw new ScenarioError(this.scenario.name, problems);
    return resolved;
  }

  #registerDevices(): void {
    const t = this.startMs;
    for (const store of this.#stores) {
      for (const scale of store.layout.scales) this.#emitter.register(store.id, scale.device, 'shelf-scale', t);
      for (const door of store.layout.doors) this.#emitter.register(store.id, door, 'door-counter', t);
      for (const pos of store.layout.registers) this.#emitter.register(store.id, pos, 'pos', t);
    }
    for (const van of this.#vans.vans) {
      this.#emitter.register(van.id, 'gps', 'gps-tracker', t);
      this.#emitter.register(van.id, 'temp-1', 'temp-probe', t);
      this.#emitter.register(van.id, 'shock-1', 'shock-sensor', t);
    }
  }

  #scheduleStart(): void {
    const t = this.startMs;
    const { sensors, faults } = this.scenario;
    this.#truth.record({
      t,
      kind: 'bundles',
      bundles: this.catalog.bundles.map((b) => b.map((i) => this.catalog.skus[i]?.sku ?? '')),
    });
    this.#stores.forEach((store, s) => {
      for (const c of store.customers) {
        this.#truth.record({
          t,
          kind: 'preferences',
          site: store.id,
          customer: c.id,
          favorites: c.favorites.map((i) => this.catalog.skus[i]?.sku ?? ''),
        });
      }
      this.#queue.schedule(
        t + this.#rng.arrivals.exponential(HOUR_MS / Math.max(store.peakPerHour * this.#profileMax, 1e-9)),
        {
          k: 'arrival',
          store: s,
        },
      );
      store.layout.scales.forEach((_, i) => {
        this.#queue.schedule(t + Math.round(this.#rng.sensors.next() * sensors.scaleReportS * 1000), {
          k: 'scale',
          store: s,
          scale: i,
        });
      });
      store.layout.doors.forEach((_, i) => {
        this.#queue.schedule(t + sensors.doorReportS * 1000, { k: 'door', store: s, door: i });
      });
      const phantoms = new Set<number>();
      while (phantoms.size < Math.min(faults.phantomLane.lanes, store.layout.lanes.length)) {
        phantoms.add(this.#rng.phantom.int(0, store.layout.lanes.length - 1));
      }
      for (const lane of [...phantoms].sort((a, b) => a - b)) this.#startPhantom(t, s, lane);
    });
    for (const store of this.#stores) {
      for (const device of [
        ...store.layout.scales.map((x) => x.device),
        ...store.layout.doors,
        ...store.layout.registers,
      ]) {
        this.#emitter.state(t, store.id, device, { status: 'online', ts: t });
      }
    }
    this.#vans.vans.forEach((van, v) => {
      for (const device of ['gps', 'temp-1', 'shock-1'])
        this.#emitter.state(t, van.id, device, { status: 'online', ts: t });
      if (this.#vans.replays(van.id)) {
        // -1: the step handler starts the first trace at the DC.
        this.#queue.schedule(t + 1000, { k: 'trace', van: v, trace: -1, fixes: [], point: 0 });
      } else {
        this.#queue.schedule(this.#nextLocalHour(t, van.scenario.departAtHour), { k: 'van-day', van: v });
        this.#queue.schedule(t + 1000, { k: 'gps', van: v, chain: van.gpsChain });
      }
      this.#queue.schedule(t + sensors.tempReportS * 1000, { k: 'temp', van: v });
      this.#queue.schedule(t + this.#rng.vans.exponential(HOUR_MS / 3), { k: 'shock', van: v });
    });
    for (const empty of this.#emptyLanes)
      this.#queue.schedule(empty.atMs, {
        k: 'empty-lane',
        store: empty.store,
        lanes: empty.lanes,
        untilMs: empty.untilMs,
      });
    this.#queue.schedule(t + 60_000, { k: 'snapshot' });
    this.#queue.schedule(this.#nextLocalHour(t, 0), { k: 'drift' });
    if (faults.disconnectStorm.everyMinutes > 0)
      this.#queue.schedule(t + faults.disconnectStorm.everyMinutes * 60_000, { k: 'storm' });
  }

  #localMs(t: number): number {
    return t + this.scenario.utcOffsetHours * HOUR_MS;
  }

  /** The first time ≥ t at local hour `hour` (fractional hours allowed). */
  #nextLocalHour(t: number, hour: number): number {
    const local = this.#localMs(t);
    let target = Math.floor(local / DAY_MS) * DAY_MS + hour * HOUR_MS;
    if (target < local) target += DAY_MS;
    return Math.round(target - this.scenario.utcOffsetHours * HOUR_MS);
  }

  /**
   * Units a store's shoppers want on an average day by the scenario's own profile: shoppers at the
   * peak rate × the daily and weekly profile relative to their peaks, × items per basket × 1.15
   * units per line (15 % of lines take two, see `chooseBasket`). The planogram's estimate; a
   * replayed arrival profile or basket file is not consulted.
   */
  #expectedUnitsPerDay(peakPerHour: number): number {
    const { daily, weekly } = this.scenario.seasonality;
    const dMax = Math.max(...daily, 1e-9);
    const wMax = Math.max(...weekly, 1e-9);
    const hours = daily.reduce((a, b) => a + b, 0) / dMax;
    const week = weekly.reduce((a, b) => a + b, 0) / wMax / weekly.length;
    return peakPerHour * hours * week * this.scenario.shoppers.meanItems * 1.15;
  }

  /** Relative arrival rate from the scenario's daily × weekly profile, 1 at the busiest hour. */
  #seasonality(t: number): number {
    const { daily, weekly } = this.scenario.seasonality;
    const local = this.#localMs(t);
    const hour = Math.floor(local / HOUR_MS) % 24;
    // 1970-01-01 was a Thursday: Monday-first weekday index = (days + 3) % 7.
    const weekday = (Math.floor(local / DAY_MS) + 3) % 7;
    const dMax = Math.max(...daily, 1e-9);
    const wMax = Math.max(...weekly, 1e-9);
    return ((daily[hour] ?? 0) / dMax) * ((weekly[weekday] ?? 0) / wMax);
  }

  #handle(t: number, e: WorldEvent): void {
    switch (e.k) {
      case 'arrival':
        this.#shopping.arrival(t, e.store);
        return;
      case 'pick':
        this.#shopping.pick(t, e.store, e.shopper, e.line);
        return;
      case 'checkout':
        this.#shopping.checkout(t, e.store, e.shopper);
        return;
      case 'exit': {
        const store = this.#stores[e.store] as StoreState;
        store.doorOut[e.door] = (store.doorOut[e.door] ?? 0) + 1;
        this.#truth.record({
          t,
          kind: 'crossing',
          site: store.id,
          door: store.layout.doors[e.door] ?? '',
          direction: 'out',
        });
        return;
      }
      case 'scale':
        this.#devices.scaleReport(t, e.store, e.scale);
        return;
      case 'door':
        this.#devices.doorReport(t, e.store, e.door);
        return;
      case 'restock': {
        const store = this.#stores[e.store] as StoreState;
        store.restockPending[e.lane] = false;
        this.#refill(t, store, e.lane, undefined, e.reason);
        return;
      }
      case 'phantom':
        this.#phantom(t, e.store, e.lane);
        return;
      case 'empty-lane':
        this.#emptyLane(t, e.store, e.lanes, e.untilMs);
        return;
      case 'empty-lane-end':
        this.#emptyLaneEnd(t, e.store, e.lanes);
        return;
      case 'snapshot':
        for (const store of this.#stores)
          this.#truth.record({ t, kind: 'snapshot', site: store.id, units: [...store.units] });
        this.#queue.schedule(t + 60_000, { k: 'snapshot' });
        return;
      case 'drift':
        this.#drift(t);
        return;
      case 'van-day':
        this.#vans.vanDay(t, e.van);
        return;
      case 'van-phase':
        this.#vans.vanPhase(t, e.van, e.phase, e.edge, e.plan);
        return;
      case 'gps':
        this.#vans.gps(t, e.van, e.chain);
        return;
      case 'route':
        this.#vans.route(t, e.van, e.command);
        return;
      case 'temp':
        this.#vans.temperature(t, e.van);
        return;
      case 'shock':
        this.#vans.shock(t, e.van);
        return;
      case 'storm':
        this.#storm(t);
        return;
      case 'deferred':
        this.#out(e.output);
        return;
      case 'command':
        this.#devices.command(t, e.store, e.scale, e.command);
        return;
      case 'trace':
        this.#vans.traceStep(t, e.van, e.trace, e.fixes, e.point);
        return;
    }
  }

  /** False when the lane is held empty (`faults.emptyLane`): nothing moves. */
  #refill(t: number, store: StoreState, laneIndex: number, units: number | undefined, reason: string): boolean {
    const lane = store.layout.lanes[laneIndex];
    if (lane === undefined) return false;
    if (t < (store.restockHeldUntil[laneIndex] as number)) return false;
    const before = store.units[laneIndex] as number;
    const after = Math.min(lane.capacity, units === undefined ? lane.capacity : before + units);
    if (after === before) return true;
    store.units[laneIndex] = after;
    store.handUntil[laneIndex] = t + this.scenario.sensors.transientS * 1000;
    store.handGrams[laneIndex] = 500 + (store.laneRng[laneIndex] as Rng).next() * 3000;
    this.#truth.record({ t, kind: 'restock', site: store.id, lane: lane.lane, units: after - before, reason });
    return true;
  }

  /**
   * `faults.emptyLane`: the lanes' stock leaves the shelf (no sale, no hand on it: the scale's next
   * report is a stable empty reading) and they are held empty until `untilMs`.
   */
  #emptyLane(t: number, s: number, lanes: readonly number[], untilMs: number): void {
    const store = this.#stores[s] as StoreState;
    for (const i of lanes) {
      const lane = store.layout.lanes[i];
      if (lane === undefined) continue;
      const units = store.units[i] as number;
      store.units[i] = 0;
      store.restockHeldUntil[i] = Math.max(store.restockHeldUntil[i] as number, untilMs);
      this.#truth.record({
        t,
        kind: 'empty-lane',
        site: store.id,
        lane: lane.lane,
        sku: this.catalog.skus[lane.sku]?.sku ?? '',
        units,
        ...(Number.isFinite(untilMs) ? { untilMs } : {}),
      });
    }
    if (Number.isFinite(untilMs)) this.#queue.schedule(untilMs, { k: 'empty-lane-end', store: s, lanes });
  }

  /**
   * The hold is over. Under the built-in policy an empty lane is refilled as if a pick had just
   * left it below the threshold (no pick comes from an empty lane to ask for it); under `tasks`
   * the hub's tasks decide.
   */
  #emptyLaneEnd(t: number, s: number, lanes: readonly number[]): void {
    const store = this.#stores[s] as StoreState;
    const { restock } = this.scenario;
    if (restock.policy !== 'builtin') return;
    for (const i of lanes) {
      const lane = store.layout.lanes[i];
      if (lane === undefined || store.restockPending[i] || t < (store.restockHeldUntil[i] as number)) continue;
      if ((store.units[i] as number) > restock.belowShare * lane.capacity) continue;
      store.restockPending[i] = true;
      const delay = restock.delayMinutes * 60_000 * (0.5 + (store.laneRng[i] as Rng).next());
      this.#queue.schedule(t + Math.round(delay), { k: 'restock', store: s, lane: i, reason: 'builtin-policy' });
    }
  }

  /** A phantom lane's first attempt: after an onset uniform within `onsetWithinHours` (0: none, no draw). */
  #startPhantom(t: number, s: number, lane: number): void {
    const { unitsPerHour, onsetWithinHours } = this.scenario.faults.phantomLane;
    if (unitsPerHour <= 0) return;
    const onsetMs = onsetWithinHours > 0 ? this.#rng.phantom.next() * onsetWithinHours * HOUR_MS : 0;
    const store = this.#stores[s] as StoreState;
    this.#phantomLanes.push({
      site: store.id,
      lane: store.layout.lanes[lane]?.lane ?? '',
      firstAttemptMs: this.#schedulePhantom(t + onsetMs, s, lane),
    });
  }

  /** Schedules the lane's next attempt after an exponential gap; returns its time (whole ms, as the queue keeps it). */
  #schedulePhantom(t: number, s: number, lane: number): number {
    const perHour = this.scenario.faults.phantomLane.unitsPerHour;
    if (perHour <= 0) return Number.POSITIVE_INFINITY;
    const at = Math.round(t + this.#rng.phantom.exponential(HOUR_MS / perHour));
    this.#queue.schedule(at, { k: 'phantom', store: s, lane });
    return at;
  }

  #phantom(t: number, s: number, lane: number): void {
    const store = this.#stores[s] as StoreState;
    this.#truth.record({ t, kind: 'shrink-attempt', site: store.id, lane: store.layout.lanes[lane]?.lane ?? '' });
    if ((store.units[lane] as number) > 0) {
      store.units[lane] = (store.units[lane] as number) - 1;
      this.#truth.record({ t, kind: 'phantom', site: store.id, lane: store.layout.lanes[lane]?.lane ?? '', units: 1 });
    }
    this.#schedulePhantom(t, s, lane);
  }

  #drift(t: number): void {
    const rate = this.scenario.shoppers.preferenceDrift;
    for (const store of this.#stores) {
      for (const c of store.customers) {
        if (driftCustomer(c, rate, this.#rng.drift, this.catalog, store.layout)) {
          this.#truth.record({
            t,
            kind: 'preferences',
            site: store.id,
            customer: c.id,
            favorites: c.favorites.map((i) => this.catalog.skus[i]?.sku ?? ''),
          });
        }
      }
    }
    this.#queue.schedule(t + DAY_MS, { k: 'drift' });
  }

  #storm(t: number): void {
    const { disconnectStorm } = this.scenario.faults;
    const serial = new Set(this.serialLines);
    const candidates = this.devices.map((d) => `${d.site}/${d.device}`).filter((key) => !serial.has(key));
    const chosen = candidates.filter(() => this.#rng.storm.chance(disconnectStorm.share));
    const durationMs = disconnectStorm.durationS * 1000;
    if (chosen.length > 0) {
      this.#truth.record({ t, kind: 'storm', devices: chosen, durationMs });
      this.#out({ kind: 'disconnect', devices: chosen, durationMs, at: t });
    }
    this.#queue.schedule(t + disconnectStorm.everyMinutes * 60_000, { k: 'storm' });
  }
}
