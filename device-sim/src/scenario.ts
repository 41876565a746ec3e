import { readFileSync } from 'node:fs';
import { LatLon, Level, schemaProblems } from '@aisle/protocols';
import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { laneIds } from './world/layout.js';

/**
 * A scenario: the world to simulate and the faults to inject, in YAML, validated once at load.
 * Every field has a default except the stores, so a scenario says only what differs.
 */

const Rate = Type.Number({ minimum: 0, maximum: 1 });
const Positive = Type.Number({ exclusiveMinimum: 0 });

const Store = Type.Object({
  id: Level,
  location: LatLon,
  lanes: Type.Integer({ minimum: 1, maximum: 5000, default: 200 }),
  lanesPerScale: Type.Integer({ minimum: 1, maximum: 32, default: 8 }),
  aisles: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  doors: Type.Integer({ minimum: 1, maximum: 16, default: 2 }),
  registers: Type.Integer({ minimum: 1, maximum: 64, default: 4 }),
  /** Mean shoppers per hour at the busiest hour of the busiest day. */
  peakShoppersPerHour: Type.Number({ minimum: 0, maximum: 100_000, default: 150 }),
  /** Scales wired over serial lines (RS-485 to the gateway) rather than MQTT. */
  serialScales: Type.Integer({ minimum: 0, maximum: 1000, default: 0 }),
  /**
   * Shelf space by sales, as a planogram sets it: each lane gets the facings (6 kg deep each, 4–24
   * units) that hold `shelfDays` of the SKU's expected sales and at least one case, up to
   * `maxFacings`. Expected sales come from the scenario's shoppers, seasonality and the SKU's share
   * of stocked popularity. Absent: 1–4 facings at random, about 12 kg a lane (the original layout).
   */
  planogram: Type.Optional(
    Type.Object({
      shelfDays: Type.Number({ exclusiveMinimum: 0, maximum: 60, default: 2 }),
      maxFacings: Type.Integer({ minimum: 1, maximum: 64, default: 32 }),
    }),
  ),
});

const Van = Type.Object({
  id: Level,
  speedKmh: Type.Number({ minimum: 5, maximum: 130, default: 40 }),
  /** Stops to visit, by site id (stores); the van starts and ends at the DC. */
  route: Type.Array(Level, { default: [] }),
  serviceMinutes: Type.Number({ minimum: 0, maximum: 240, default: 15 }),
  departAtHour: Type.Number({ minimum: 0, maximum: 23.99, default: 6 }),
  gpsOverSerial: Type.Boolean({ default: true }),
});

const Faults = Type.Object(
  {
    /** Extra Gaussian noise on weights (grams, standard deviation), on top of the sensor's own. */
    noise: Type.Object({ gramsSd: Type.Number({ minimum: 0, default: 0 }) }, { default: {} }),
    /** Slow zero drift of shelf scales, grams per hour (a random sign per scale). */
    drift: Type.Object({ gramsPerHour: Type.Number({ minimum: 0, default: 0 }) }, { default: {} }),
    /** Share of device messages lost before they reach the broker. */
    dropout: Type.Object({ rate: Type.Number({ minimum: 0, maximum: 1, default: 0 }) }, { default: {} }),
    /** Share of device messages sent twice. */
    duplicate: Type.Object({ rate: Type.Number({ minimum: 0, maximum: 1, default: 0 }) }, { default: {} }),
    /** Share of device messages delayed by up to `maxDelayS`, so they arrive after later ones. */
    reorder: Type.Object(
      {
        rate: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
        maxDelayS: Type.Number({ minimum: 0, default: 30 }),
      },
      { default: {} },
    ),
    /** Share of devices whose clock is off by up to ±`maxSkewS` (constant per device). */
    clockSkew: Type.Object(
      {
        share: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
        maxSkewS: Type.Number({ minimum: 0, default: 120 }),
      },
      { default: {} },
    ),
    /** Share of devices whose clock was never set (they count from 2000-01-01 at boot, tq unsynced). */
    unsyncedClock: Type.Object({ share: Type.Number({ minimum: 0, maximum: 1, default: 0 }) }, { default: {} }),
    /** Share of serial frames preceded by 1–16 garbage bytes. */
    serialGarbage: Type.Object({ rate: Type.Number({ minimum: 0, maximum: 1, default: 0 }) }, { default: {} }),
    /** Every `everyMinutes`, `share` of MQTT devices drop off abruptly (their LWT fires) for `durationS`. */
    disconnectStorm: Type.Object(
      {
        everyMinutes: Type.Number({ minimum: 0, default: 0 }),
        share: Type.Number({ minimum: 0, maximum: 1, default: 0.2 }),
        durationS: Type.Number({ minimum: 0, default: 30 }),
      },
      { default: {} },
    ),
    /**
     * Lanes where stock disappears without a sale (theft, damage): `lanes` per store, `unitsPerHour`
     * each. `onsetWithinHours`: each lane's shrink starts at a uniform time within this many hours
     * of the start (then the usual random gap); 0 starts them all at once.
     */
    phantomLane: Type.Object(
      {
        lanes: Type.Integer({ minimum: 0, default: 0 }),
        unitsPerHour: Type.Number({ minimum: 0, default: 1 }),
        onsetWithinHours: Type.Number({ minimum: 0, default: 0 }),
      },
      { default: {} },
    ),
    /**
     * Vans held up (stuck in traffic: stationary, GPS still reporting speed 0) for `minutes` before
     * driving to stop `beforeStop` (1-based, in the order of the route the hub sent them). Each
     * entry holds its van once, on the first route that has that stop.
     */
    vanDelay: Type.Array(
      Type.Object({
        van: Level,
        beforeStop: Type.Integer({ minimum: 1, maximum: 1000 }),
        minutes: Type.Number({ exclusiveMinimum: 0, maximum: 1440 }),
      }),
      { default: [], maxItems: 1000 },
    ),
    /**
     * A lane emptied (stock pulled, recalled, sold out to one order) `afterMinutes` into the run:
     * its units go to 0 and nothing restocks it (the built-in policy, deliveries, `World.refill()`)
     * for `hours`, absent: the rest of the run. `lane` names one lane; `sku` instead empties every
     * lane of that SKU in the store (one of the two). Shoppers who want it become lost sales.
     */
    emptyLane: Type.Array(
      Type.Object({
        site: Level,
        lane: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        sku: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        afterMinutes: Type.Number({ minimum: 0, maximum: 1_000_000, default: 0 }),
        hours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100_000 })),
      }),
      { default: [], maxItems: 1000 },
    ),
  },
  { default: {} },
);

export const Scenario = Type.Object({
  name: Level,
  seed: Type.Integer({ minimum: 0, maximum: 4_294_967_295, default: 1 }),
  /** Simulated start time (ISO 8601 with offset). */
  start: Type.String({ default: '2026-01-05T06:00:00+11:00' }),
  /** Local time offset of the stores, hours from UTC (seasonality follows local time). */
  utcOffsetHours: Type.Number({ minimum: -12, maximum: 14, default: 11 }),
  catalog: Type.Object(
    {
      skus: Type.Integer({ minimum: 1, maximum: 100_000, default: 400 }),
      /** Planted "bought together" groups of 2–4 SKUs: ground truth for recommendation. */
      bundles: Type.Integer({ minimum: 0, maximum: 10_000, default: 30 }),
    },
    { default: {} },
  ),
  seasonality: Type.Object(
    {
      /** Relative arrival rate by local hour 0–23. */
      daily: Type.Array(Type.Number({ minimum: 0 }), {
        minItems: 24,
        maxItems: 24,
        default: [
          0, 0, 0, 0, 0, 0, 0.1, 0.3, 0.5, 0.6, 0.7, 0.85, 1, 0.9, 0.75, 0.7, 0.8, 0.95, 1, 0.85, 0.6, 0.4, 0.2, 0,
        ],
      }),
      /** Relative arrival rate by weekday, Monday first. */
      weekly: Type.Array(Type.Number({ minimum: 0 }), {
        minItems: 7,
        maxItems: 7,
        default: [0.8, 0.75, 0.8, 0.85, 1, 1, 0.7],
      }),
    },
    { default: {} },
  ),
  shoppers: Type.Object(
    {
      meanItems: Type.Number({ minimum: 1, maximum: 100, default: 6 }),
      /** Probability that the next item follows an affinity of one already in the basket. */
      affinity: Rate,
      dwellMinutes: Type.Number({ minimum: 1, maximum: 240, default: 18 }),
      /** Share of shoppers who are returning loyalty-card customers. */
      loyaltyShare: Rate,
      loyaltyCustomers: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 400 }),
      /** Daily drift of a loyalty customer's preferences (0: fixed forever). */
      preferenceDrift: Type.Number({ minimum: 0, maximum: 1, default: 0.02 }),
    },
    { default: { affinity: 0.45, loyaltyShare: 0.35 } },
  ),
  sensors: Type.Object(
    {
      scaleReportS: Positive,
      scaleNoiseGrams: Type.Number({ minimum: 0, default: 1.5 }),
      /** How long a hand on the shelf disturbs a reading (seconds). */
      transientS: Type.Number({ minimum: 0, default: 3 }),
      doorReportS: Positive,
      gpsReportS: Positive,
      tempReportS: Positive,
    },
    { default: { scaleReportS: 10, doorReportS: 60, gpsReportS: 1, tempReportS: 30 } },
  ),
  restock: Type.Object(
    {
      /** Built-in policy: refill a lane below this share (after `delayMinutes`, ±50 %). */
      belowShare: Rate,
      delayMinutes: Type.Number({ minimum: 0, default: 20 }),
      /**
       * `builtin`: refill by the policy above, and a van's delivery refills every lane of the store;
       * `tasks`: lanes are refilled only through `World.refill()` (the hub's done refill tasks with
       * `aisle-sim run --hub`, see staff/hub-tasks.ts), a van's arrival moves no stock. `--hub`
       * works under `builtin` too: both refill through the same rule, never past capacity.
       */
      policy: Type.Union([Type.Literal('builtin'), Type.Literal('tasks')], { default: 'builtin' }),
    },
    { default: { belowShare: 0.25 } },
  ),
  stores: Type.Array(Store, { minItems: 1, maxItems: 1000 }),
  dc: Type.Object({ id: Level, location: LatLon }),
  vans: Type.Array(Van, { default: [], maxItems: 1000 }),
  replay: Type.Object(
    {
      /** Drive arrivals from the Melbourne pedestrian counts (path relative to the scenario file). */
      footfall: Type.Optional(
        Type.Object({ file: Type.String(), sensor: Type.Optional(Type.String()), scale: Positive }),
      ),
      /** Shoppers buy the dunnhumby households' real baskets; the catalogue becomes their top products. */
      baskets: Type.Optional(Type.Object({ transactions: Type.String(), products: Type.String() })),
      /** These vans replay the delivery GPS traces back to back instead of driving planned routes. */
      gps: Type.Optional(Type.Object({ file: Type.String(), vans: Type.Array(Level, { minItems: 1 }) })),
    },
    { default: {} },
  ),
  faults: Faults,
});
export type Scenario = Static<typeof Scenario>;

const check = TypeCompiler.Compile(Scenario);

export class ScenarioError extends Error {
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[]) {
    super(`invalid scenario ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ScenarioError';
    this.problems = problems;
  }
}

/** Validates a parsed scenario; every bad field is listed as `path: problem (got value)`. */
export function parseScenario(value: unknown, source = 'scenario'): Scenario {
  const filled = Value.Default(Scenario, Value.Clone(value));
  const problems = schemaProblems(check, filled);
  if (problems.length > 0) throw new ScenarioError(source, problems);
  const scenario = filled as Scenario;
  const ids = [...scenario.stores.map((s) => s.id), scenario.dc.id, ...scenario.vans.map((v) => v.id)];
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) problems.push(`site id "${id}" is used twice (stores, dc and vans share one namespace)`);
    seen.add(id);
  }
  for (const [i, van] of scenario.vans.entries()) {
    for (const stop of van.route) {
      if (!scenario.stores.some((s) => s.id === stop)) problems.push(`/vans/${i}/route: "${stop}" is not a store`);
    }
  }
  for (const [i, delay] of scenario.faults.vanDelay.entries()) {
    if (!scenario.vans.some((v) => v.id === delay.van))
      problems.push(`/faults/vanDelay/${i}/van: "${delay.van}" is not a van`);
    else if (scenario.replay.gps?.vans.includes(delay.van) === true)
      problems.push(`/faults/vanDelay/${i}/van: "${delay.van}" replays GPS traces and drives no routes`);
  }
  for (const [i, empty] of scenario.faults.emptyLane.entries()) {
    const at = `/faults/emptyLane/${i}`;
    const store = scenario.stores.find((s) => s.id === empty.site);
    if (store === undefined) problems.push(`${at}/site: "${empty.site}" is not a store`);
    if ((empty.lane === undefined) === (empty.sku === undefined))
      problems.push(`${at}: give one of lane or sku (got ${empty.lane === undefined ? 'neither' : 'both'})`);
    else if (store !== undefined && empty.lane !== undefined && !laneIds(store).includes(empty.lane)) {
      const ids = laneIds(store);
      problems.push(
        `${at}/lane: "${empty.lane}" is not a lane of ${store.id} (its lanes are ${ids[0]} … ${ids[ids.length - 1]})`,
      );
    }
    // Whether the store stocks `sku` depends on the catalogue: the world checks it (see World).
  }
  if (Number.isNaN(Date.parse(scenario.start))) problems.push(`/start: not a date-time (got ${scenario.start})`);
  if (problems.length > 0) throw new ScenarioError(source, problems);
  return scenario;
}

export function loadScenario(path: string): Scenario {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ScenarioError(path, [`not readable YAML: ${(error as Error).message}`]);
  }
  return parseScenario(parsed, path);
}
