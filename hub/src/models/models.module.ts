import { Module } from '@nestjs/common';
import type { HubDatabase } from '../storage/database.js';
import { DATABASE } from '../tokens.js';
import { ModelRegistryService } from './model-registry.service.js';
import { ModelsController } from './models.controller.js';
import { KyselyModelsRepository } from './models.repository.js';
import { MODELS_REPOSITORY } from './models.tokens.js';
import { RolloutService } from './rollout.service.js';
import { RolloutsController } from './rollouts.controller.js';

/**
 * Model registry and staged rollout (ARCHITECTURE §2 model artifacts, §4). Takes the
 * infrastructure (config, database, bus, metrics, logger, registry and ingest repositories, audit,
 * auth) from the root module, which exports it.
 */
@Module({
  controllers: [ModelsController, RolloutsController],
  providers: [
    { provide: MODELS_REPOSITORY, inject: [DATABASE], useFactory: (db: HubDatabase) => new KyselyModelsRepository(db) },
    ModelRegistryService,
    RolloutService,
  ],
})
export class ModelsModule {}
