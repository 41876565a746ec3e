/**
 * The serial line frame decoder: `$` fields `*HH` CR LF, NMEA 0183 style, fed in chunks cut
 * anywhere by a UART driver, with line noise between frames.
 */
import { Readable } from 'node:stream';
import {
  checksum,
  DEFAULT_MAX_FRAME_BYTES,
  encodeFrame,
  type Frame,
  FrameDecoder,
  ProtocolError,
  type ReasonCode,
} from '@aisle/protocols';
import { FrameDecoderStream } from '@aisle/protocols/serial-stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytes, concatBytes, frameFields } from './arbitraries.js';

const DOLLAR = 0x24;
const CR = 0x0d;
const LF = 0x0a;

/** What the decoder should return for a frame built from `fields`. */
function expected(fields: readonly string[]): Frame {
  return { fields: [...fields], body: fields.join(',') };
}

/** Decodes everything at once, then ends the stream. */
function decodeAll(input: Uint8Array | string, options: ConstructorParameters<typeof FrameDecoder>[0] = {}) {
  const decoder = new FrameDecoder(options);
  const frames = decoder.push(input);
  decoder.end();
  return { frames, stats: decoder.stats };
}

const shelf = encodeFrame(['AISW', 'scale-7', '1042', 'lane-3', '1250.50', '1']);
const gps = encodeFrame([
  'GPRMC',
  '123519',
  'A',
  '4807.038',
  'N',
  '01131.000',
  'E',
  '022.4',
  '084.4',
  '230394',
  '003.1',
  'W',
]);

describe('encodeFrame', () => {
  it('builds $body*CS CR LF with the XOR checksum of the body (NMEA 0183 §5.2.1)', () => {
    // XOR of "A,B" = 0x41 ^ 0x2C ^ 0x42 = 0x2F.
    expect(encodeFrame(['A', 'B'])).toBe('$A,B*2F\r\n');
    expect(checksum('A,B')).toBe('2F');
    expect(checksum('')).toBe('00');
    expect(checksum('GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W')).toBe('6A');
  });

  it.each(['a$b', 'a*b', 'a,b', 'a!b', 'tab\there', 'new\nline', 'caf\u00e9'])(
    'refuses the field %j with FRAME_BAD_CHARACTER',
    (field) => {
      expect(() => encodeFrame(['AISW', field])).toThrow(ProtocolError);
      try {
        encodeFrame(['AISW', field]);
      } catch (error) {
        expect((error as ProtocolError).code).toBe('FRAME_BAD_CHARACTER');
      }
    },
  );
});

describe('FrameDecoder', () => {
  it('decodes what encodeFrame built, from a string or from bytes', () => {
    fc.assert(
      fc.property(frameFields, (fields) => {
        const text = encodeFrame(fields);
        expect(new FrameDecoder().push(text)).toEqual([expected(fields)]);
        expect(new FrameDecoder().push(bytes(text))).toEqual([expected(fields)]);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts a lower-case checksum and a bare LF or bare CR as the line end', () => {
    const body = 'AISW,scale-7,1,lane-3,5,1';
    const cs = checksum(body);
    expect(new FrameDecoder().push(`$${body}*${cs.toLowerCase()}\r\n`)).toEqual([{ body, fields: body.split(',') }]);
    expect(new FrameDecoder().push(`$${body}*${cs}\n$${body}*${cs}\r`)).toHaveLength(2);
  });

  describe('resynchronises after garbage', () => {
    const noDollar = fc.uint8Array({ maxLength: 300 }).map((a) => a.filter((b) => b !== DOLLAR));

    it('garbage without $: exactly the next frame, one FRAME_GARBAGE per run, garbageBytes exact', () => {
      fc.assert(
        fc.property(noDollar, frameFields, (garbage, fields) => {
          const { frames, stats } = decodeAll(concatBytes(garbage, bytes(encodeFrame(fields))));
          expect(frames).toEqual([expected(fields)]);
          // CR and LF between frames are line ends, not garbage.
          const counted = garbage.filter((b) => b !== CR && b !== LF).length;
          expect(stats.garbageBytes).toBe(counted);
          expect(stats.rejects).toEqual(counted > 0 ? { FRAME_GARBAGE: 1 } : {});
          expect(stats.frames).toBe(1);
        }),
        { numRuns: 300 },
      );
    });

    it('counts each garbage run between frames separately', () => {
      const { frames, stats } = decodeAll(`noise${shelf}more noise${gps}tail`);
      expect(frames).toHaveLength(2);
      expect(stats.garbageBytes).toBe('noise'.length + 'more noise'.length + 'tail'.length);
      expect(stats.rejects.FRAME_GARBAGE).toBe(3);
    });

    /** Line noise that does contain `$`: bytes, stray dollars, cut-off and corrupted frames. */
    const hostileNoise = fc
      .array(
        fc.oneof(
          fc.uint8Array({ maxLength: 20 }),
          fc.constant(Uint8Array.of(DOLLAR)),
          fc.tuple(frameFields, fc.nat()).map(([fields, cut]) => {
            const frame = bytes(encodeFrame(fields));
            return frame.slice(0, cut % frame.length); // a frame that never ends
          }),
          frameFields.map((fields) => bytes(encodeFrame(fields).replace(/\*(..)/, '*ZZ'))),
        ),
        { maxLength: 6 },
      )
      .map((parts) => concatBytes(...parts));

    it('garbage with $ and partial frames: the next valid frame still comes out, last', () => {
      fc.assert(
        fc.property(hostileNoise, frameFields, (noise, fields) => {
          const decoder = new FrameDecoder();
          const frames = decoder.push(concatBytes(noise, bytes(encodeFrame(fields))));
          expect(frames.at(-1)).toEqual(expected(fields));
          expect(decoder.pendingBytes).toBe(0);
          expect(decoder.stats.frames).toBe(frames.length);
          const { frames: after } = decodeAll(concatBytes(noise, bytes(encodeFrame(fields)), bytes(shelf)));
          expect(after.slice(-2)).toEqual([
            expected(fields),
            { body: shelf.slice(1, -5), fields: shelf.slice(1, -5).split(',') },
          ]);
        }),
        { numRuns: 300 },
      );
    });

    it('a frame cut off by the next $ is FRAME_TRUNCATED, and the next frame decodes', () => {
      const cut = shelf.slice(0, 17);
      const { frames, stats } = decodeAll(cut + gps);
      expect(frames.map((f) => f.fields[0])).toEqual(['GPRMC']);
      expect(stats.rejects).toEqual({ FRAME_TRUNCATED: 1 });
    });

    it('a stream that ends inside a frame counts FRAME_TRUNCATED on end()', () => {
      const { frames, stats } = decodeAll(shelf + gps.slice(0, 20));
      expect(frames).toHaveLength(1);
      expect(stats.rejects).toEqual({ FRAME_TRUNCATED: 1 });
    });
  });

  describe('chunking does not matter', () => {
    const stream = `junk${shelf}\r\n${gps}$AISW,broken*00\r\n${encodeFrame(['AISW', 'scale-8', '7', 'lane-1', '-3', '0'])}x${shelf}`;
    const whole = decodeAll(stream);

    it('the reference stream decodes to four frames with known rejects', () => {
      expect(whole.frames.map((f) => f.fields[1] ?? f.fields[0])).toEqual(['scale-7', '123519', 'scale-8', 'scale-7']);
      expect(whole.stats.rejects).toEqual({ FRAME_GARBAGE: 2, FRAME_BAD_CHECKSUM: 1 });
      expect(whole.stats.garbageBytes).toBe(5);
    });

    it('split in two at every byte boundary', () => {
      const all = bytes(stream);
      for (let at = 0; at <= all.length; at++) {
        const decoder = new FrameDecoder();
        const frames = [...decoder.push(all.subarray(0, at)), ...decoder.push(all.subarray(at))];
        decoder.end();
        expect(frames, `split at ${at}`).toEqual(whole.frames);
        expect(decoder.stats, `split at ${at}`).toEqual(whole.stats);
      }
    });

    it('one byte at a time', () => {
      const decoder = new FrameDecoder();
      const frames: Frame[] = [];
      for (const b of bytes(stream)) frames.push(...decoder.push(Uint8Array.of(b)));
      decoder.end();
      expect(frames).toEqual(whole.frames);
      expect(decoder.stats).toEqual(whole.stats);
    });

    it('any chunking of random frames and noise', () => {
      const input = fc
        .array(
          fc.oneof(
            frameFields.map((f) => bytes(encodeFrame(f))),
            fc.uint8Array({ maxLength: 10 }),
          ),
          {
            maxLength: 8,
          },
        )
        .map((parts) => concatBytes(...parts));
      fc.assert(
        fc.property(input, fc.array(fc.nat(), { maxLength: 10 }), (all, cuts) => {
          const reference = decodeAll(all);
          const points = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
          const decoder = new FrameDecoder();
          const frames: Frame[] = [];
          let from = 0;
          for (const to of [...points, all.length]) {
            frames.push(...decoder.push(all.subarray(from, to)));
            from = to;
          }
          decoder.end();
          expect(frames).toEqual(reference.frames);
          expect(decoder.stats).toEqual(reference.stats);
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('rejects', () => {
    function rejectsOf(input: string, options: ConstructorParameters<typeof FrameDecoder>[0] = {}) {
      const seen: ReasonCode[] = [];
      const { frames, stats } = decodeAll(input, { ...options, onReject: (code) => seen.push(code) });
      return { frames, stats, seen };
    }

    it('over-long frames with FRAME_TOO_LONG; the next frame still decodes', () => {
      const long = encodeFrame(['AISW', 'x'.repeat(DEFAULT_MAX_FRAME_BYTES)]);
      const { frames, stats, seen } = rejectsOf(long + shelf);
      expect(frames).toHaveLength(1);
      expect(frames[0]?.fields[1]).toBe('scale-7');
      expect(stats.rejects).toEqual({ FRAME_TOO_LONG: 1 });
      expect(seen).toEqual(['FRAME_TOO_LONG']);
    });

    it('counts maxFrameBytes from $ through CR LF: exactly the limit passes, one more byte does not', () => {
      const fitting = (size: number) => {
        const body = `AISW,${'x'.repeat(size - '$AISW,*HH\r\n'.length)}`;
        const frame = `$${body}*${checksum(body)}\r\n`;
        expect(frame).toHaveLength(size);
        return frame;
      };
      expect(decodeAll(fitting(40), { maxFrameBytes: 40 }).frames).toHaveLength(1);
      const over = decodeAll(fitting(41) + fitting(40), { maxFrameBytes: 40 });
      expect(over.frames).toHaveLength(1);
      expect(over.stats.rejects).toEqual({ FRAME_TOO_LONG: 1 });
    });

    it('never holds more than maxFrameBytes of an unfinished frame', () => {
      const noise = fc.array(
        fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(DOLLAR, CR, LF, 0x2a, 0x2c, 0x41, 0x30)),
        { maxLength: 400 },
      );
      fc.assert(
        fc.property(noise, fc.integer({ min: 8, max: 64 }), (values, maxFrameBytes) => {
          const decoder = new FrameDecoder({ maxFrameBytes });
          for (let i = 0; i < values.length; i += 7) {
            decoder.push(Uint8Array.from(values.slice(i, i + 7)));
            expect(decoder.pendingBytes).toBeLessThanOrEqual(maxFrameBytes);
          }
        }),
        { numRuns: 300 },
      );
      const decoder = new FrameDecoder({ maxFrameBytes: 16 });
      decoder.push(`$${'A'.repeat(1000)}`);
      expect(decoder.pendingBytes).toBe(0);
    });

    it('a wrong checksum with FRAME_BAD_CHECKSUM, counted in stats.rejects', () => {
      const bad = shelf.replace(/\*(..)/, (_m, cs: string) => `*${cs === '00' ? '01' : '00'}`);
      const { frames, stats, seen } = rejectsOf(bad + bad + gps);
      expect(frames.map((f) => f.fields[0])).toEqual(['GPRMC']);
      expect(stats.rejects).toEqual({ FRAME_BAD_CHECKSUM: 2 });
      expect(seen).toEqual(['FRAME_BAD_CHECKSUM', 'FRAME_BAD_CHECKSUM']);
      expect(stats.frames).toBe(1);
    });

    it('a flipped character in the body with FRAME_BAD_CHECKSUM', () => {
      expect(rejectsOf(shelf.replace('1042', '1043')).stats.rejects).toEqual({ FRAME_BAD_CHECKSUM: 1 });
    });

    it.each([
      ['no * at all', '$AISW,scale-7,1,lane-3,5,1\r\n'],
      ['one hex digit', '$AISW,scale-7,1,lane-3,5,1*4\r\n'],
      ['non-hex digits', '$AISW,scale-7,1,lane-3,5,1*G0\r\n'],
      ['a bare $', '$\r\n'],
    ])('a frame with %s: FRAME_NO_CHECKSUM', (_what, frame) => {
      const { frames, stats } = rejectsOf(frame + shelf);
      expect(frames).toHaveLength(1);
      expect(stats.rejects).toEqual({ FRAME_NO_CHECKSUM: 1 });
    });

    it.each([
      ['NUL', 0x00],
      ['TAB', 0x09],
      ['DEL', 0x7f],
      ['a UTF-8 lead byte', 0xc3],
    ])('a frame with %s inside: FRAME_BAD_CHARACTER, and the next frame decodes', (_what, byte) => {
      const frame = bytes(shelf);
      const poisoned = concatBytes(frame.subarray(0, 10), Uint8Array.of(byte), frame.subarray(10));
      const { frames, stats } = decodeAll(concatBytes(poisoned, bytes(gps)));
      expect(frames.map((f) => f.fields[0])).toEqual(['GPRMC']);
      expect(stats.rejects).toEqual({ FRAME_BAD_CHARACTER: 1 });
    });

    it('refuses a maxFrameBytes below 8', () => {
      expect(() => new FrameDecoder({ maxFrameBytes: 7 })).toThrow(RangeError);
      expect(() => new FrameDecoder({ maxFrameBytes: 20.5 })).toThrow(RangeError);
    });
  });
});

describe('FrameDecoderStream', () => {
  it('emits the frames of a Readable piped through it, split across chunks', async () => {
    const text = `noise${shelf}${gps}${shelf.slice(0, 12)}`;
    const all = Buffer.from(text);
    const chunks = [
      all.subarray(0, 3),
      all.subarray(3, 9),
      all.subarray(9, 40),
      all.subarray(40, 41),
      all.subarray(41),
    ];
    const decoder = new FrameDecoderStream();
    const frames = (await Readable.from(chunks).pipe(decoder).toArray()) as Frame[];
    expect(frames.map((f) => f.body)).toEqual([shelf.slice(1, -5), gps.slice(1, -5)]);
    // The stream ended inside the last frame: flush() ends the decoder.
    expect(decoder.decoder.stats).toEqual({
      frames: 2,
      garbageBytes: 5,
      rejects: { FRAME_GARBAGE: 1, FRAME_TRUNCATED: 1 },
    });
  });

  it('passes its options to the decoder', async () => {
    const seen: ReasonCode[] = [];
    const decoder = new FrameDecoderStream({ maxFrameBytes: 16, onReject: (code) => seen.push(code) });
    const frames = (await Readable.from([Buffer.from(shelf + encodeFrame(['A', 'B']))])
      .pipe(decoder)
      .toArray()) as Frame[];
    expect(frames).toEqual([{ body: 'A,B', fields: ['A', 'B'] }]);
    expect(seen).toEqual(['FRAME_TOO_LONG']);
  });
});
