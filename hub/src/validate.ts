import { CODECS, type CodecName, type DecodeError } from '@aisle/protocols';

export function isCodecName(name: string): name is CodecName {
  return Object.hasOwn(CODECS, name);
}

/** Checks a message against the contract: undefined when valid, else the reason-coded error. */
export function validateMessage(codec: CodecName, payload: Uint8Array): DecodeError | undefined {
  const result = CODECS[codec].decode(payload, { maxBytes: 256 * 1024 * 1024 });
  return result.ok ? undefined : result.error;
}
