import type { LatLon } from '@aisle/protocols';

/**
 * Ground truth: what really happened in the simulated world, so tests and evaluations can compare
 * the system's estimates (units per lane, door counts, van arrivals, sales) with reality.
 */
export type TruthEvent =
  | { t: number; kind: 'pick'; site: string; lane: string; sku: string; units: number; basket: string }
  /** `lane`: the SKU's lane the shopper reached for (its fullest), when the store stocks the SKU. */
  | { t: number; kind: 'lost-sale'; site: string; sku: string; units: number; lane?: string }
  /**
   * A shopper reaching for a SKU on the basket chosen at arrival, before taking stock (every want,
   * met or not). `lane`: the SKU's fullest lane, absent when the store has no lane for the SKU.
   * `payAt`: when the shopper pays at the register (known on arrival).
   */
  | { t: number; kind: 'want'; site: string; sku: string; units: number; payAt: number; lane?: string }
  | { t: number; kind: 'crossing'; site: string; door: string; direction: 'in' | 'out' }
  | {
      t: number;
      kind: 'basket';
      site: string;
      register: string;
      basket: string;
      customer?: string;
      lines: { sku: string; qty: number }[];
    }
  | { t: number; kind: 'restock'; site: string; lane: string; units: number; reason: string }
  | { t: number; kind: 'phantom'; site: string; lane: string; units: number }
  /**
   * `faults.emptyLane`: the lane's `units` were taken off the shelf (no sale) and nothing restocks
   * it before `untilMs` (absent: not before the run ends).
   */
  | { t: number; kind: 'empty-lane'; site: string; lane: string; sku: string; units: number; untilMs?: number }
  /** Shrink tried to take a unit from a phantom lane; a `phantom` event follows when the lane had one. */
  | { t: number; kind: 'shrink-attempt'; site: string; lane: string }
  | { t: number; kind: 'snapshot'; site: string; units: number[] }
  | {
      t: number;
      kind: 'van';
      van: string;
      position: LatLon;
      speedMps: number;
      state: 'driving' | 'stopped';
      stop?: string;
    }
  /** `job`: the delivery job of a route from the hub (then `stop` is the job too). */
  | { t: number; kind: 'van-arrival'; van: string; stop: string; job?: string }
  | { t: number; kind: 'van-departure'; van: string; stop: string; job?: string }
  /** A route from the hub taken on: the plan, its version and the jobs to drive, in order. */
  | { t: number; kind: 'van-route'; van: string; plan: string; version: number; jobs: string[] }
  /** `faults.vanDelay`: the van is held up (speed 0, GPS still reporting) before driving to the job. */
  | { t: number; kind: 'van-delay'; van: string; beforeStop: number; job: string; durationMs: number }
  /** A loyalty customer's planted favourite SKUs from `t` on (at the start, then after each drift); `site`: their store. */
  | { t: number; kind: 'preferences'; site: string; customer: string; favorites: string[] }
  | { t: number; kind: 'bundles'; bundles: string[][] }
  | { t: number; kind: 'clock'; site: string; device: string; skewMs: number; unsynced: boolean }
  | { t: number; kind: 'storm'; devices: string[]; durationMs: number }
  | { t: number; kind: 'fault'; fault: string; device: string; [detail: string]: unknown };

export interface TruthRecorder {
  record(event: TruthEvent): void;
}

/** Keeps nothing: for runs that need no ground truth. */
export const discardTruth: TruthRecorder = { record: () => {} };

/** Keeps everything in memory (tests). */
export class MemoryTruth implements TruthRecorder {
  readonly events: TruthEvent[] = [];

  record(event: TruthEvent): void {
    this.events.push(event);
  }

  of<K extends TruthEvent['kind']>(kind: K): Extract<TruthEvent, { kind: K }>[] {
    return this.events.filter((e): e is Extract<TruthEvent, { kind: K }> => e.kind === kind);
  }
}
