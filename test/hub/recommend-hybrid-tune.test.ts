/**
 * Honest tuning: the validation hold-out is each user's second-to-last interaction taken from the
 * training part, so the test item is in neither the validation training events nor its answers;
 * `recommend eval --tune` prints the chosen values and refuses the temporal protocol.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recommendCli } from '../../hub/src/recommendation/cli.js';
import { ContentModel } from '../../hub/src/recommendation/engine/content.js';
import { buildInteractions } from '../../hub/src/recommendation/engine/interactions.js';
import { PopularityModel } from '../../hub/src/recommendation/engine/popularity.js';
import { leaveOneOut } from '../../hub/src/recommendation/engine/protocols.js';
import { tune, validationOf } from '../../hub/src/recommendation/engine/tune.js';
import { captureCli } from '../helpers/cli-capture.js';

const DAY = 86_400_000;
const ix = buildInteractions([
  { user: 'u1', item: 'a', tsMs: 1 * DAY },
  { user: 'u1', item: 'b', tsMs: 2 * DAY },
  { user: 'u1', item: 'c', tsMs: 3 * DAY },
  { user: 'u2', item: 'a', tsMs: 1 * DAY },
  { user: 'u2', item: 'b', tsMs: 2 * DAY },
  { user: 'u2', item: 'a', tsMs: 3 * DAY },
  { user: 'u2', item: 'd', tsMs: 4 * DAY },
  { user: 'u3', item: 'd', tsMs: 1 * DAY },
]);
const id = (item: string) => ix.itemIndex.get(item) as number;
const user = (u: string) => ix.userIndex.get(u) as number;

describe('validation hold-out', () => {
  it('holds out the second-to-last interaction under exclude-bought; the test item is never seen', () => {
    const split = leaveOneOut(ix, 'exclude-bought');
    const v = validationOf(ix, split, 'exclude-bought', 2, 1);
    // u1: test c, validation b, trains on a. u2 (distinct a, b, d): test d, validation b. u3: too short.
    expect([...v.split.testUsers]).toEqual([user('u1'), user('u2')]);
    expect([...v.split.relevant]).toEqual([id('b'), id('b')]);
    const seen = [...v.split.train.item];
    expect(seen).not.toContain(id('c'));
    expect(v.split.train.user.filter((u) => u === user('u2')).length).toBe(1);
  });

  it('under buy-again the re-purchase is the validation item', () => {
    const split = leaveOneOut(ix, 'buy-again');
    const v = validationOf(ix, split, 'buy-again', 2, 1);
    expect([...v.split.relevant]).toEqual([id('b'), id('a')]);
  });
});

describe('the tuning objective', () => {
  // 8 users over 7 items, each buying 5 in a row of the cycle: enough to validate every user.
  const events = [];
  for (let u = 0; u < 8; u++)
    for (let d = 0; d < 5; d++) events.push({ user: `u${u}`, item: `i${(u + d) % 7}`, tsMs: (d + 1) * DAY });
  const cyc = buildInteractions(events);

  it('is the worse NDCG ratio to popularity: the popularity-only blend scores exactly 1, and content joins the grid', () => {
    const split = leaveOneOut(cyc, 'buy-again');
    const result = tune(cyc, split, 3, {
      k: 2,
      mode: 'buy-again',
      seed: 1,
      ease: false,
      ials: false,
      hybrid: 'itemknn',
      makeBase: () => new PopularityModel(),
      makeContent: () => new ContentModel(cyc.items.map((i) => [`shelf=${Number(i.slice(1)) % 2}`])),
      maxItems: 10,
      repeatHalfLifeDays: 30,
      iterations: 1,
    });
    const popOnly = result.trials.find((t) => /^hybrid\(.* 0, pop 1, repeat 0\)$/.test(t.label));
    expect(popOnly?.objective).toBe(1);
    expect(result.trials.some((t) => t.label.includes('content 1'))).toBe(true);
    const pop = popOnly as NonNullable<typeof popOnly>;
    for (const t of result.trials)
      expect(t.objective).toBeCloseTo(Math.min(t.ndcg / pop.ndcg, t.ndcgSampled / pop.ndcgSampled), 9);
    const best = Math.max(...result.trials.map((t) => t.objective));
    expect(best).toBeGreaterThanOrEqual(1);
    expect(result.hybrid).toBeDefined();
  });
});

describe('aisle-hub recommend eval --tune', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-recommend-tune-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, 'tiny.csv');
  const lines = ['u,i,t'];
  for (let u = 0; u < 8; u++) for (let d = 0; d < 5; d++) lines.push(`u${u},i${(u + d) % 7},${(d + 1) * 86_400}`);
  writeFileSync(data, `${lines.join('\n')}\n`);

  it('prints the chosen values and tables the tuned models', async () => {
    const { code, stdout } = await captureCli(recommendCli, [
      'eval',
      '--data',
      data,
      '--format',
      'u,i,t',
      '--models',
      'ease,hybrid',
      '--buy-again',
      '--tune',
      '--quiet',
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Tuned on a validation hold-out .*EASE λ \d+; hybrid weights collaborative/);
    expect(stdout).toMatch(/^\| hybrid\(ease /m);
  });

  it('refuses --tune under the temporal protocol', async () => {
    const { code, stderr } = await captureCli(recommendCli, [
      'eval',
      '--data',
      data,
      '--format',
      'u,i,t',
      '--protocol',
      'temporal',
      '--tune',
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain('--tune needs --protocol loo');
  });
});
