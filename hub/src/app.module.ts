import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { AlertsModule } from './alerts/alerts.module.js';
import { KyselyAuditRepository } from './audit/audit.repository.js';
import { AuthController } from './auth/auth.controller.js';
import { AuthGuard } from './auth/auth.guard.js';
import { AuthService } from './auth/auth.service.js';
import { KyselyUsersRepository } from './auth/users.repository.js';
import { EmbeddedBroker } from './broker/embedded-broker.js';
import { ExternalHubBus } from './broker/external-bus.js';
import type { HubBus } from './broker/hub-bus.js';
import type { HubConfig } from './config.js';
import { FleetModule } from './fleet/fleet.module.js';
import { FootfallModule } from './footfall/footfall.module.js';
import { HealthController } from './health/health.controller.js';
import { InfluxSeriesRepository } from './ingest/influx-series.repository.js';
import { IngestController } from './ingest/ingest.controller.js';
import { KyselyIngestRepository } from './ingest/ingest.repository.js';
import { IngestService } from './ingest/ingest.service.js';
import { KyselySeriesRepository } from './ingest/series.repository.js';
import { TelemetryController } from './ingest/telemetry.controller.js';
import { InventoryController } from './inventory/inventory.controller.js';
import { ModelsModule } from './models/models.module.js';
import { PosController } from './pos/pos.controller.js';
import { KyselyPosRepository } from './pos/pos.repository.js';
import { RealtimeService } from './realtime/realtime.service.js';
import { RecommendationModule } from './recommendation/recommendation.module.js';
import { RegistryController } from './registry/registry.controller.js';
import { KyselyRegistryRepository } from './registry/registry.repository.js';
import { RegistryService } from './registry/registry.service.js';
import { ReplenishmentModule } from './replenishment/replenishment.module.js';
import { RoutingModule } from './routing/routing.module.js';
import { type HubDatabase, openSqlite } from './storage/database.js';
import { openPostgres } from './storage/postgres.js';
import {
  AUDIT_REPOSITORY,
  DATABASE,
  HUB_BUS,
  HUB_CONFIG,
  INGEST_REPOSITORY,
  LOGGER,
  METRICS,
  POS_REPOSITORY,
  REGISTRY_REPOSITORY,
  SERIES_REPOSITORY,
  USERS_REPOSITORY,
} from './tokens.js';

/** Closes what the root providers opened, bus first (no new batches), then storage. */
class Lifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(HUB_BUS) private readonly bus: HubBus,
    @Inject(DATABASE) private readonly db: HubDatabase,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
    await this.db.destroy();
  }
}

/**
 * The hub's root module. Infrastructure (config, logger, metrics, storage, broker) is provided
 * here once; feature modules take what they need by token.
 */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a NestJS dynamic module is a class with a static forRoot
export class AppModule {
  static forRoot(config: HubConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      // Feature modules (models, replenishment, routing, recommendation) take the infrastructure below by token: the root exports it.
      global: true,
      imports: [
        ModelsModule,
        ReplenishmentModule,
        RoutingModule,
        RecommendationModule,
        FleetModule,
        AlertsModule,
        FootfallModule,
      ],
      exports: [
        HUB_CONFIG,
        LOGGER,
        METRICS,
        DATABASE,
        HUB_BUS,
        REGISTRY_REPOSITORY,
        INGEST_REPOSITORY,
        SERIES_REPOSITORY,
        POS_REPOSITORY,
        AUDIT_REPOSITORY,
        AuthService,
        RealtimeService,
      ],
      controllers: [
        HealthController,
        AuthController,
        TelemetryController,
        RegistryController,
        InventoryController,
        PosController,
      ],
      providers: [
        { provide: HUB_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        {
          provide: METRICS,
          useFactory: () => {
            const registry = new Registry();
            collectDefaultMetrics({ register: registry, prefix: 'aisle_hub_' });
            return registry;
          },
        },
        {
          provide: DATABASE,
          useFactory: () => {
            const { relational } = config.storage;
            if (relational.kind === 'sqlite' || relational.url === undefined) return openSqlite(config.dataDir);
            return openPostgres(relational.url, {
              maxConnections: relational.maxConnections,
              onIdleConnectionError: (error) => logger.warn({ err: error }, 'postgres: idle connection lost'),
            });
          },
        },
        {
          provide: REGISTRY_REPOSITORY,
          inject: [DATABASE],
          useFactory: (db: HubDatabase) => new KyselyRegistryRepository(db),
        },
        {
          provide: INGEST_REPOSITORY,
          inject: [DATABASE],
          // PostgreSQL serves several replicas: a cursor's row is locked while it moves.
          useFactory: (db: HubDatabase) =>
            new KyselyIngestRepository(db, { lockRows: config.storage.relational.kind === 'postgres' }),
        },
        {
          provide: SERIES_REPOSITORY,
          inject: [DATABASE],
          useFactory: async (db: HubDatabase) => {
            const { series } = config.storage;
            if (series.kind === 'relational' || series.url === undefined) return new KyselySeriesRepository(db);
            const influx = new InfluxSeriesRepository({
              url: series.url,
              database: series.database,
              batchSize: series.batchSize,
              writeConcurrency: series.writeConcurrency,
              rawRetention: series.rawRetention,
              hourlyRetention: series.hourlyRetention,
            });
            await influx.ensureSchema();
            return influx;
          },
        },
        {
          provide: HUB_BUS,
          inject: [REGISTRY_REPOSITORY, METRICS],
          useFactory: async (registry: KyselyRegistryRepository, metrics: Registry) => {
            const now = Date.now();
            for (const g of config.gateways)
              await registry.ensureGateway({
                gateway: g.gateway,
                site: g.site,
                passwordHash: g.passwordHash,
                createdAt: now,
              });
            const external = config.broker.external;
            if (external !== undefined) {
              return ExternalHubBus.start({
                url: external.url,
                group: external.group,
                ...(external.username === undefined ? {} : { username: external.username }),
                ...(external.password === undefined ? {} : { password: external.password }),
              });
            }
            return EmbeddedBroker.start({
              host: config.broker.host,
              port: config.broker.port,
              maxPayloadBytes: config.broker.maxPayloadBytes,
              registry,
              metrics,
            });
          },
        },
        {
          provide: USERS_REPOSITORY,
          inject: [DATABASE],
          useFactory: (db: HubDatabase) => new KyselyUsersRepository(db),
        },
        {
          provide: AUDIT_REPOSITORY,
          inject: [DATABASE],
          useFactory: (db: HubDatabase) => new KyselyAuditRepository(db),
        },
        { provide: POS_REPOSITORY, inject: [DATABASE], useFactory: (db: HubDatabase) => new KyselyPosRepository(db) },
        AuthService,
        { provide: APP_GUARD, useClass: AuthGuard },
        RegistryService,
        RealtimeService,
        IngestService,
        IngestController,
        Lifecycle,
      ],
    };
  }
}
