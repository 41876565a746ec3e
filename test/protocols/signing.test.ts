/**
 * Model manifests are signed by the hub (Ed25519) and verified by every edge gateway before a
 * model runs. Both sides sign/verify `manifestSigningPayload`: RFC 8785 canonical JSON of the
 * manifest without its `signature`.
 */
import { generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import { type ModelManifest, manifestSigningPayload, modelManifestCodec } from '@aisle/protocols';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelManifest as manifestArbitrary } from './arbitraries.js';
import { modelManifest } from './fixtures.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** The same value with every object's keys in reverse order, at every depth. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reverseKeys(v)]),
  );
}

describe('manifestSigningPayload', () => {
  it('is canonical JSON: sorted keys, no whitespace, the manifest without its signature', () => {
    const payload = text(manifestSigningPayload(modelManifest()));
    expect(payload.startsWith('{"createdAt":1718000000000,"features":{"calendar":["hour-of-day","day-of-week"],')).toBe(
      true,
    );
    expect(payload).not.toMatch(/\s/);
    expect(JSON.parse(payload)).toEqual(modelManifest());
  });

  it('does not depend on key order', () => {
    fc.assert(
      fc.property(manifestArbitrary, (manifest) => {
        const reordered = reverseKeys(manifest) as ModelManifest;
        expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(manifest));
        expect(manifestSigningPayload(reordered)).toEqual(manifestSigningPayload(manifest));
      }),
      { numRuns: 100 },
    );
  });

  it('excludes the signature', () => {
    const unsigned = modelManifest();
    const signed: ModelManifest = {
      ...unsigned,
      signature: { alg: 'ed25519', keyId: 'hub-2024', value: `${'A'.repeat(86)}==` },
    };
    expect(manifestSigningPayload(signed)).toEqual(manifestSigningPayload(unsigned));
    expect(text(manifestSigningPayload(signed))).not.toContain('signature');
  });
});

describe('Ed25519 signatures over the payload', () => {
  let privateKey: KeyObject;
  let publicKey: KeyObject;

  beforeAll(() => {
    ({ privateKey, publicKey } = generateKeyPairSync('ed25519'));
  });

  /** What the hub does: sign the unsigned manifest and attach the signature. */
  function signManifest(manifest: ModelManifest): ModelManifest {
    const value = sign(null, manifestSigningPayload(manifest), privateKey).toString('base64');
    return { ...manifest, signature: { alg: 'ed25519', keyId: 'hub-2024', value } };
  }

  /** What the edge does with a manifest it received. */
  function verifies(manifest: ModelManifest): boolean {
    if (manifest.signature === undefined) return false;
    return verify(null, manifestSigningPayload(manifest), publicKey, Buffer.from(manifest.signature.value, 'base64'));
  }

  it('a signed manifest survives the wire (encode → decode) and verifies', () => {
    const signed = signManifest(modelManifest());
    const decoded = modelManifestCodec.decode(modelManifestCodec.encode(signed));
    expect(decoded).toEqual({ ok: true, value: signed });
    expect(decoded.ok && verifies(decoded.value)).toBe(true);
  });

  it('still verifies when a relay re-serialises the manifest with other key order', () => {
    const signed = signManifest(modelManifest());
    const relayed = JSON.parse(JSON.stringify(reverseKeys(signed))) as ModelManifest;
    expect(verifies(relayed)).toBe(true);
  });

  const tamperings: ReadonlyArray<readonly [string, (m: ModelManifest) => ModelManifest]> = [
    [
      'a file sha256',
      (m) => ({ ...m, files: m.files.map((f, i) => (i === 0 ? { ...f, sha256: `${'c'.repeat(63)}d` } : f)) }),
    ],
    ['a file size', (m) => ({ ...m, files: m.files.map((f, i) => (i === 1 ? { ...f, bytes: f.bytes + 1 } : f)) })],
    ['the file list order', (m) => ({ ...m, files: [...m.files].reverse() })],
    ['the version', (m) => ({ ...m, version: '2024.06.2' })],
    ['the quantization', (m) => ({ ...m, quant: 'uint8' })],
    ['a feature setting', (m) => ({ ...m, features: { ...m.features, horizon: m.features.horizon + 1 } })],
    ['a metric', (m) => ({ ...m, metrics: { ...m.metrics, mase: 0.5 } })],
    ['an added metric', (m) => ({ ...m, metrics: { ...m.metrics, extra: 1 } })],
    ['the creation time', (m) => ({ ...m, createdAt: m.createdAt + 1 })],
    ['an added unknown field', (m) => ({ ...m, note: 'run me' }) as ModelManifest],
  ];

  it.each(tamperings)('changing %s makes verification fail', (_what, tamper) => {
    const signed = signManifest(modelManifest());
    expect(verifies(signed)).toBe(true);
    const tampered = tamper(signed);
    expect(tampered.signature).toEqual(signed.signature);
    expect(verifies(tampered)).toBe(false);
  });

  it('a signature value has the shape the schema requires (86 base64 characters + "==")', () => {
    const signed = signManifest(modelManifest());
    expect(signed.signature?.value).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    expect(modelManifestCodec.validate(signed).ok).toBe(true);
  });

  it('any manifest signs and verifies, and any changed file hash fails', () => {
    fc.assert(
      fc.property(manifestArbitrary, fc.nat(), (manifest, pick) => {
        const signed = signManifest(manifest);
        expect(verifies(signed)).toBe(true);
        const i = pick % signed.files.length;
        const file = signed.files[i];
        if (file === undefined) throw new Error('manifests have at least one file');
        const flipped = `${file.sha256.slice(0, -1)}${file.sha256.endsWith('0') ? '1' : '0'}`;
        const files = signed.files.map((f, j) => (j === i ? { ...f, sha256: flipped } : f));
        expect(verifies({ ...signed, files })).toBe(false);
      }),
      { numRuns: 50 },
    );
  });
});
