import { setTimeout as delay } from 'node:timers/promises';
import type { DeviceOutput } from './outputs/output.js';
import type { World } from './world/world.js';

/**
 * Runs a world against the wall clock: `speed` simulated milliseconds per real millisecond
 * (`--speed 60` = an hour a minute), or as fast as the outputs can take (`'max'`). Outputs go to
 * `emit` in simulated-time order; anything with a `drained()` gets to catch up between steps.
 */
export interface RunOptions {
  readonly world: World;
  readonly durationMs: number;
  readonly speed: number | 'max';
  readonly emit: (output: DeviceOutput) => void;
  /** Called between steps when a sink's buffer is full; the run waits for it. */
  readonly backpressure?: () => Promise<void> | undefined;
  readonly onProgress?: (progress: RunProgress) => void;
  readonly signal?: AbortSignal;
  /** Injected for tests. */
  readonly now?: () => number;
}

export interface RunProgress {
  readonly simulatedMs: number;
  readonly durationMs: number;
  readonly outputs: number;
  readonly wallMs: number;
}

/** Simulated time advanced per step when running flat out. */
const MAX_SPEED_STEP_MS = 10_000;
/** Real time between steps when paced. */
const PACED_TICK_MS = 50;

export async function runWorld(options: RunOptions): Promise<RunProgress> {
  const { world, durationMs, speed, signal } = options;
  const now = options.now ?? (() => performance.now());
  const start = world.now;
  const end = start + durationMs;
  const wallStart = now();
  let outputs = 0;
  const emit = (output: DeviceOutput) => {
    outputs++;
    options.emit(output);
  };
  let lastProgress = wallStart;
  const progress = (): RunProgress => ({
    simulatedMs: world.now - start,
    durationMs,
    outputs,
    wallMs: now() - wallStart,
  });
  while (world.now < end && signal?.aborted !== true) {
    const target =
      speed === 'max'
        ? Math.min(end, world.now + MAX_SPEED_STEP_MS)
        : Math.min(end, start + (now() - wallStart) * speed);
    world.run(target, emit);
    const waiting = options.backpressure?.();
    if (waiting !== undefined) await waiting;
    if (speed === 'max') await new Promise((resolve) => setImmediate(resolve));
    else if (world.now < end)
      await delay(PACED_TICK_MS, undefined, signal === undefined ? {} : { signal }).catch(() => undefined);
    if (options.onProgress !== undefined && now() - lastProgress >= 1000) {
      lastProgress = now();
      options.onProgress(progress());
    }
  }
  return progress();
}

/** `90s`, `15m`, `2h`, `3d`, `8w` → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text.trim());
  if (m === null) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[
    m[2] as 'ms' | 's' | 'm' | 'h' | 'd' | 'w'
  ];
  return Math.round(Number(m[1]) * unit);
}
