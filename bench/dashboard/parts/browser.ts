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

/**
 * `vite build` of dashboards/ into `outDir`; rejects with Vite's output on failure. `minify: false`
 * keeps the function names, for a CPU profile that says where the time went (`cpuProfile`).
 */
export function buildDashboards(outDir: string, options: { minify?: boolean } = {}): Promise<void> {
  const root = repo();
  const vite = join(root, 'node_modules/vite/bin/vite.js');
  const minify = options.minify === false ? ['--minify', 'false'] : [];
  return new Promise((resolve, reject) => {
    const build = [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn', ...minify];
    const child = spawn(process.execPath, build, {
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
  /**
   * Per watched attribute (`recordFrames`' `watch`): writes that changed its value, and the distinct
   * elements (by `key`'s attribute value, else by element) whose value changed in the window.
   */
  readonly changes: Record<string, { readonly writes: number; readonly elements: number }>;
  readonly elapsedMs: number;
}

/**
 * The in-page probe, as source (bench/ compiles without the DOM library): a rAF loop, a
 * PerformanceObserver for long animation frames, a MutationObserver counting `data-units` changes
 * and one counting the watched attributes' changes (a write of the value already there is not a
 * change) for `windowMs`, all removed at the end.
 */
const PROBE = `async (windowMs, watch) => {
  const deltas = [];
  const longFrames = [];
  const invokers = {};
  let unitChanges = 0;
  const mutations = new MutationObserver((records) => { unitChanges += records.length; });
  mutations.observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-units'] });
  const changes = {};
  const changed = {};
  for (const w of watch) { changes[w.attribute] = { writes: 0, elements: 0 }; changed[w.attribute] = new Set(); }
  const watcher = new MutationObserver((records) => {
    for (const r of records) {
      if (r.oldValue === r.target.getAttribute(r.attributeName)) continue;
      changes[r.attributeName].writes++;
      const w = watch.find((x) => x.attribute === r.attributeName);
      changed[r.attributeName].add((w.key && r.target.getAttribute(w.key)) || r.target);
    }
  });
  if (watch.length > 0)
    watcher.observe(document.body, {
      subtree: true,
      attributes: true,
      attributeOldValue: true,
      attributeFilter: watch.map((w) => w.attribute),
    });
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
  watcher.disconnect();
  for (const w of watch) changes[w.attribute].elements = changed[w.attribute].size;
  return { deltas, longFrames, invokers, unitChanges, changes, elapsedMs: performance.now() - started };
}`;

/** An attribute whose changes the probe counts; `key`: the attribute naming the element (e.g. a van id). */
export interface Watched {
  readonly attribute: string;
  readonly key?: string;
}

/** Records frames in the page for `ms` with the probe above; the same probe runs for the figure and its anchor. */
export function recordFrames(page: Page, ms: number, watch: readonly Watched[] = []): Promise<FrameWindow> {
  return page.evaluate(`(${PROBE})(${Math.round(ms)}, ${JSON.stringify(watch)})`) as Promise<FrameWindow>;
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
    ...(Object.keys(w.changes).length === 0 ? {} : { changes: w.changes }),
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

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

/**
 * A CPU profile of the page's main thread over a window (CDP `Profiler`): the stop function
 * answers the `top` functions by self time (ms), named by function, file and line. For finding
 * where a late frame's script time goes; the profiler's sampling costs a little itself, so a
 * profiled window is not a measured one.
 */
export async function cpuProfile(page: Page, top = 25): Promise<() => Promise<{ where: string; selfMs: number }[]>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  return async () => {
    const { profile } = (await cdp.send('Profiler.stop')) as unknown as {
      profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
    };
    await cdp.detach();
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map<string, number>();
    profile.samples.forEach((id, i) => {
      const frame = byId.get(id)?.callFrame;
      if (frame === undefined) return;
      const key = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop() ?? ''}:${frame.lineNumber + 1}`;
      self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
    });
    return [...self]
      .sort(([, a], [, b]) => b - a)
      .slice(0, top)
      .map(([where, ms]) => ({ where, selfMs: round2(ms) }));
  };
}

interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly pid: number;
  readonly tid: number;
  readonly ts: number;
  readonly dur?: number;
  readonly args?: { readonly name?: string };
}

/**
 * Where a window's time goes across Chromium's processes (a Chromium trace, `devtools.timeline`
 * and `toplevel`): each thread's busy time (its top-level tasks, ms per second of window) — the
 * renderer's main thread, its compositor, the raster workers, the GPU process's viz thread, which
 * all have to run for a frame to reach the screen on 2 shared cores — and the renderer main
 * thread's self time by event (script, style, layout, paint, GC…). Tracing costs a little itself:
 * a traced window is not a measured one.
 */
export async function timeline(
  page: Page,
  top = 20,
): Promise<() => Promise<{ threads: Record<string, number>; mainThreadSelf: Record<string, number> }>> {
  const browser = page.context().browser();
  if (browser === null) throw new Error('timeline: the page has no browser');
  await browser.startTracing(page, {
    categories: ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8'],
  });
  const t0 = performance.now();
  return async () => {
    const buffer = await browser.stopTracing();
    const seconds = (performance.now() - t0) / 1000;
    const events = (JSON.parse(buffer.toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents;
    const names = new Map<string, string>();
    for (const e of events)
      if (e.ph === 'M' && e.name === 'process_name') names.set(`${e.pid}`, e.args?.name ?? `${e.pid}`);
    for (const e of events)
      if (e.ph === 'M' && e.name === 'thread_name')
        names.set(`${e.pid}:${e.tid}`, `${names.get(`${e.pid}`) ?? e.pid}/${e.args?.name ?? e.tid}`);
    // Busy time per thread: the union of its tasks (the two task events nest on some threads).
    const tasks = new Map<string, TraceEvent[]>();
    for (const e of events)
      if (e.ph === 'X' && (e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask') && e.dur !== undefined) {
        const key = names.get(`${e.pid}:${e.tid}`) ?? `${e.pid}:${e.tid}`;
        const list = tasks.get(key);
        if (list === undefined) tasks.set(key, [e]);
        else list.push(e);
      }
    const busy = new Map<string, number>();
    for (const [key, list] of tasks) {
      list.sort((x, y) => x.ts - y.ts);
      let total = 0;
      let end = Number.NEGATIVE_INFINITY;
      for (const e of list) {
        const to = e.ts + (e.dur ?? 0);
        if (to <= end) continue;
        total += to - Math.max(e.ts, end);
        end = to;
      }
      busy.set(key, total / 1000);
    }
    // Self time by event on the renderer's main thread (the one running the page's scripts).
    const scriptThread = events.find((e) => e.name === 'FunctionCall' || e.name === 'EvaluateScript');
    const main = events
      .filter((e) => e.ph === 'X' && e.dur !== undefined && e.pid === scriptThread?.pid && e.tid === scriptThread.tid)
      .sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
    const self = new Map<string, number>();
    const stack: { end: number; name: string }[] = [];
    for (const e of main) {
      while (stack.length > 0 && (stack.at(-1)?.end ?? 0) <= e.ts) stack.pop();
      const parent = stack.at(-1);
      if (parent !== undefined) self.set(parent.name, (self.get(parent.name) ?? 0) - (e.dur ?? 0) / 1000);
      self.set(e.name, (self.get(e.name) ?? 0) + (e.dur ?? 0) / 1000);
      stack.push({ end: e.ts + (e.dur ?? 0), name: e.name });
    }
    const perSecond = (m: Map<string, number>) =>
      Object.fromEntries(
        [...m]
          .sort(([, a], [, b]) => b - a)
          .slice(0, top)
          .map(([k, ms]) => [k, round2(ms / seconds)]),
      );
    return { threads: perSecond(busy), mainThreadSelf: perSecond(self) };
  };
}
