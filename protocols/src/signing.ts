import canonicalize from 'canonicalize';
import type { ModelManifest } from './schemas/model.js';

/**
 * The bytes a model manifest's Ed25519 signature covers: the manifest without `signature`, in
 * RFC 8785 canonical JSON (sorted keys, no whitespace, canonical numbers), UTF-8 encoded. Hub and
 * edge both call this, so signer and verifier can never disagree about what was signed.
 */
export function manifestSigningPayload(manifest: ModelManifest): Uint8Array {
  const { signature: _signature, ...unsigned } = manifest;
  const text = canonicalize(unsigned);
  if (text === undefined) throw new TypeError('manifest cannot be canonicalized');
  return new TextEncoder().encode(text);
}
