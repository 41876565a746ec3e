import { expect, it } from 'vitest';
import type { RegistryRepository } from '../../../hub/src/registry/registry.repository.js';
import type { MakeStoreFixture } from './fixture.js';

/** The `RegistryRepository` contract, run by every relational backend. */

const AT = 1_767_225_600_000;
const gateway = (id: string, passwordHash = `scrypt$hash-of-${id}`) => ({
  gateway: id,
  site: 'site-a',
  passwordHash,
  createdAt: AT,
});

export function registryRepositoryContract(make: MakeStoreFixture<RegistryRepository>): void {
  it('creates a gateway once and never overwrites it', async () => {
    const { repository } = await make();
    expect(await repository.ensureGateway(gateway('gw-1'))).toBe(true);
    expect(await repository.ensureGateway(gateway('gw-1', 'scrypt$another'))).toBe(false);
    expect(await repository.gateway('gw-1')).toEqual({ ...gateway('gw-1'), revokedAt: null });
  });

  it('lists gateways by id and knows no others', async () => {
    const { repository, reopen } = await make();
    await repository.ensureGateway(gateway('gw-2'));
    await repository.ensureGateway(gateway('gw-1'));
    const expected = [
      { ...gateway('gw-1'), revokedAt: null },
      { ...gateway('gw-2'), revokedAt: null },
    ];
    expect(await repository.gateways()).toEqual(expected);
    expect(await repository.gateway('gw-3')).toBeUndefined();
    const second = await reopen();
    expect(await second.gateways()).toEqual(expected);
    expect(await second.ensureGateway(gateway('gw-2'))).toBe(false);
  });

  it('upserts a large catalogue in one call: a SKU sent again is updated, the last of duplicates wins', async () => {
    const { repository } = await make();
    const skus = Array.from({ length: 2500 }, (_, i) => ({
      sku: `SKU-${i}`,
      name: `item ${i}`,
      category: `c${i % 7}`,
    }));
    await repository.putSkus(skus);
    await repository.putSkus([
      { sku: 'SKU-1', name: 'renamed', casePack: 12 },
      { sku: 'SKU-2', name: 'first' },
      { sku: 'SKU-2', name: 'second', category: 'c9' },
    ]);
    const stored = await repository.skus(['SKU-0', 'SKU-1', 'SKU-2', 'SKU-2499', 'SKU-none']);
    expect(stored).toEqual([
      { sku: 'SKU-0', name: 'item 0', category: 'c0' },
      { sku: 'SKU-1', name: 'renamed', casePack: 12 },
      { sku: 'SKU-2', name: 'second', category: 'c9' },
      { sku: 'SKU-2499', name: 'item 2499', category: `c${2499 % 7}` },
    ]);
  });
}
