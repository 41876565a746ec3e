/**
 * The replenishment repository contract on the embedded SQLite store and on a real PostgreSQL.
 */
import { KyselyReplenishmentRepository } from '../../hub/src/replenishment/replenishment.repository.js';
import { onRelationalBackends } from './contracts/relational-backends.js';
import { replenishmentRepositoryContract } from './contracts/replenishment-repository.contract.js';

await onRelationalBackends(
  'ReplenishmentRepository',
  (db) => new KyselyReplenishmentRepository(db),
  replenishmentRepositoryContract,
);
