import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { applyEnvOverrides } from '@aisle/edge/config';
import { LatLon, Level, schemaProblems } from '@aisle/protocols';
import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';

/**
 * The hub's configuration: an optional YAML or JSON file plus environment overrides
 * `AISLE_HUB__<PATH>` (levels joined by `__`, e.g. `AISLE_HUB__HTTP__PORT=8080`), validated once at
 * start with every bad field listed. Every bound the hub keeps has its value here.
 */

const Port = Type.Integer({ minimum: 0, maximum: 65_535 });

/** A local time of day, `HH:MM` (`24:00`: the end of the day). */
const ShiftTime = Type.String({ pattern: '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$' });

/** A depot of routing's fleet registry (`routing.depots`, `PUT /api/routing/fleet/depots/{id}`). */
export const RoutingDepot = Type.Object({
  lat: LatLon.properties.lat,
  lon: LatLon.properties.lon,
  name: Type.Optional(Type.String()),
});

/** A van of routing's fleet registry (`routing.fleet[]`, `PUT /api/routing/fleet/vans/{vehicle}`). */
export const RoutingVan = Type.Object({
  /** The van's site id (a registry site of kind `van`): its routes' `vehicle` and its topics' site. */
  vehicle: Level,
  /** The van's edge gateway, which receives its route retained on `down/{vehicle}/{gateway}/replan`. */
  gateway: Level,
  /** Id in `routing.depots`: where the van loads and returns. */
  depot: Level,
  /** Per capacity dimension, in the order of `DeliveryJob.demand` (store orders: `[units]`). */
  capacity: Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1, maxItems: 8 }),
  /** Local working hours (`HH:MM`; an end at or before the start is on the next day; `24:00` is midnight). */
  shift: Type.Object({ start: ShiftTime, end: ShiftTime }),
  /** IANA time zone of the shift. */
  timeZone: Type.String({ minLength: 1, default: 'UTC' }),
  /** Cost of using the van at all, per plan (the currency of `costPerKm`). */
  fixedCost: Type.Number({ minimum: 0, default: 0 }),
  costPerKm: Type.Number({ minimum: 0, default: 1 }),
  costPerHour: Type.Number({ minimum: 0, default: 0 }),
});

const BootstrapGateway = Type.Object({
  site: Level,
  gateway: Level,
  /** `scrypt$N$r$p$salt$hash`: secrets are never stored in the clear. */
  passwordHash: Type.String({ pattern: '^scrypt\\$' }),
});

export const HubConfig = Type.Object({
  /** Where the embedded SQLite database lives. */
  dataDir: Type.String({ minLength: 1, default: './data/hub' }),
  http: Type.Object(
    {
      host: Type.String({ default: '127.0.0.1' }),
      port: Port,
      /**
       * Largest JSON request body (bytes) outside model uploads (`models.maxBundleBytes`): a POS
       * batch of 10,000 baskets or a planogram of 100,000 lanes is well under 32 MiB.
       */
      maxJsonBytes: Type.Integer({ minimum: 1024, maximum: 1024 ** 3, default: 32 * 1024 ** 2 }),
      /** The built dashboards served at `/` (default: the repository's dashboards/dist). */
      dashboardsDir: Type.Optional(Type.String({ minLength: 1 })),
    },
    { default: { port: 8080 } },
  ),
  broker: Type.Object(
    {
      host: Type.String({ default: '127.0.0.1' }),
      /** The embedded broker gateways connect to (MQTT over TCP). */
      port: Type.Integer({ minimum: 0, maximum: 65_535, default: 1884 }),
      /**
       * Use this broker instead of embedding one (Mosquitto, EMQX…): uplinks are consumed through
       * the shared subscription `$share/{group}/up/…`, so replicas split the load.
       */
      external: Type.Optional(
        Type.Object({
          url: Type.String({ pattern: '^(mqtts?|wss?|tcp)://' }),
          username: Type.Optional(Type.String()),
          password: Type.Optional(Type.String()),
          group: Type.String({ pattern: '^[a-z0-9-]{1,64}$', default: 'hub' }),
        }),
      ),
      /** The broker URL gateways are told to use (provisioning bundles); default: the listening address. */
      publicUrl: Type.Optional(Type.String({ pattern: '^(mqtts?|wss?|tcp)://' })),
      /** Largest uplink message accepted (a batch). */
      maxPayloadBytes: Type.Integer({ minimum: 1024, maximum: 268_435_455, default: 8 * 1024 * 1024 }),
    },
    { default: {} },
  ),
  storage: Type.Object(
    {
      /** Registry, users, audit, cursors, latest values, baskets: SQLite in `dataDir`, or PostgreSQL. */
      relational: Type.Object(
        {
          kind: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')], { default: 'sqlite' }),
          /** `postgres://user:password@host:port/database` (kind postgres). */
          url: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
          maxConnections: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
        },
        { default: {} },
      ),
      /** Every item: a table of the relational store, or InfluxDB 1.x. */
      series: Type.Object(
        {
          kind: Type.Union([Type.Literal('relational'), Type.Literal('influx')], { default: 'relational' }),
          /** `http://[user:password@]host:port` (kind influx). */
          url: Type.Optional(Type.String({ pattern: '^https?://' })),
          database: Type.String({ pattern: '^[a-z0-9_]{1,64}$', default: 'aisle' }),
          /** Points per write request. */
          batchSize: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 5000 }),
          /** Write requests in flight at once (a large write is split over them). */
          writeConcurrency: Type.Integer({ minimum: 1, maximum: 64, default: 4 }),
          /** How long raw items are kept (InfluxQL duration; `INF` forever). */
          rawRetention: Type.String({ pattern: '^(INF|[0-9]+[hdw])$', default: '30d' }),
          /** How long the hourly aggregates are kept. */
          hourlyRetention: Type.String({ pattern: '^(INF|[0-9]+[hdw])$', default: 'INF' }),
        },
        { default: {} },
      ),
    },
    { default: {} },
  ),
  ingest: Type.Object(
    {
      /** Item timestamps further than this in the future are clamped to the receive time and flagged. */
      maxFutureSkewMs: Type.Integer({ minimum: 0, default: 300_000 }),
      /** Disjoint ranges a gateway's cursor may hold above its contiguous prefix before it resyncs. */
      maxPendingRanges: Type.Integer({ minimum: 1, default: 10_000 }),
      /**
       * Group commit: batches waiting while the previous group was stored are stored together, up to
       * this many items (one series write, one latest upsert, one cursor transaction, one ack each).
       */
      groupMaxItems: Type.Integer({ minimum: 1, default: 20_000 }),
      /**
       * Groups in hand at once: the next group is built and its time series written while the
       * previous one still writes or commits (commits stay in order).
       */
      groupsInFlight: Type.Integer({ minimum: 1, maximum: 16, default: 2 }),
      /** Items received and not yet stored, at most; past it the broker stops reading (backpressure). */
      maxQueuedItems: Type.Integer({ minimum: 1, default: 100_000 }),
    },
    { default: {} },
  ),
  auth: Type.Object(
    {
      /** HMAC key of the JWTs (≥ 32 characters). Absent: a random key per start (tokens die with it). */
      jwtSecret: Type.Optional(Type.String({ minLength: 32 })),
      tokenTtlS: Type.Integer({ minimum: 60, maximum: 30 * 86_400, default: 8 * 3600 }),
      /** Created at start when no admin exists (e.g. `AISLE_HUB__AUTH__ADMIN__PASSWORD`). */
      admin: Type.Optional(
        Type.Object({
          username: Type.String({ pattern: '^[a-z0-9._-]{1,64}$', default: 'admin' }),
          password: Type.String({ minLength: 8 }),
        }),
      ),
      /** Logins (failed or not) per username per minute. */
      loginAttemptsPerMinute: Type.Integer({ minimum: 1, default: 10 }),
      /** Logins per client address per minute (higher: staff of a store may share one address). */
      loginAttemptsPerAddressPerMinute: Type.Integer({ minimum: 1, default: 100 }),
      /** REST requests per authenticated user per minute. */
      requestsPerMinute: Type.Integer({ minimum: 1, default: 1200 }),
    },
    { default: {} },
  ),
  realtime: Type.Object(
    {
      /** Deltas to each socket are sent at most this often; changes in between are merged. */
      flushMs: Type.Integer({ minimum: 1, maximum: 60_000, default: 100 }),
      /** A socket with more packets than this waiting to be written is slow: its deltas are coalesced. */
      maxBufferedPackets: Type.Integer({ minimum: 1, default: 50 }),
      /** Distinct keys waiting per socket; past it the oldest pending change is dropped (counted). */
      maxPendingPerClient: Type.Integer({ minimum: 1, default: 20_000 }),
      /** Lanes one subscription may be scoped to (the lanes on a screen); a longer list is refused. */
      maxScopedLanes: Type.Integer({ minimum: 1, default: 10_000 }),
      /** socket.io Redis adapter for several replicas (`REDIS_URL` sets it too). */
      redisUrl: Type.Optional(Type.String({ pattern: '^rediss?://' })),
    },
    { default: {} },
  ),
  models: Type.Object(
    {
      /** Largest bundle `POST /api/models` takes (the files' bytes; the JSON body may be 4/3 of it plus the manifest). */
      maxBundleBytes: Type.Integer({ minimum: 1024, maximum: 1024 * 1024 * 1024, default: 64 * 1024 * 1024 }),
      /**
       * The Ed25519 public keys (PEM, SPKI) bundles must be signed with, by key id (the manifest's
       * `signature.keyId`; `aisle-hub forecast train --key-id`). None: every bundle is refused.
       */
      trustedKeys: Type.Record(Type.String({ pattern: '^[\\x21-\\x7E]{1,128}$' }), Type.String({ minLength: 1 }), {
        default: {},
      }),
      /**
       * The hub's public base URL as gateways reach it (`https://hub.example`); offers point them at
       * `{publicBaseUrl}/api/model-files/`. Default: the HTTP listening address.
       */
      publicBaseUrl: Type.Optional(Type.String({ pattern: '^https?://[^?#]+$', maxLength: 1900 })),
      /**
       * Bundle directories (`aisle-hub forecast train --out DIR`: manifest.json + its files)
       * registered at start; one already registered is left as is, a refused one stops the start.
       */
      bundleDirs: Type.Array(Type.String({ minLength: 1 }), { default: [], maxItems: 1000 }),
      rollout: Type.Object(
        {
          /** How long every gateway of a stage runs the model, after adopting it, before the next stage. */
          soakMs: Type.Integer({ minimum: 0, default: 3_600_000 }),
          /** A gateway that has not adopted the model this long after its stage began fails the rollout. */
          stageTimeoutMs: Type.Integer({ minimum: 1, default: 6 * 3_600_000 }),
          /** Resolved forecast steps before the live error counts. */
          minLiveSteps: Type.Integer({ minimum: 1, default: 24 }),
          /** The model fails when its live MAE exceeds the baseline's by more than this share. */
          liveTolerance: Type.Number({ minimum: 0, default: 0.1 }),
          /** How often running rollouts are checked against the clock and the stored gateway states. */
          checkIntervalMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 5000 }),
        },
        { default: {} },
      ),
    },
    { default: {} },
  ),
  replenishment: Type.Object(
    {
      autoApprove: Type.Object(
        {
          /**
           * A store-order line is approved without a human when its quantity is at most this many
           * times the SKU's typical quantity at the site (the median of its last `history` delivered
           * lines); 0 sends every order to a human.
           */
          maxFactor: Type.Number({ minimum: 0, maximum: 1000, default: 1.5 }),
          /** How many of the SKU's latest delivered lines make its typical quantity. */
          history: Type.Integer({ minimum: 1, maximum: 1000, default: 8 }),
          /** Fewer delivered lines than this: no typical quantity yet, a human approves. */
          minHistory: Type.Integer({ minimum: 1, maximum: 1000, default: 3 }),
          /** An order of more units than this (all lines) always waits for a human. */
          maxOrderUnits: Type.Integer({ minimum: 0, default: 10_000 }),
        },
        { default: {} },
      ),
      delivery: Type.Object(
        {
          /** Where a store's orders are delivered, by site; an order for a site not listed is refused. */
          sites: Type.Record(Level, LatLon, { default: {} }),
          /** Unloading time of a store-order delivery job. */
          serviceMs: Type.Integer({ minimum: 0, maximum: 86_400_000, default: 900_000 }),
        },
        { default: {} },
      ),
      /** Most tasks or orders one list request returns (newest first past it). */
      maxListed: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }),
      /** The engine on live data (`planner.service.ts`): refill tasks and a daily store order per site. */
      planner: Type.Object(
        {
          /** Sites planned, with their IANA time zone (local days and hours); none: the planner is off. */
          sites: Type.Record(Level, Type.Object({ timeZone: Type.String({ minLength: 1, default: 'UTC' }) }), {
            default: {},
          }),
          /** How often refill tasks are planned (and whether the order review is due is checked). */
          refillEveryMs: Type.Integer({ minimum: 1000, maximum: 86_400_000, default: 300_000 }),
          /** A lane that may run empty within this gets a task… */
          refillHorizonMs: Type.Integer({ minimum: 0, maximum: 7 * 86_400_000, default: 7_200_000 }),
          /** …urgent within this. */
          refillUrgentMs: Type.Integer({ minimum: 0, maximum: 7 * 86_400_000, default: 1_800_000 }),
          /** A lane whose latest level is older than this is not planned (its scale is silent). */
          staleLevelMs: Type.Integer({ minimum: 1000, default: 900_000 }),
          phantom: Type.Object(
            {
              /** Local hour of the daily shelf-weight against POS check: one the store is closed in. */
              hour: Type.Integer({ minimum: 0, maximum: 23, default: 4 }),
              absoluteTolerance: Type.Number({ minimum: 0, default: 1 }),
              relativeTolerance: Type.Number({ minimum: 0, maximum: 1, default: 0.02 }),
              zeroSalesProbability: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.01 }),
              /** More baskets than this in 24 h: the check is skipped (logged), not run on part of them. */
              maxBaskets: Type.Integer({ minimum: 1, default: 200_000 }),
            },
            { default: {} },
          ),
          review: Type.Object(
            {
              /** Local hour (0–23) from which the day's store order is reviewed, once a day. */
              hour: Type.Integer({ minimum: 0, maximum: 23, default: 21 }),
              /** Local hour the delivery is due on its day (the order's needBy). */
              deliveryHour: Type.Integer({ minimum: 0, maximum: 23, default: 6 }),
              /** Days from the review to the delivery (1: the next morning). */
              leadTimeDays: Type.Integer({ minimum: 1, maximum: 365, default: 1 }),
              leadTimeSdDays: Type.Number({ minimum: 0, maximum: 365, default: 0 }),
              reviewDays: Type.Integer({ minimum: 1, maximum: 365, default: 1 }),
              /** Days of sales history the forecast is fitted to. */
              historyDays: Type.Integer({ minimum: 14, maximum: 730, default: 56 }),
              /** Days of one-step forecast errors σ is measured on. */
              errorWindowDays: Type.Integer({ minimum: 1, maximum: 365, default: 28 }),
              serviceLevels: Type.Object(
                {
                  A: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.98 }),
                  B: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.95 }),
                  C: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.9 }),
                },
                { default: {} },
              ),
              /** `cycle` or `fill` (see the engine's `OrderOptions.serviceMeasure`). */
              serviceMeasure: Type.Union([Type.Literal('cycle'), Type.Literal('fill')], { default: 'cycle' }),
              moq: Type.Integer({ minimum: 0, default: 0 }),
              /** Backroom room per SKU, as a multiple of its shelf capacity (the engine's capacity cap). */
              backroomLanes: Type.Number({ minimum: 0, maximum: 1000, default: 10 }),
            },
            { default: {} },
          ),
        },
        { default: {} },
      ),
    },
    { default: {} },
  ),
  /**
   * Route planning (`routing/`, issue #8): the depots and vans the hub plans the delivery jobs of
   * approved store orders and parcels over, the travel model, and the solver's budget.
   */
  routing: Type.Object(
    {
      /** Where vans load and return, by id (`[a-z0-9-]`). */
      depots: Type.Record(Level, RoutingDepot, { default: {} }),
      /** The vans planned; none: plans have no routes and every job is left unassigned. */
      fleet: Type.Array(RoutingVan, { default: [], maxItems: 1000 }),
      /** Average road speed of the straight-line travel model. */
      speedKmh: Type.Number({ exclusiveMinimum: 0, maximum: 300, default: 40 }),
      /** Road distance ÷ straight-line distance. */
      detourFactor: Type.Number({ minimum: 1, maximum: 10, default: 1.3 }),
      /**
       * Where travel times come from: `haversine` (straight line × detourFactor at speedKmh), or a
       * road-network server's table (`osrm`: `GET {url}/table/v1/{profile}/…`; `valhalla`: `POST
       * {url}/sources_to_targets`), asked in blocks of `maxLocationsPerRequest` points. Pairs the
       * network cannot join get the straight-line estimate (counted); with `fallback` a failing
       * server means a plan on the straight line (counted by reason), else the plan fails.
       */
      matrix: Type.Object(
        {
          kind: Type.Union([Type.Literal('haversine'), Type.Literal('osrm'), Type.Literal('valhalla')], {
            default: 'haversine',
          }),
          url: Type.Optional(Type.String({ pattern: '^https?://' })),
          /** OSRM profile (default `driving`) or Valhalla costing (default `auto`). */
          profile: Type.Optional(Type.String({ pattern: '^[a-z0-9_-]{1,32}$' })),
          timeoutMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000 }),
          maxLocationsPerRequest: Type.Integer({ minimum: 2, maximum: 10_000, default: 100 }),
          fallback: Type.Boolean({ default: true }),
        },
        { default: {} },
      ),
      /** Cost of leaving out a parcel of priority 1 (scaled by its priority) when it has no `dropPenalty`. */
      dropPenaltyPerPriority: Type.Number({ minimum: 0, default: 100 }),
      solve: Type.Object(
        {
          /** Wall-clock budget of one solve. */
          timeLimitMs: Type.Integer({ minimum: 10, maximum: 600_000, default: 2000 }),
          seed: Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1, default: 1 }),
          objective: Type.Union([Type.Literal('distance'), Type.Literal('vehicles-then-distance')], {
            default: 'distance',
          }),
          /** Solves waiting for the solver thread, at most; one more is refused (counted). */
          maxQueued: Type.Integer({ minimum: 0, maximum: 100, default: 4 }),
        },
        { default: {} },
      ),
      replan: Type.Object(
        {
          /** New or cancelled jobs within this are re-planned together, once. */
          debounceMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 5000 }),
          /**
           * Jobs are loaded at the depot (store orders, parcels from the DC): a van that has left
           * keeps the jobs it carries, in their order, and takes no new one (its capacity is its load
           * on board). `false` for vans that carry stock to sell or take work on the road: then only
           * the job under way is pinned and the rest may move between vans.
           */
          loadedAtDepot: Type.Boolean({ default: true }),
        },
        { default: {} },
      ),
      /** Most jobs one plan takes (oldest first); the rest are refused with `TOO_MANY_JOBS` (counted). */
      maxJobs: Type.Integer({ minimum: 1, maximum: 100_000, default: 2000 }),
      /** Live tracking (`routing/tracking/`): progress, ETAs and late-risk alerts from van telemetry. */
      tracking: Type.Object(
        {
          /** A stop projected later than its window's close by more than this is a late risk (alert). */
          lateRiskMs: Type.Integer({ minimum: 0, maximum: 86_400_000, default: 300_000 }),
          /** A stop whose job's windows are unknown closes at its planned arrival + this. */
          windowToleranceMs: Type.Integer({ minimum: 0, maximum: 86_400_000, default: 600_000 }),
          /** A van's route ETAs go to realtime at most once per this much of its readings' time (and on every arrival, departure or alert change). */
          pushEveryMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 5000 }),
          /** Re-plan (`replan('late-risk')`) when a late-risk alert is raised. */
          replanOnLateRisk: Type.Boolean({ default: false }),
          /** Fallback geofence on fixes (the van's gateway reports arrivals itself): arrived within… */
          arriveRadiusM: Type.Number({ exclusiveMinimum: 0, maximum: 10_000, default: 120 }),
          /** …departed beyond. */
          leaveRadiusM: Type.Number({ exclusiveMinimum: 0, maximum: 10_000, default: 180 }),
          /** The hour-of-day speed profile; its default is `speedKmh`. */
          speed: Type.Object(
            {
              /** A delivery-trace CSV (`trace,timestamp,x_m,y_m,mode`) learned at start, e.g. `gps/delivery_traces.csv`. */
              tracesFile: Type.Optional(Type.String({ minLength: 1 })),
              /** IANA zone of the hours of day. */
              timeZone: Type.String({ minLength: 1, default: 'UTC' }),
              /** Driving samples an hour needs for a figure of its own (else the overall figure). */
              minSamplesPerHour: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 30 }),
              /** Kept per hour, newest (24 × this overall): the profile's memory bound. */
              maxSamplesPerHour: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 2000 }),
              /** Share trimmed at each end before averaging (GPS jumps). */
              trimShare: Type.Number({ minimum: 0, maximum: 0.5, default: 0.01 }),
            },
            { default: {} },
          ),
        },
        { default: {} },
      ),
    },
    { default: {} },
  ),
  /**
   * Recommendation (`recommendation/`, issue #9): a model trained from the POS baskets of every
   * site, served per customer and site with live-stock and business-rule filters.
   */
  recommendation: Type.Object(
    {
      /** Train again this often from the baskets of the last `windowDays` (0: only at start and on request). */
      retrainEveryMs: Type.Integer({ minimum: 0, maximum: 30 * 86_400_000, default: 3_600_000 }),
      windowDays: Type.Number({ exclusiveMinimum: 0, maximum: 3650, default: 90 }),
      /** Most baskets one training reads, newest first (the rest are counted and left out). */
      maxBaskets: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 500_000 }),
      /** Baskets per read (and per message to the model thread): bounds each pause of the main thread. */
      readPageBaskets: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 5000 }),
      model: Type.Object(
        {
          /** `ease`: EASE on the `maxItems` most bought items (O(maxItems³) to train); `none`: popularity and repeat only. */
          collaborative: Type.Union([Type.Literal('ease'), Type.Literal('none')], { default: 'ease' }),
          lambda: Type.Number({ exclusiveMinimum: 0, maximum: 1e6, default: 200 }),
          maxItems: Type.Integer({ minimum: 0, maximum: 5000, default: 1000 }),
          /** The hybrid's blend (`engine/hybrid.ts`): each part scaled to [0, 1] per customer. */
          weights: Type.Object(
            {
              // Defaults: the blend --tune chose on Dunnhumby (docs/recommendation/README.md).
              collaborative: Type.Number({ minimum: 0, maximum: 100, default: 0.1 }),
              popularity: Type.Number({ minimum: 0, maximum: 100, default: 1 }),
              repeat: Type.Number({ minimum: 0, maximum: 100, default: 1 }),
              /** The customer's categories (`PlanogramSku.category`): places items nobody bought yet. */
              content: Type.Number({ minimum: 0, maximum: 100, default: 1 }),
            },
            { default: {} },
          ),
          repeatHalfLifeDays: Type.Number({ exclusiveMinimum: 0, maximum: 3650, default: 30 }),
          popularityHalfLifeDays: Type.Number({ exclusiveMinimum: 0, maximum: 3650, default: 30 }),
        },
        { default: {} },
      ),
      together: Type.Object(
        {
          /** Baskets a pair needs in common before its lift counts. */
          minSupport: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 2 }),
          /** Partners kept per item (bought together and explanations). */
          maxPartners: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
        },
        { default: {} },
      ),
      serve: Type.Object(
        {
          defaultN: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
          maxN: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
          /** `discover`: a customer's past purchases are left out unless the request asks `mode=buy-again`. */
          mode: Type.Union([Type.Literal('discover'), Type.Literal('buy-again')], { default: 'discover' }),
        },
        { default: {} },
      ),
      rules: Type.Object(
        {
          /** SKU categories (`PlanogramSku.category`) never recommended (alcohol, tobacco, pharmacy…). */
          excludeCategories: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { default: [], maxItems: 1000 }),
        },
        { default: {} },
      ),
      insights: Type.Object(
        {
          n: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
          minSupport: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 3 }),
          minLift: Type.Number({ minimum: 0, maximum: 1e6, default: 1.5 }),
        },
        { default: {} },
      ),
    },
    { default: {} },
  ),
  fleet: Type.Object(
    {
      /** The Fleet view's ingest-rate chart: stored items counted per interval, the last `buckets` intervals kept. */
      ingestRate: Type.Object(
        {
          intervalMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 10_000 }),
          buckets: Type.Integer({ minimum: 1, maximum: 100_000, default: 360 }),
        },
        { default: {} },
      ),
    },
    { default: {} },
  ),
  /** Store alert acknowledgements (`alerts/`): who saw which alert, shared by the site's screens. */
  alerts: Type.Object(
    {
      /** Acknowledgements kept per site; past it the oldest are pruned (counted). */
      maxAcksPerSite: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 5000 }),
    },
    { default: {} },
  ),
  /** Foot-traffic history (`GET /api/sites/{site}/footfall`): entries per door per UTC hour. */
  footfall: Type.Object(
    {
      /** The range served when the query names none: the last this many hours. */
      defaultRangeHours: Type.Integer({ minimum: 1, maximum: 8784, default: 48 }),
      /** Longest range one query may ask for (longer: `FOOTFALL_RANGE_TOO_LONG`). */
      maxRangeHours: Type.Integer({ minimum: 1, maximum: 8784, default: 744 }),
    },
    { default: {} },
  ),
  /** Gateways created at start when absent (the demo; provisioning creates the rest). */
  gateways: Type.Array(BootstrapGateway, { default: [] }),
  log: Type.Object({ level: Type.String({ default: 'info' }) }, { default: {} }),
});
export type HubConfig = Static<typeof HubConfig>;

const check = TypeCompiler.Compile(HubConfig);

export class HubConfigError extends Error {
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[]) {
    super(`invalid hub config ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'HubConfigError';
    this.problems = problems;
  }
}

/** Validates a parsed config after env overrides; lists every bad `path: problem (got value)`. */
export function parseHubConfig(value: unknown, source = 'config', env: NodeJS.ProcessEnv = {}): HubConfig {
  const raw = (typeof value === 'object' && value !== null ? structuredClone(value) : {}) as Record<string, unknown>;
  if (env.REDIS_URL !== undefined && env.REDIS_URL !== '') {
    const realtime = (raw.realtime ?? {}) as Record<string, unknown>;
    raw.realtime = { ...realtime, redisUrl: env.REDIS_URL };
  }
  applyEnvOverrides(raw, env, 'AISLE_HUB__');
  const filled = Value.Default(HubConfig, raw);
  const problems = schemaProblems(check, filled);
  const config = filled as HubConfig;
  if (problems.length === 0) {
    const { relational, series } = config.storage;
    if (relational.kind === 'postgres' && relational.url === undefined)
      problems.push('/storage/relational/url: required when kind is postgres');
    if (series.kind === 'influx' && series.url === undefined)
      problems.push('/storage/series/url: required when kind is influx');
    for (const [keyId, pem] of Object.entries(config.models.trustedKeys)) {
      if (!isEd25519PublicKey(pem)) problems.push(`/models/trustedKeys/${keyId}: not an Ed25519 public key in PEM`);
    }
    for (const [i, van] of config.routing.fleet.entries()) {
      if (config.routing.depots[van.depot] === undefined)
        problems.push(`/routing/fleet/${i}/depot: "${van.depot}" is not in routing.depots`);
      if (!isTimeZone(van.timeZone)) problems.push(`/routing/fleet/${i}/timeZone: unknown time zone "${van.timeZone}"`);
      const dimensions = config.routing.fleet[0]?.capacity.length;
      if (van.capacity.length !== dimensions)
        problems.push(
          `/routing/fleet/${i}/capacity: ${van.capacity.length} dimensions, the first van has ${dimensions}`,
        );
    }
    const vans = new Set<string>();
    const { tracking } = config.routing;
    if (!isTimeZone(tracking.speed.timeZone))
      problems.push(`/routing/tracking/speed/timeZone: unknown time zone "${tracking.speed.timeZone}"`);
    if (tracking.leaveRadiusM < tracking.arriveRadiusM)
      problems.push('/routing/tracking/leaveRadiusM: must be at least arriveRadiusM');
    if (config.routing.matrix.kind !== 'haversine' && config.routing.matrix.url === undefined)
      problems.push(`/routing/matrix/url: required when kind is ${config.routing.matrix.kind}`);
    for (const van of config.routing.fleet) {
      if (vans.has(van.vehicle)) problems.push(`/routing/fleet: vehicle "${van.vehicle}" is listed twice`);
      vans.add(van.vehicle);
    }
    const seen = new Set<string>();
    for (const g of config.gateways) {
      if (seen.has(g.gateway)) problems.push(`/gateways: gateway "${g.gateway}" is listed twice`);
      seen.add(g.gateway);
    }
  }
  if (problems.length > 0) throw new HubConfigError(source, problems);
  return config;
}

export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

function isEd25519PublicKey(pem: string): boolean {
  try {
    return createPublicKey(pem).asymmetricKeyType === 'ed25519';
  } catch {
    return false;
  }
}

/** Reads the file (YAML or JSON) when given, else only the environment. */
export function loadHubConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): HubConfig {
  if (path === undefined) return parseHubConfig({}, 'environment', env);
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new HubConfigError(path, [`not readable YAML or JSON: ${(error as Error).message}`]);
  }
  return parseHubConfig(parsed, path, env);
}
