import { Readable } from 'node:stream';
import { encodeFrame, encodeRmc, encodeShelfWeight, type Sentence } from '@aisle/protocols';
import { expect, it } from 'vitest';
import { decodeSerialCapture } from '../../edge/src/serial-decode.js';

it('decodes a capture cut into odd chunks, reporting sentences and every reject by reason code', async () => {
  const capture = [
    'noise',
    encodeShelfWeight('scale-1', 1, { lane: 'lane-a1', grams: 1236, stable: true }),
    encodeRmc({ lat: 48.1173, lon: 11.516667, speedMps: 5 }, Date.UTC(2026, 0, 1, 12, 0, 0)),
    '$AISW,scale-1,2,lane-a1,8,1*00\r\n', // bad checksum
    encodeFrame(['GPGSV', '3', '1', '11']), // a real NMEA sentence aisle does not use
    encodeFrame(['AISW', 'scale-1', 'x', 'lane-a1', '8', '1']), // bad seq field
  ].join('');
  const bytes = Buffer.from(capture);
  const chunks = [bytes.subarray(0, 7), bytes.subarray(7, 50), bytes.subarray(50, 51), bytes.subarray(51)];
  const seen: Sentence[] = [];
  const report = await decodeSerialCapture(Readable.from(chunks), (s) => seen.push(s));
  expect(seen.map((s) => s.kind)).toEqual(['shelf-weight', 'rmc']);
  expect(report).toEqual({
    frames: 4,
    sentences: 2,
    garbageBytes: 5,
    rejects: { FRAME_GARBAGE: 1, FRAME_BAD_CHECKSUM: 1, SENTENCE_UNKNOWN: 1, SENTENCE_FIELDS: 1 },
  });
});
