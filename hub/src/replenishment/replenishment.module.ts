import { Module } from '@nestjs/common';
import type { HubDatabase } from '../storage/database.js';
import { DATABASE } from '../tokens.js';
import { DeliveryJobsController } from './delivery-jobs.controller.js';
import { DeliveryJobs } from './delivery-jobs.service.js';
import { OrdersController } from './orders.controller.js';
import { OrdersService } from './orders.service.js';
import { ReplenishmentPlanner } from './planner.service.js';
import { KyselyReplenishmentRepository } from './replenishment.repository.js';
import { REPLENISHMENT_REPOSITORY } from './replenishment.tokens.js';
import { TasksController } from './tasks.controller.js';
import { TasksService } from './tasks.service.js';

/**
 * Replenishment (issue #7, ARCHITECTURE §4–5): staff tasks and store orders from the engine's
 * suggestions (`engine/`, pure), over REST and socket.io, audited.
 *
 * The engine runs on the hub's live data in `ReplenishmentPlanner` (`planner.service.ts`): refill
 * tasks every few minutes and one store order a day per site of `replenishment.planner.sites`.
 *
 * For the engine and the simulation: `TasksService.suggest(RefillSuggestion[])`,
 * `OrdersService.propose(OrderSuggestion)` and `OrdersService.onOrder(site, sku)`.
 *
 * For routing: `DeliveryJobs` (interface `DeliveryJobSource` in `delivery-jobs.service.ts`):
 * `pendingJobs(fromMs, toMs)` returns the protocol `DeliveryJob`s of approved, not yet dispatched
 * store orders whose time window overlaps the range (or that have none), and
 * `onJobCreated(listener)` calls back with each job as its order is approved (in this process).
 * A routing module imports `ReplenishmentModule` and injects `DeliveryJobs`; dispatch and delivery
 * go through `OrdersService.act` (or `POST /api/sites/{site}/orders/{id}/dispatch|deliver`),
 * which moves the job with its order.
 *
 * Realtime: changes are pushed to the site's subscribers on channel `tasks` (key: task id) and
 * `orders` (key: order id), the whole task or order as value.
 */
@Module({
  controllers: [TasksController, OrdersController, DeliveryJobsController],
  providers: [
    {
      provide: REPLENISHMENT_REPOSITORY,
      inject: [DATABASE],
      useFactory: (db: HubDatabase) => new KyselyReplenishmentRepository(db),
    },
    DeliveryJobs,
    TasksService,
    OrdersService,
    ReplenishmentPlanner,
  ],
  exports: [DeliveryJobs, TasksService, OrdersService, ReplenishmentPlanner],
})
export class ReplenishmentModule {}
