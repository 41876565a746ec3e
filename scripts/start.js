#!/usr/bin/env node
// `npm start`: runs what aisle has today, with embedded defaults and no servers to install.
// Today: the demo world of the simulator (2 stores × 200 lanes, a DC, 3 vans) publishing over MQTT
// into an embedded broker, watched live; its serial devices feeding the edge gateway's serial
// decoder; and the hub's contract check. Each later component joins this demo.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId, parseTopic, topics } from '@aisle/protocols';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';

const root = join(import.meta.dirname, '..');
const bin = (pkg) => join(root, pkg, 'dist/main.js');
const SIM_MINUTES = Number(process.env.AISLE_DEMO_MINUTES ?? 60);
const SPEED = Number(process.env.AISLE_DEMO_SPEED ?? 120);

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

async function liveStoreDemo() {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `mqtt://127.0.0.1:${server.address().port}`;
  const watcher = await mqtt.connectAsync(url, { clientId: 'demo-watcher' });
  const counts = {};
  const lanes = new Map();
  let baskets = 0;
  let basketUnits = 0;
  let lost = 0;
  const vans = new Map();
  watcher.on('message', (topic, payload) => {
    const t = parseTopic(topic);
    if (!t.ok) return;
    const key = t.value.kind === 'dt' ? t.value.channel : t.value.kind;
    counts[key] = (counts[key] ?? 0) + 1;
    if (t.value.kind === 'state' && payload.toString().includes('"lost"')) lost++;
    if (t.value.kind !== 'dt') return;
    const item = JSON.parse(payload.toString());
    if (item.type === 'shelf.weight' && item.data.stable)
      lanes.set(`${item.src.site}/${item.data.lane}`, item.data.grams);
    if (item.type === 'pos.basket') {
      baskets++;
      basketUnits += item.data.lines.reduce((s, l) => s + l.qty, 0);
    }
    if (item.type === 'gps.fix')
      vans.set(item.src.site, item.data.speedMps > 0.5 ? `${(item.data.speedMps * 3.6).toFixed(0)} km/h` : 'stopped');
  });
  await watcher.subscribeAsync(['dt/#', 'state/#'], { qos: 0 });
  console.log(`1. the demo world (scenarios/demo.yaml) publishing to an embedded MQTT broker at ${url}`);
  console.log(
    `   ${SIM_MINUTES} simulated minutes at ${SPEED}× (one client per device, each with its own credentials and last will)\n`,
  );
  let ticks = 0;
  const ticker = setInterval(() => {
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const line = `${total} messages  ${baskets} baskets (${basketUnits} units)  ${lanes.size} lanes weighed  vans on MQTT: ${[...vans].map(([id, state]) => `${id} ${state}`).join(', ') || 'none reporting'}`;
    // A live line on a terminal; a line every 5 s when piped.
    if (process.stdout.isTTY) process.stdout.write(`\r   ${line}     `);
    else if (++ticks % 5 === 0) process.stdout.write(`   ${line}\n`);
  }, 1000);
  try {
    const { out } = await run(bin('device-sim'), [
      'run',
      '--scenario',
      join(root, 'scenarios/demo.yaml'),
      '--broker',
      url,
      '--speed',
      String(SPEED),
      '--duration',
      `${SIM_MINUTES}m`,
      '--quiet',
    ]);
    const summary = JSON.parse(out.trim().split('\n').pop());
    clearInterval(ticker);
    process.stdout.write('\n');
    console.log(`   by channel: ${JSON.stringify(counts)}; devices reported lost (LWT): ${lost}`);
    console.log(
      `   simulator: ${summary.devices} devices, ${summary.outputs} outputs; MQTT published ${summary.mqtt.published.qos0 + summary.mqtt.published.qos1}, dropped ${JSON.stringify(summary.mqtt.dropped)}`,
    );
  } finally {
    clearInterval(ticker);
    await watcher.endAsync();
    await new Promise((resolve) => broker.close(resolve));
    await new Promise((resolve) => server.close(resolve));
  }
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
  console.log(
    `2. a scale and a van GPS on noisy serial lines → the edge's serial decoder: ${frames} frames, 10% with garbage, 5% cut short`,
  );
  console.log(
    `   decoded ${summary.sentences} sentences ${JSON.stringify(kinds)}; rejected by reason: ${JSON.stringify(summary.rejects)}`,
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
    console.log(`3. the hub's contract check on a batch for ${topics.up('store-a', 'gw-a', 'batch')}:`);
    console.log(`   well-formed → ${(await run(bin('hub'), ['validate', 'batch', good])).out.trim()}`);
    console.log(`   grams "9479 g" → ${(await run(bin('hub'), ['validate', 'batch', bad])).out.trim()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log('aisle demo: what runs today (each component joins as it lands; see docs/architecture.md)\n');
await liveStoreDemo();
console.log('');
await serialDemo();
console.log('');
await contractDemo();
