import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { CsvHeaderError } from '@aisle/protocols/csv';
import cliProgress from 'cli-progress';
import { isUsageError, UsageError, writeReport } from '../cli-usage.js';
import { ContentModel } from './engine/content.js';
import { CooccurrenceModel } from './engine/cooccurrence.js';
import { EaseModel } from './engine/ease.js';
import { evaluateModel, type ModelScore } from './engine/evaluate.js';
import { HybridModel } from './engine/hybrid.js';
import { IalsModel } from './engine/ials.js';
import type { EventList } from './engine/interactions.js';
import { ItemKnnModel } from './engine/item-knn.js';
import type { Recommender } from './engine/model.js';
import { PopularityModel } from './engine/popularity.js';
import { leaveOneOut, type RankingMode, type Split, sampleNegatives, temporalSplit } from './engine/protocols.js';
import { RandomModel } from './engine/random-model.js';
import {
  type InteractionsColumns,
  type InteractionsFile,
  type ItemAttributesFile,
  itemTokensOf,
  readInteractionsCsv,
  readItemAttributesCsv,
} from './engine/readers.js';
import { type TuneResult, tune } from './engine/tune.js';

export const RECOMMEND_USAGE = `  aisle-hub recommend eval --data FILE [options]
      Offline evaluation of the recommendation models on any interactions CSV (one event per
      line: user, item, timestamp as epoch ms, epoch s or ISO 8601). Every model and the random
      and popularity baselines in one table. Leave-one-out holds out each user's latest item and
      ranks it against all items and against --negatives items sampled (seeded) from those the
      user never bought: HR@K, NDCG@K for both. Temporal cuts at a time quantile and ranks each
      user's later items: HR@K, NDCG@K, Recall@K. Also catalogue coverage@K, training time and
      scoring time per user.
    Options: --format user,item,ts (the three column names) --protocol loo|temporal (loo) --k 10
      --models popularity,itemknn,ease (also popularity-decayed, cooccurrence; random and
      popularity are always in the table) --exclude-bought (default: the user's training items
      are removed from the ranking) | --buy-again (they stay) --seed 1 --negatives 99
      --quantile 0.8 (temporal cut) --max-items 2000 (EASE's item cap; the rest rank below by
      popularity) --lambda 200 (EASE) --neighbours 100 --shrink 10 (item-kNN) --half-life 30
      (days, popularity-decayed) --min-support 2 (cooccurrence) --json --report DIR --quiet
      hybrid: --hybrid-base ease|itemknn|ials (ease) --w-collab 0.5 --w-pop 1 --w-repeat (1 with
      --buy-again, else 0) --repeat-half-life 30 (days; the user's own purchases, frequency and
      recency, from the training part only)
      ials: --factors 64 --alpha 10 --ials-lambda 1 --iterations 10
      content (model and hybrid component; needs the product attributes): --items FILE (a CSV,
      one product per line) --item-id COL (the --format item column) --item-attributes
      department,product_category,brand --w-content (0; the hybrid's content weight)
      --w-recent (0; the hybrid's recent popularity, half-life --half-life)
      --tune (loo only): choose EASE λ, iALS factors/α/λ and the hybrid's weights (content too,
      with --items) on a validation hold-out (each user's second-to-last interaction, from the
      training part; never the test items) by the worst validation NDCG@K ratio to the two
      popularity baselines (plain and decayed; all items and sampled negatives), then refit and
      report the test once
`;

const MODEL_NAMES = [
  'popularity',
  'popularity-decayed',
  'itemknn',
  'ease',
  'cooccurrence',
  'ials',
  'content',
  'hybrid',
] as const;
type ModelName = (typeof MODEL_NAMES)[number];

interface EvalSetup {
  readonly data: string;
  readonly columns: InteractionsColumns;
  readonly protocol: 'loo' | 'temporal';
  readonly k: number;
  readonly models: readonly ModelName[];
  readonly mode: RankingMode;
  readonly seed: number;
  readonly negatives: number;
  readonly quantile: number;
  readonly maxItems: number;
  readonly lambda: number;
  readonly neighbours: number;
  readonly shrink: number;
  readonly halfLifeDays: number;
  readonly minSupport: number;
  readonly tune: boolean;
  /** The hybrid's own EASE λ when tuning chose one apart from the EASE model's. */
  readonly hybridEaseLambda?: number;
  readonly hybridBase: HybridBase;
  readonly factors: number;
  readonly alpha: number;
  readonly ialsLambda: number;
  readonly iterations: number;
  readonly wCollab: number;
  readonly wPop: number;
  readonly wRepeat: number;
  readonly repeatHalfLifeDays: number;
  readonly items?: string;
  readonly itemId: string;
  readonly itemAttributes: readonly string[];
  readonly wContent: number;
  readonly wRecent: number;
}

function numberOf(text: string | undefined, name: string, fallback: number, ok: (n: number) => boolean, what: string) {
  if (text === undefined) return fallback;
  const n = text.trim() === '' ? Number.NaN : Number(text);
  if (!ok(n)) throw new UsageError(`--${name} must be ${what}, got "${text}"`);
  return n;
}
const wholeAtLeast = (min: number) => (n: number) => Number.isInteger(n) && n >= min;
const positive = (n: number) => Number.isFinite(n) && n > 0;
const atLeastZero = (n: number) => Number.isFinite(n) && n >= 0;

type HybridBase = 'ease' | 'itemknn' | 'ials';

function hybridBaseOf(text: string | undefined): HybridBase {
  if (text === undefined) return 'ease';
  if (text !== 'ease' && text !== 'itemknn' && text !== 'ials')
    throw new UsageError(`--hybrid-base must be ease, itemknn or ials, got "${text}"`);
  return text;
}

function columnsOf(text: string | undefined): InteractionsColumns {
  if (text === undefined) return { user: 'user', item: 'item', ts: 'ts' };
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length !== 3 || parts.some((p) => p === '') || new Set(parts).size !== 3)
    throw new UsageError(`--format must name three different columns user,item,ts, got "${text}"`);
  const [user, item, ts] = parts as [string, string, string];
  return { user, item, ts };
}

function modelsOf(text: string | undefined): ModelName[] {
  const names = (text ?? 'popularity,itemknn,ease').split(',').map((m) => m.trim());
  for (const m of names)
    if (!(MODEL_NAMES as readonly string[]).includes(m))
      throw new UsageError(`--models takes ${MODEL_NAMES.join(', ')}; got "${m}"`);
  return [...new Set(names as ModelName[])];
}

function setupOf(values: Record<string, string | boolean | undefined>): EvalSetup {
  const text = (name: string) => values[name] as string | undefined;
  const data = text('data');
  if (data === undefined) throw new UsageError('recommend eval needs --data FILE');
  const protocol = text('protocol') ?? 'loo';
  if (protocol !== 'loo' && protocol !== 'temporal')
    throw new UsageError(`--protocol must be loo or temporal, got "${protocol}"`);
  if (values.tune === true && protocol !== 'loo') throw new UsageError('--tune needs --protocol loo');
  if (values['exclude-bought'] === true && values['buy-again'] === true)
    throw new UsageError('--exclude-bought and --buy-again exclude each other');
  const columns = columnsOf(text('format'));
  const items = text('items');
  const wContent = numberOf(text('w-content'), 'w-content', 0, atLeastZero, 'a number ≥ 0');
  const models = modelsOf(text('models'));
  if (items === undefined && (models.includes('content') || wContent > 0))
    throw new UsageError('the content model needs --items FILE (the product attributes)');
  const itemAttributes = (text('item-attributes') ?? 'department,product_category,brand')
    .split(',')
    .map((a) => a.trim());
  if (itemAttributes.some((a) => a === '')) throw new UsageError('--item-attributes must name columns a,b,c');
  return {
    ...(items === undefined ? {} : { items }),
    itemId: text('item-id') ?? columns.item,
    itemAttributes,
    wContent,
    wRecent: numberOf(text('w-recent'), 'w-recent', 0, atLeastZero, 'a number ≥ 0'),
    data,
    columns,
    protocol,
    k: numberOf(text('k'), 'k', 10, wholeAtLeast(1), 'a whole number ≥ 1'),
    models,
    mode: values['buy-again'] === true ? 'buy-again' : 'exclude-bought',
    seed: numberOf(text('seed'), 'seed', 1, wholeAtLeast(0), 'a whole number ≥ 0'),
    negatives: numberOf(text('negatives'), 'negatives', 99, wholeAtLeast(1), 'a whole number ≥ 1'),
    quantile: numberOf(text('quantile'), 'quantile', 0.8, (n) => n > 0 && n < 1, 'between 0 and 1'),
    maxItems: numberOf(text('max-items'), 'max-items', 2000, wholeAtLeast(1), 'a whole number ≥ 1'),
    lambda: numberOf(text('lambda'), 'lambda', 200, positive, 'a number > 0'),
    neighbours: numberOf(text('neighbours'), 'neighbours', 100, wholeAtLeast(1), 'a whole number ≥ 1'),
    shrink: numberOf(text('shrink'), 'shrink', 10, (n) => Number.isFinite(n) && n >= 0, 'a number ≥ 0'),
    halfLifeDays: numberOf(text('half-life'), 'half-life', 30, positive, 'days > 0'),
    minSupport: numberOf(text('min-support'), 'min-support', 2, wholeAtLeast(1), 'a whole number ≥ 1'),
    tune: values.tune === true,
    hybridBase: hybridBaseOf(text('hybrid-base')),
    factors: numberOf(text('factors'), 'factors', 64, wholeAtLeast(1), 'a whole number ≥ 1'),
    alpha: numberOf(text('alpha'), 'alpha', 10, atLeastZero, 'a number ≥ 0'),
    ialsLambda: numberOf(text('ials-lambda'), 'ials-lambda', 1, positive, 'a number > 0'),
    iterations: numberOf(text('iterations'), 'iterations', 10, wholeAtLeast(1), 'a whole number ≥ 1'),
    wCollab: numberOf(text('w-collab'), 'w-collab', 0.5, atLeastZero, 'a number ≥ 0'),
    wPop: numberOf(text('w-pop'), 'w-pop', 1, atLeastZero, 'a number ≥ 0'),
    wRepeat: numberOf(text('w-repeat'), 'w-repeat', values['buy-again'] === true ? 1 : 0, atLeastZero, 'a number ≥ 0'),
    repeatHalfLifeDays: numberOf(text('repeat-half-life'), 'repeat-half-life', 30, positive, 'days > 0'),
  };
}

type ItemTokens = readonly (readonly string[])[];

/**
 * `train` is the split's training part: the hybrid's repeat component reads its events; `tokens`
 * the attribute tokens of each dense item (with --items).
 */
function modelFor(name: ModelName | 'random', s: EvalSetup, train: EventList, tokens?: ItemTokens): Recommender {
  switch (name) {
    case 'random':
      return new RandomModel(s.seed);
    case 'popularity':
      return new PopularityModel();
    case 'popularity-decayed':
      return new PopularityModel({ halfLifeDays: s.halfLifeDays });
    case 'itemknn':
      return new ItemKnnModel({ neighbours: s.neighbours, shrink: s.shrink });
    case 'ease':
      return new EaseModel({ lambda: s.lambda, maxItems: s.maxItems });
    case 'cooccurrence':
      return new CooccurrenceModel({ minSupport: s.minSupport });
    case 'ials':
      return new IalsModel({
        factors: s.factors,
        alpha: s.alpha,
        lambda: s.ialsLambda,
        iterations: s.iterations,
        seed: s.seed,
      });
    case 'content':
      return new ContentModel(tokens ?? []);
    case 'hybrid':
      return new HybridModel({
        collaborative: modelFor(
          s.hybridBase,
          s.hybridEaseLambda === undefined ? s : { ...s, lambda: s.hybridEaseLambda },
          train,
        ),
        ...(tokens === undefined ? {} : { content: new ContentModel(tokens) }),
        weights: {
          collaborative: s.wCollab,
          popularity: s.wPop,
          repeat: s.wRepeat,
          ...(s.wContent > 0 ? { content: s.wContent } : {}),
          ...(s.wRecent > 0 ? { recent: s.wRecent } : {}),
        },
        recentHalfLifeDays: s.halfLifeDays,
        events: train,
        repeatHalfLifeDays: s.repeatHalfLifeDays,
      });
  }
}

interface EvalReport {
  readonly data: string;
  readonly protocol: 'loo' | 'temporal';
  readonly mode: RankingMode;
  readonly k: number;
  readonly seed: number;
  readonly negatives?: number;
  readonly cutMs?: number;
  readonly lines: { readonly accepted: number; readonly rejects: InteractionsFile['rejects'] };
  /** With --items: the attributes file read, and how many of the interactions' items it describes. */
  readonly itemAttributes?: {
    readonly file: string;
    readonly columns: readonly string[];
    readonly accepted: number;
    readonly rejects: ItemAttributesFile['rejects'];
    readonly itemsDescribed: number;
  };
  readonly refused: InteractionsFile['refused'];
  readonly users: number;
  readonly items: number;
  readonly testUsers: number;
  readonly skippedUsers: number;
  readonly easeMaxItems?: number;
  readonly tuned?: Omit<TuneResult, 'trials'> & { readonly trials: number };
  readonly results: readonly ModelScore[];
}

const f4 = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(4));

function markdownOf(r: EvalReport): string {
  const k = r.k;
  const loo = r.protocol === 'loo';
  const head = loo
    ? ['model', `HR@${k}`, `NDCG@${k}`, `HR@${k} (${r.negatives} neg)`, `NDCG@${k} (${r.negatives} neg)`]
    : ['model', `HR@${k}`, `NDCG@${k}`, `Recall@${k}`];
  head.push(`coverage@${k}`, 'train s', 'query ms/user');
  const rows = r.results.map((m) => {
    const cells = loo
      ? [m.model, f4(m.hr), f4(m.ndcg), f4(m.hrSampled), f4(m.ndcgSampled)]
      : [m.model, f4(m.hr), f4(m.ndcg), f4(m.recall)];
    cells.push(f4(m.coverage), (m.trainMs / 1000).toFixed(2), m.queryMs.toFixed(3));
    return `| ${cells.join(' | ')} |`;
  });
  const rejects = Object.entries(r.lines.rejects)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  return [
    `# Recommendation evaluation: ${r.data}`,
    '',
    `${r.lines.accepted} interactions read${rejects === '' ? '' : `, refused: ${rejects}`}; ${r.users} users, ${r.items} items.`,
    `Protocol ${r.protocol === 'loo' ? 'leave-one-out' : `temporal (cut ${new Date(r.cutMs ?? 0).toISOString()})`}, ` +
      `${r.mode === 'exclude-bought' ? 'exclude already bought' : 'buy again allowed'}, K = ${k}, seed ${r.seed}; ` +
      `${r.testUsers} test users, ${r.skippedUsers} skipped.` +
      (r.easeMaxItems === undefined ? '' : ` EASE models the ${r.easeMaxItems} most bought items.`),
    ...(r.itemAttributes === undefined ? [] : [attributesLine(r.itemAttributes)]),
    ...(r.tuned === undefined ? [] : ['', tunedLine(r.tuned)]),
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows,
    '',
  ].join('\n');
}

function attributesLine(a: NonNullable<EvalReport['itemAttributes']>): string {
  const rejects = Object.entries(a.rejects)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  return (
    `Content from ${a.file} (${a.columns.join(', ')}): ${a.accepted} products read` +
    `${rejects === '' ? '' : `, refused: ${rejects}`}; ${a.itemsDescribed} of the items described.`
  );
}

function tunedLine(t: NonNullable<EvalReport['tuned']>): string {
  const parts: string[] = [];
  if (t.easeLambda !== undefined) parts.push(`EASE λ ${t.easeLambda}`);
  if (t.ials !== undefined) parts.push(`iALS factors ${t.ials.factors}, α ${t.ials.alpha}, λ ${t.ials.lambda}`);
  if (t.hybrid !== undefined) {
    const w = t.hybrid.weights;
    parts.push(
      `hybrid weights collaborative ${w.collaborative}, popularity ${w.popularity}, repeat ${w.repeat}` +
        (w.content === undefined ? '' : `, content ${w.content}`) +
        (w.recent === undefined ? '' : `, recent popularity ${w.recent}`) +
        (t.hybrid.easeLambda === undefined ? '' : ` (EASE λ ${t.hybrid.easeLambda})`),
    );
  }
  return (
    `Tuned on a validation hold-out (each user's second-to-last interaction, ${t.validationUsers} users, ` +
    `${t.trials} candidates, by the worst NDCG@K ratio to the popularity baselines, plain and decayed, ` +
    `all items and sampled negatives; test items unseen): ${parts.join('; ')}.`
  );
}

/** Tunes on validation, then returns the setup with the chosen values (refit on all training by the caller). */
function tuned(
  ix: Parameters<typeof tune>[0],
  split: Split,
  setup: EvalSetup,
  quiet: boolean,
  tokens: ItemTokens | undefined,
): { setup: EvalSetup; result: TuneResult } {
  const bar = quiet
    ? undefined
    : new cliProgress.SingleBar(
        { format: 'tuning {bar} {value}/{total} {label}', hideCursor: true, stream: process.stderr },
        cliProgress.Presets.shades_classic,
      );
  bar?.start(1, 0, { label: '' });
  const result = tune(ix, split, setup.negatives, {
    k: setup.k,
    mode: setup.mode,
    seed: setup.seed,
    ease: setup.models.includes('ease'),
    ials: setup.models.includes('ials') || (setup.models.includes('hybrid') && setup.hybridBase === 'ials'),
    ...(setup.models.includes('hybrid') ? { hybrid: setup.hybridBase } : {}),
    makeBase: (base, ials) =>
      modelFor(
        base,
        ials === undefined ? setup : { ...setup, factors: ials.factors, alpha: ials.alpha, ialsLambda: ials.lambda },
        split.train,
      ),
    ...(tokens === undefined ? {} : { makeContent: () => new ContentModel(tokens) }),
    anchors: [new PopularityModel(), new PopularityModel({ halfLifeDays: setup.halfLifeDays })],
    maxItems: setup.maxItems,
    repeatHalfLifeDays: setup.repeatHalfLifeDays,
    recentHalfLifeDays: setup.halfLifeDays,
    iterations: setup.iterations,
    onStep: (done, total, label) => {
      bar?.setTotal(total);
      bar?.update(done, { label });
    },
  });
  bar?.stop();
  const h = result.hybrid;
  const next: EvalSetup = {
    ...setup,
    ...(result.easeLambda === undefined ? {} : { lambda: result.easeLambda }),
    ...(result.ials === undefined
      ? {}
      : { factors: result.ials.factors, alpha: result.ials.alpha, ialsLambda: result.ials.lambda }),
    ...(h === undefined
      ? {}
      : {
          wCollab: h.weights.collaborative,
          wPop: h.weights.popularity,
          wRepeat: h.weights.repeat,
          wContent: h.weights.content ?? 0,
          wRecent: h.weights.recent ?? 0,
          ...(h.easeLambda === undefined ? {} : { hybridEaseLambda: h.easeLambda }),
        }),
  };
  if (!quiet) process.stderr.write(`${tunedLine({ ...result, trials: result.trials.length })}\n`);
  return { setup: next, result };
}

async function evalCommand(given: EvalSetup, values: Record<string, string | boolean | undefined>): Promise<number> {
  let setup = given;
  const file = await readInteractionsCsv(setup.data, setup.columns);
  const ix = file.interactions;
  const split: Split =
    setup.protocol === 'loo' ? leaveOneOut(ix, setup.mode) : temporalSplit(ix, setup.mode, setup.quantile);
  const negatives =
    setup.protocol === 'loo'
      ? { ids: sampleNegatives(ix, split, setup.negatives, setup.seed), perUser: setup.negatives }
      : undefined;
  const attributes =
    setup.items === undefined
      ? undefined
      : await readItemAttributesCsv(setup.items, { id: setup.itemId, attributes: setup.itemAttributes });
  const tokens = attributes === undefined ? undefined : itemTokensOf(ix.items, attributes.attributes);
  const tuning = setup.tune ? tuned(ix, split, setup, values.quiet === true, tokens) : undefined;
  if (tuning !== undefined) setup = tuning.setup;
  const names: (ModelName | 'random')[] = ['random', 'popularity', ...setup.models.filter((m) => m !== 'popularity')];
  const quiet = values.quiet === true;
  const bars = quiet
    ? undefined
    : new cliProgress.MultiBar(
        { format: '{model} [{bar}] {value}/{total} users', hideCursor: true, stream: process.stderr },
        cliProgress.Presets.shades_classic,
      );
  const results: ModelScore[] = [];
  for (const name of names) {
    const bar = bars?.create(split.testUsers.length, 0, { model: name.padEnd(18) });
    results.push(
      evaluateModel(ix, split, modelFor(name, setup, split.train, tokens), {
        k: setup.k,
        mode: setup.mode,
        ...(negatives === undefined ? {} : { negatives }),
        clock: () => performance.now(),
        onProgress: (done) => {
          if (done % 64 === 0 || done === split.testUsers.length) bar?.update(done);
        },
      }),
    );
  }
  bars?.stop();
  const report: EvalReport = {
    data: setup.data,
    protocol: setup.protocol,
    mode: setup.mode,
    k: setup.k,
    seed: setup.seed,
    ...(negatives === undefined ? {} : { negatives: setup.negatives }),
    ...(split.cutMs === undefined ? {} : { cutMs: split.cutMs }),
    lines: { accepted: file.accepted, rejects: file.rejects },
    ...(attributes === undefined || setup.items === undefined
      ? {}
      : {
          itemAttributes: {
            file: setup.items,
            columns: setup.itemAttributes,
            accepted: attributes.accepted,
            rejects: attributes.rejects,
            itemsDescribed: ix.items.filter((id) => attributes.attributes.has(id)).length,
          },
        }),
    refused: file.refused,
    users: ix.users.length,
    items: ix.items.length,
    testUsers: split.testUsers.length,
    skippedUsers: split.skippedUsers,
    ...(tuning === undefined ? {} : { tuned: { ...tuning.result, trials: tuning.result.trials.length } }),
    ...(setup.models.includes('ease') || (setup.models.includes('hybrid') && setup.hybridBase === 'ease')
      ? { easeMaxItems: setup.maxItems }
      : {}),
    results,
  };
  const markdown = markdownOf(report);
  const out = values.report as string | undefined;
  if (out !== undefined) writeReport(out, markdown, report);
  process.stdout.write(values.json === true ? `${JSON.stringify(report)}\n` : markdown);
  return 0;
}

export async function recommendCli(argv: readonly string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        data: { type: 'string' },
        format: { type: 'string' },
        protocol: { type: 'string' },
        k: { type: 'string' },
        models: { type: 'string' },
        'exclude-bought': { type: 'boolean', default: false },
        'buy-again': { type: 'boolean', default: false },
        seed: { type: 'string' },
        negatives: { type: 'string' },
        quantile: { type: 'string' },
        'max-items': { type: 'string' },
        lambda: { type: 'string' },
        neighbours: { type: 'string' },
        shrink: { type: 'string' },
        'half-life': { type: 'string' },
        'min-support': { type: 'string' },
        'hybrid-base': { type: 'string' },
        factors: { type: 'string' },
        alpha: { type: 'string' },
        'ials-lambda': { type: 'string' },
        iterations: { type: 'string' },
        'w-collab': { type: 'string' },
        'w-pop': { type: 'string' },
        'w-repeat': { type: 'string' },
        'repeat-half-life': { type: 'string' },
        items: { type: 'string' },
        'item-id': { type: 'string' },
        'item-attributes': { type: 'string' },
        'w-content': { type: 'string' },
        'w-recent': { type: 'string' },
        tune: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        report: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      process.stdout.write(RECOMMEND_USAGE);
      return 0;
    }
    const [command, ...extra] = positionals;
    if (command !== 'eval') throw new UsageError('recommend needs eval');
    if (extra.length > 0) throw new UsageError(`unexpected ${extra.join(' ')}`);
    return await evalCommand(setupOf(values), values);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (isUsageError(error)) {
      process.stderr.write(`aisle-hub recommend: ${(error as Error).message}\n${RECOMMEND_USAGE}`);
      return 2;
    }
    if (error instanceof CsvHeaderError || code === 'ENOENT' || code === 'EISDIR') {
      process.stderr.write(`aisle-hub recommend: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}
