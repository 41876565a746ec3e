import { Module } from '@nestjs/common';
import type { HubDatabase } from '../storage/database.js';
import { DATABASE } from '../tokens.js';
import { AlertAcksController } from './alert-acks.controller.js';
import { KyselyAlertAcksRepository } from './alert-acks.repository.js';
import { AlertAcksService } from './alert-acks.service.js';
import { ALERT_ACKS_REPOSITORY } from './alerts.tokens.js';

/** Store alert acknowledgements; takes config, metrics, storage, audit and realtime from the root module. */
@Module({
  controllers: [AlertAcksController],
  providers: [
    {
      provide: ALERT_ACKS_REPOSITORY,
      inject: [DATABASE],
      useFactory: (db: HubDatabase) => new KyselyAlertAcksRepository(db),
    },
    AlertAcksService,
  ],
})
export class AlertsModule {}
