import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { connectAsync } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../device-sim/src/run-command.js';

/** `aisle-sim run` end to end, in process: a real broker, real pty pairs, real files. */
const scenario = `
name: run-test
seed: 11
start: "2026-01-05T10:00:00+11:00"
catalog: { skus: 40, bundles: 4 }
stores:
  - { id: store-a, location: { lat: -37.81, lon: 144.96 }, lanes: 24, lanesPerScale: 8, doors: 1, registers: 1, peakShoppersPerHour: 120, serialScales: 1 }
dc: { id: dc-1, location: { lat: -37.79, lon: 144.89 } }
vans: [{ id: van-1, route: [store-a], departAtHour: 10, gpsOverSerial: false }]
`;

describe('aisle-sim run', () => {
  it('sends every MQTT output to the broker, serial lines to ptys, and writes the same stream and the truth to files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisle-run-'));
    const path = join(dir, 'scenario.yaml');
    writeFileSync(path, scenario);
    const broker = await Aedes.createBroker();
    const server = createServer(broker.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
    const watcher = await connectAsync(url, { clientId: 'watcher' });
    let received = 0;
    let expected = Number.POSITIVE_INFINITY;
    let allArrived: () => void = () => {};
    const arrived = new Promise<void>((resolve) => {
      allArrived = resolve;
    });
    watcher.on('message', (topic) => {
      if (topic.startsWith('dt/') && ++received >= expected) allArrived();
    });
    await watcher.subscribeAsync('dt/#', { qos: 1 });
    try {
      const run = (out: string, truth: string) =>
        runCommand({
          scenarioPath: path,
          durationMs: 10 * 60_000,
          speed: 'max',
          progress: false,
          brokerUrl: url,
          serialDir: join(dir, 'serial'),
          outPath: join(dir, out),
          truthPath: join(dir, truth),
        });
      const summary = await run('out-1.jsonl', 'truth-1.jsonl');
      const lines = readFileSync(join(dir, 'out-1.jsonl'), 'utf8').trim().split('\n');
      expect(lines.length).toBe(summary.outputs);
      const mqtt = lines.map((l) => JSON.parse(l) as { kind: string; topic?: string }).filter((o) => o.kind === 'mqtt');
      const dt = mqtt.filter((o) => o.topic?.startsWith('dt/')).length;
      expect((summary.mqtt?.published.qos0 ?? 0) + (summary.mqtt?.published.qos1 ?? 0)).toBe(mqtt.length);
      expect(summary.serial?.lines['store-a--scale-001']?.writes).toBeGreaterThan(0);
      // Everything published arrives (QoS 0 on loopback, no faults in this scenario).
      expected = dt;
      if (received >= dt) allArrived();
      const timeout = new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`${received} of ${dt} arrived`)), 10_000),
      );
      await Promise.race([arrived, timeout]);
      expect(received).toBe(dt);
      const truth = readFileSync(join(dir, 'truth-1.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { kind: string });
      expect(truth.filter((e) => e.kind === 'snapshot').length).toBe(10);
      // Same seed, same stream, byte for byte.
      await run('out-2.jsonl', 'truth-2.jsonl');
      expect(readFileSync(join(dir, 'out-2.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'out-1.jsonl'), 'utf8'));
    } finally {
      await watcher.endAsync();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
