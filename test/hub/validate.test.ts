import { newId } from '@aisle/protocols';
import { expect, it } from 'vitest';
import { isCodecName, validateMessage } from '../../hub/src/validate.js';

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const ack = { v: 1, gateway: 'gw-a', epoch: newId(), seq: 42, at: Date.now() };

it('accepts a valid message and names the reason and path of an invalid one', () => {
  expect(isCodecName('ack')).toBe(true);
  expect(isCodecName('toString')).toBe(false);
  expect(validateMessage('ack', bytes(ack))).toBeUndefined();
  expect(validateMessage('ack', bytes({ ...ack, seq: -1 }))).toMatchObject({ code: 'SCHEMA_MISMATCH', path: '/seq' });
  expect(validateMessage('ack', new Uint8Array([0xff, 0xfe]))).toMatchObject({ code: 'PAYLOAD_NOT_UTF8' });
});
