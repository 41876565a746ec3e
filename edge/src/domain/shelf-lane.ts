import type { ShelfEvent, ShelfLevel } from '@aisle/protocols';

/**
 * One shelf lane as the gateway understands it: a load cell's grams turned into whole units of
 * the lane's SKU, with a stability window so a hand on the shelf is never a sale.
 *
 * A reading counts only when the scale calls it stable; the lane's level changes only when
 * `settleReadings` consecutive stable readings agree on the same whole number of units (a new
 * level must survive a second look). A stable weight that sits between whole units by more than
 * `misplacedFraction` of a unit is not this SKU: it is reported once as misplaced and does not move
 * the level.
 */

export interface LaneConfig {
  readonly lane: string;
  /** The shelf scale that weighs the lane. */
  readonly device?: string;
  readonly sku: string;
  readonly unitGrams: number;
  readonly capacity: number;
  /** Grams the scale reads for this lane when it is empty (set by tare). */
  readonly zeroGrams?: number;
  /** Calibration gain: true grams = (reading − zero) × gain. */
  readonly gain?: number;
}

export interface LaneOptions {
  /** Consecutive stable readings that must agree before the level moves. */
  readonly settleReadings: number;
  /** A stable weight further than this fraction of a unit from a whole unit is misplaced stock. */
  readonly misplacedFraction: number;
}

export const DEFAULT_LANE_OPTIONS: LaneOptions = { settleReadings: 2, misplacedFraction: 0.35 };

export type LaneUpdate =
  | { readonly kind: 'level'; readonly level: ShelfLevel }
  | { readonly kind: 'event'; readonly event: ShelfEvent };

export class ShelfLaneState {
  readonly config: LaneConfig;
  readonly #options: LaneOptions;
  /** Settled units, undefined until the first settled reading. */
  #units: number | undefined;
  #grams = 0;
  #candidate: number | undefined;
  #agreeing = 0;
  #misplacedReported = false;
  #zeroGrams: number;

  constructor(config: LaneConfig, options: LaneOptions = DEFAULT_LANE_OPTIONS) {
    if (!(config.unitGrams > 0)) throw new RangeError(`lane ${config.lane}: unitGrams must be > 0`);
    this.config = config;
    this.#options = options;
    this.#zeroGrams = config.zeroGrams ?? 0;
  }

  /**
   * The scale zeroed itself with the lane holding `units` (a tare command was done): from now on
   * it reads the load above that, so the lane's zero moves down by those units' weight.
   */
  tared(units: number): void {
    this.#zeroGrams = -units * this.config.unitGrams;
    this.#candidate = undefined;
    this.#agreeing = 0;
  }

  get units(): number | undefined {
    return this.#units;
  }

  /** Feeds one reading; returns what changed (a new level, pick/put/misplaced events). */
  reading(grams: number, stable: boolean): LaneUpdate[] {
    if (!stable) {
      // A hand on the shelf: forget any half-agreed candidate; the next look starts over.
      this.#agreeing = 0;
      this.#candidate = undefined;
      return [];
    }
    const { unitGrams, capacity } = this.config;
    const net = (grams - this.#zeroGrams) * (this.config.gain ?? 1);
    const exact = net / unitGrams;
    const whole = Math.round(exact);
    const updates: LaneUpdate[] = [];
    if (Math.abs(exact - whole) > this.#options.misplacedFraction || whole < 0 || whole > capacity * 2) {
      this.#agreeing = 0;
      this.#candidate = undefined;
      if (!this.#misplacedReported) {
        this.#misplacedReported = true;
        updates.push({
          kind: 'event',
          event: { lane: this.config.lane, sku: this.config.sku, event: 'misplaced', units: 0, grams: round1(net) },
        });
      }
      return updates;
    }
    this.#misplacedReported = false;
    if (whole === this.#candidate) this.#agreeing += 1;
    else {
      this.#candidate = whole;
      this.#agreeing = 1;
    }
    if (this.#agreeing < this.#options.settleReadings || whole === this.#units) {
      if (whole === this.#units) this.#grams = net;
      return updates;
    }
    const before = this.#units;
    this.#units = whole;
    this.#grams = net;
    if (before !== undefined) {
      const delta = whole - before;
      updates.push({
        kind: 'event',
        event: {
          lane: this.config.lane,
          sku: this.config.sku,
          event: delta < 0 ? 'pick' : 'put',
          units: Math.abs(delta),
          grams: round1(Math.abs(delta) * unitGrams),
        },
      });
    }
    updates.push({
      kind: 'level',
      level: {
        lane: this.config.lane,
        sku: this.config.sku,
        units: Math.min(whole, capacity),
        grams: round1(this.#grams),
        capacity,
      },
    });
    return updates;
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
