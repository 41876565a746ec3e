import { dirname, resolve } from 'node:path';
import { JsonLinesFile } from './outputs/jsonl-sink.js';
import { MqttFleet } from './outputs/mqtt-fleet.js';
import type { DeviceOutput } from './outputs/output.js';
import { SerialLineSink } from './outputs/serial-sink.js';
import { loadBaskets } from './replay/baskets.js';
import { loadFootfall } from './replay/footfall.js';
import { loadGpsTraces } from './replay/gps-traces.js';
import { rngFor } from './rng.js';
import { type RunProgress, runWorld } from './runner.js';
import { loadScenario, type Scenario } from './scenario.js';
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

export interface RunCommandOptions {
  readonly scenarioPath: string;
  readonly seed?: number;
  readonly durationMs: number;
  readonly speed: number | 'max';
  readonly brokerUrl?: string;
  readonly serialDir?: string;
  readonly outPath?: string;
  readonly truthPath?: string;
  readonly progress: boolean;
}

/** A serial line id for a pty file name: `site/line` → `site--line` (both are topic levels). */
export function ptyLineId(line: string): string {
  return line.replace('/', '--');
}

function formatDuration(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  return `${h}h${String(m).padStart(2, '0')}m`;
}

export async function runCommand(options: RunCommandOptions, signal?: AbortSignal) {
  const scenario = loadScenario(options.scenarioPath);
  const seeded = options.seed === undefined ? scenario : { ...scenario, seed: options.seed };
  const truthFile = options.truthPath === undefined ? undefined : new JsonLinesFile(options.truthPath);
  const worldOptions = await replayOptions(seeded, dirname(options.scenarioPath), truthFile ?? discardTruth);
  const world = new World(seeded, worldOptions);
  const out = options.outPath === undefined ? undefined : new JsonLinesFile(options.outPath);
  const fleet =
    options.brokerUrl === undefined
      ? undefined
      : new MqttFleet({
          brokerUrl: options.brokerUrl,
          devices: world.devices.filter((d) => !world.serialLines.includes(`${d.site}/${d.device}`)),
          // Commands from the gateway reach the simulated device (tare, calibrate, config).
          onCommand: (site, device, command) => world.command(site, device, command),
        });
  await fleet?.start();
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
  });
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
  };
  await Promise.all([fleet?.close(), serial?.close(), out?.close(), truthFile?.close()]);
  return summary;
}
