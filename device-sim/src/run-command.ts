import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isValidLevel } from '@aisle/protocols';
import { JsonLinesFile } from './outputs/jsonl-sink.js';
import { MqttFleet } from './outputs/mqtt-fleet.js';
import type { DeviceOutput } from './outputs/output.js';
import { SerialLineSink } from './outputs/serial-sink.js';
import { loadBaskets } from './replay/baskets.js';
import { loadFootfall } from './replay/footfall.js';
import { loadGpsTraces } from './replay/gps-traces.js';
import { rngFor } from './rng.js';
import { type RunProgress, runWorld } from './runner.js';
import { loadScenario, parseScenario, type Scenario } from './scenario.js';
import { HubTaskFollower } from './staff/hub-tasks.js';
import { StaffRefills } from './staff/staff-refills.js';
import { footfallArrivalProfile } from './world/arrival-profile.js';
import { replayedBaskets } from './world/replayed-baskets.js';
import { discardTruth, type TruthRecorder } from './world/truth.js';
import { World, type WorldOptions } from './world/world.js';

/** `aisle-sim run`: a scenario's world wired to a broker, pty pairs and files. */

/** The world options a scenario's `replay` section asks for; paths are relative to the scenario file. */
export async function replayOptions(scenario: Scenario, baseDir: string, truth: TruthRecorder): Promise<WorldOptions> {
  const { footfall, baskets, gps } = scenario.replay;
  let options: WorldOptions = { truth };
  if (footfall !== undefined) {
    const sensor = footfall.sensor === undefined ? {} : { sensor: footfall.sensor };
    const series = (await loadFootfall(resolve(baseDir, footfall.file), sensor)).series[0];
    if (series === undefined) throw new Error(`no footfall series in ${footfall.file}`);
    const { profile, max } = footfallArrivalProfile(series, footfall.scale, scenario.utcOffsetHours);
    options = { ...options, arrivalProfile: profile, arrivalProfileMax: max };
  }
  if (baskets !== undefined) {
    const load = await loadBaskets(resolve(baseDir, baskets.transactions), resolve(baseDir, baskets.products));
    const { catalog, next } = replayedBaskets(load, rngFor(scenario.seed, 'replay:baskets'), scenario.catalog.skus);
    options = { ...options, catalog, basketSource: next };
  }
  if (gps !== undefined) {
    const { traces } = await loadGpsTraces(resolve(baseDir, gps.file));
    options = { ...options, vanTraces: new Map(gps.vans.map((van) => [van, traces])) };
  }
  return options;
}

/** Which scenario, which seed, and whether its serial devices move to MQTT. */
export interface WorldSource {
  readonly scenarioPath: string;
  readonly seed?: number;
  /** Every device on MQTT: no serial scales, no GPS over serial (for machines without socat). */
  readonly mqttOnly?: boolean;
  /** Overrides the scenario's `start` (ISO 8601): e.g. now, so simulated time runs with the hub's. */
  readonly start?: string;
  /** Added to the scenario's `faults.vanDelay`. */
  readonly vanDelays?: readonly Scenario['faults']['vanDelay'][number][];
  /** Added to the scenario's `faults.emptyLane`. */
  readonly emptyLanes?: readonly EmptyLane[];
}

type EmptyLane = Scenario['faults']['emptyLane'][number];

/** A lane id as the layout names lanes (`a01-s0-p00`); anything else in `--empty-lane` is a SKU. */
const LANE_ID = /^a\d{2,}-s\d+-p\d{2,}$/;

/**
 * The `--empty-lane SITE:LANE_OR_SKU[:AFTER_MINUTES[:HOURS]]` values (after 0 minutes, held for the
 * rest of the run by default). Whether the site, lane or SKU exist is checked with the scenario.
 */
export function parseEmptyLaneArgs(values: readonly string[]): {
  readonly emptyLanes: readonly EmptyLane[];
  readonly problems: readonly string[];
} {
  const problems: string[] = [];
  const emptyLanes = values.flatMap((text): EmptyLane[] => {
    const m = /^([a-z0-9-]{1,64}):([^:\s]{1,64})(?::(\d+(?:\.\d+)?))?(?::(\d+(?:\.\d+)?))?$/.exec(text);
    const hours = m?.[4] === undefined ? undefined : Number(m[4]);
    if (m === null || hours === 0) {
      problems.push(
        `empty-lane=${text} (SITE:LANE_OR_SKU[:AFTER_MINUTES[:HOURS]], e.g. store-a:a01-s0-p00:30 or store-b:SKU-00012)`,
      );
      return [];
    }
    const target = m[2] as string;
    return [
      {
        site: m[1] as string,
        ...(LANE_ID.test(target) ? { lane: target } : { sku: target }),
        afterMinutes: m[3] === undefined ? 0 : Number(m[3]),
        ...(hours === undefined ? {} : { hours }),
      },
    ];
  });
  return { emptyLanes, problems };
}

export interface RunCommandOptions extends WorldSource {
  readonly durationMs: number;
  readonly speed: number | 'max';
  /** The broker of every site not in `siteBrokers`. */
  readonly brokerUrl?: string;
  /** The broker of a site's devices (its gateway's). Sites with no broker here or in `brokerUrl` are not connected. */
  readonly siteBrokers?: ReadonlyMap<string, string>;
  readonly serialDir?: string;
  readonly outPath?: string;
  readonly truthPath?: string;
  readonly progress: boolean;
  /**
   * The hub whose staff tasks the simulated staff follow (`--hub`): a done refill task puts its
   * units on the lane. A user that may read the stores' tasks (staff of those stores, or admin).
   */
  readonly hub?: { readonly url: string; readonly username: string; readonly password: string };
  /** Where the staff's notes go (connected, lost, a task applied or ignored); default stderr with `progress`. */
  readonly log?: (line: string) => void;
}

/** A serial line id for a pty file name: `site/line` → `site--line` (both are topic levels). */
export function ptyLineId(line: string): string {
  return line.replace('/', '--');
}

/** Where the gateway opens a serial line `--serial-dir DIR` creates: `DIR/<site>--<device>-host`. */
export function ptyHostPath(serialDir: string, line: string): string {
  return resolve(serialDir, `${ptyLineId(line)}-host`);
}

export interface BrokerArgs {
  readonly brokerUrl?: string;
  readonly siteBrokers: ReadonlyMap<string, string>;
  /** Every bad value, as `broker=value (why)`. */
  readonly problems: readonly string[];
}

const BROKER_URL = /^(mqtt|tcp):\/\/[^/\s]+/;

/**
 * The `--broker` values: `URL` for every site, `SITE=URL` for one site's devices (each site's
 * gateway). A site's own broker wins over the plain one.
 */
export function parseBrokerArgs(values: readonly string[]): BrokerArgs {
  const problems: string[] = [];
  const siteBrokers = new Map<string, string>();
  let brokerUrl: string | undefined;
  for (const value of values) {
    // A URL has `:` before any `=`; a site id has neither.
    const mapped = /^([^=:/]+)=(.*)$/.exec(value);
    const site = mapped?.[1];
    const url = mapped === null ? value : (mapped[2] ?? '');
    if (!BROKER_URL.test(url)) problems.push(`broker=${value} (URL is mqtt://host:port)`);
    else if (site !== undefined && !isValidLevel(site))
      problems.push(`broker=${value} (site "${site}" is not a site id)`);
    else if (site !== undefined && siteBrokers.has(site)) problems.push(`broker=${value} (site ${site} given twice)`);
    else if (site === undefined && brokerUrl !== undefined) problems.push(`broker=${value} (one URL for all sites)`);
    else if (site === undefined) brokerUrl = url;
    else siteBrokers.set(site, url);
  }
  return { ...(brokerUrl === undefined ? {} : { brokerUrl }), siteBrokers, problems };
}

/**
 * `--hub URL --hub-user USER` with the password from `--hub-password-file FILE` (its first line)
 * or `AISLE_SIM_HUB_PASSWORD` (`envPassword`): never on the command line, where `ps` shows it.
 * Undefined without `--hub`; problems go to `bad`.
 */
export function parseHubArgs(
  values: { hub?: string | undefined; 'hub-user'?: string | undefined; 'hub-password-file'?: string | undefined },
  envPassword: string | undefined,
  bad: string[],
): RunCommandOptions['hub'] {
  const { hub: url, 'hub-user': username, 'hub-password-file': file } = values;
  if (url === undefined) {
    if (username !== undefined || file !== undefined) bad.push('--hub-user and --hub-password-file need --hub URL');
    return undefined;
  }
  if (!/^https?:\/\/[^/\s]+/.test(url)) bad.push(`hub=${url} (URL is http://host:port)`);
  if (username === undefined || username === '') bad.push('--hub needs --hub-user USER');
  let password = envPassword;
  if (file !== undefined) {
    try {
      password = readFileSync(file, 'utf8').split(/\r?\n/)[0];
    } catch (error) {
      bad.push(`hub-password-file=${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
  }
  if (password === undefined || password === '')
    bad.push('--hub needs a password: --hub-password-file FILE or AISLE_SIM_HUB_PASSWORD');
  return { url: url.replace(/\/+$/, ''), username: username ?? '', password: password ?? '' };
}

/** The scenario with every serial device on MQTT instead. */
function onMqttOnly(scenario: Scenario): Scenario {
  return {
    ...scenario,
    stores: scenario.stores.map((s) => ({ ...s, serialScales: 0 })),
    vans: scenario.vans.map((v) => ({ ...v, gpsOverSerial: false })),
  };
}

/** The scenario (seed overridden, serial moved to MQTT if asked) and the world it describes. */
export async function loadWorld(source: WorldSource, truth: TruthRecorder = discardTruth) {
  const loaded = loadScenario(source.scenarioPath);
  // Overrides are validated like the file itself (a delay for a van that does not exist, a bad date).
  const overridden =
    source.start === undefined && (source.vanDelays ?? []).length === 0 && (source.emptyLanes ?? []).length === 0
      ? loaded
      : parseScenario(
          {
            ...loaded,
            ...(source.start === undefined ? {} : { start: source.start }),
            faults: {
              ...loaded.faults,
              vanDelay: [...loaded.faults.vanDelay, ...(source.vanDelays ?? [])],
              emptyLane: [...loaded.faults.emptyLane, ...(source.emptyLanes ?? [])],
            },
          },
          `${source.scenarioPath} with --start/--van-delay/--empty-lane`,
        );
  const seeded = source.seed === undefined ? overridden : { ...overridden, seed: source.seed };
  const scenario = source.mqttOnly === true ? onMqttOnly(seeded) : seeded;
  const world = new World(scenario, await replayOptions(scenario, dirname(source.scenarioPath), truth));
  return { scenario, world };
}

/** The devices that publish over MQTT (not on a serial line). */
export function mqttDevices(world: World) {
  const serial = new Set(world.serialLines);
  return world.devices.filter((d) => !serial.has(`${d.site}/${d.device}`));
}

function formatDuration(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  return `${h}h${String(m).padStart(2, '0')}m`;
}

export async function runCommand(options: RunCommandOptions, signal?: AbortSignal) {
  const truthFile = options.truthPath === undefined ? undefined : new JsonLinesFile(options.truthPath);
  const { scenario: seeded, world } = await loadWorld(options, truthFile ?? discardTruth);
  const devices = mqttDevices(world);
  const siteBrokers = options.siteBrokers ?? new Map<string, string>();
  const sites = new Set(devices.map((d) => d.site));
  const unknown = [...siteBrokers.keys()].filter((site) => !sites.has(site));
  if (unknown.length > 0) {
    await truthFile?.close();
    throw new Error(
      `--broker for ${unknown.join(', ')}: no MQTT devices there (sites with some: ${[...sites].join(', ')})`,
    );
  }
  const out = options.outPath === undefined ? undefined : new JsonLinesFile(options.outPath);
  const fleet =
    options.brokerUrl === undefined && siteBrokers.size === 0
      ? undefined
      : new MqttFleet({
          brokerFor: (site) => siteBrokers.get(site) ?? options.brokerUrl,
          devices,
          // Commands from the gateway reach the simulated device (tare, calibrate, config).
          onCommand: (site, device, command) => world.command(site, device, command),
        });
  await fleet?.start();
  const unrouted = fleet?.stats().unrouted;
  if (options.progress && unrouted !== undefined && unrouted.devices > 0) {
    process.stderr.write(
      `no broker for ${unrouted.sites.join(', ')}: their ${unrouted.devices} MQTT devices are not connected\n`,
    );
  }
  const log = options.log ?? (options.progress ? (line: string) => process.stderr.write(`\n${line}\n`) : undefined);
  // The simulated staff: refills from the hub's done tasks, at the current simulated time.
  const refills = options.hub === undefined ? undefined : new StaffRefills(world, Date.now());
  const staff =
    options.hub === undefined || refills === undefined
      ? undefined
      : new HubTaskFollower({
          ...options.hub,
          sites: seeded.stores.map((s) => s.id),
          refills,
          ...(log === undefined ? {} : { log }),
        });
  staff?.start();
  const serial =
    options.serialDir === undefined
      ? undefined
      : await SerialLineSink.open({ dir: options.serialDir, lines: world.serialLines.map(ptyLineId) });
  const emit = (output: DeviceOutput) => {
    out?.write(output);
    switch (output.kind) {
      case 'mqtt':
        fleet?.write(output);
        return;
      case 'serial':
        serial?.write({ ...output, line: ptyLineId(output.line) });
        return;
      case 'disconnect':
        fleet?.disconnectStorm(output.devices);
        return;
    }
  };
  let last: RunProgress | undefined;
  // The staff's socket would keep the process alive after a failed run: closed either way.
  const result = await runWorld({
    world,
    durationMs: options.durationMs,
    speed: options.speed,
    emit,
    backpressure: () => {
      const waits = [out, truthFile].filter((s) => s?.needsDrain === true).map((s) => s?.drained());
      return waits.length > 0 ? Promise.all(waits).then(() => undefined) : undefined;
    },
    ...(signal === undefined ? {} : { signal }),
    onProgress: (p) => {
      last = p;
      if (!options.progress) return;
      const pct = ((100 * p.simulatedMs) / p.durationMs).toFixed(1);
      const rate = Math.round(p.outputs / (p.wallMs / 1000));
      process.stderr.write(
        `\r${pct}%  simulated ${formatDuration(p.simulatedMs)}  ${p.outputs} messages  ${rate}/s   `,
      );
    },
  }).finally(() => staff?.close());
  if (options.progress && last !== undefined) process.stderr.write('\n');
  await serial?.drain();
  const summary = {
    scenario: seeded.name,
    seed: seeded.seed,
    simulatedMs: result.simulatedMs,
    outputs: result.outputs,
    wallMs: Math.round(result.wallMs),
    devices: world.devices.length,
    serialLines: world.serialLines.length,
    ...(fleet === undefined ? {} : { mqtt: fleet.stats() }),
    ...(serial === undefined ? {} : { serial: serial.stats }),
    ...(staff === undefined || refills === undefined ? {} : { staff: { ...refills.stats(), hub: staff.stats() } }),
  };
  await Promise.all([fleet?.close(), serial?.close(), out?.close(), truthFile?.close()]);
  return summary;
}
