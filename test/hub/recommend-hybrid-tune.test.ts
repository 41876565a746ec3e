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
import { buildInteractions } from '../../hub/src/recommendation/engine/interactions.js';
import { leaveOneOut } from '../../hub/src/recommendation/engine/protocols.js';
import { validationOf } from '../../hub/src/recommendation/engine/tune.js';
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
