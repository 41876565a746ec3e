import type { Rng } from '../rng.js';
import type { Catalog } from './catalog.js';
import { HOUR_MS, type Shopper, type StoreState, type WorldContext } from './context.js';
import type { ReplayedBasket } from './replayed-baskets.js';
import { chooseBasket } from './shoppers.js';
import type { StoreDevices } from './store-devices.js';

/**
 * Shoppers: arrivals by a non-homogeneous Poisson process (thinning, Lewis & Shedler 1979) shaped
 * by the arrival profile; a basket chosen (or replayed) on arrival; picks spread over the visit,
 * each taking stock from the fullest lane of the SKU and putting a hand on the shelf; payment at a
 * register; the built-in restock rule after each pick.
 */
export class Shopping {
  readonly #ctx: WorldContext;
  readonly #stores: readonly StoreState[];
  readonly #catalog: Catalog;
  readonly #devices: StoreDevices;
  readonly #rng: { readonly arrivals: Rng; readonly baskets: Rng };
  readonly #profile: (tMs: number) => number;
  readonly #profileMax: number;
  readonly #basketSource: (() => ReplayedBasket) | undefined;

  constructor(options: {
    ctx: WorldContext;
    stores: readonly StoreState[];
    catalog: Catalog;
    devices: StoreDevices;
    rng: { readonly arrivals: Rng; readonly baskets: Rng };
    profile: (tMs: number) => number;
    profileMax: number;
    basketSource: (() => ReplayedBasket) | undefined;
  }) {
    this.#ctx = options.ctx;
    this.#stores = options.stores;
    this.#catalog = options.catalog;
    this.#devices = options.devices;
    this.#rng = options.rng;
    this.#profile = options.profile;
    this.#profileMax = options.profileMax;
    this.#basketSource = options.basketSource;
  }

  arrival(t: number, s: number): void {
    const store = this.#stores[s] as StoreState;
    const rng = this.#rng.arrivals;
    const lambdaMax = store.peakPerHour * this.#profileMax;
    // Thinning (Lewis & Shedler 1979): candidates at the peak rate, kept with probability λ(t)/λmax.
    this.#ctx.schedule(t + rng.exponential(HOUR_MS / Math.max(lambdaMax, 1e-9)), { k: 'arrival', store: s });
    if (!rng.chance((store.peakPerHour * this.#profile(t)) / lambdaMax)) return;
    const b = this.#rng.baskets;
    const { shoppers } = this.#ctx.scenario;
    const door = b.int(0, store.layout.doors.length - 1);
    store.doorIn[door] = (store.doorIn[door] ?? 0) + 1;
    this.#ctx.truth.record({
      t,
      kind: 'crossing',
      site: store.id,
      door: store.layout.doors[door] ?? '',
      direction: 'in',
    });
    let customer: string | undefined;
    let wants: Array<{ sku: number; qty: number }>;
    if (this.#basketSource === undefined) {
      const loyal = store.customers.length > 0 && b.chance(shoppers.loyaltyShare) ? b.pick(store.customers) : undefined;
      customer = loyal?.id;
      const options = { meanItems: shoppers.meanItems, affinity: shoppers.affinity, favoriteShare: 0.6 };
      wants = chooseBasket(b, this.#catalog, store.layout, options, loyal);
    } else {
      const real = this.#basketSource();
      customer = real.customer;
      wants = real.lines.filter((l) => store.layout.lanesBySku.has(l.sku)).map((l) => ({ ...l }));
    }
    store.basketNo += 1;
    // Drawn in this order (register, exit delay, dwell) so every seed keeps its stream.
    const register = store.layout.registers[b.int(0, store.layout.registers.length - 1)] ?? 'pos-1';
    const exitDelayMs = 30_000 + b.int(0, 60_000);
    const dwellMs = shoppers.dwellMinutes * 60_000 * Math.exp(b.normal(0, 0.35));
    const shopper: Shopper = {
      basket: `${store.id}-b${store.basketNo}`,
      register,
      exitDelayMs,
      payAt: t + Math.round(dwellMs),
      customer,
      door,
      wants,
      got: [],
    };
    wants.forEach((_, i) => {
      this.#ctx.schedule(t + Math.round((dwellMs * (i + 1)) / (wants.length + 1)), {
        k: 'pick',
        store: s,
        shopper,
        line: i,
      });
    });
    this.#ctx.schedule(shopper.payAt, { k: 'checkout', store: s, shopper });
  }

  pick(t: number, s: number, shopper: Shopper, line: number): void {
    const store = this.#stores[s] as StoreState;
    const want = shopper.wants[line];
    if (want === undefined) return;
    const sku = this.#catalog.skus[want.sku];
    const lanes = store.layout.lanesBySku.get(want.sku) ?? [];
    // Take from the fullest lane holding the SKU.
    let best = -1;
    for (const l of lanes) if (best < 0 || (store.units[l] as number) > (store.units[best] as number)) best = l;
    const available = best < 0 ? 0 : (store.units[best] as number);
    const taken = Math.min(available, want.qty);
    const reached = best < 0 ? undefined : store.layout.lanes[best]?.lane;
    this.#ctx.truth.record({
      t,
      kind: 'want',
      site: store.id,
      sku: sku?.sku ?? '',
      units: want.qty,
      payAt: shopper.payAt,
      ...(reached === undefined ? {} : { lane: reached }),
    });
    if (taken < want.qty)
      this.#ctx.truth.record({
        t,
        kind: 'lost-sale',
        site: store.id,
        sku: sku?.sku ?? '',
        units: want.qty - taken,
        ...(reached === undefined ? {} : { lane: reached }),
      });
    if (taken === 0 || best < 0) return;
    store.units[best] = available - taken;
    shopper.got.push({ sku: want.sku, qty: taken });
    const lane = store.layout.lanes[best];
    if (lane === undefined) return;
    this.#ctx.truth.record({
      t,
      kind: 'pick',
      site: store.id,
      lane: lane.lane,
      sku: sku?.sku ?? '',
      units: taken,
      basket: shopper.basket,
    });
    // A hand on the shelf: the scale sees extra or missing weight until the transient ends.
    const transientMs = this.#ctx.scenario.sensors.transientS * 1000;
    if (transientMs > 0) {
      store.handUntil[best] = t + transientMs;
      const r = store.laneRng[best] as Rng;
      store.handGrams[best] = r.chance(0.5) ? 300 + r.next() * 2000 : -(lane.unitGrams * taken);
      this.#devices.reportLane(t, store, s, best);
    }
    const { restock } = this.#ctx.scenario;
    if (
      restock.policy === 'builtin' &&
      !store.restockPending[best] &&
      (store.units[best] as number) <= restock.belowShare * lane.capacity
    ) {
      store.restockPending[best] = true;
      const delay = restock.delayMinutes * 60_000 * (0.5 + (store.laneRng[best] as Rng).next());
      this.#ctx.schedule(t + Math.round(delay), { k: 'restock', store: s, lane: best, reason: 'builtin-policy' });
    }
  }

  checkout(t: number, s: number, shopper: Shopper): void {
    const store = this.#stores[s] as StoreState;
    const register = shopper.register;
    if (shopper.got.length > 0) {
      const lines = shopper.got.map((g) => {
        const sku = this.#catalog.skus[g.sku];
        return { sku: sku?.sku ?? '', qty: g.qty, unitPriceCents: sku?.priceCents ?? 0 };
      });
      const totalCents = lines.reduce((sum, l) => sum + l.qty * l.unitPriceCents, 0);
      const data =
        shopper.customer === undefined
          ? { basket: shopper.basket, register, lines, totalCents }
          : { basket: shopper.basket, register, customer: shopper.customer, lines, totalCents };
      this.#ctx.emitter.telemetry(t, store.id, register, 'pos.basket', data, 1);
      this.#ctx.truth.record({
        t,
        kind: 'basket',
        site: store.id,
        register,
        basket: shopper.basket,
        ...(shopper.customer === undefined ? {} : { customer: shopper.customer }),
        lines: lines.map((l) => ({ sku: l.sku, qty: l.qty })),
      });
    }
    this.#ctx.schedule(t + shopper.exitDelayMs, { k: 'exit', store: s, door: shopper.door });
  }
}
