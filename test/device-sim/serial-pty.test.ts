import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeGga,
  encodeRmc,
  encodeShelfWeight,
  type Frame,
  type GpsFix,
  ggaTimestamp,
  type LatLon,
  parseSentence,
  type Sentence,
} from '@aisle/protocols';
import { afterEach, describe, expect, it } from 'vitest';
import { PtyPair, PtyPairError } from '../../device-sim/src/outputs/pty-pair.js';
import { SerialLineSink } from '../../device-sim/src/outputs/serial-sink.js';
import { distanceM, offset, Polyline } from '../../device-sim/src/world/geo.js';
import { closeHostPort, FrameReader, nextEvent, openHostPort, within } from '../helpers/pty.js';

// Real socat ptys and real serialport on both ends: what the edge gateway will see from a UART.

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  // Reverse order: host ports before the sinks and pairs they read from.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function openSink(...args: Parameters<typeof SerialLineSink.open>): Promise<SerialLineSink> {
  const sink = await SerialLineSink.open(...args);
  cleanups.push(() => sink.close());
  return sink;
}

async function openReader(path: string) {
  const port = await openHostPort(path);
  cleanups.push(() => closeHostPort(port));
  return { port, reader: new FrameReader(port) };
}

function decode(frames: readonly Frame[]): Sentence[] {
  return frames.map((frame) => {
    const parsed = parseSentence(frame);
    if (!parsed.ok) throw new Error(`undecodable frame ${frame.body}`);
    return parsed.value;
  });
}

const serial = (line: string, data: string, at = 0) => ({ kind: 'serial', line, data, at }) as const;

/** The scale's reading for the i-th frame: 24 units of 412 g being picked, with a fractional tare drift. */
function reading(i: number) {
  return { lane: 'lane-a1', grams: 9888 - (i % 24) * 412 + (i % 7) * 0.25, stable: i % 3 !== 0 };
}

describe('a shelf scale line', () => {
  it('delivers 200 $AISW frames to the host end in order, each decoding to what was sent', async () => {
    const sink = await openSink({ lines: ['scale-1'] });
    const { reader } = await openReader(sink.pathFor('scale-1'));
    const sent = Array.from({ length: 200 }, (_, i) => encodeShelfWeight('scale-1', i + 1, reading(i)));
    for (const data of sent) sink.write(serial('scale-1', data));

    const sentences = decode(await reader.waitForFrames(200));
    expect(sentences).toEqual(
      sent.map((_, i) => ({ kind: 'shelf-weight', device: 'scale-1', seq: i + 1, data: reading(i) })),
    );
    await within(sink.drain(), 2_000, 'sink drained');
    expect(sink.lineStats('scale-1')).toMatchObject({
      state: 'open',
      writes: 200,
      bytes: sent.join('').length,
      droppedBytes: 0,
      writeErrors: 0,
    });
  });

  it('passes line noise and cut frames through byte for byte: the decoder counts them and keeps every intact frame', async () => {
    const sink = await openSink({ lines: ['scale-2'] });
    const { reader } = await openReader(sink.pathFor('scale-2'));
    // NUL, XON/XOFF, ^C, ^D, DEL, ESC and bytes ≥ 0x80: a cooked tty would eat or change these.
    const noise = '\x00\x11\x13\x03\x04\x7f\x1b[0m\x80\xfe\xff#!noise';
    let garbageRuns = 0;
    let cuts = 0;
    const intact: string[] = [];
    for (let i = 0; i < 100; i++) {
      const frame = encodeShelfWeight('scale-2', i + 1, reading(i));
      if (i % 5 === 0) {
        sink.write(serial('scale-2', noise));
        garbageRuns++;
      }
      if (i % 7 === 3) {
        // A frame whose tail was lost: no checksum, no line end, then the next frame's `$`.
        sink.write(serial('scale-2', encodeShelfWeight('scale-2', 9000 + i, reading(i)).slice(0, 4 + (i % 20))));
        cuts++;
      }
      sink.write(serial('scale-2', frame));
      intact.push(frame);
    }

    const sentences = decode(await reader.waitForFrames(100));
    expect(sentences.map((s) => (s.kind === 'shelf-weight' ? s.seq : -1))).toEqual(intact.map((_, i) => i + 1));
    expect(reader.stats.rejects).toEqual({ FRAME_GARBAGE: garbageRuns, FRAME_TRUNCATED: cuts });
    expect(reader.stats.garbageBytes).toBe(garbageRuns * noise.length);
  });
});

describe("a van's GPS module", () => {
  /** Distance from `p` to segment ab, in metres, on the local east/north plane at a. */
  function distanceToSegmentM(p: LatLon, a: LatLon, b: LatLon): number {
    const local = (q: LatLon) => ({
      x: Math.sign(q.lon - a.lon) * distanceM({ lat: a.lat, lon: a.lon }, { lat: a.lat, lon: q.lon }),
      y: Math.sign(q.lat - a.lat) * distanceM({ lat: a.lat, lon: a.lon }, { lat: q.lat, lon: a.lon }),
    });
    const [pp, bb] = [local(p), local(b)];
    const t = Math.max(0, Math.min(1, (pp.x * bb.x + pp.y * bb.y) / (bb.x ** 2 + bb.y ** 2)));
    return Math.hypot(pp.x - t * bb.x, pp.y - t * bb.y);
  }

  function distanceToRouteM(p: LatLon, route: Polyline): number {
    let best = Number.POSITIVE_INFINITY;
    for (let i = 1; i < route.points.length; i++) {
      best = Math.min(best, distanceToSegmentM(p, route.points[i - 1] as LatLon, route.points[i] as LatLon));
    }
    return best;
  }

  it('prints RMC + GGA every second while driving a route at 12 m/s: every fix lies on the route, times rise across midnight', async () => {
    // From Flinders Street Station: 600 m north up Swanston Street, 400 m east, then north-east.
    const station: LatLon = { lat: -37.8183, lon: 144.9671 };
    const p1 = offset(station, 0, 600);
    const p2 = offset(p1, 400, 0);
    const route = new Polyline([station, p1, p2, offset(p2, 300, 300)]);
    const speedMps = 12;
    const start = Date.UTC(2026, 0, 5, 23, 59, 0); // crosses midnight UTC: GGA only carries the time of day
    const sink = await openSink({ lines: ['van-7-gps'] });
    const { reader } = await openReader(sink.pathFor('van-7-gps'));

    let fixes = 0;
    for (let t = 0; t * speedMps <= route.lengthM; t++) {
      const { position, courseDeg } = route.at(t * speedMps);
      const fix: GpsFix = { ...position, speedMps, courseDeg, sats: 9, hdop: 0.9, altM: 31 };
      const ts = start + t * 1000;
      sink.write(serial('van-7-gps', encodeRmc(fix, ts) + encodeGga(fix, ts), ts));
      fixes++;
    }
    expect(fixes).toBeGreaterThan(100);

    const sentences = decode(await reader.waitForFrames(2 * fixes));
    const rmcTimes: number[] = [];
    const ggaTimes: number[] = [];
    for (const s of sentences) {
      if (s.kind === 'shelf-weight') throw new Error('a GPS module printed a shelf weight');
      expect(distanceToRouteM(s.fix, route)).toBeLessThan(1);
      if (s.kind === 'rmc') {
        expect(s.fix.speedMps).toBeCloseTo(speedMps, 2);
        rmcTimes.push(s.ts);
      } else {
        ggaTimes.push(ggaTimestamp(s.timeOfDayMs, rmcTimes.at(-1) ?? start));
      }
    }
    expect(rmcTimes).toHaveLength(fixes);
    expect(ggaTimes).toEqual(rmcTimes);
    for (let i = 1; i < rmcTimes.length; i++) expect(rmcTimes[i]).toBe((rmcTimes[i - 1] as number) + 1000);
    expect(rmcTimes.at(-1)).toBeGreaterThan(Date.UTC(2026, 0, 6));
    // The van ends within one second's drive of the route's end.
    const last = sentences.at(-1);
    expect(last?.kind === 'gga' && distanceM(last.fix, route.points.at(-1) as LatLon)).toBeLessThan(speedMps);
  });
});

describe('unplugging and replugging a line', () => {
  it("closes the gateway's port; after replug the gateway reopens the same path and receives new frames", async () => {
    const sink = await openSink({ lines: ['scale-3'] });
    const path = sink.pathFor('scale-3');
    const first = await openReader(path);
    sink.write(serial('scale-3', encodeShelfWeight('scale-3', 1, reading(1))));
    await first.reader.waitForFrames(1);

    const closed = nextEvent(first.port, 'close', 3_000);
    await sink.unplug('scale-3');
    const [reason] = await closed;
    expect((reason as { disconnected?: boolean } | null)?.disconnected).toBe(true);
    expect(existsSync(path)).toBe(false);
    sink.write(serial('scale-3', encodeShelfWeight('scale-3', 2, reading(2))));
    expect(sink.lineStats('scale-3')).toMatchObject({ state: 'unplugged', refusedClosed: 1 });

    await sink.replug('scale-3');
    expect(sink.pathFor('scale-3')).toBe(path);
    const second = await openReader(path);
    for (const seq of [3, 4]) sink.write(serial('scale-3', encodeShelfWeight('scale-3', seq, reading(seq))));
    const sentences = decode(await second.reader.waitForFrames(2));
    expect(sentences.map((s) => (s.kind === 'shelf-weight' ? s.seq : -1))).toEqual([3, 4]);
    expect(sink.lineStats('scale-3')).toMatchObject({ state: 'open', plugs: 2 });
  });

  it('notices socat dying on its own: both ends disconnect, writes are refused, and the line replugs', async () => {
    let disconnected: (why: string) => void = () => undefined;
    const noticed = new Promise<string>((resolve) => {
      disconnected = resolve;
    });
    const sink = await openSink({
      lines: ['scale-8'],
      onError: (_line, error) => {
        if (error.message.includes('disconnected')) disconnected(error.message);
      },
    });
    const first = await openReader(sink.pathFor('scale-8'));
    const closed = nextEvent(first.port, 'close', 3_000);
    // The socat this sink started for the line, found by its device link in the command line.
    const pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
    const socat = pids.find((pid) => {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return cmdline.startsWith('socat\0') && cmdline.includes(`link=${join(sink.dir, 'scale-8-dev')}\0`);
    });
    expect(socat).toBeDefined();
    process.kill(Number(socat), 'SIGKILL');

    expect(await within(noticed, 3_000, 'the sink noticed socat died')).toContain('socat exited (SIGKILL)');
    const [reason] = await closed;
    expect((reason as { disconnected?: boolean } | null)?.disconnected).toBe(true);
    sink.write(serial('scale-8', encodeShelfWeight('scale-8', 2, reading(2))));
    expect(sink.lineStats('scale-8')).toMatchObject({ state: 'disconnected', refusedClosed: 1 });

    // SIGKILL left a stale link behind (socat removes links only on a clean exit); socat replaces it.
    expect(lstatSync(sink.pathFor('scale-8')).isSymbolicLink()).toBe(true);
    await sink.replug('scale-8');
    const { reader } = await openReader(sink.pathFor('scale-8'));
    sink.write(serial('scale-8', encodeShelfWeight('scale-8', 3, reading(3))));
    expect(decode(await reader.waitForFrames(1))).toMatchObject([{ seq: 3 }]);
    expect(sink.lineStats('scale-8')).toMatchObject({ state: 'open', plugs: 2 });
  });
});

describe('bounds and bookkeeping', () => {
  it('refuses whole frames beyond the per-line buffer bound, counts them, and delivers the rest intact', async () => {
    const sink = await openSink({ lines: ['scale-4'], maxBufferedBytes: 2_048 });
    const { reader } = await openReader(sink.pathFor('scale-4'));
    const sent = Array.from({ length: 200 }, (_, i) => encodeShelfWeight('scale-4', i + 1, reading(i)));
    // One synchronous burst: nothing reaches the pty before the loop ends, so the bound decides alone.
    for (const data of sent) sink.write(serial('scale-4', data));
    let fits = 0;
    for (let total = 0; fits < sent.length && total + (sent[fits] as string).length <= 2_048; fits++) {
      total += (sent[fits] as string).length;
    }
    expect(sink.lineStats('scale-4')).toMatchObject({
      refusedBackpressure: sent.length - fits,
      droppedBytes: sent.slice(fits).join('').length,
    });

    await within(sink.drain(), 2_000, 'sink drained');
    // Room again: a later frame follows the accepted ones directly, with nothing refused in between.
    sink.write(serial('scale-4', encodeShelfWeight('scale-4', 999, reading(0))));
    const seqs = decode(await reader.waitForFrames(fits + 1)).map((s) => (s.kind === 'shelf-weight' ? s.seq : -1));
    expect(seqs).toEqual([...Array.from({ length: fits }, (_, i) => i + 1), 999]);
  });

  it('with no gateway reading, backs up to the bound and refuses the rest; drain gives up, close counts what was stranded', async () => {
    const sink = await openSink({ lines: ['scale-7'], maxBufferedBytes: 16_384 });
    const frame = encodeShelfWeight('scale-7', 1, reading(1));
    // Fill the bound, let the pty take it, again, until the pty (and socat) hold all they can.
    let stalled = false;
    for (let round = 0; round < 50 && !stalled; round++) {
      for (let i = 0; i < 16_384 / frame.length + 1; i++) sink.write(serial('scale-7', frame));
      stalled = !(await sink.drain(100));
    }
    expect(stalled).toBe(true);
    // Stuck: nothing drains any more. Top up; whatever does not fit under the bound is refused.
    const refusedBefore = sink.lineStats('scale-7')?.refusedBackpressure ?? 0;
    for (let i = 0; i < 16_384 / frame.length + 1; i++) sink.write(serial('scale-7', frame));
    const stuck = sink.lineStats('scale-7');
    expect(stuck?.refusedBackpressure).toBeGreaterThan(refusedBefore);
    expect(stuck?.bufferedBytes).toBeGreaterThan(16_384 - frame.length);
    expect(stuck?.bufferedBytes).toBeLessThanOrEqual(16_384);

    await sink.close();
    const after = sink.lineStats('scale-7');
    expect(after).toMatchObject({ state: 'closed', bufferedBytes: 0 });
    expect(after?.writeErrors).toBeGreaterThan(0);
    // Every accepted byte either reached the pty or was counted lost; every refused one was counted.
    const offered = (after?.writes ?? 0) + (after?.writeErrors ?? 0) + (after?.refusedBackpressure ?? 0);
    expect(after?.bytes).toBe((after?.writes ?? 0) * frame.length);
    expect(after?.droppedBytes).toBe((offered - (after?.writes ?? 0)) * frame.length);
  });

  it('opens a line on its first write, counts outputs that are not its business, and refuses writes after close', async () => {
    const sink = await openSink();
    sink.write(serial('scale-5', encodeShelfWeight('scale-5', 1, reading(1))));
    sink.write({ kind: 'mqtt', device: 'scale-5', topic: 't', payload: '{}', qos: 0, retain: false, at: 0 });
    sink.write(serial('Scale 5/../x', 'nope'));
    expect(sink.lineStats('scale-5')?.state).toBe('opening');
    await within(sink.drain(), 3_000, 'first write reached the pty');
    expect(existsSync(sink.pathFor('scale-5'))).toBe(true);
    expect(sink.stats).toMatchObject({
      ignoredOutputs: 1,
      badLineIds: 1,
      lines: { 'scale-5': { state: 'open', writes: 1 } },
    });

    await sink.close();
    expect(existsSync(sink.dir)).toBe(false);
    sink.write(serial('scale-5', 'late'));
    sink.write(serial('scale-6', 'later'));
    expect(sink.stats.lines).toMatchObject({
      'scale-5': { state: 'closed', refusedClosed: 1 },
      'scale-6': { state: 'closed', refusedClosed: 1 },
    });
  });
});

describe('PtyPair', () => {
  it('creates both links, and close() stops socat by its pid and removes them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aisle-pty-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const pair = await PtyPair.open(dir, 'gps-1');
    cleanups.push(() => pair.close());
    expect([pair.devicePath, pair.hostPath]).toEqual([join(dir, 'gps-1-dev'), join(dir, 'gps-1-host')]);
    expect(existsSync(pair.devicePath) && existsSync(pair.hostPath)).toBe(true);
    expect(() => process.kill(pair.pid, 0)).not.toThrow();

    await pair.close();
    expect(pair.running).toBe(false);
    expect(() => process.kill(pair.pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    expect(existsSync(pair.devicePath) || existsSync(pair.hostPath)).toBe(false);
  });

  it('says how to install socat when it is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aisle-pty-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const opening = PtyPair.open(dir, 'gps-2', { socat: join(dir, 'no-such-socat') });
    await expect(opening).rejects.toBeInstanceOf(PtyPairError);
    await expect(opening).rejects.toMatchObject({
      code: 'SOCAT_MISSING',
      message: 'socat is not installed (apt-get install socat)',
    });
  });
});
