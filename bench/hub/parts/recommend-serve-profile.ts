/**
 * Where a hub's CPU went during a load window, from a V8 CPU profile (`Profiler.stop` through
 * `node:inspector`): the heaviest functions by self time, and the inclusive time of the frames
 * that split a recommendation request into the model's work (`ServingModel.recommend`: scoring,
 * the mask copy, `topN`, explanations) and everything around it (Express, Nest's guards and
 * pipes, the bearer token, JSON, HTTP). Times are from the profile's sample deltas, so they are
 * estimates with the sampling interval's resolution (100 µs here), good for shares, not for µs.
 */

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[] | undefined;
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples?: readonly number[] | undefined;
  readonly timeDeltas?: readonly number[] | undefined;
  readonly startTime: number;
  readonly endTime: number;
}

export interface ProfileSummary {
  readonly windowMs: number;
  /** Not idle: the event loop ran JavaScript, GC or native code (the profiler's own stop call left out). */
  readonly busyMs: number;
  /** The profiler's own `Profiler.stop` (building the profile): not the hub's work. */
  readonly profilerMs: number;
  readonly idleMs: number;
  readonly gcMs: number;
  /** Inclusive milliseconds per named frame (see FRAMES). */
  readonly frames: Record<string, number>;
  /** The heaviest functions by self time: `name file:line` → ms. */
  readonly topSelf: ReadonlyArray<{ readonly fn: string; readonly ms: number }>;
}

/** Frames whose inclusive time is reported: label → (function name, a piece of its file's URL). */
const FRAMES: Record<
  string,
  { readonly fn: string; readonly url: string; readonly within?: string; readonly notWithin?: string }
> = {
  'RecommendationController.customer': { fn: 'customer', url: 'recommendation.controller' },
  'RecommendationController.popular': { fn: 'popular', url: 'recommendation.controller' },
  'RecommendationService.customer': { fn: 'customer', url: 'recommendation.service' },
  'RecommendationService.popular': { fn: 'popular', url: 'recommendation.service' },
  'ServingModel.recommend': { fn: 'recommend', url: 'engine/serving' },
  'HybridModel.scoreInto': { fn: 'scoreInto', url: 'engine/hybrid' },
  'EaseModel.scoreInto': { fn: 'scoreInto', url: 'engine/ease' },
  topN: { fn: 'topN', url: 'engine/filters' },
  'ServingModel.#explain': { fn: '#explain', url: 'engine/serving' },
  'ServingModel.purchases': { fn: 'purchases', url: 'engine/serving' },
  'Uint8Array.from (mask copy)': { fn: 'from', url: '', within: 'ServingModel.recommend' },
  'JSON.stringify': { fn: 'stringify', url: '' },
  'jose jwtVerify': { fn: 'jwtVerify', url: 'jose' },
  'webcrypto importKey': { fn: 'importKey', url: 'webcrypto' },
  // A crypto job started from a promisified call: the HMAC of the bearer token (jose on webcrypto).
  'crypto job run': { fn: 'run', url: '', notWithin: 'jose jwtVerify' },
  'express json (response)': { fn: 'json', url: 'express/lib/response' },
  profiler: { fn: 'post', url: 'node:inspector' },
};

const basename = (url: string) => url.slice(url.lastIndexOf('/') + 1);

export function summarize(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, ProfileNode>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let k = 0; k < samples.length; k++) {
    // A sample's delta is the time since the previous one: charge it to this sample's node.
    const id = samples[k] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, deltas[k] ?? 0));
  }
  const labels = Object.entries(FRAMES);
  const inclusiveUs: Record<string, number> = Object.fromEntries(labels.map(([label]) => [label, 0]));
  const active = new Map<string, number>(labels.map(([label]) => [label, 0]));
  let idleUs = 0;
  let gcUs = 0;
  let totalUs = 0;
  const self = new Map<string, number>();
  const root = profile.nodes[0];
  // Iterative DFS (deep Nest stacks): enter pushes the node's matching labels, leave pops them.
  type Visit = { id: number; leaving?: readonly string[] };
  const stack: Visit[] = root === undefined ? [] : [{ id: root.id }];
  while (stack.length > 0) {
    const { id, leaving } = stack.pop() as Visit;
    if (leaving !== undefined) {
      for (const label of leaving) active.set(label, (active.get(label) as number) - 1);
      continue;
    }
    const node = byId.get(id) as ProfileNode;
    const frame = node.callFrame;
    const matches = labels
      .filter(
        ([, m]) =>
          m.fn === frame.functionName &&
          frame.url.includes(m.url) &&
          (m.within === undefined || (active.get(m.within) as number) > 0) &&
          (m.notWithin === undefined || (active.get(m.notWithin) as number) === 0),
      )
      .map(([label]) => label);
    for (const label of matches) active.set(label, (active.get(label) as number) + 1);
    const us = selfUs.get(id) ?? 0;
    totalUs += us;
    if (frame.functionName === '(idle)') idleUs += us;
    else if (frame.functionName === '(garbage collector)') gcUs += us;
    for (const [label, depth] of active) if (depth > 0) inclusiveUs[label] = (inclusiveUs[label] as number) + us;
    if (us > 0) {
      const caller = parent.get(id)?.callFrame;
      const name = (f: CallFrame) => `${f.functionName || '(anonymous)'} ${basename(f.url)}:${f.lineNumber + 1}`;
      const key = `${name(frame)}${caller === undefined ? '' : ` ← ${name(caller)}`}`;
      self.set(key, (self.get(key) ?? 0) + us);
    }
    stack.push({ id, leaving: matches });
    for (const child of node.children ?? []) stack.push({ id: child });
  }
  const ms = (us: number) => Math.round(us / 10) / 100;
  const profilerUs = inclusiveUs.profiler as number;
  return {
    windowMs: ms(totalUs),
    busyMs: ms(totalUs - idleUs - profilerUs),
    profilerMs: ms(profilerUs),
    idleMs: ms(idleUs),
    gcMs: ms(gcUs),
    frames: Object.fromEntries(Object.entries(inclusiveUs).map(([label, us]) => [label, ms(us)])),
    topSelf: [...self]
      .filter(([fn]) => !fn.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([fn, us]) => ({ fn, ms: ms(us) })),
  };
}
