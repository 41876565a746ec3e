import { Duplex } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deviceMaySubscribe, devicePublishVerdict, gatewayPublishProblem } from '../../edge/src/broker/acl.js';
import { MqttFrameGuard } from '../../edge/src/broker/frame-guard.js';
import { TokenBuckets } from '../../edge/src/broker/rate-limit.js';

const SITE = 'store-1';

describe('device ACL', () => {
  it.each([
    [`dt/${SITE}/scale-1/weight`, { ok: true, kind: 'dt' }],
    [`evt/${SITE}/scale-1/tare-done`, { ok: true, kind: 'evt' }],
    [`state/${SITE}/scale-1`, { ok: true, kind: 'state' }],
    [`dt/${SITE}/scale-2/weight`, { ok: false, reason: 'publish-not-own-topic' }],
    [`dt/store-2/scale-1/weight`, { ok: false, reason: 'publish-not-own-topic' }],
    [`cmd/${SITE}/scale-1/tare`, { ok: false, reason: 'publish-not-own-topic' }],
    [`up/${SITE}/scale-1/batch`, { ok: false, reason: 'publish-not-own-topic' }],
    [`dt/${SITE}/scale-1/weight/extra`, { ok: false, reason: 'publish-topic-invalid' }],
    [`dt/${SITE}/scale-1/Weight`, { ok: false, reason: 'publish-topic-invalid' }],
    ['$SYS/broker/x', { ok: false, reason: 'publish-topic-invalid' }],
  ])('scale-1 publishing on %s → %o', (topic, verdict) => {
    expect(devicePublishVerdict(SITE, 'scale-1', topic)).toEqual(verdict);
  });

  it.each([
    [`cmd/${SITE}/scale-1/+`, true],
    [`cmd/${SITE}/scale-1/tare`, true],
    [`cmd/${SITE}/scale-1/reboot`, false],
    [`cmd/${SITE}/scale-1/#`, false],
    [`cmd/${SITE}/+/tare`, false],
    [`cmd/${SITE}/scale-2/+`, false],
    [`dt/${SITE}/scale-1/+`, false],
    ['#', false],
    ['+/+/+/+', false],
  ])('scale-1 subscribing to %s → %s', (filter, allowed) => {
    expect(deviceMaySubscribe(SITE, 'scale-1', filter)).toBe(allowed);
  });

  it('lets the gateway publish only device topics of its own site', () => {
    expect(gatewayPublishProblem(SITE, `cmd/${SITE}/scale-1/tare`)).toBeUndefined();
    expect(gatewayPublishProblem(SITE, `cmd/store-2/scale-1/tare`)).toMatch(/site store-2/);
    expect(gatewayPublishProblem(SITE, `down/${SITE}/gw-1/ack`)).toMatch(/not for devices/);
    expect(gatewayPublishProblem(SITE, 'cmd/#')).toMatch(/TOPIC_WILDCARD/);
  });
});

describe('token buckets', () => {
  it('allow a burst, then the refill rate, never more than the burst after a quiet spell', () => {
    let nowMs = 0;
    const buckets = new TokenBuckets({ perSecond: 4, burst: 3 }, () => nowMs);
    const takes = (n: number) => Array.from({ length: n }, () => buckets.take('a'));
    expect(takes(4)).toEqual([true, true, true, false]);
    nowMs += 250; // one token at 4/s
    expect(takes(2)).toEqual([true, false]);
    nowMs += 60_000;
    expect(takes(4)).toEqual([true, true, true, false]);
    expect(buckets.take('b')).toBe(true); // keys are independent
    nowMs -= 10_000; // a clock stepping back refills nothing
    expect(buckets.take('a')).toBe(false);
    buckets.delete('a');
    expect(buckets.take('a')).toBe(true);
  });
});

/** The transport side of a guarded connection: what the client sent, pushed in chunks by the test. */
function transport(): { inner: Duplex; written: Buffer[] } {
  const written: Buffer[] = [];
  const inner = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk);
      callback();
    },
  });
  return { inner, written };
}

/** An MQTT packet (type byte, Remaining Length, body) with a body of `length` bytes. */
function packet(length: number): Buffer {
  const header = [0x30];
  let rest = length;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    header.push(byte);
  } while (rest > 0);
  return Buffer.concat([Buffer.from(header), Buffer.alloc(length, 0xab)]);
}

describe('MQTT frame guard', () => {
  it('passes packets within the bound through unchanged, however the bytes are split', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
        async (lengths, cuts) => {
          const { inner } = transport();
          const oversize: number[] = [];
          const guard = new MqttFrameGuard(inner, 300, (n) => oversize.push(n));
          const out: Buffer[] = [];
          guard.on('data', (chunk: Buffer) => out.push(chunk));
          const bytes = Buffer.concat(lengths.map(packet));
          for (let at = 0, i = 0; at < bytes.length; i++) {
            const size = cuts[i % cuts.length] ?? 1;
            inner.push(bytes.subarray(at, at + size));
            at += size;
          }
          inner.push(null);
          await new Promise((resolve) => guard.once('end', resolve));
          expect(Buffer.concat(out).equals(bytes)).toBe(true);
          expect(oversize).toEqual([]);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('cuts the connection at a header announcing more than the bound, before its body arrives', async () => {
    const { inner } = transport();
    const oversize: number[] = [];
    const guard = new MqttFrameGuard(inner, 300, (n) => oversize.push(n));
    const out: Buffer[] = [];
    guard.on('data', (chunk: Buffer) => out.push(chunk));
    const first = new Promise((resolve) => guard.once('data', resolve));
    const closed = new Promise((resolve) => guard.once('close', resolve));
    inner.push(packet(10));
    await first;
    // 268,435,455 bytes announced: only the four length bytes are ever looked at.
    inner.push(Buffer.from([0x30, 0xff, 0xff]));
    inner.push(Buffer.from([0xff, 0x7f]));
    await closed;
    expect(oversize).toEqual([268_435_455]);
    expect(inner.destroyed).toBe(true);
    // The packet before passed whole; of the oversize one at most its header bytes got through.
    const passed = Buffer.concat(out);
    expect(passed.subarray(0, 12).equals(packet(10))).toBe(true);
    expect(passed.length).toBeLessThanOrEqual(12 + 5);
  });

  it('writes what aedes sends straight to the transport', async () => {
    const { inner, written } = transport();
    const guard = new MqttFrameGuard(inner, 300, () => {});
    await new Promise<void>((resolve, reject) =>
      guard.write(Buffer.from([0x20, 0x02, 0, 0]), (e) => (e ? reject(e) : resolve())),
    );
    expect(Buffer.concat(written)).toEqual(Buffer.from([0x20, 0x02, 0, 0]));
  });

  it('hands the transport what aedes wrote in one tick as one write, in order (one system call for many PUBACKs)', async () => {
    const writes: Buffer[][] = [];
    const inner = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        writes.push([chunk]);
        callback();
      },
      writev(chunks, callback) {
        writes.push(chunks.map(({ chunk }) => chunk as Buffer));
        callback();
      },
    });
    const guard = new MqttFrameGuard(inner, 300, () => {});
    const pubacks = [1, 2, 3].map((id) => Buffer.from([0x40, 0x02, 0, id]));
    // mqtt-packet corks the stream for the rest of the tick around each packet it writes.
    for (const puback of pubacks) {
      guard.cork();
      guard.write(puback);
      process.nextTick(() => guard.uncork());
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual([pubacks]);
  });
});
