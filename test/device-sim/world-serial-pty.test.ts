import { parseSentence, type RmcSentence } from '@aisle/protocols';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeviceOutput } from '../../device-sim/src/outputs/output.js';
import { SerialLineSink } from '../../device-sim/src/outputs/serial-sink.js';
import { ptyLineId } from '../../device-sim/src/run-command.js';
import { distanceM } from '../../device-sim/src/world/geo.js';
import { MemoryTruth } from '../../device-sim/src/world/truth.js';
import { World } from '../../device-sim/src/world/world.js';
import { closeHostPort, FrameReader, openHostPort } from '../helpers/pty.js';
import { smallScenario } from './scenarios.js';

/**
 * The world's own serial devices over real pseudo-terminals, read by `serialport` the way the
 * gateway reads them: a shelf scale's `$AISW` frames decode to the lanes' readings, and the van's
 * NMEA decodes to positions on the route the van actually drove (ground truth).
 */
describe('the simulated world on real serial lines', async () => {
  const truth = new MemoryTruth();
  // van-1 departs at 10:06 local; run from 10:00 for 20 minutes: parked, then driving.
  const world = new World(smallScenario(), { truth });
  const outputs: DeviceOutput[] = [];
  world.run(world.startMs + 20 * 60_000, (o) => outputs.push(o));
  const serial = outputs.filter((o): o is Extract<DeviceOutput, { kind: 'serial' }> => o.kind === 'serial');
  const sink = await SerialLineSink.open({ lines: world.serialLines.map(ptyLineId), maxBufferedBytes: 1 << 20 });
  afterAll(() => sink.close());

  async function readLine(line: string) {
    const port = await openHostPort(sink.pathFor(ptyLineId(line)));
    const reader = new FrameReader(port);
    const sent = serial.filter((o) => o.line === line);
    for (const o of sent) sink.write({ ...o, line: ptyLineId(o.line) });
    const frames = await reader.waitForFrames(
      sent.reduce((n, o) => n + (o.data.match(/\$/g)?.length ?? 0), 0),
      10_000,
    );
    await closeHostPort(port);
    return frames;
  }

  it('a shelf scale: every $AISW frame arrives and decodes to one of its lanes, with its sequence in order', async () => {
    const frames = await readLine('store-a/scale-001');
    const sentences = frames.map((f) => parseSentence(f));
    expect(sentences.length).toBeGreaterThan(800);
    const lanes = new Set(
      world.layout('store-a')?.scales[0]?.lanes.map((i) => world.layout('store-a')?.lanes[i]?.lane),
    );
    let lastSeq = 0;
    for (const s of sentences) {
      if (!s.ok || s.value.kind !== 'shelf-weight') throw new Error(`not a shelf reading: ${JSON.stringify(s)}`);
      expect(s.value.device).toBe('scale-001');
      expect(lanes.has(s.value.data.lane)).toBe(true);
      expect(s.value.seq).toBe(lastSeq + 1);
      lastSeq = s.value.seq;
    }
  });

  it("the van's GPS: NMEA positions lie on the route it drove, at the times it was there", async () => {
    const frames = await readLine('van-1/gps');
    const rmc = frames
      .map((f) => parseSentence(f))
      .flatMap((s) => (s.ok && s.value.kind === 'rmc' ? [s.value as RmcSentence] : []));
    const truthAt = new Map(
      truth
        .of('van')
        .filter((v) => v.van === 'van-1')
        .map((v) => [v.t, v]),
    );
    const driving = rmc.filter((r) => (r.fix.speedMps ?? 0) > 1);
    expect(driving.length).toBeGreaterThan(100);
    for (const r of rmc) {
      // The GPS clock is the simulated time (this scenario has no clock faults), to 10 ms (NMEA hhmmss.ss).
      const t = [...truthAt.keys()].find((k) => Math.abs(k - r.ts) < 10);
      const real = t === undefined ? undefined : truthAt.get(t);
      if (real === undefined) throw new Error(`no true position at ${r.ts}`);
      // NMEA carries minutes to 5 decimals: about 2 cm.
      expect(distanceM(r.fix, real.position)).toBeLessThan(0.05);
      expect(Math.abs((r.fix.speedMps ?? 0) - real.speedMps)).toBeLessThan(0.02);
    }
  });
});
