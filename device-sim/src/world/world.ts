import {
  type Command,
  encodeGga,
  encodeRmc,
  encodeShelfWeight,
  type GpsFix,
  type LatLon,
  type ShelfWeight,
} from '@aisle/protocols';
import type { DeviceIdentity, DeviceOutput } from '../outputs/output.js';
import { type GpsTrace, type TraceFix, traceToLatLon } from '../replay/gps-traces.js';
import { type Rng, rngFor } from '../rng.js';
import type { Scenario } from '../scenario.js';
import { EventQueue } from '../sim/event-queue.js';
import { buildCatalog, type Catalog } from './catalog.js';
import { DeviceEmitter } from './emitter.js';
import { offset } from './geo.js';
import { buildLayout, type StoreLayout } from './layout.js';
import type { ReplayedBasket } from './replayed-baskets.js';
import { chooseBasket, driftCustomer, type LoyaltyCustomer, makeCustomer } from './shoppers.js';
import { discardTruth, type TruthRecorder } from './truth.js';
import { planVanDay, type VanPlan, vanStateAt } from './van.js';

/**
 * The simulated world: stores with shelves, shoppers, doors and registers; a DC; vans. A
 * discrete-event simulation on simulated time, deterministic for a seed: every random draw comes
 * from a named seeded stream and every tie in time is broken by scheduling order.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

type Event =
  | { k: 'arrival'; store: number }
  | { k: 'pick'; store: number; shopper: Shopper; line: number }
  | { k: 'checkout'; store: number; shopper: Shopper }
  | { k: 'exit'; store: number; door: number }
  | { k: 'scale'; store: number; scale: number }
  | { k: 'door'; store: number; door: number }
  | { k: 'restock'; store: number; lane: number; reason: string }
  | { k: 'phantom'; store: number; lane: number }
  | { k: 'snapshot' }
  | { k: 'drift' }
  | { k: 'van-day'; van: number }
  | { k: 'van-phase'; van: number; phase: number; edge: 'start' | 'end' }
  | { k: 'gps'; van: number }
  | { k: 'temp'; van: number }
  | { k: 'shock'; van: number }
  | { k: 'storm' }
  | { k: 'deferred'; output: DeviceOutput }
  | { k: 'command'; store: number; scale: number; command: Command }
  | { k: 'trace'; van: number; trace: number; fixes: readonly TraceFix[]; point: number };

interface Shopper {
  readonly basket: string;
  /** Drawn on arrival, so what happens in the store (a lost sale) never shifts other draws. */
  readonly register: string;
  readonly exitDelayMs: number;
  /** Loyalty-card id, when the shopper uses one. */
  readonly customer: string | undefined;
  readonly door: number;
  readonly wants: Array<{ sku: number; qty: number }>;
  readonly got: Array<{ sku: number; qty: number }>;
}

interface StoreState {
  readonly id: string;
  readonly layout: StoreLayout;
  readonly units: number[];
  /** Until when a hand disturbs each lane's reading, and by how many grams. */
  readonly handUntil: number[];
  readonly handGrams: number[];
  /** Load zeroed by the last tare command, per lane (the scale reports gross minus this). */
  readonly tareGrams: number[];
  readonly restockPending: boolean[];
  readonly doorIn: number[];
  readonly doorOut: number[];
  readonly customers: LoyaltyCustomer[];
  readonly driftSign: number[];
  /**
   * One random stream per lane for everything that happens to that lane (sensor noise, hands,
   * restock delays): what happens on one lane never shifts the draws of another.
   */
  readonly laneRng: Rng[];
  readonly laneNoiseRng: Rng[];
  readonly peakPerHour: number;
  basketNo: number;
}

interface VanState {
  readonly id: string;
  readonly scenario: Scenario['vans'][number];
  plan: VanPlan | undefined;
  /** Trace replay: where the last replayed fix was, and the on-foot stop in progress. */
  lastPosition?: LatLon;
  traceStop?: string | undefined;
}

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
  readonly #queue = new EventQueue<Event>();
  readonly #stores: StoreState[];
  readonly #vans: VanState[];
  readonly #emitter: DeviceEmitter;
  readonly #truth: TruthRecorder;
  readonly #rng: Record<'arrivals' | 'baskets' | 'sensors' | 'phantom' | 'vans' | 'storm' | 'drift', Rng>;
  readonly #profile: (tMs: number) => number;
  readonly #profileMax: number;
  readonly #basketSource: (() => ReplayedBasket) | undefined;
  readonly #vanTraces: ReadonlyMap<string, readonly GpsTrace[]>;
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
    this.#profile = options.arrivalProfile ?? ((t) => this.#seasonality(t));
    this.#profileMax = options.arrivalProfileMax ?? 1;
    this.catalog = options.catalog ?? buildCatalog(rngFor(seed, 'catalog'), scenario.catalog);
    this.#basketSource = options.basketSource;
    this.#vanTraces = options.vanTraces ?? new Map();
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
      const layout = buildLayout(store, this.catalog, layoutRng);
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
    this.#vans = scenario.vans.map((v) => ({ id: v.id, scenario: v, plan: undefined }));
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
    for (const van of this.#vans) if (van.scenario.gpsOverSerial) lines.push(`${van.id}/gps`);
    return lines;
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
   * device event (`tare-done`, `calibrate-done`, `config-done`) that refers to the command id.
   */
  command(site: string, device: string, command: Command): boolean {
    const s = this.#stores.findIndex((x) => x.id === site);
    const scale = this.#stores[s]?.layout.scales.findIndex((x) => x.device === device) ?? -1;
    if (s < 0 || scale < 0) return false;
    // Handled inside the next run(), in time order with everything else.
    this.#queue.schedule(this.#now, { k: 'command', store: s, scale, command });
    return true;
  }

  #command(t: number, s: number, scaleIndex: number, command: Command): void {
    const store = this.#stores[s] as StoreState;
    const scale = store.layout.scales[scaleIndex];
    if (scale === undefined) return;
    const site = store.id;
    const device = scale.device;
    const lanes = scale.lanes.filter(
      (i) => command.command === 'config' || command.lane === undefined || store.layout.lanes[i]?.lane === command.lane,
    );
    switch (command.command) {
      case 'tare':
        for (const i of lanes)
          store.tareGrams[i] = (store.units[i] as number) * (store.layout.lanes[i]?.unitGrams ?? 0);
        this.#emitter.event(t, site, device, {
          event: 'tare-done',
          ref: command.id,
          ok: lanes.length > 0,
          ...(command.lane === undefined ? {} : { lane: command.lane }),
        });
        return;
      case 'calibrate':
        this.#emitter.event(t, site, device, {
          event: 'calibrate-done',
          ref: command.id,
          ok: lanes.length > 0,
          lane: command.lane,
        });
        return;
      case 'config': {
        const unknown = Object.keys(command.settings).filter((k) => k !== 'reportIntervalS');
        this.#emitter.event(t, site, device, {
          event: 'config-done',
          ref: command.id,
          ok: unknown.length === 0,
          ...(unknown.length === 0 ? {} : { message: `unknown settings: ${unknown.join(', ')}` }),
        });
        return;
      }
    }
  }

  /** A staff task or delivery refills a lane (closes the loop with the hub). */
  refill(site: string, lane: string, units: number | undefined, reason: string): boolean {
    const store = this.#stores.find((s) => s.id === site);
    const index = store?.layout.lanes.findIndex((l) => l.lane === lane) ?? -1;
    if (store === undefined || index < 0) return false;
    this.#refill(this.#now, store, index, units, reason);
    return true;
  }

  #registerDevices(): void {
    const t = this.startMs;
    for (const store of this.#stores) {
      for (const scale of store.layout.scales) this.#emitter.register(store.id, scale.device, 'shelf-scale', t);
      for (const door of store.layout.doors) this.#emitter.register(store.id, door, 'door-counter', t);
      for (const pos of store.layout.registers) this.#emitter.register(store.id, pos, 'pos', t);
    }
    for (const van of this.#vans) {
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
      for (const lane of [...phantoms].sort((a, b) => a - b)) this.#schedulePhantom(t, s, lane);
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
    this.#vans.forEach((van, v) => {
      for (const device of ['gps', 'temp-1', 'shock-1'])
        this.#emitter.state(t, van.id, device, { status: 'online', ts: t });
      if (this.#vanTraces.has(van.id)) {
        // -1: the step handler starts the first trace at the DC.
        this.#queue.schedule(t + 1000, { k: 'trace', van: v, trace: -1, fixes: [], point: 0 });
      } else {
        this.#queue.schedule(this.#nextLocalHour(t, van.scenario.departAtHour), { k: 'van-day', van: v });
        this.#queue.schedule(t + 1000, { k: 'gps', van: v });
      }
      this.#queue.schedule(t + sensors.tempReportS * 1000, { k: 'temp', van: v });
      this.#queue.schedule(t + this.#rng.vans.exponential(HOUR_MS / 3), { k: 'shock', van: v });
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

  #handle(t: number, e: Event): void {
    switch (e.k) {
      case 'arrival':
        return this.#arrival(t, e.store);
      case 'pick':
        return this.#pick(t, e.store, e.shopper, e.line);
      case 'checkout':
        return this.#checkout(t, e.store, e.shopper);
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
        return this.#scaleReport(t, e.store, e.scale);
      case 'door':
        return this.#doorReport(t, e.store, e.door);
      case 'restock': {
        const store = this.#stores[e.store] as StoreState;
        store.restockPending[e.lane] = false;
        return this.#refill(t, store, e.lane, undefined, e.reason);
      }
      case 'phantom':
        return this.#phantom(t, e.store, e.lane);
      case 'snapshot':
        for (const store of this.#stores)
          this.#truth.record({ t, kind: 'snapshot', site: store.id, units: [...store.units] });
        this.#queue.schedule(t + 60_000, { k: 'snapshot' });
        return;
      case 'drift':
        return this.#drift(t);
      case 'van-day':
        return this.#vanDay(t, e.van);
      case 'van-phase':
        return this.#vanPhase(t, e.van, e.phase, e.edge);
      case 'gps':
        return this.#gps(t, e.van);
      case 'temp':
        return this.#temperature(t, e.van);
      case 'shock':
        return this.#shock(t, e.van);
      case 'storm':
        return this.#storm(t);
      case 'deferred':
        this.#out(e.output);
        return;
      case 'command':
        return this.#command(t, e.store, e.scale, e.command);
      case 'trace':
        return this.#traceStep(t, e.van, e.trace, e.fixes, e.point);
    }
  }

  #arrival(t: number, s: number): void {
    const store = this.#stores[s] as StoreState;
    const rng = this.#rng.arrivals;
    const lambdaMax = store.peakPerHour * this.#profileMax;
    // Thinning (Lewis & Shedler 1979): candidates at the peak rate, kept with probability λ(t)/λmax.
    this.#queue.schedule(t + rng.exponential(HOUR_MS / Math.max(lambdaMax, 1e-9)), { k: 'arrival', store: s });
    if (!rng.chance((store.peakPerHour * this.#profile(t)) / lambdaMax)) return;
    const b = this.#rng.baskets;
    const { shoppers } = this.scenario;
    const door = b.int(0, store.layout.doors.length - 1);
    store.doorIn[door] = (store.doorIn[door] ?? 0) + 1;
    this.#truth.record({ t, kind: 'crossing', site: store.id, door: store.layout.doors[door] ?? '', direction: 'in' });
    let customer: string | undefined;
    let wants: Array<{ sku: number; qty: number }>;
    if (this.#basketSource === undefined) {
      const loyal = store.customers.length > 0 && b.chance(shoppers.loyaltyShare) ? b.pick(store.customers) : undefined;
      customer = loyal?.id;
      const options = { meanItems: shoppers.meanItems, affinity: shoppers.affinity, favoriteShare: 0.6 };
      wants = chooseBasket(b, this.catalog, store.layout, options, loyal);
    } else {
      const real = this.#basketSource();
      customer = real.customer;
      wants = real.lines.filter((l) => store.layout.lanesBySku.has(l.sku)).map((l) => ({ ...l }));
    }
    store.basketNo += 1;
    const shopper: Shopper = {
      basket: `${store.id}-b${store.basketNo}`,
      register: store.layout.registers[b.int(0, store.layout.registers.length - 1)] ?? 'pos-1',
      exitDelayMs: 30_000 + b.int(0, 60_000),
      customer,
      door,
      wants,
      got: [],
    };
    const dwellMs = shoppers.dwellMinutes * 60_000 * Math.exp(b.normal(0, 0.35));
    wants.forEach((_, i) => {
      this.#queue.schedule(t + Math.round((dwellMs * (i + 1)) / (wants.length + 1)), {
        k: 'pick',
        store: s,
        shopper,
        line: i,
      });
    });
    this.#queue.schedule(t + Math.round(dwellMs), { k: 'checkout', store: s, shopper });
  }

  #pick(t: number, s: number, shopper: Shopper, line: number): void {
    const store = this.#stores[s] as StoreState;
    const want = shopper.wants[line];
    if (want === undefined) return;
    const sku = this.catalog.skus[want.sku];
    const lanes = store.layout.lanesBySku.get(want.sku) ?? [];
    // Take from the fullest lane holding the SKU.
    let best = -1;
    for (const l of lanes) if (best < 0 || (store.units[l] as number) > (store.units[best] as number)) best = l;
    const available = best < 0 ? 0 : (store.units[best] as number);
    const taken = Math.min(available, want.qty);
    if (taken < want.qty)
      this.#truth.record({ t, kind: 'lost-sale', site: store.id, sku: sku?.sku ?? '', units: want.qty - taken });
    if (taken === 0 || best < 0) return;
    store.units[best] = available - taken;
    shopper.got.push({ sku: want.sku, qty: taken });
    const lane = store.layout.lanes[best];
    if (lane === undefined) return;
    this.#truth.record({
      t,
      kind: 'pick',
      site: store.id,
      lane: lane.lane,
      sku: sku?.sku ?? '',
      units: taken,
      basket: shopper.basket,
    });
    // A hand on the shelf: the scale sees extra or missing weight until the transient ends.
    const transientMs = this.scenario.sensors.transientS * 1000;
    if (transientMs > 0) {
      store.handUntil[best] = t + transientMs;
      const r = store.laneRng[best] as Rng;
      store.handGrams[best] = r.chance(0.5) ? 300 + r.next() * 2000 : -(lane.unitGrams * taken);
      this.#reportLane(t, store, s, best);
    }
    const { restock } = this.scenario;
    if (
      restock.policy === 'builtin' &&
      !store.restockPending[best] &&
      (store.units[best] as number) <= restock.belowShare * lane.capacity
    ) {
      store.restockPending[best] = true;
      const delay = restock.delayMinutes * 60_000 * (0.5 + (store.laneRng[best] as Rng).next());
      this.#queue.schedule(t + Math.round(delay), { k: 'restock', store: s, lane: best, reason: 'builtin-policy' });
    }
  }

  #checkout(t: number, s: number, shopper: Shopper): void {
    const store = this.#stores[s] as StoreState;
    const register = shopper.register;
    if (shopper.got.length > 0) {
      const lines = shopper.got.map((g) => {
        const sku = this.catalog.skus[g.sku];
        return { sku: sku?.sku ?? '', qty: g.qty, unitPriceCents: sku?.priceCents ?? 0 };
      });
      const totalCents = lines.reduce((sum, l) => sum + l.qty * l.unitPriceCents, 0);
      const data =
        shopper.customer === undefined
          ? { basket: shopper.basket, register, lines, totalCents }
          : { basket: shopper.basket, register, customer: shopper.customer, lines, totalCents };
      this.#emitter.telemetry(t, store.id, register, 'pos.basket', data, 1);
      this.#truth.record({
        t,
        kind: 'basket',
        site: store.id,
        register,
        basket: shopper.basket,
        ...(shopper.customer === undefined ? {} : { customer: shopper.customer }),
        lines: lines.map((l) => ({ sku: l.sku, qty: l.qty })),
      });
    }
    this.#queue.schedule(t + shopper.exitDelayMs, { k: 'exit', store: s, door: shopper.door });
  }

  /** One lane's reading as the scale reports it: net grams with noise, drift and any hand on it. */
  #reading(t: number, store: StoreState, s: number, laneIndex: number): ShelfWeight {
    const lane = store.layout.lanes[laneIndex];
    if (lane === undefined) throw new Error(`lane ${laneIndex} missing`);
    const { sensors, faults } = this.scenario;
    const r = store.laneRng[laneIndex] as Rng;
    const scaleIndex = Math.floor(laneIndex / this.scenario.stores[s]!.lanesPerScale);
    const hours = (t - this.startMs) / HOUR_MS;
    let grams = (store.units[laneIndex] as number) * lane.unitGrams - (store.tareGrams[laneIndex] as number);
    grams += r.normal(0, sensors.scaleNoiseGrams);
    if (faults.noise.gramsSd > 0) grams += (store.laneNoiseRng[laneIndex] as Rng).normal(0, faults.noise.gramsSd);
    grams += (store.driftSign[scaleIndex] ?? 1) * faults.drift.gramsPerHour * hours;
    const disturbed = t < (store.handUntil[laneIndex] as number);
    if (disturbed) grams += store.handGrams[laneIndex] as number;
    return { lane: lane.lane, grams: Math.round(grams * 10) / 10, stable: !disturbed };
  }

  #reportLane(t: number, store: StoreState, s: number, laneIndex: number): void {
    const lane = store.layout.lanes[laneIndex];
    const scale = store.layout.scales.find((x) => x.device === lane?.scale);
    if (lane === undefined || scale === undefined) return;
    const data = this.#reading(t, store, s, laneIndex);
    if (scale.serial) {
      this.#emitter.serial(
        t,
        store.id,
        scale.device,
        encodeShelfWeight(scale.device, this.#emitter.nextSeq(store.id, scale.device), data),
      );
    } else {
      this.#emitter.telemetry(t, store.id, scale.device, 'shelf.weight', data);
    }
  }

  #scaleReport(t: number, s: number, scaleIndex: number): void {
    const store = this.#stores[s] as StoreState;
    const scale = store.layout.scales[scaleIndex];
    if (scale === undefined) return;
    for (const lane of scale.lanes) this.#reportLane(t, store, s, lane);
    this.#queue.schedule(t + this.scenario.sensors.scaleReportS * 1000, { k: 'scale', store: s, scale: scaleIndex });
  }

  #doorReport(t: number, s: number, door: number): void {
    const store = this.#stores[s] as StoreState;
    const intervalMs = this.scenario.sensors.doorReportS * 1000;
    this.#emitter.telemetry(t, store.id, store.layout.doors[door] ?? '', 'footfall.count', {
      door: store.layout.doors[door],
      in: store.doorIn[door] ?? 0,
      out: store.doorOut[door] ?? 0,
      intervalMs,
    });
    store.doorIn[door] = 0;
    store.doorOut[door] = 0;
    this.#queue.schedule(t + intervalMs, { k: 'door', store: s, door });
  }

  #refill(t: number, store: StoreState, laneIndex: number, units: number | undefined, reason: string): void {
    const lane = store.layout.lanes[laneIndex];
    if (lane === undefined) return;
    const before = store.units[laneIndex] as number;
    const after = Math.min(lane.capacity, units === undefined ? lane.capacity : before + units);
    if (after === before) return;
    store.units[laneIndex] = after;
    store.handUntil[laneIndex] = t + this.scenario.sensors.transientS * 1000;
    store.handGrams[laneIndex] = 500 + (store.laneRng[laneIndex] as Rng).next() * 3000;
    this.#truth.record({ t, kind: 'restock', site: store.id, lane: lane.lane, units: after - before, reason });
  }

  #schedulePhantom(t: number, s: number, lane: number): void {
    const perHour = this.scenario.faults.phantomLane.unitsPerHour;
    if (perHour <= 0) return;
    this.#queue.schedule(t + this.#rng.phantom.exponential(HOUR_MS / perHour), { k: 'phantom', store: s, lane });
  }

  #phantom(t: number, s: number, lane: number): void {
    const store = this.#stores[s] as StoreState;
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
            customer: c.id,
            favorites: c.favorites.map((i) => this.catalog.skus[i]?.sku ?? ''),
          });
        }
      }
    }
    this.#queue.schedule(t + DAY_MS, { k: 'drift' });
  }

  #vanDay(t: number, v: number): void {
    const van = this.#vans[v] as VanState;
    const { dc, stores } = this.scenario;
    const stops = van.scenario.route.map((id) => {
      const store = stores.find((s) => s.id === id);
      return { id, location: store?.location ?? dc.location };
    });
    van.plan = planVanDay(van.id, this.#rng.vans, {
      depot: { id: dc.id, location: dc.location },
      stops,
      startMs: t,
      speedKmh: van.scenario.speedKmh,
      serviceMinutes: van.scenario.serviceMinutes,
    });
    van.plan.phases.forEach((phase, i) => {
      if (phase.kind !== 'stop') return;
      this.#queue.schedule(phase.startMs, { k: 'van-phase', van: v, phase: i, edge: 'start' });
      this.#queue.schedule(phase.endMs, { k: 'van-phase', van: v, phase: i, edge: 'end' });
    });
    this.#queue.schedule(t + DAY_MS, { k: 'van-day', van: v });
  }

  #vanPhase(t: number, v: number, phaseIndex: number, edge: 'start' | 'end'): void {
    const van = this.#vans[v] as VanState;
    const phase = van.plan?.phases[phaseIndex];
    if (phase?.kind !== 'stop') return;
    this.#truth.record({ t, kind: edge === 'start' ? 'van-arrival' : 'van-departure', van: van.id, stop: phase.stop });
    if (edge === 'start') {
      // The delivery refills the store's lanes (its backroom is restocked).
      const store = this.#stores.find((s) => s.id === phase.stop);
      if (store !== undefined)
        store.layout.lanes.forEach((_, i) => this.#refill(t, store, i, undefined, `delivery:${van.id}`));
    }
  }

  #gps(t: number, v: number): void {
    const van = this.#vans[v] as VanState;
    const { dc, sensors } = this.scenario;
    const onRoute = van.plan !== undefined && t >= van.plan.startMs && t < van.plan.endMs;
    const state =
      van.plan === undefined
        ? vanStateAt({ van: van.id, phases: [], startMs: 0, endMs: 0 }, dc.location, t)
        : vanStateAt(van.plan, dc.location, t);
    this.#emitFix(t, van, state.position, state.speedMps, state.courseDeg, state.driving, state.stop);
    // 1 Hz on the road (or the configured rate), once a minute when parked.
    this.#queue.schedule(t + (onRoute ? sensors.gpsReportS * 1000 : 60_000), { k: 'gps', van: v });
  }

  #emitFix(
    t: number,
    van: VanState,
    position: LatLon,
    speedMps: number,
    courseDeg: number,
    driving: boolean,
    stop?: string,
  ): void {
    const fix: GpsFix = {
      lat: Math.round(position.lat * 1e7) / 1e7,
      lon: Math.round(position.lon * 1e7) / 1e7,
      speedMps: Math.round(speedMps * 100) / 100,
      courseDeg: Math.round(courseDeg * 10) / 10,
      sats: 9,
      hdop: 0.9,
      quality: 'gps',
      van: van.id,
    };
    this.#truth.record({
      t,
      kind: 'van',
      van: van.id,
      position,
      speedMps,
      state: driving ? 'driving' : 'stopped',
      ...(stop === undefined ? {} : { stop }),
    });
    if (van.scenario.gpsOverSerial) {
      const { ts } = this.#emitter.clock(van.id, 'gps', t);
      this.#emitter.serial(t, van.id, 'gps', encodeRmc(fix, ts) + encodeGga(fix, ts));
    } else {
      this.#emitter.telemetry(t, van.id, 'gps', 'gps.fix', fix);
    }
  }

  /**
   * Replays real delivery traces back to back as this van's movement: each trace is placed so it
   * starts where the last one ended (the first at the DC); on-foot runs are the van's stops.
   */
  #traceStep(t: number, v: number, traceIndex: number, fixes: readonly TraceFix[], point: number): void {
    const van = this.#vans[v] as VanState;
    const traces = this.#vanTraces.get(van.id) ?? [];
    const fix = fixes[point];
    if (fix !== undefined) {
      const previous = fixes[point - 1];
      const stopId = `t${traceIndex}-s${point}`;
      if (fix.mode === 'OnFoot' && previous?.mode !== 'OnFoot') {
        van.traceStop = stopId;
        this.#truth.record({ t, kind: 'van-arrival', van: van.id, stop: stopId });
      }
      if (fix.mode !== 'OnFoot' && van.traceStop !== undefined) {
        this.#truth.record({ t, kind: 'van-departure', van: van.id, stop: van.traceStop });
        van.traceStop = undefined;
      }
      const driving = fix.mode !== 'OnFoot';
      this.#emitFix(t, van, fix.position, driving ? fix.speedMps : 0, fix.courseDeg, driving, van.traceStop);
      van.lastPosition = fix.position;
      const next = fixes[point + 1];
      if (next !== undefined) {
        this.#queue.schedule(next.ts, { k: 'trace', van: v, trace: traceIndex, fixes, point: point + 1 });
        return;
      }
    }
    // Next trace, 5 s later, starting where this one ended.
    const nextIndex = (traceIndex + 1) % Math.max(1, traces.length);
    const trace = traces[nextIndex];
    const first = trace?.points[0];
    if (trace === undefined || first === undefined) return;
    const here = van.lastPosition ?? this.scenario.dc.location;
    const origin = offset(here, -first.xM, -first.yM);
    const start = t + 5000;
    this.#queue.schedule(start, {
      k: 'trace',
      van: v,
      trace: nextIndex,
      fixes: traceToLatLon(trace, origin, start),
      point: 0,
    });
  }

  #temperature(t: number, v: number): void {
    const van = this.#vans[v] as VanState;
    const state = van.plan === undefined ? undefined : vanStateAt(van.plan, this.scenario.dc.location, t);
    // Doors open at a stop: the cargo warms by a few degrees.
    const base = state?.stop === undefined ? 3.5 : 6.5;
    const celsius = Math.round((base + this.#rng.vans.normal(0, 0.4)) * 10) / 10;
    this.#emitter.telemetry(t, van.id, 'temp-1', 'temperature', { probe: 'cargo', celsius });
    this.#queue.schedule(t + this.scenario.sensors.tempReportS * 1000, { k: 'temp', van: v });
  }

  #shock(t: number, v: number): void {
    const van = this.#vans[v] as VanState;
    const driving = van.plan !== undefined && vanStateAt(van.plan, this.scenario.dc.location, t).driving;
    if (driving) {
      const hard = this.#rng.vans.chance(0.05);
      const peakG = Math.round((hard ? 6 + 4 * this.#rng.vans.next() : 1.2 + 2.3 * this.#rng.vans.next()) * 100) / 100;
      this.#emitter.telemetry(
        t,
        van.id,
        'shock-1',
        'shock',
        { peakG, axis: this.#rng.vans.pick(['x', 'y', 'z'] as const), durationMs: this.#rng.vans.int(5, 60) },
        1,
      );
    }
    this.#queue.schedule(t + this.#rng.vans.exponential(HOUR_MS / 3), { k: 'shock', van: v });
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
