import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Device passwords at rest: `scrypt$N$r$p$saltB64$hashB64` (RFC 7914), the format of the protocols
 * schema `DeviceCredential.passwordHash`. The hub hashes a device's secret once at provisioning;
 * the gateway only ever verifies.
 *
 * N=2^14, r=8, p=1 costs about 50 ms of CPU and 16 MiB per verification on the gateway's class
 * of machine: slow on purpose, so a leaked credentials list cannot be brute-forced cheaply.
 * Verification runs on the libuv thread pool (async `scrypt`), never on the event loop.
 */

export const SCRYPT_COST = { N: 16_384, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

/**
 * What a stored hash may ask for. Hashes come from outside (the hub's credentials push): a hostile
 * or corrupt one must not make a single login cost seconds or gigabytes.
 */
const MAX_SCRYPT_MEMORY_BYTES = 64 * 1024 * 1024;
const MAX_P = 16;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

interface ParsedHash {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly key: Buffer;
}

function derive(secret: string | Uint8Array, salt: Buffer, keyBytes: number, cost: ScryptOptions): Promise<Buffer> {
  const N = cost.N ?? SCRYPT_COST.N;
  const r = cost.r ?? SCRYPT_COST.r;
  // Node refuses when 128·N·r exceeds maxmem (default 32 MiB); give it the headroom the cost needs.
  const options: ScryptOptions = { ...cost, maxmem: 256 * N * r };
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keyBytes, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Hashes a device secret with a fresh 16-byte salt: `scrypt$16384$8$1$<salt b64>$<key b64>`. */
export async function hashPassword(secret: string | Uint8Array): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(secret, salt, KEY_BYTES, SCRYPT_COST);
  const { N, r, p } = SCRYPT_COST;
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

function positiveInt(text: string): number | undefined {
  if (!/^[1-9][0-9]{0,9}$/.test(text)) return undefined;
  return Number(text);
}

function base64(text: string): Buffer | undefined {
  return BASE64.test(text) && text.length % 4 === 0 ? Buffer.from(text, 'base64') : undefined;
}

/** The parts of a stored hash, or `undefined` when it is malformed or asks for an unreasonable cost. */
function parseHash(hash: string): ParsedHash | undefined {
  const parts = hash.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const N = positiveInt(parts[1] ?? '');
  const r = positiveInt(parts[2] ?? '');
  const p = positiveInt(parts[3] ?? '');
  const salt = base64(parts[4] ?? '');
  const key = base64(parts[5] ?? '');
  if (N === undefined || r === undefined || p === undefined || salt === undefined || key === undefined) {
    return undefined;
  }
  // RFC 7914 §2: N is a power of two greater than 1.
  const powerOfTwo = N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || 128 * N * r > MAX_SCRYPT_MEMORY_BYTES || p > MAX_P) return undefined;
  if (salt.length < 8 || key.length < 16 || key.length > 64) return undefined;
  return { N, r, p, salt, key };
}

/**
 * True when `secret` matches `hash`. Never throws: a malformed hash verifies nothing. The comparison
 * is constant-time, so response timing says nothing about how much of the key matched.
 */
export async function verifyPassword(secret: string | Uint8Array, hash: string): Promise<boolean> {
  const parsed = parseHash(hash);
  if (parsed === undefined) return false;
  const { N, r, p, salt, key } = parsed;
  try {
    const derived = await derive(secret, salt, key.length, { N, r, p });
    return timingSafeEqual(derived, key);
  } catch {
    return false;
  }
}
