/**
 * Issue #9's loyalty acceptance: the simulator's loyalty customers each return to 6–12 planted
 * favourite SKUs from two categories (60 % of their picks; they drift 2 %/day), and the
 * recommendation models, trained on their baskets alone, must recover those preferences: under
 * leave-one-out the best collaborative or hybrid model's HR@10 is at least twice popularity's.
 *
 * The baskets come from a real simulator run (`aisle-sim baskets --loyal-only --truth`), scored by
 * the evaluator `aisle-hub recommend eval` runs, in-process, with its default hyper-parameters.
 *
 * What holds, measured (docs/recommendation/simulator.md has the tables):
 *  - buy again allowed: ≥ 2× popularity against the full catalogue and against 99 sampled
 *    negatives — a favourite is bought again and again, and the models learn whose it is;
 *  - exclude already bought: the held-out item is the customer's latest *new* SKU, a favourite only
 *    when they had not bought it yet (about a quarter of users here), otherwise a popular or
 *    bundled SKU that popularity ranks as well as anyone. Even an oracle that ranks each
 *    customer's planted favourites first reaches only about 2.5× popularity on this file (the doc),
 *    so 2× overall is not asked of a model; the best model beats popularity clearly (≥ 1.25×), and
 *    it ranks the held-out items that are favourites in the top 10 several times as often as
 *    popularity does.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BasketsTruthFile, basketsCommand } from '../../device-sim/src/baskets-command.js';
import { recommendCli } from '../../hub/src/recommendation/cli.js';
import { EaseModel } from '../../hub/src/recommendation/engine/ease.js';
import { evaluateModel } from '../../hub/src/recommendation/engine/evaluate.js';
import { HybridModel } from '../../hub/src/recommendation/engine/hybrid.js';
import type { Interactions } from '../../hub/src/recommendation/engine/interactions.js';
import { ItemKnnModel } from '../../hub/src/recommendation/engine/item-knn.js';
import type { Recommender } from '../../hub/src/recommendation/engine/model.js';
import { PopularityModel } from '../../hub/src/recommendation/engine/popularity.js';
import {
  leaveOneOut,
  type RankingMode,
  type Split,
  sampleNegatives,
} from '../../hub/src/recommendation/engine/protocols.js';
import { readInteractionsCsv } from '../../hub/src/recommendation/engine/readers.js';
import { captureCli } from '../helpers/cli-capture.js';

const dir = mkdtempSync(join(tmpdir(), 'aisle-recommend-sim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Two stores of 150 lanes, 800 loyalty customers (400 a store), ten days: about 20,000 lines. */
const SCENARIO = [
  'name: loyalty',
  'seed: 9',
  'start: "2026-01-05T07:00:00+11:00"',
  'catalog: { skus: 200, bundles: 20 }',
  'shoppers: { loyaltyCustomers: 800, loyaltyShare: 0.35, affinity: 0.45, preferenceDrift: 0.02 }',
  'stores:',
  '  - { id: store-a, location: { lat: -37.8136, lon: 144.9631 }, lanes: 150, aisles: 10, peakShoppersPerHour: 60 }',
  '  - { id: store-b, location: { lat: -37.85, lon: 145.001 }, lanes: 150, aisles: 10, peakShoppersPerHour: 60 }',
  'dc: { id: dc-1, location: { lat: -37.79, lon: 144.89 } }',
].join('\n');
const DAYS = 10;
const CSV = join(dir, 'baskets.csv');
const TRUTH = join(dir, 'truth.json');
const NEGATIVES = 99;

interface Score {
  model: string;
  hr: number;
  hrSampled: number;
}

/** The evaluator's table as `aisle-hub recommend eval --json` reports it. */
async function evalTable(mode: RankingMode): Promise<{ testUsers: number; results: Score[] }> {
  const { code, stdout, stderr } = await captureCli(recommendCli, [
    'eval',
    '--data',
    CSV,
    '--format',
    'customer,sku,ts',
    '--protocol',
    'loo',
    '--k',
    '10',
    '--models',
    'popularity,itemknn,ease,ials,hybrid',
    mode === 'buy-again' ? '--buy-again' : '--exclude-bought',
    '--json',
    '--quiet',
  ]);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return JSON.parse(stdout) as { testUsers: number; results: Score[] };
}

/** Popularity's row and the best of the collaborative and hybrid models (not the baselines). */
function contenders(results: readonly Score[]) {
  const popularity = results.find((r) => r.model === 'popularity') as Score;
  const models = results.filter((r) => r.model !== 'popularity' && r.model !== 'random');
  const best = (key: 'hr' | 'hrSampled') => Math.max(...models.map((r) => r[key]));
  return { popularity, models, bestHr: best('hr'), bestHrSampled: best('hrSampled') };
}

beforeAll(async () => {
  const path = join(dir, 'loyalty.yaml');
  writeFileSync(path, SCENARIO);
  await basketsCommand({ scenarioPath: path, days: DAYS, outPath: CSV, loyalOnly: true, truthPath: TRUTH });
}, 60_000);

describe('recommendation on the simulator’s loyalty customers (issue #9)', () => {
  it('buy again allowed: the best model’s HR@10 is ≥ 2× popularity’s, against all items and 99 negatives', async () => {
    const { testUsers, results } = await evalTable('buy-again');
    expect(testUsers).toBeGreaterThan(700);
    const { popularity, models, bestHr, bestHrSampled } = contenders(results);
    expect(models.map((m) => m.model.replace(/\(.*$/, ''))).toEqual(['itemknn', 'ease', 'ials', 'hybrid']);
    expect(bestHr).toBeGreaterThanOrEqual(2 * popularity.hr);
    expect(bestHrSampled).toBeGreaterThanOrEqual(2 * popularity.hrSampled);
  }, 60_000);

  it('exclude already bought: the best model beats popularity by ≥ 1.25× (not 2×: most hold-outs are no favourite, see the doc)', async () => {
    const { results } = await evalTable('exclude-bought');
    const { popularity, bestHr, bestHrSampled } = contenders(results);
    expect(bestHr).toBeGreaterThanOrEqual(1.25 * popularity.hr);
    expect(bestHrSampled).toBeGreaterThanOrEqual(1.25 * popularity.hrSampled);
  }, 60_000);

  describe('held-out items that are planted favourites are ranked in the top 10', () => {
    let ix: Interactions;
    let favouritesAt: (user: number, ts: number) => ReadonlySet<number>;
    beforeAll(async () => {
      ix = (await readInteractionsCsv(CSV, { user: 'customer', item: 'sku', ts: 'ts' })).interactions;
      const truth = JSON.parse(readFileSync(TRUTH, 'utf8')) as BasketsTruthFile;
      const sets = new Map(truth.customers.map((c) => [c.customer, c.favorites]));
      favouritesAt = (user, ts) => {
        const current = (sets.get(ix.users[user] as string) ?? []).filter((f) => f.fromMs <= ts).at(-1);
        return new Set((current?.skus ?? []).flatMap((sku) => ix.itemIndex.get(sku) ?? []));
      };
    });

    /**
     * The leave-one-out split cut down to the users whose held-out item was one of their planted
     * favourites when they bought it, with each one's row of sampled negatives.
     */
    function favouriteSplit(mode: RankingMode) {
      const split = leaveOneOut(ix, mode);
      const negatives = sampleNegatives(ix, split, NEGATIVES, 1);
      const kept: number[] = [];
      split.testUsers.forEach((u, k) => {
        const heldOutTs = ix.tsMs[(ix.userStart[u + 1] as number) - 1] as number;
        if (favouritesAt(u, heldOutTs).has(split.relevant[k] as number)) kept.push(k);
      });
      const favourites: Split = {
        ...split,
        testUsers: Int32Array.from(kept, (k) => split.testUsers[k] as number),
        relevant: Int32Array.from(kept, (k) => split.relevant[k] as number),
        relevantStart: Int32Array.from({ length: kept.length + 1 }, (_, i) => i),
      };
      const ids = Int32Array.from(kept.flatMap((k) => [...negatives.subarray(k * NEGATIVES, (k + 1) * NEGATIVES)]));
      return { split: favourites, share: kept.length / split.testUsers.length, ids };
    }

    /** HR@10 (all items, 99 negatives) on the favourite hold-outs: popularity, and the best model. */
    function recovered(mode: RankingMode) {
      const { split, share, ids } = favouriteSplit(mode);
      const models: Recommender[] = [
        new ItemKnnModel({ neighbours: 100, shrink: 10 }),
        new EaseModel({ lambda: 200 }),
        new HybridModel({
          collaborative: new EaseModel({ lambda: 200 }),
          weights: { collaborative: 0.5, popularity: 1, repeat: mode === 'buy-again' ? 1 : 0 },
          events: split.train,
        }),
      ];
      const options = { k: 10, mode, negatives: { ids, perUser: NEGATIVES } };
      const pop = evaluateModel(ix, split, new PopularityModel(), options);
      const popularity = { hr: pop.hr, hrSampled: pop.hrSampled ?? 0 };
      const scores = models.map((m) => evaluateModel(ix, split, m, options));
      return {
        users: split.testUsers.length,
        share,
        popularity,
        bestHr: Math.max(...scores.map((s) => s.hr)),
        bestHrSampled: Math.max(...scores.map((s) => s.hrSampled ?? 0)),
      };
    }

    it('buy again allowed: over half of the hold-outs are favourites; ≥ 3× popularity finds them', () => {
      const r = recovered('buy-again');
      expect(r.share).toBeGreaterThan(0.5);
      expect(r.bestHr).toBeGreaterThanOrEqual(3 * r.popularity.hr);
      expect(r.bestHrSampled).toBeGreaterThanOrEqual(3 * r.popularity.hrSampled);
      expect(r.bestHrSampled).toBeGreaterThan(0.6);
    }, 30_000);

    it('exclude already bought: a favourite not bought yet is found ≥ 3× as often as popularity finds it', () => {
      const r = recovered('exclude-bought');
      expect(r.users).toBeGreaterThan(100);
      expect(r.bestHr).toBeGreaterThanOrEqual(3 * r.popularity.hr);
      expect(r.bestHrSampled).toBeGreaterThanOrEqual(3 * r.popularity.hrSampled);
      expect(r.bestHr).toBeGreaterThan(0.3);
    }, 30_000);
  });
});
