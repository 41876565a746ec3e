import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { report } from '../harness.js';
import { type Spawn as BenchSpawn, runBench } from './parts/bench-main.js';
import { askProcess, hubCall } from './parts/hub-client.js';
import { utilization } from './parts/ingest-hub.js';
import { type HubCommand, type HubReply, serveHub } from './parts/recommend-serve-hub.js';
import { type LoadBlock, load, summarizeBlocks } from './parts/recommend-serve-load.js';
import {
  buildWorld,
  CATEGORIES,
  EXCLUDED_CATEGORY,
  ITEMS,
  rng,
  SITES,
  type World,
} from './parts/recommend-serve-world.js';

/**
 * Recommendation serving (issue #9, `bench/recommend-serve`): latency and throughput of
 * `GET /api/recommendations/customers/:customer` on a real hub with a 20,000-item catalogue.
 *
 * Processes: the hub (`startHub`, SQLite in a temp dir, loopback, logging silenced) alone in a
 * child (`parts/recommend-serve-hub.ts`); this process builds the world, uploads it and is the
 * HTTP client (so client and hub each have a core of this 2-core machine).
 *
 * Setup, through the hub's own endpoints: two stores; a planogram per store with one lane per
 * SKU (store-a all ITEMS, store-b 10 % of the tail fewer), the SKUs with names and categories
 * (one category excluded by `recommendation.rules`); a seeded world (`parts/recommend-serve-world.ts`:
 * Zipf popularity, loyalty customers with favourite categories and staples, anonymous baskets) POSTed
 * to `/api/sites/:site/baskets` 10,000 baskets per call; then `POST /api/recommendations/retrain`
 * (synchronous), timed, with the model's summary. The model is the hub's default
 * (`recommendation.model`: EASE on the 1,000 most bought items, hybrid with repeat and the site's
 * popularity).
 *
 * Load (`parts/recommend-serve-load.ts`): closed loop, keep-alive `node:http`, for each
 * connection count (1 and 10): a warm-up, then three rounds of five blocks — the anchor, known
 * customers, unknown customers, and two floors of the pipeline (the model's status route, with a
 * token and no model work; `/health`, public) — so drift on this shared machine hits all alike;
 * each phase's percentiles are over its three blocks' answers. Every answer is checked (200; known:
 * not cold start, n items, nothing of the excluded category; unknown: cold start).
 *  - known customers: random loyalty customers at their home store, `mode=discover`, n = 10;
 *  - unknown customers (cold start): ids the model has never seen, at either store;
 *  - anchor: `GET /api/recommendations/popular?site=…&n=10`, the same pipeline (auth, the site's
 *    cached mask, `ServingModel.recommend` with no customer row, the same JSON shape), so the
 *    ratio prices what a customer costs over the endpoint's floor.
 *
 * Then (unless `--no-profile`) a V8 CPU profile of the hub's main thread during one more block of
 * known customers and one of the anchor at 10 connections: its CPU per request. The model runs in
 * the hub's model thread (`hub/src/recommendation/model-thread.ts`), so `ServingModel.recommend`
 * no longer shows in this profile: what remains is the request pipeline and the thread hop.
 *
 * Target (issue #9): p99 < 10 ms for the customer endpoint.
 */

const RUN_LIMIT_MS = 20 * 60_000;
const ADMIN = { username: 'admin', password: 'bench-admin-secret' };
const UPLOAD_CHUNK = 10_000;
const N = 10;
const TARGET_P99_MS = 10;
const ROUNDS = 3;

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== 'hub'),
  options: {
    customers: { type: 'string', default: '5000' },
    'baskets-per-customer': { type: 'string', default: '20' },
    anonymous: { type: 'string', default: '20000' },
    requests: { type: 'string', default: '9000' },
    warmup: { type: 'string', default: '3000' },
    connections: { type: 'string', default: '1,10' },
    seed: { type: 'string', default: '1' },
    'no-profile': { type: 'boolean', default: false },
  },
});

type Role = 'hub';
type Spawn = BenchSpawn<Role, HubReply>;
const ask = (child: Parameters<typeof askProcess>[0], command: HubCommand) =>
  askProcess<HubCommand, HubReply>(child, command);

const round2 = (x: number): number => Math.round(x * 100) / 100;
const log = (message: string): void => {
  process.stderr.write(`recommend-serve: ${message}\n`);
};

/** Sites, planograms (one lane per carried SKU) and every basket, through the hub's endpoints. */
async function upload(
  base: string,
  token: string,
  world: World,
): Promise<{ planogramSeconds: number; basketSeconds: number; baskets: number }> {
  const started = performance.now();
  for (const site of SITES) {
    await hubCall(base, token, 'POST', '/api/sites', { site, name: site, kind: 'store' });
    const carried = world.carried[site];
    const put = performance.now();
    await hubCall(base, token, 'PUT', `/api/sites/${site}/planogram`, {
      skus: carried.map((i) => world.skus[i]),
      lanes: carried.map((i, k) => ({
        lane: `l${k + 1}`,
        device: `scale-${1 + (k >> 3)}`,
        sku: world.skus[i]?.sku,
        unitGrams: 250,
        capacity: 24,
        facings: 4,
        aisle: `a${1 + Math.floor((i % CATEGORIES) / 5)}`,
        shelf: 1 + (k % 5),
        position: k % 1000,
      })),
    });
    log(`PUT planogram ${site}: ${carried.length} SKUs and lanes in ${round2((performance.now() - put) / 1000)} s`);
  }
  const planogramSeconds = round2((performance.now() - started) / 1000);
  let baskets = 0;
  for (const site of SITES) {
    const all = world.baskets[site];
    for (let k = 0; k < all.length; k += UPLOAD_CHUNK) {
      await hubCall(base, token, 'POST', `/api/sites/${site}/baskets`, { baskets: all.slice(k, k + UPLOAD_CHUNK) });
      baskets += Math.min(UPLOAD_CHUNK, all.length - k);
    }
  }
  return { planogramSeconds, basketSeconds: round2((performance.now() - started) / 1000 - planogramSeconds), baskets };
}

interface Item {
  readonly sku: string;
  readonly category?: string;
}
interface Answer {
  readonly coldStart?: boolean;
  readonly items: readonly Item[];
}

function phases(world: World, seed: number) {
  const random = rng(seed + 7);
  const known = Array.from({ length: 4000 }, () => {
    const c = world.customers[Math.floor(random() * world.customers.length)] as World['customers'][number];
    return `/api/recommendations/customers/${c.id}?site=${c.site}&n=${N}&mode=discover`;
  });
  const cold = Array.from(
    { length: 4000 },
    (_, k) => `/api/recommendations/customers/new-${k}?site=${SITES[k % 2]}&n=${N}&mode=discover`,
  );
  const popular = SITES.map((site) => `/api/recommendations/popular?site=${site}&n=${N}`);
  const full = (a: Answer) =>
    a.items.length !== N
      ? `${a.items.length} items, expected ${N}`
      : a.items.some((i) => i.category === EXCLUDED_CATEGORY)
        ? 'an excluded category was recommended'
        : undefined;
  return {
    // Floors of the pipeline, for where the time goes: the authenticated route with the least
    // work (the model's status), and a public one (`/health`: no token, one `SELECT 1`).
    status: {
      paths: ['/api/recommendations/model'],
      check: (b: unknown) => ((b as { trained?: boolean }).trained === true ? undefined : 'not trained'),
    },
    health: {
      paths: ['/health'],
      check: (b: unknown) => ((b as { status?: string }).status === 'ok' ? undefined : 'not ok'),
    },
    popular: { paths: popular, check: (b: unknown) => full(b as Answer) },
    known: {
      paths: known,
      check: (b: unknown) =>
        (b as Answer).coldStart === false ? full(b as Answer) : 'a known customer came back cold',
    },
    cold: {
      paths: cold,
      check: (b: unknown) =>
        (b as Answer).coldStart === true ? full(b as Answer) : 'an unknown customer was not cold',
    },
  };
}

async function run(spawn: Spawn, _servers: unknown[], tempDir: string): Promise<void> {
  const customers = Number(args.customers);
  const requests = Number(args.requests);
  const seed = Number(args.seed);
  const [hub] = await spawn('hub');
  const started = await ask(hub, {
    kind: 'start',
    config: {
      dataDir: tempDir,
      http: { host: '127.0.0.1', port: 0 },
      broker: { host: '127.0.0.1', port: 0 },
      // The per-user REST bound (default 1,200/min) would refuse a load generator at once.
      auth: { admin: ADMIN, jwtSecret: 'b'.repeat(32), requestsPerMinute: 1_000_000_000 },
      recommendation: { retrainEveryMs: 0, rules: { excludeCategories: [EXCLUDED_CATEGORY] } },
    },
  });
  const base = started.httpUrl as string;
  const token = ((await hubCall(base, undefined, 'POST', '/api/auth/login', ADMIN)) as { token: string }).token;

  let t = performance.now();
  const world = buildWorld({
    customers,
    basketsPerCustomer: Number(args['baskets-per-customer']),
    anonymousBaskets: Number(args.anonymous),
    seed,
    nowMs: Date.now(),
  });
  const worldSeconds = round2((performance.now() - t) / 1000);
  log(
    `world: ${ITEMS} SKUs, ${world.customers.length} customers, ${world.baskets['store-a'].length + world.baskets['store-b'].length} baskets, ${world.lines} lines in ${worldSeconds} s`,
  );
  const uploaded = await upload(base, token, world);
  log(
    `upload: planograms in ${uploaded.planogramSeconds} s, ${uploaded.baskets} baskets in ${uploaded.basketSeconds} s`,
  );
  t = performance.now();
  const status = (await hubCall(base, token, 'POST', '/api/recommendations/retrain')) as {
    summary: Record<string, number>;
    truncated: boolean;
  };
  const retrainSeconds = round2((performance.now() - t) / 1000);
  log(`retrain: ${retrainSeconds} s, ${JSON.stringify(status.summary)}`);
  const setup = {
    world: {
      items: ITEMS,
      categories: CATEGORIES,
      customers: world.customers.length,
      baskets: uploaded.baskets,
      lines: world.lines,
      seed,
    },
    worldSeconds,
    planogramUploadSeconds: uploaded.planogramSeconds,
    basketUploadSeconds: uploaded.basketSeconds,
    retrainSeconds,
    model: status.summary,
  };

  const p = phases(world, seed);
  const connectionCounts = (args.connections as string).split(',').map(Number);
  for (const connections of connectionCounts) {
    const mixed = [...p.known.paths.slice(0, 100), ...p.cold.paths.slice(0, 100), ...p.popular.paths];
    await load({
      baseUrl: base,
      token,
      paths: mixed,
      requests: Number(args.warmup),
      connections,
      check: () => undefined,
    });
    const names = ['popular', 'known', 'cold', 'status', 'health'] as const;
    type Phase = (typeof names)[number];
    const blocks = Object.fromEntries(names.map((n) => [n, []])) as unknown as Record<Phase, LoadBlock[]>;
    const elu = Object.fromEntries(names.map((n) => [n, []])) as unknown as Record<Phase, number[]>;
    for (let round = 0; round < ROUNDS; round++)
      for (const phase of names) {
        const before = (await ask(hub, { kind: 'stats' })).elu;
        blocks[phase].push(
          await load({
            baseUrl: base,
            token,
            paths: round === 0 ? p[phase].paths : [...p[phase].paths].reverse(),
            requests: Math.ceil(requests / ROUNDS),
            connections,
            check: p[phase].check,
          }),
        );
        elu[phase].push(utilization(before, (await ask(hub, { kind: 'stats' })).elu));
      }
    const result = Object.fromEntries(names.map((n) => [n, summarizeBlocks(blocks[n])])) as Record<
      Phase,
      ReturnType<typeof summarizeBlocks>
    >;
    const hubBusy = (phase: Phase) => round2(elu[phase].reduce((s, x) => s + x, 0) / elu[phase].length);
    const anchor = result.popular;
    const anchorName = `GET /api/recommendations/popular?site=…&n=${N} (the same pipeline and mask, no customer row), ${connections} connection(s), same run: p99`;
    for (const [phase, what] of [
      ['known', 'known loyalty customers at their home store, mode=discover'],
      ['cold', 'unknown customers (cold start: the store’s popular items)'],
    ] as const) {
      const r = result[phase];
      report({
        bench: 'hub/recommend-serve',
        figure: `GET /api/recommendations/customers/:customer?site=…&n=${N}, ${what}; ${ITEMS.toLocaleString('en')}-item catalogue, hub (own process, SQLite, loopback) ← ${connections} keep-alive connection(s), closed loop: p99 latency`,
        value: r.latencyMs.p99,
        unit: 'ms',
        anchor: { name: anchorName, value: anchor.latencyMs.p99, unit: 'ms' },
        ratio: round2(r.latencyMs.p99 / anchor.latencyMs.p99),
        target: `p99 < ${TARGET_P99_MS} ms`,
        met: r.latencyMs.p99 < TARGET_P99_MS,
        connections,
        latencyMs: r.latencyMs,
        requestsPerSecond: r.requestsPerSecond,
        requestsPerSecondRatio: round2(r.requestsPerSecond / anchor.requestsPerSecond),
        requests: r.requests,
        meanBytes: r.meanBytes,
        hubEventLoopUtilization: hubBusy(phase),
        anchorResult: { ...anchor, hubEventLoopUtilization: hubBusy('popular') },
        references: {
          'GET /api/recommendations/model (token, no model work)': {
            ...result.status,
            hubEventLoopUtilization: hubBusy('status'),
          },
          'GET /health (no token, SELECT 1)': { ...result.health, hubEventLoopUtilization: hubBusy('health') },
        },
        ...setup,
        loadAvg1m: round2(loadavg()[0] ?? 0),
      });
    }
  }

  if (args['no-profile'] !== true) {
    const connections = Math.max(...connectionCounts);
    const profiled: Record<string, { perRequestUs: Record<string, number>; topSelf: unknown }> = {};
    for (const phase of ['known', 'popular'] as const) {
      await ask(hub, { kind: 'profile-start' });
      const block = await load({
        baseUrl: base,
        token,
        paths: p[phase].paths,
        requests,
        connections,
        check: p[phase].check,
      });
      const summary = (await ask(hub, { kind: 'profile-stop' })).profile;
      if (summary === undefined) throw new Error('no profile from the hub child');
      const per = (ms: number) => Math.round((ms * 1000) / block.latencies.length);
      const f = (label: string) => summary.frames[label] ?? 0;
      const service = phase === 'known' ? 'RecommendationService.customer' : 'RecommendationService.popular';
      const model = f('ServingModel.recommend');
      const auth = f('jose jwtVerify') + f('crypto job run');
      profiled[phase] = {
        perRequestUs: {
          busy: per(summary.busyMs),
          // The split: the model, the service's naming and explanations around it, the bearer
          // token, GC, and the rest (HTTP, Express, Nest's guards and pipes, the response's JSON).
          model: per(model),
          serviceAroundModel: per(f(service) - model),
          bearerToken: per(auth),
          gc: per(summary.gcMs),
          pipelineRest: per(summary.busyMs - f(service) - auth - summary.gcMs),
          ...Object.fromEntries(
            Object.entries(summary.frames)
              .filter(([label, ms]) => ms > 0 && label !== 'profiler')
              .map(([label, ms]) => [label, per(ms)]),
          ),
        },
        topSelf: summary.topSelf.slice(0, 15),
      };
      log(`profile ${phase}: ${JSON.stringify(profiled[phase])}`);
    }
    // A retrain while requests arrive: training runs on the hub's event loop, so a request that
    // comes in meanwhile waits for it; one connection of anchor requests measures the wait.
    await ask(hub, { kind: 'profile-start' });
    let retrained = false;
    const retrainStarted = performance.now();
    const retrain = hubCall(base, token, 'POST', '/api/recommendations/retrain').finally(() => {
      retrained = true;
    });
    const during: number[] = [];
    while (!retrained) {
      const block = await load({ ...p.popular, baseUrl: base, token, requests: 1, connections: 1 });
      during.push(block.latencies[0] as number);
    }
    await retrain;
    const retrainAgainSeconds = round2((performance.now() - retrainStarted) / 1000);
    const retrainProfile = (await ask(hub, { kind: 'profile-stop' })).profile;
    const retrainTop = retrainProfile?.topSelf.slice(0, 12);
    log(
      `retrain under load: ${retrainAgainSeconds} s, ${during.length} requests meanwhile, slowest ${round2(Math.max(...during))} ms`,
    );
    log(`retrain profile: ${JSON.stringify(retrainTop)}`);
    const known = profiled.known?.perRequestUs ?? {};
    const popular = profiled.popular?.perRequestUs ?? {};
    report({
      bench: 'hub/recommend-serve',
      figure: `hub CPU per customer request (known customers, discover, ${connections} connections), from a V8 CPU profile of the hub (100 µs sampling, profiler overhead included)`,
      value: known.busy ?? Number.NaN,
      unit: 'µs',
      anchor: {
        name: 'hub CPU per popular request, same profile method, same run',
        value: popular.busy ?? 0,
        unit: 'µs',
      },
      ratio: round2((known.busy ?? Number.NaN) / (popular.busy ?? Number.NaN)),
      profile: profiled,
      retrainWhileServing: {
        seconds: retrainAgainSeconds,
        requestsMeanwhile: during.length,
        slowestRequestMs: round2(Math.max(...during)),
        busyMs: retrainProfile?.busyMs,
        topSelf: retrainTop,
      },
      loadAvg1m: round2(loadavg()[0] ?? 0),
    });
  }
  await ask(hub, { kind: 'close' });
}

async function main(): Promise<void> {
  await runBench<Role, HubReply>('recommend-serve', fileURLToPath(import.meta.url), RUN_LIMIT_MS, run);
}

// Last, so every module above is initialised before any role runs.
if (process.argv[2] === 'hub') serveHub();
else await main();
