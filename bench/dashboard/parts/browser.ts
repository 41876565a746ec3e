import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * The browser side of the dashboard benches: the dashboards built from their sources (`vite
 * build`, as test/helpers/browser.ts does for the tests: bench/ compiles on its own and cannot
 * import test/), Debian's Chromium driven by playwright-core with the same flags, and frame timing
 * taken inside the page from its own timeline: requestAnimationFrame deltas (every frame the page
 * produced) and `long-animation-frame` entries (frames over 50 ms, with the script time in them).
 * Nothing is added to the dashboards for this: the probe is injected with `page.evaluate`.
 */

export const CHROMIUM = process.env.AISLE_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set AISLE_CHROMIUM)`);
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

/** The repository root, from bench/dashboard/parts (sources) or bench/dist/dashboard/parts (built). */
function repo(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const marker = here.includes('/bench/dist/') ? '/bench/dist/' : '/bench/';
  return here.slice(0, here.lastIndexOf(marker));
}

/** `vite build` of dashboards/ into `outDir`; rejects with Vite's output on failure. */
export function buildDashboards(outDir: string): Promise<void> {
  const root = repo();
  const vite = join(root, 'node_modules/vite/bin/vite.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: join(root, 'dashboards'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk: Buffer) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 && existsSync(join(outDir, 'index.html'))
        ? resolve()
        : reject(new Error(`vite build exited ${code}:\n${output}`)),
    );
  });
}

export interface FrameWindow {
  /** requestAnimationFrame deltas in the window, ms. */
  readonly deltas: number[];
  /** `long-animation-frame` entries in the window: duration and the script time in them, ms. */
  readonly longFrames: { duration: number; blocking: number; scripts: number }[];
  /** Script time in long animation frames by invoker, function and file (where the time went). */
  readonly invokers: Record<string, number>;
  /** `data-units` attribute changes seen in the window (lane cells the page re-rendered with a new level). */
  readonly unitChanges: number;
  readonly elapsedMs: number;
}

/**
 * The in-page probe, as source (bench/ compiles without the DOM library): a rAF loop, a
 * PerformanceObserver for long animation frames and a MutationObserver counting `data-units`
 * changes for `windowMs`, all removed at the end.
 */
const PROBE = `async (windowMs) => {
  const deltas = [];
  const longFrames = [];
  const invokers = {};
  let unitChanges = 0;
  const mutations = new MutationObserver((records) => { unitChanges += records.length; });
  mutations.observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-units'] });
  let observer;
  try {
    observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries())
        longFrames.push({
          duration: e.duration,
          blocking: e.blockingDuration ?? 0,
          scripts: (e.scripts ?? []).reduce((s, x) => s + x.duration, 0),
        });
      for (const e of list.getEntries())
        for (const x of e.scripts ?? []) {
          const key = (x.invoker || '?') + ' ' + (x.sourceFunctionName || '') + ' ' + (x.sourceURL || '').split('/').pop();
          invokers[key] = (invokers[key] ?? 0) + x.duration;
        }
    });
    observer.observe({ type: 'long-animation-frame', buffered: false });
  } catch {
    observer = undefined;
  }
  const started = performance.now();
  await new Promise((resolve) => {
    let last;
    const tick = (now) => {
      if (last !== undefined) deltas.push(now - last);
      last = now;
      if (now - started >= windowMs) resolve();
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  observer?.disconnect();
  mutations.disconnect();
  return { deltas, longFrames, invokers, unitChanges, elapsedMs: performance.now() - started };
}`;

/** Records frames in the page for `ms` with the probe above; the same probe runs for the figure and its anchor. */
export function recordFrames(page: Page, ms: number): Promise<FrameWindow> {
  return page.evaluate(`(${PROBE})(${Math.round(ms)})`) as Promise<FrameWindow>;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/**
 * p50/p95/p99/max frame time, and the dropped-frame share: of the frames the display showed in the
 * window (each rAF delta counts round(delta / vsync) display frames), those no rAF callback met.
 * `vsyncMs` is the display's interval: the anchor's median delta (a loaded window's median is no
 * display interval); by default the window's own median.
 */
export function summarizeFrames(w: FrameWindow, vsyncMs?: number) {
  const sorted = [...w.deltas].sort((a, b) => a - b);
  const vsync = vsyncMs ?? quantile(sorted, 0.5);
  const dropped = w.deltas.reduce((s, d) => s + Math.max(0, Math.round(d / vsync) - 1), 0);
  return {
    frames: w.deltas.length,
    frameMs: {
      p50: round2(quantile(sorted, 0.5)),
      p95: round2(quantile(sorted, 0.95)),
      p99: round2(quantile(sorted, 0.99)),
      max: round2(sorted.at(-1) ?? Number.NaN),
      mean: round2(w.deltas.reduce((s, x) => s + x, 0) / Math.max(1, w.deltas.length)),
    },
    vsyncMs: round2(vsync),
    droppedFrameShare: round2(dropped / Math.max(1, w.deltas.length + dropped)),
    framesOver20ms: w.deltas.filter((d) => d > 20).length,
    longAnimationFrames: {
      count: w.longFrames.length,
      totalMs: round2(w.longFrames.reduce((s, x) => s + x.duration, 0)),
      blockingMs: round2(w.longFrames.reduce((s, x) => s + x.blocking, 0)),
      scriptMs: round2(w.longFrames.reduce((s, x) => s + x.scripts, 0)),
      max: round2(Math.max(0, ...w.longFrames.map((x) => x.duration))),
      topScripts: Object.entries(w.invokers)
        .sort(([, a], [, b]) => b - a)
        .slice(0, 6)
        .map(([where, ms]) => ({ where, ms: round2(ms) })),
    },
    unitChanges: w.unitChanges,
    seconds: round2(w.elapsedMs / 1000),
  };
}

const MAIN_THREAD = [
  'TaskDuration',
  'ScriptDuration',
  'RecalcStyleDuration',
  'LayoutDuration',
  'RecalcStyleCount',
  'LayoutCount',
] as const;

/**
 * The renderer's main-thread time by kind over a window (CDP `Performance.getMetrics`, seconds
 * turned into ms per second of window): script, style recalculation, layout, and the rest of the
 * tasks (paint, commit, parsing, GC). Frames that run late with few long animation frames spend
 * their time here rather than in one long script.
 */
export async function mainThread(page: Page): Promise<() => Promise<Record<string, number>>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const read = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return Object.fromEntries(metrics.map((m) => [m.name, m.value])) as Record<string, number>;
  };
  const before = await read();
  const t0 = performance.now();
  return async () => {
    const after = await read();
    const seconds = (performance.now() - t0) / 1000;
    await cdp.detach();
    return Object.fromEntries(
      MAIN_THREAD.map((k) => {
        const d = (after[k] ?? 0) - (before[k] ?? 0);
        return k.endsWith('Count')
          ? [`${k}PerSecond`, round2(d / seconds)]
          : [`${k.replace('Duration', '')}MsPerSecond`, round2((d * 1000) / seconds)];
      }),
    );
  };
}
