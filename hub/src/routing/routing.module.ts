import { Module } from '@nestjs/common';
import type { Registry } from 'prom-client';
import type { HubConfig } from '../config.js';
import { ReplenishmentModule } from '../replenishment/replenishment.module.js';
import type { HubDatabase } from '../storage/database.js';
import { DATABASE, HUB_CONFIG, METRICS } from '../tokens.js';
import { RoutingController } from './routing.controller.js';
import { KyselyRoutingRepository } from './routing.repository.js';
import { RoutingService } from './routing.service.js';
import { ROUTING_REPOSITORY, SOLVER_THREAD } from './routing.tokens.js';
import { SolverThread } from './solver-thread.js';
import { TrackingService } from './tracking/tracking.service.js';

/**
 * Routing (issue #8, ARCHITECTURE §4–5): route plans for the vans of `routing.fleet` over the
 * delivery jobs of approved store orders (`ReplenishmentModule`'s `DeliveryJobs`) and parcels,
 * solved by the pure engine (`engine/`) on its own thread (`solver-thread.ts`), stored per version
 * (`routing.repository.ts`), sent to the vans' gateways on `down/{van}/{gateway}/replan` and to
 * planners on realtime channel `routes`.
 *
 * REST (planner, admin): `GET /api/routing/plans/active`, `GET /api/routing/plans/:id`,
 * `POST /api/routing/plans` (plan now, proposed), `POST /api/routing/plans/:id/activate`,
 * `POST /api/routing/jobs`, `DELETE /api/routing/jobs/:id`, `POST /api/routing/replan`,
 * `GET /api/routing/vans` (tracking's picture of each van: where it was last seen, its ETAs).
 *
 * For tracking (`tracking/`), `RoutingService` (exported):
 * - `activePlan(): RoutePlan | undefined`;
 * - `onPlanActivated(listener: (plan: RoutePlan) => void): () => void` (returns the unsubscribe);
 * - `setVanProgress(vehicle: string, progress: { position?: LatLon; doneJobs: readonly string[];
 *   inProgressJob?: string }): void` — the next re-plan starts the van there, its job under way
 *   pinned first and its done stops kept at the head of its route;
 * - `replan(reason: string, actor?: string): Promise<ReplanOutcome>` — re-plan now, e.g. on a
 *   delay (409 NO_ACTIVE_PLAN without an active plan); only changed routes are sent.
 * The realtime channel `route-alerts` is there for tracking's late-risk alerts.
 */
@Module({
  imports: [ReplenishmentModule],
  controllers: [RoutingController],
  providers: [
    {
      provide: ROUTING_REPOSITORY,
      inject: [DATABASE],
      useFactory: (db: HubDatabase) => new KyselyRoutingRepository(db),
    },
    {
      provide: SOLVER_THREAD,
      inject: [HUB_CONFIG, METRICS],
      useFactory: (config: HubConfig, metrics: Registry) =>
        new SolverThread({ maxQueued: config.routing.solve.maxQueued, metrics }),
    },
    RoutingService,
    TrackingService,
  ],
  exports: [RoutingService],
})
export class RoutingModule {}
