/**
 * The models repository contract on the embedded SQLite store and on a real PostgreSQL.
 */
import { KyselyModelsRepository } from '../../hub/src/models/models.repository.js';
import { modelsRepositoryContract } from './contracts/models-repository.contract.js';
import { onRelationalBackends } from './contracts/relational-backends.js';

await onRelationalBackends('ModelsRepository', (db) => new KyselyModelsRepository(db), modelsRepositoryContract);
