/**
 * The content model on a six-product shop small enough to reason about: a customer with no
 * history is ranked by popularity, a product nobody bought yet still reaches the customers who
 * buy its category, a brand-new product (not in the fitted catalogue) is scored from its tokens
 * alone, and the hybrid's content component and the CLI's --items wire it in. The attributes
 * reader keeps bad lines out with their line numbers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recommendCli } from '../../hub/src/recommendation/cli.js';
import { ContentModel } from '../../hub/src/recommendation/engine/content.js';
import { HybridModel } from '../../hub/src/recommendation/engine/hybrid.js';
import type { EventList } from '../../hub/src/recommendation/engine/interactions.js';
import { feedbackMatrix } from '../../hub/src/recommendation/engine/matrix.js';
import { PopularityModel } from '../../hub/src/recommendation/engine/popularity.js';
import { itemTokensOf, readItemAttributesCsv } from '../../hub/src/recommendation/engine/readers.js';
import { captureCli } from '../helpers/cli-capture.js';

const DAY = 86_400_000;
const tok = (department: string, category: string) => [`department=${department}`, `category=${category}`];
// 0 milk, 1 milk, 2 cheese, 3 bread, 4 bread nobody bought, 5 apples, 6 yoghurt nobody bought.
const TOKENS = [
  tok('DAIRY', 'MILK'),
  tok('DAIRY', 'MILK'),
  tok('DAIRY', 'CHEESE'),
  tok('BAKERY', 'BREAD'),
  tok('BAKERY', 'BREAD'),
  tok('PRODUCE', 'APPLES'),
  tok('DAIRY', 'YOGHURT'),
];
const ITEMS = TOKENS.length;
// User 0 buys dairy; users 1 and 3 bread and apples; user 2 bread; user 4 nothing (a cold user).
const PAIRS: [number, number][] = [
  [0, 0],
  [0, 1],
  [0, 2],
  [1, 3],
  [1, 5],
  [2, 3],
  [3, 3],
  [3, 5],
  [3, 0],
];
const EV: EventList = {
  user: Int32Array.from(PAIRS.map((p) => p[0])),
  item: Int32Array.from(PAIRS.map((p) => p[1])),
  tsMs: Float64Array.from(PAIRS.map((_, k) => k * DAY)),
};
const M = feedbackMatrix(EV, 5, ITEMS);

function scores(model: { scoreInto(u: number, into: Float32Array): void }, user: number): Float32Array {
  const out = new Float32Array(ITEMS).fill(Number.NaN);
  model.scoreInto(user, out);
  return out;
}

function ranked(s: Float32Array): number[] {
  return Array.from({ length: s.length }, (_, j) => j).sort((a, b) => (s[b] as number) - (s[a] as number) || a - b);
}

describe('ContentModel', () => {
  it('ranks a user with no history by popularity (exactly, without item smoothing)', () => {
    const content = new ContentModel(TOKENS, { itemSmoothing: 0 });
    content.fit(M);
    const pop = new PopularityModel();
    pop.fit(M);
    const c = scores(content, 4);
    const p = scores(pop, 4);
    // bread 3 buyers, milk 0 and apples 2, milk 1 and cheese 1, the unbought bread and yoghurt 0.
    for (let j = 0; j < ITEMS; j++) expect(c[j]).toBeCloseTo((((p[j] as number) / 9) * (c[3] as number)) / (3 / 9), 6);
    expect(ranked(c).slice(0, 3)).toEqual([3, 0, 5]);
  });

  it('a never-bought item reaches the users who buy its department, ahead of the other never-bought items', () => {
    const content = new ContentModel(TOKENS);
    content.fit(M);
    const bakeryShopper = scores(content, 2);
    const dairyShopper = scores(content, 0);
    expect(bakeryShopper[4]).toBeGreaterThan(0);
    expect(bakeryShopper[4]).toBeGreaterThan(bakeryShopper[6] as number);
    expect(dairyShopper[6]).toBeGreaterThan(dairyShopper[4] as number);
    // The same cold bread ranks higher for the bakery shopper than for the dairy shopper.
    expect(ranked(bakeryShopper).indexOf(4)).toBeLessThan(ranked(dairyShopper).indexOf(4));
  });

  it('scores a product it was never fitted with from its tokens, for the users who buy its category', () => {
    const content = new ContentModel(TOKENS);
    content.fit(M);
    const newCheese = tok('DAIRY', 'CHEESE');
    expect(content.scoreAttributes(0, newCheese)).toBeGreaterThan(content.scoreAttributes(2, newCheese));
    expect(content.scoreAttributes(0, newCheese)).toBeGreaterThan(content.scoreAttributes(0, tok('BAKERY', 'ROLLS')));
    // Unknown tokens add nothing: a product of an unknown department scores as the catalogue token alone.
    expect(content.scoreAttributes(0, ['department=GARDEN'])).toBeCloseTo(content.scoreAttributes(0, []), 12);
  });

  it('items without attributes (and items past the token list) still rank by popularity', () => {
    const content = new ContentModel(TOKENS.map(() => []));
    content.fit(M);
    expect(ranked(scores(content, 1)).slice(0, 3)).toEqual([3, 0, 5]);
    const short = new ContentModel(TOKENS.slice(0, 2));
    short.fit(M);
    const s = scores(short, 4);
    expect(s[3]).toBeGreaterThan(s[2] as number);
    expect(Number.isNaN(s[5])).toBe(false);
  });
});

describe('the hybrid’s content component', () => {
  it('with content weight alone, ranks as the content model; a content weight without a model is refused', () => {
    const content = new ContentModel(TOKENS);
    content.fit(M);
    const h = new HybridModel({
      collaborative: new PopularityModel(),
      content: new ContentModel(TOKENS),
      weights: { collaborative: 0, popularity: 0, repeat: 0, content: 1 },
    });
    h.fit(M);
    expect(h.name).toContain('content 1');
    expect(ranked(scores(h, 2))).toEqual(ranked(scores(content, 2)));
    expect(
      () =>
        new HybridModel({
          collaborative: new PopularityModel(),
          weights: { collaborative: 0, popularity: 1, repeat: 0, content: 1 },
        }),
    ).toThrow(/content model/);
  });
});

describe('readItemAttributesCsv and recommend eval --items', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-recommend-content-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const products = join(dir, 'products.csv');
  writeFileSync(
    products,
    [
      'product_id,manufacturer_id,department,brand,product_category',
      'a,1,DAIRY,National,MILK',
      'b,1,DAIRY,Private,',
      ',2,BAKERY,National,BREAD',
      'a,3,BAKERY,National,BREAD',
      'c,2,BAKERY,National,BREAD',
      'd,2,BAKERY',
    ].join('\n'),
  );

  it('reads tokens column=value, skips empty values and refuses bad lines with their number', async () => {
    const file = await readItemAttributesCsv(products, {
      id: 'product_id',
      attributes: ['department', 'product_category', 'brand'],
    });
    expect(file.attributes.get('a')).toEqual(['department=DAIRY', 'product_category=MILK', 'brand=National']);
    expect(file.attributes.get('b')).toEqual(['department=DAIRY', 'brand=Private']);
    expect(file.accepted).toBe(3);
    expect(file.rejects).toEqual({ ITEM_ID_EMPTY: 1, ITEM_ID_DUPLICATE: 1, COLUMN_COUNT: 1 });
    expect(file.refused).toEqual([
      { line: 4, reason: 'ITEM_ID_EMPTY' },
      { line: 5, reason: 'ITEM_ID_DUPLICATE' },
      { line: 7, reason: 'COLUMN_COUNT' },
    ]);
    expect(itemTokensOf(['c', 'zz'], file.attributes)).toEqual([
      ['department=BAKERY', 'product_category=BREAD', 'brand=National'],
      [],
    ]);
  });

  const data = join(dir, 'tiny.csv');
  const lines = ['u,i,t'];
  for (let u = 0; u < 6; u++) for (let d = 0; d < 3; d++) lines.push(`u${u},${'abc'[(u + d) % 3]},${(d + 1) * 86_400}`);
  writeFileSync(data, `${lines.join('\n')}\n`);
  const base = ['eval', '--data', data, '--format', 'u,i,t', '--quiet'];

  it('tables the content model and the hybrid (content and recent popularity) with --items, and says what the attributes file covered', async () => {
    const { code, stdout } = await captureCli(recommendCli, [
      ...base,
      '--models',
      'content,hybrid',
      '--items',
      products,
      '--item-id',
      'product_id',
      '--w-content',
      '1',
      '--w-recent',
      '0.5',
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\| content\(/m);
    expect(stdout).toMatch(/^\| hybrid\(ease 0\.5, pop 1, recent\(30d\) 0\.5, repeat 0, content 1\)/m);
    expect(stdout).toContain(
      '3 products read, refused: ITEM_ID_EMPTY 1, ITEM_ID_DUPLICATE 1, COLUMN_COUNT 1; 3 of the items described',
    );
  });

  it('refuses the content model without --items', async () => {
    const { code, stderr } = await captureCli(recommendCli, [...base, '--models', 'content']);
    expect(code).toBe(2);
    expect(stderr).toContain('needs --items FILE');
  });
});
