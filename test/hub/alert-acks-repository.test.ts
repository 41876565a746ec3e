/**
 * The alert acknowledgements repository contract on the embedded SQLite store and on a real PostgreSQL.
 */
import { KyselyAlertAcksRepository } from '../../hub/src/alerts/alert-acks.repository.js';
import { alertAcksRepositoryContract } from './contracts/alert-acks-repository.contract.js';
import { onRelationalBackends } from './contracts/relational-backends.js';

await onRelationalBackends(
  'AlertAcksRepository',
  (db) => new KyselyAlertAcksRepository(db),
  alertAcksRepositoryContract,
);
