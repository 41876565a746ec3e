import { readFileSync } from 'node:fs';
import { DeviceKind, Level, literals, OVERFLOW_POLICIES, schemaProblems } from '@aisle/protocols';
import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';

/**
 * The gateway's configuration: one YAML or JSON file, validated once at start (every bad field is
 * listed), with environment overrides `AISLE_EDGE__<PATH>` where the path's levels are joined by
 * `__` (e.g. `AISLE_EDGE__UPLINK__URL=mqtt://hub:1883`, `AISLE_EDGE__HTTP__PORT=9100`). Every bound
 * the gateway keeps has its value here.
 */

const Port = Type.Integer({ minimum: 0, maximum: 65_535 });
const Positive = Type.Integer({ minimum: 1 });

const Device = Type.Object({
  device: Level,
  kind: DeviceKind,
  username: Type.String({ minLength: 1, maxLength: 200 }),
  /** `scrypt$N$r$p$salt$hash`: secrets are never stored in the clear. */
  passwordHash: Type.String({ pattern: '^scrypt\\$' }),
});

const SerialPortConfig = Type.Object({
  path: Type.String({ minLength: 1 }),
  /** `aisw`: aisle shelf scales; `nmea`: a GPS module (RMC/GGA). */
  protocol: Type.Union([Type.Literal('aisw'), Type.Literal('nmea')]),
  /** The device the line belongs to (for NMEA, the van's GPS module). */
  device: Level,
  baudRate: Type.Integer({ minimum: 300, maximum: 4_000_000, default: 115_200 }),
  reconnectMs: Type.Integer({ minimum: 10, maximum: 600_000, default: 1000 }),
  maxFrameBytes: Type.Integer({ minimum: 16, maximum: 4096, default: 192 }),
});

const Lane = Type.Object({
  lane: Level,
  device: Level,
  sku: Type.String({ minLength: 1, maxLength: 64 }),
  unitGrams: Type.Number({ exclusiveMinimum: 0 }),
  capacity: Positive,
});

export const EdgeConfig = Type.Object({
  site: Level,
  gateway: Level,
  /** Where the outbox database and the gateway's state live. */
  dataDir: Type.String({ minLength: 1, default: './data' }),
  broker: Type.Object(
    {
      host: Type.String({ default: '0.0.0.0' }),
      port: Type.Integer({ minimum: 0, maximum: 65_535, default: 1883 }),
      wsPort: Type.Optional(Port),
      tls: Type.Optional(Type.Object({ port: Port, certFile: Type.String(), keyFile: Type.String() })),
      maxPayloadBytes: Type.Integer({ minimum: 64, maximum: 268_435_455, default: 65_536 }),
      publishesPerSecond: Type.Number({ exclusiveMinimum: 0, default: 50 }),
      publishBurst: Type.Integer({ minimum: 1, default: 200 }),
      /** Consume device topics from this broker instead of embedding one (e.g. Mosquitto). */
      external: Type.Optional(
        Type.Object({
          url: Type.String({ pattern: '^(mqtts?|wss?|tcp)://' }),
          username: Type.Optional(Type.String()),
          password: Type.Optional(Type.String()),
        }),
      ),
    },
    { default: {} },
  ),
  devices: Type.Array(Device, { default: [] }),
  /**
   * A van's gateway (the site is the van): it tracks the van from `gpsDevice`'s fixes (driving or
   * stopped, arrival at and departure from the stops of its route by geofence) and forwards the
   * route the hub plans (`down/{site}/{gateway}/replan`) to that device as a retained
   * `cmd/{site}/{gpsDevice}/route`.
   */
  van: Type.Optional(
    Type.Object({
      /** The driver terminal / GPS unit: its fixes are tracked, the route goes to it. */
      gpsDevice: Level,
      arriveRadiusM: Type.Number({ exclusiveMinimum: 0, maximum: 10_000, default: 120 }),
      /** Greater than `arriveRadiusM`, so GPS jitter at the fence does not flap. */
      leaveRadiusM: Type.Number({ exclusiveMinimum: 0, maximum: 20_000, default: 180 }),
      stoppedBelowMps: Type.Number({ minimum: 0, maximum: 50, default: 1 }),
      stoppedAfterMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 20_000 }),
    }),
  ),
  serial: Type.Array(SerialPortConfig, { default: [] }),
  lanes: Type.Array(Lane, { default: [] }),
  uplink: Type.Object(
    {
      url: Type.Optional(Type.String({ pattern: '^(mqtts?|wss?|tcp)://' })),
      username: Type.Optional(Type.String()),
      password: Type.Optional(Type.String()),
      batchMaxItems: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }),
      batchMaxBytes: Type.Integer({ minimum: 1024, maximum: 256 * 1024 * 1024, default: 512 * 1024 }),
      flushIntervalMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 500 }),
      histItemsPerSecond: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 2000 }),
      /** Backlog batches sent and not yet acked by the hub, at most: keeps a drain off the heap. */
      histWindowBatches: Type.Integer({ minimum: 1, maximum: 1000, default: 4 }),
      /** Resend from the hub's cursor when it has not moved for this long while data waits. */
      ackTimeoutMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 10_000 }),
      /** Watchdog: reconnect when nothing at all was heard from the hub for this long while data waits. */
      stallTimeoutMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 30_000 }),
      /** MQTT keepalive; a silent network is noticed after 1.5 × this. */
      keepaliveSec: Type.Integer({ minimum: 1, maximum: 65_535, default: 30 }),
      connectTimeoutMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000 }),
      reconnectMs: Type.Integer({ minimum: 10, maximum: 600_000, default: 1000 }),
      /** On shutdown, how long the hub gets to acknowledge the offline state before the gateway leaves. */
      goodbyeTimeoutMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 2000 }),
    },
    { default: {} },
  ),
  outbox: Type.Object(
    {
      maxBytes: Type.Integer({ minimum: 1024 * 1024, default: 1024 * 1024 * 1024 }),
      maxAgeMs: Type.Integer({ minimum: 60_000, default: 7 * 86_400_000 }),
      /** How often rows older than maxAgeMs are dropped when no append does it. */
      pruneEveryMs: Type.Integer({ minimum: 1000, default: 60_000 }),
      defaultPolicy: literals(OVERFLOW_POLICIES, { default: 'drop-oldest' }),
      /** Per stream (item type) overflow policy, e.g. `{ alert: reject-new }`. */
      policies: Type.Record(Type.String(), literals(OVERFLOW_POLICIES), { default: {} }),
    },
    { default: {} },
  ),
  rules: Type.Object(
    {
      lowStockFraction: Type.Number({ minimum: 0, maximum: 1, default: 0.2 }),
      deviceLostAfterMs: Type.Integer({ minimum: 1000, default: 300_000 }),
      coldChain: Type.Object(
        {
          minCelsius: Type.Number({ default: 0 }),
          maxCelsius: Type.Number({ default: 5 }),
          graceMs: Type.Integer({ minimum: 0, default: 600_000 }),
        },
        { default: {} },
      ),
      shockG: Type.Number({ exclusiveMinimum: 0, default: 5 }),
      /** Device timestamps further than this in the future are clamped to the receive time and flagged. */
      maxFutureSkewMs: Type.Integer({ minimum: 0, default: 300_000 }),
      /** `empty-soon` is raised when a lane's forecast empties it within this long. */
      emptySoonMs: Type.Integer({ minimum: 0, default: 4 * 3_600_000 }),
    },
    { default: {} },
  ),
  forecasting: Type.Object(
    {
      enabled: Type.Boolean({ default: true }),
      /** tfjs backend; by default the fastest present: tfjs-node, else wasm, else cpu. */
      backend: Type.Optional(literals(['tensorflow', 'wasm', 'cpu'])),
      /** The hub keys model manifests must be signed with: PEM text or a file holding it. */
      trustedKeys: Type.Array(
        Type.Object({
          keyId: Type.String({ minLength: 1, maxLength: 128 }),
          publicKeyPem: Type.Optional(Type.String()),
          publicKeyFile: Type.Optional(Type.String()),
        }),
        { default: [] },
      ),
      /** IANA zone of the site: forecast steps are local hours and days. */
      timeZone: Type.String({ default: 'UTC', maxLength: 64 }),
      /** How often every lane and door is forecast (one batch per task). */
      everyMs: Type.Integer({ minimum: 1000, default: 3_600_000 }),
      /** Steps forecast by the baseline when no model runs (the model's own horizon otherwise). */
      baselineHorizon: Type.Integer({ minimum: 1, maximum: 1000, default: 24 }),
      /** Local hours of history kept per series. */
      historyHours: Type.Integer({ minimum: 48, maximum: 100_000, default: 24 * 7 * 6 }),
      /** A bundle larger than this is refused before anything is fetched. */
      maxBundleBytes: Type.Integer({ minimum: 1024, default: 64 * 1024 * 1024 }),
      fetchTimeoutMs: Type.Integer({ minimum: 100, default: 30_000 }),
      fetchRetries: Type.Integer({ minimum: 0, maximum: 20, default: 3 }),
      retryDelayMs: Type.Integer({ minimum: 0, default: 1000 }),
      /** An offer whose files could not be fetched is tried again after this long. */
      offerRetryMs: Type.Integer({ minimum: 100, default: 60_000 }),
      /** Largest self-test difference accepted, as a share of the golden outputs' range. */
      goldenTolerance: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 1e-3 }),
    },
    { default: {} },
  ),
  http: Type.Object(
    { host: Type.String({ default: '127.0.0.1' }), port: Type.Integer({ minimum: 0, maximum: 65_535, default: 9100 }) },
    { default: {} },
  ),
  log: Type.Object({ level: Type.String({ default: 'info' }) }, { default: {} }),
});
export type EdgeConfig = Static<typeof EdgeConfig>;

const check = TypeCompiler.Compile(EdgeConfig);

export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[]) {
    super(`invalid gateway config ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const ENV_PREFIX = 'AISLE_EDGE__';

/**
 * `{PREFIX}A__B_C=v` sets `a.bC` (camelCase per level); values are parsed as JSON when they can be.
 * Shared by the gateway (`AISLE_EDGE__`) and the hub (`AISLE_HUB__`).
 */
export function applyEnvOverrides(target: Record<string, unknown>, env: NodeJS.ProcessEnv, prefix: string): void {
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(prefix) || raw === undefined) continue;
    const path = name
      .slice(prefix.length)
      .split('__')
      .map((level) => level.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()));
    let node: Record<string, unknown> = target;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (typeof next !== 'object' || next === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // A plain string.
    }
    node[path.at(-1) as string] = value;
  }
}

/** Validates a parsed config (after env overrides); lists every bad `path: problem (got value)`. */
export function parseConfig(value: unknown, source = 'config', env: NodeJS.ProcessEnv = {}): EdgeConfig {
  const raw = (typeof value === 'object' && value !== null ? structuredClone(value) : {}) as Record<string, unknown>;
  applyEnvOverrides(raw, env, ENV_PREFIX);
  const filled = Value.Default(EdgeConfig, raw);
  const problems = schemaProblems(check, filled);
  if (problems.length > 0) throw new ConfigError(source, problems);
  const config = filled as EdgeConfig;
  const seen = new Set<string>();
  for (const d of config.devices) {
    if (seen.has(d.device)) problems.push(`/devices: device "${d.device}" is listed twice`);
    seen.add(d.device);
  }
  const lanes = new Set<string>();
  for (const l of config.lanes) {
    if (lanes.has(l.lane)) problems.push(`/lanes: lane "${l.lane}" is listed twice`);
    lanes.add(l.lane);
  }
  if (config.van !== undefined && config.van.leaveRadiusM <= config.van.arriveRadiusM)
    problems.push(
      `/van/leaveRadiusM: must be greater than arriveRadiusM (got ${config.van.leaveRadiusM} ≤ ${config.van.arriveRadiusM})`,
    );
  if (problems.length > 0) throw new ConfigError(source, problems);
  return config;
}

export function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): EdgeConfig {
  let parsed: unknown;
  try {
    // YAML is a superset of JSON: one parser reads both.
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(path, [`not readable YAML or JSON: ${(error as Error).message}`]);
  }
  return parseConfig(parsed, path, env);
}
