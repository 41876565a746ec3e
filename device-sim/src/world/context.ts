import type { Command, RouteCommand } from '@aisle/protocols';
import type { DeviceOutput } from '../outputs/output.js';
import type { TraceFix } from '../replay/gps-traces.js';
import type { Rng } from '../rng.js';
import type { Scenario } from '../scenario.js';
import type { DeviceEmitter } from './emitter.js';
import type { StoreLayout } from './layout.js';
import type { LoyaltyCustomer } from './shoppers.js';
import type { TruthRecorder } from './truth.js';

/** What the world's parts (stores, vans) share: the agenda, the devices' voice, the truth. */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export type WorldEvent =
  | { k: 'arrival'; store: number }
  | { k: 'pick'; store: number; shopper: Shopper; line: number }
  | { k: 'checkout'; store: number; shopper: Shopper }
  | { k: 'exit'; store: number; door: number }
  | { k: 'scale'; store: number; scale: number }
  | { k: 'door'; store: number; door: number }
  | { k: 'restock'; store: number; lane: number; reason: string }
  | { k: 'phantom'; store: number; lane: number }
  /** `faults.emptyLane`: the lanes go to 0 units, held empty until `untilMs` (Infinity: the run). */
  | { k: 'empty-lane'; store: number; lanes: readonly number[]; untilMs: number }
  | { k: 'empty-lane-end'; store: number; lanes: readonly number[] }
  | { k: 'snapshot' }
  | { k: 'drift' }
  | { k: 'van-day'; van: number }
  /** `plan`: the van's plan generation when scheduled; a phase of a replaced plan is ignored. */
  | { k: 'van-phase'; van: number; phase: number; edge: 'start' | 'end'; plan: number }
  /** `chain`: the van's GPS reporting chain when scheduled; a superseded chain stops. */
  | { k: 'gps'; van: number; chain: number }
  | { k: 'route'; van: number; command: RouteCommand }
  | { k: 'temp'; van: number }
  | { k: 'shock'; van: number }
  | { k: 'storm' }
  | { k: 'deferred'; output: DeviceOutput }
  | { k: 'command'; store: number; scale: number; command: Command }
  | { k: 'trace'; van: number; trace: number; fixes: readonly TraceFix[]; point: number };

export interface Shopper {
  readonly basket: string;
  /** Drawn on arrival, so what happens in the store (a lost sale) never shifts other draws. */
  readonly register: string;
  readonly exitDelayMs: number;
  /** When the shopper pays (the checkout is scheduled on arrival). */
  readonly payAt: number;
  /** Loyalty-card id, when the shopper uses one. */
  readonly customer: string | undefined;
  readonly door: number;
  readonly wants: Array<{ sku: number; qty: number }>;
  readonly got: Array<{ sku: number; qty: number }>;
}

export interface WorldContext {
  readonly scenario: Scenario;
  readonly startMs: number;
  readonly emitter: DeviceEmitter;
  readonly truth: TruthRecorder;
  schedule(at: number, event: WorldEvent): void;
  /** A van unloads at a store: its lanes are refilled (under the built-in restock policy). */
  deliver(t: number, site: string, van: string): void;
}

/** A store's changing state: true stock, hands on shelves, door counters, its customers. */
export interface StoreState {
  readonly id: string;
  readonly layout: StoreLayout;
  readonly units: number[];
  /** Until when a hand disturbs each lane's reading, and by how many grams. */
  readonly handUntil: number[];
  readonly handGrams: number[];
  /** Load zeroed by the last tare command, per lane (the scale reports gross minus this). */
  readonly tareGrams: number[];
  readonly restockPending: boolean[];
  /** Until when nothing may restock each lane (`faults.emptyLane`); 0: no hold. */
  readonly restockHeldUntil: number[];
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
