import { dirname } from 'node:path';
import { type LaneHistory, LaneTruth, laneHistory, truthOnly, writeLaneHistoryCsv } from './lane-history.js';
import { replayOptions } from './run-command.js';
import { loadScenario } from './scenario.js';
import { World } from './world/world.js';

/**
 * `aisle-sim lanes`: a scenario's world run flat out on ground truth alone (no device output), its
 * shelf lanes tabulated per local hour into a CSV (see `lane-history.ts`). Deterministic for a
 * scenario and seed.
 */
export async function lanesCommand(options: {
  readonly scenarioPath: string;
  readonly seed?: number;
  readonly durationMs: number;
  readonly outPath: string;
}): Promise<{ scenario: string; seed: number; lanes: number; hours: number; wallMs: number }> {
  const started = performance.now();
  const loaded = loadScenario(options.scenarioPath);
  const scenario = truthOnly(options.seed === undefined ? loaded : { ...loaded, seed: options.seed });
  const truth = new LaneTruth();
  const world = new World(scenario, await replayOptions(scenario, dirname(options.scenarioPath), truth));
  const history: LaneHistory = laneHistory(world, truth, Math.floor(options.durationMs / 3_600_000));
  await writeLaneHistoryCsv(history, options.outPath);
  return {
    scenario: scenario.name,
    seed: scenario.seed,
    lanes: history.lanes.length,
    hours: history.hours,
    wallMs: Math.round(performance.now() - started),
  };
}
