/**
 * `aisle-hub recommend eval` in-process on a tiny file (the one of recommend-protocols, written as
 * a CSV with other column names and one bad line): the table has every model and the baselines,
 * popularity's HR@10 and NDCG@10 are the hand-computed ones, `--json` parses, `--report` writes
 * report.md and report.json, and bad invocations exit 2 with the usage.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recommendCli } from '../../hub/src/recommendation/cli.js';
import { captureCli } from '../helpers/cli-capture.js';

const run = (argv: string[]) => captureCli(recommendCli, argv);

const dir = mkdtempSync(join(tmpdir(), 'aisle-recommend-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const day = (d: number) => `2024-01-${String(d).padStart(2, '0')}T10:00:00Z`;
const rows: [string, string, number][] = [
  ['u1', 'a', 1],
  ['u1', 'b', 2],
  ['u1', 'c', 3],
  ['u2', 'a', 1],
  ['u2', 'b', 4],
  ['u3', 'a', 2],
  ['u3', 'd', 5],
  ...Array.from({ length: 10 }, (_, i): [string, string, number] => [
    'u4',
    `f${String(i + 1).padStart(2, '0')}`,
    i + 1,
  ]),
  ['u4', 'g', 11],
  ['u5', 'b', 1],
  ['u5', 'a', 2],
];
const DATA = join(dir, 'tiny.csv');
writeFileSync(
  DATA,
  `hh,store,sku,when\n${rows.map(([u, i, d]) => `${u},s1,${i},${day(d)}`).join('\n')}\nu9,s1,x,not-a-date\n`,
);
const FORMAT = ['--format', 'hh,sku,when'];

interface Report {
  results: { model: string; hr: number; ndcg: number; hrSampled?: number; recall: number; coverage: number }[];
  lines: { accepted: number; rejects: Record<string, number> };
  refused: { line: number; reason: string }[];
  testUsers: number;
}

describe('aisle-hub recommend eval', () => {
  it('tables every model and the baselines under leave-one-out; popularity matches the hand computation', async () => {
    const { code, stdout } = await run(['eval', '--data', DATA, ...FORMAT, '--quiet']);
    expect(code).toBe(0);
    for (const model of ['random', 'popularity', 'itemknn', 'ease'])
      expect(stdout).toMatch(new RegExp(`^\\| ${model} \\|`, 'm'));
    expect(stdout).toContain('| model | HR@10 | NDCG@10 | HR@10 (99 neg) | NDCG@10 (99 neg) | coverage@10 |');
    expect(stdout).toMatch(/^\| popularity \| 0\.6000 \| 0\.4878 \| 0\.6000 \| 0\.4878 \| 1\.0000 \|/m);
    expect(stdout).toContain('refused: INTERACTION_TS_INVALID 1');
  });

  it('--json parses, names the refused line, and --buy-again gives the other hand-computed row', async () => {
    const { code, stdout } = await run(['eval', '--data', DATA, ...FORMAT, '--buy-again', '--json', '--quiet']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expect(report.lines.accepted).toBe(20);
    expect(report.refused).toEqual([{ line: 22, reason: 'INTERACTION_TS_INVALID' }]);
    const pop = report.results.find((r) => r.model === 'popularity');
    expect(pop?.hr).toBeCloseTo(0.4, 10);
    expect(pop?.ndcg).toBeCloseTo((1 / Math.log2(3) + 1) / 5, 10);
  });

  it('runs the temporal protocol with Recall@K and writes the report files', async () => {
    const out = join(dir, 'report');
    const { code, stdout } = await run([
      'eval',
      '--data',
      DATA,
      ...FORMAT,
      '--protocol',
      'temporal',
      '--quantile',
      '0.5',
      '--models',
      'popularity,cooccurrence',
      '--report',
      out,
      '--quiet',
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain('| model | HR@10 | NDCG@10 | Recall@10 | coverage@10 |');
    expect(stdout).toMatch(/^\| cooccurrence \|/m);
    expect(existsSync(join(out, 'report.md'))).toBe(true);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    expect(report.testUsers).toBe(4);
    expect(report.results.map((r) => r.model)).toEqual(['random', 'popularity', 'cooccurrence']);
  });

  it('exits 2 with the usage on bad flags and with the reason on a bad file', async () => {
    for (const argv of [
      ['eval', '--data', DATA, '--protocol', 'kfold'],
      ['eval', '--data', DATA, '--k', '0'],
      ['eval', '--data', DATA, '--models', 'svd'],
      ['eval', '--data', DATA, '--exclude-bought', '--buy-again'],
      ['eval', '--data', DATA, '--format', 'hh,sku'],
      ['eval', '--data', DATA, '--bogus'],
      ['eval'],
      ['train', '--data', DATA],
    ]) {
      const { code, stderr } = await run(argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(stderr).toContain('aisle-hub recommend eval --data FILE');
    }
    const missingColumn = await run(['eval', '--data', DATA]);
    expect(missingColumn.code).toBe(2);
    expect(missingColumn.stderr).toContain('CSV_HEADER_MISSING_COLUMN');
    const missingFile = await run(['eval', '--data', join(dir, 'nope.csv')]);
    expect(missingFile.code).toBe(2);
  });
});
