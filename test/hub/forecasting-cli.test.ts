/**
 * `aisle-hub forecast eval|train` end to end on a small CSV: the report names the model and every
 * baseline with finite accuracy and the quantized bundle sizes; `train` writes a signed bundle that
 * verifies with the hub's public key; bad invocations exit 2 with the reason.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { KyselySeriesRepository, type SeriesItem, toSeriesItem } from '../../hub/src/ingest/series.repository.js';
import { openSqlite } from '../../hub/src/storage/database.js';
import { verifyBundle } from '../../protocols/src/model-bundle.js';

const run = promisify(execFile);
const HUB = join(import.meta.dirname, '../../hub/src/main.ts');
/** The hub's TypeScript sources run as a child process (as `aisle-hub` would be run). */
const TS_NODE = [
  '--conditions=aisle-source',
  '--import',
  fileURLToPath(new URL('../helpers/ts-register.mjs', import.meta.url)),
];

describe('aisle-hub forecast', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-forecast-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Two doors, 10 weeks of hourly entries with a daily and weekly rhythm.
  const csv = join(dir, 'doors.csv');
  const start = Date.UTC(2026, 0, 5);
  const rows = ['series,timestamp,value'];
  for (const door of ['north', 'south'])
    for (let t = 0; t < 24 * 70; t++) {
      const hour = t % 24;
      const weekday = Math.floor(t / 24) % 7;
      const base =
        (door === 'north' ? 40 : 15) * (hour >= 8 && hour <= 20 ? 1 + Math.sin(((hour - 8) * Math.PI) / 12) : 0.1);
      rows.push(`${door},${start + t * 3_600_000},${Math.round(base * (weekday >= 5 ? 1.4 : 1) + ((t * 7919) % 5))}`);
    }
  writeFileSync(csv, `${rows.join('\n')}\n`);
  const hub = (...args: string[]) =>
    run(process.execPath, [...TS_NODE, HUB, 'forecast', ...args], { timeout: 120_000 });
  const small = [
    '--window',
    '168',
    '--hidden',
    '16',
    '--epochs',
    '3',
    '--origins',
    '7',
    '--quiet',
    '--backend',
    'wasm',
  ];

  it('evaluates the model against every baseline and reports the quantized bundles', async () => {
    const out = join(dir, 'report');
    await hub('eval', '--data', csv, '--out', out, '--holidays', 'AU-VIC', ...small);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.backend).toBe('wasm');
    expect(report.setup.features.calendar).toContain('holiday');
    expect(report.setup.features.holidays).toEqual(expect.arrayContaining(['2026-01-26', '2026-12-25', '2027-12-25']));
    expect(report.baselines.map((b: { forecaster: string }) => b.forecaster)).toContain('seasonal-naive-168');
    expect(report.model.map((m: { quant: string }) => m.quant)).toEqual(['float32', 'float16', 'uint8']);
    for (const score of [...report.baselines, ...report.model.map((m: { score: unknown }) => m.score)])
      expect(Number.isFinite(score.mean.mase)).toBe(true);
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    expect(markdown).toContain('| global-mlp-uint8 |');
    expect(markdown).toContain('| seasonal-naive-168 |');
  }, 180_000);

  it('trains and writes a bundle signed with the given key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const key = join(dir, 'hub.pem');
    writeFileSync(key, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const out = join(dir, 'bundle');
    await hub(
      'train',
      '--data',
      csv,
      '--out',
      out,
      '--key',
      key,
      '--key-id',
      'hub-1',
      ...small.filter((a) => a !== '7' && a !== '--origins'),
    );
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    const files = new Map<string, Uint8Array>(
      manifest.files.map((f: { path: string }) => [f.path, new Uint8Array(readFileSync(join(out, f.path)))]),
    );
    expect(manifest.quant).toBe('uint8');
    const golden = JSON.parse(readFileSync(join(out, 'golden.json'), 'utf8'));
    expect(golden.input).toHaveLength(2); // the latest window of each door
    expect(golden.output[0]).toHaveLength(24);
    const intervals = JSON.parse(readFileSync(join(out, 'intervals.json'), 'utf8'));
    expect(intervals.level).toBe(0.8);
    expect(intervals.lower).toHaveLength(24);
    expect(intervals.upper.every((u: number, h: number) => u >= intervals.lower[h])).toBe(true);
    expect(verifyBundle(manifest, files, new Map([['hub-1', publicKey]])).ok).toBe(true);
  }, 180_000);

  it("trains from the telemetry a hub stored, on the site's local clock", async () => {
    // A hub's SQLite store holding 10 weeks of door intervals, written as ingest writes them.
    const hubData = join(dir, 'hub-data');
    const db = await openSqlite(hubData);
    const first = Date.parse('2026-01-04T23:00:00Z'); // Monday 00:00 in Berlin
    const items: SeriesItem[] = [];
    let seq = 0;
    for (let t = 0; t < 24 * 70; t++)
      for (const door of ['north', 'south']) {
        seq++;
        const hour = (t + 1) % 24;
        const entered = (door === 'north' ? 30 : 10) * (hour >= 8 && hour <= 20 ? 2 : 0.2) + (seq % 3);
        items.push(
          toSeriesItem(
            {
              id: `0190a000-0000-7000-8000-${String(seq).padStart(12, '0')}`,
              type: 'footfall.interval',
              src: { site: 'berlin-1', device: 'gw-1' },
              boot: 1,
              seq,
              ts: first + t * 3_600_000 + 30 * 60_000,
              tq: 'ntp',
              data: { door, in: Math.round(entered), out: 0, intervalMs: 3_600_000, occupancy: 0 },
            },
            'gw-1',
            'live',
          ),
        );
      }
    await new KyselySeriesRepository(db).write(items);
    await db.destroy();
    const config = join(dir, 'hub.json');
    writeFileSync(config, JSON.stringify({ dataDir: hubData }));
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const key = join(dir, 'hub-telemetry.pem');
    writeFileSync(key, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const out = join(dir, 'telemetry-bundle');
    await hub(
      'train',
      '--hub-config',
      config,
      '--site',
      'berlin-1',
      '--from',
      '2026-01-05T00:00:00+01:00',
      '--to',
      '2026-03-16T00:00:00+01:00',
      '--time-zone',
      'Europe/Berlin',
      '--version',
      '2026.3.16',
      '--out',
      out,
      '--key',
      key,
      '--key-id',
      'hub-1',
      ...small.filter((a) => a !== '7' && a !== '--origins'),
    );
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ version: '2026.3.16', task: 'footfall' });
    expect(manifest.features.timeZone).toBe('Europe/Berlin');
    const golden = JSON.parse(readFileSync(join(out, 'golden.json'), 'utf8'));
    expect(golden.input).toHaveLength(2); // one window per door
    const files = new Map<string, Uint8Array>(
      manifest.files.map((f: { path: string }) => [f.path, new Uint8Array(readFileSync(join(out, f.path)))]),
    );
    expect(verifyBundle(manifest, files, new Map([['hub-1', publicKey]])).ok).toBe(true);
    await expect(
      hub(
        'train',
        '--hub-config',
        config,
        '--site',
        'berlin-1',
        '--from',
        '2026-01-05',
        '--to',
        '2026-03-16T00:00:00Z',
      ),
    ).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--from must be ISO 8601 with an offset') });
  }, 180_000);

  it('exits 2 naming what is wrong', async () => {
    await expect(hub('eval')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--data FILE or --hub-config FILE is required'),
    });
    await expect(hub('train', '--data', csv)).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--key'),
    });
    await expect(hub('eval', '--data', csv, '--task', 'weather')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--task'),
    });
    await expect(hub('eval', '--data', join(dir, 'missing.csv'))).rejects.toMatchObject({ code: 2 });
    await expect(hub('eval', '--data', csv, '--holidays', 'XX-YY')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no holiday calendar'),
    });
  }, 60_000);
});
