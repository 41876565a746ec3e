import { randomBytes, scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../edge/src/broker/credentials.js';
import { type DeviceRecord, DeviceRegistry, DeviceRegistryError } from '../../edge/src/broker/device-registry.js';
import { type CacheOutcome, VerifiedPasswordCache } from '../../edge/src/broker/verified-password-cache.js';

/** A cheap hash in the stored format (N=1024), so cache tests do not spend 50 ms per miss. */
function cheapHash(secret: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(secret, salt, 32, { N: 1024, r: 8, p: 1 });
  return `scrypt$1024$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
}

describe('password hashes', () => {
  it('hashes as scrypt$16384$8$1$salt$key with a fresh salt, and verifies only the right secret', async () => {
    const [a, b] = await Promise.all([hashPassword('s3cret'), hashPassword('s3cret')]);
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('s3cret', a)).toBe(true);
    expect(await verifyPassword('s3cret!', a)).toBe(false);
    expect(await verifyPassword(Buffer.from('s3cret'), b)).toBe(true);
  });

  it('verifies the RFC 7914 §12 test vector (N=16384, r=8, p=1, 64-byte key)', async () => {
    const key =
      '7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2' +
      'd5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887';
    const salt = Buffer.from('SodiumChloride').toString('base64');
    const hash = `scrypt$16384$8$1$${salt}$${Buffer.from(key, 'hex').toString('base64')}`;
    expect(await verifyPassword('pleaseletmein', hash)).toBe(true);
  });

  it('verifies nothing against a malformed or unreasonably costly hash, without throwing', async () => {
    const good = cheapHash('x').split('$');
    const variant = (i: number, value: string) => good.map((part, j) => (j === i ? value : part)).join('$');
    const bad = [
      '',
      'scrypt$',
      'bcrypt$2b$10$abc',
      variant(1, '1000'), // N not a power of two
      variant(1, String(2 ** 24)), // 2 GiB of memory per login
      variant(2, '0'),
      variant(3, '64'),
      variant(4, 'not base64!'),
      variant(5, Buffer.alloc(8).toString('base64')), // key too short to mean anything
      `${good.join('$')}$extra`,
    ];
    for (const hash of bad) expect(await verifyPassword('x', hash), hash).toBe(false);
  });
});

describe('verified password cache', () => {
  it('answers a repeated successful verification from the cache, never a different secret', async () => {
    const outcomes: CacheOutcome[] = [];
    const cache = new VerifiedPasswordCache(10, (o) => outcomes.push(o));
    const hash = cheapHash('right');
    expect(await cache.verify('scale-1', hash, 'right')).toBe(true);
    expect(await cache.verify('scale-1', hash, 'right')).toBe(true);
    expect(await cache.verify('scale-1', hash, 'wrong')).toBe(false);
    expect(await cache.verify('scale-1', hash, 'wrong')).toBe(false);
    // The same secret under another username or another hash is a different entry.
    expect(await cache.verify('scale-2', hash, 'right')).toBe(true);
    expect(await cache.verify('scale-1', cheapHash('right'), 'right')).toBe(true);
    expect(outcomes).toEqual(['miss', 'hit', 'miss', 'miss', 'miss', 'miss']);
  });

  it('is a bounded LRU: the least recently used entry is evicted and reported', async () => {
    const outcomes: CacheOutcome[] = [];
    const cache = new VerifiedPasswordCache(2, (o) => outcomes.push(o));
    const hash = cheapHash('pw');
    for (const user of ['a', 'b', 'a', 'c', 'b']) await cache.verify(user, hash, 'pw');
    // a miss, b miss, a hit (now most recent), c miss evicts b, b miss evicts a.
    expect(outcomes).toEqual(['miss', 'miss', 'hit', 'miss', 'eviction', 'miss', 'eviction']);
    expect(cache.size).toBe(2);
  });
});

describe('device registry', () => {
  const device = (name: string, extra: Partial<DeviceRecord> = {}): DeviceRecord => ({
    device: name,
    kind: 'shelf-scale',
    username: name,
    passwordHash: `scrypt$hash-of-${name}`,
    ...extra,
  });

  it('reports the usernames whose access ended: removed, revoked, rotated (not kept or added)', () => {
    const registry = new DeviceRegistry('store-1', [device('a'), device('b'), device('c'), device('d')]);
    const ended: (readonly string[])[] = [];
    registry.onAccessEnded((usernames) => ended.push(usernames));
    registry.setDevices([
      device('a'),
      device('b', { revoked: true }),
      device('c', { passwordHash: 'scrypt$rotated' }),
      device('e'),
    ]);
    expect(ended).toEqual([['b', 'c', 'd']]);
    expect(registry.find('b')?.revoked).toBe(true);
    expect(registry.find('d')).toBeUndefined();
  });

  it('refuses a list with duplicate, reserved or invalid entries as a whole, listing each', () => {
    const registry = new DeviceRegistry('store-1', [device('a')]);
    const attempt = () =>
      registry.setDevices([device('b'), device('b'), device('c', { username: '$service' }), device('Bad_Id')]);
    expect(attempt).toThrow(DeviceRegistryError);
    expect(attempt).toThrow(/devices\[1\]\.username="b" is a duplicate.*devices\[2\]\.username="\$service".*Bad_Id/);
    expect(registry.find('a')).toBeDefined();
    expect(registry.size).toBe(1);
  });
});
