#!/usr/bin/env node
// `npm start`: runs what aisle has today, with embedded defaults and no servers to install.
// At the foundation stage that is the simulator's serial devices feeding the edge gateway's
// serial decoder, and the hub's contract check; each later component joins this demo.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId, topics } from '@aisle/protocols';

const root = join(import.meta.dirname, '..');
const bin = (pkg) => join(root, pkg, 'dist/main.js');

/** Runs `node <script> args`, optionally feeding stdin; resolves with stdout, rejects on failure. */
function run(script, args, stdin) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 || code === 1 ? resolve({ code, out }) : reject(new Error(`${script} exited ${code}`)),
    );
    if (stdin === undefined) child.stdin.end();
    else stdin.pipe(child.stdin);
  });
}

async function serialDemo() {
  const frames = 600;
  const sim = spawn(
    process.execPath,
    [bin('device-sim'), 'frames', '--count', String(frames), '--seed', '7', '--garbage', '0.1', '--truncate', '0.05'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const { out } = await run(bin('edge'), ['serial-decode'], sim.stdout);
  const lines = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const summary = lines.pop().summary;
  const kinds = {};
  for (const s of lines) kinds[s.kind] = (kinds[s.kind] ?? 0) + 1;
  const lastWeight = lines.findLast((s) => s.kind === 'shelf-weight');
  const lastFix = lines.findLast((s) => s.kind === 'rmc');
  console.log(
    `1. simulator → serial line → edge decoder: ${frames} frames, 10% with garbage before them, 5% cut short`,
  );
  console.log(`   decoded ${summary.sentences} sentences ${JSON.stringify(kinds)}`);
  console.log(
    `   rejected, by reason code: ${JSON.stringify(summary.rejects)} (${summary.garbageBytes} garbage bytes skipped)`,
  );
  console.log(
    `   last shelf reading: lane ${lastWeight.data.lane} ${lastWeight.data.grams} g; last van fix: ${lastFix.fix.lat.toFixed(5)}, ${lastFix.fix.lon.toFixed(5)} at ${(lastFix.fix.speedMps * 3.6).toFixed(1)} km/h`,
  );
}

async function contractDemo() {
  const now = Date.now();
  const reading = (seq, grams) => ({
    id: newId(now),
    type: 'shelf.weight',
    src: { site: 'store-a', device: 'scale-1', gateway: 'gw-a' },
    boot: 1,
    seq,
    ts: now,
    rx: now,
    tq: 'ntp',
    oseq: seq,
    data: { lane: 'lane-a1', grams, stable: true },
  });
  const batch = (items) => ({
    v: 1,
    site: 'store-a',
    gateway: 'gw-a',
    epoch: newId(now),
    boot: 1,
    lane: 'live',
    firstSeq: 1,
    lastSeq: items.length,
    sentAt: now,
    items,
  });
  const dir = mkdtempSync(join(tmpdir(), 'aisle-demo-'));
  try {
    const good = join(dir, 'good.json');
    const bad = join(dir, 'bad.json');
    writeFileSync(good, JSON.stringify(batch([reading(1, 9891.7), reading(2, 9479.2), reading(3, 9478.9)])));
    writeFileSync(bad, JSON.stringify(batch([reading(1, 9891.7), reading(2, '9479 g'), reading(3, 9478.9)])));
    console.log(`2. the hub's contract check on a batch for ${topics.up('store-a', 'gw-a', 'batch')}:`);
    console.log(`   well-formed batch → ${(await run(bin('hub'), ['validate', 'batch', good])).out.trim()}`);
    console.log(
      `   one reading with grams "9479 g" → ${(await run(bin('hub'), ['validate', 'batch', bad])).out.trim()}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log('aisle demo: what runs today (each component joins as it lands; see docs/architecture.md)\n');
await serialDemo();
console.log('');
await contractDemo();
console.log('\n3. dashboards built to dashboards/dist (the hub will serve them at /).');
