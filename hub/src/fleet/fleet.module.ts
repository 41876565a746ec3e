import { Module } from '@nestjs/common';
import type { HubDatabase } from '../storage/database.js';
import { DATABASE } from '../tokens.js';
import { FleetController } from './fleet.controller.js';
import { KyselyFleetRepository } from './fleet.repository.js';
import { FleetService } from './fleet.service.js';
import { FLEET_REPOSITORY } from './fleet.tokens.js';

/** Aggregates for the Fleet dashboard; takes config, metrics and the database from the root module. */
@Module({
  controllers: [FleetController],
  providers: [
    { provide: FLEET_REPOSITORY, inject: [DATABASE], useFactory: (db: HubDatabase) => new KyselyFleetRepository(db) },
    FleetService,
  ],
})
export class FleetModule {}
