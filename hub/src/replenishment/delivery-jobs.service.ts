import type { DeliveryJob } from '@aisle/protocols';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../tokens.js';
import type { ReplenishmentRepository } from './replenishment.repository.js';
import { REPLENISHMENT_REPOSITORY } from './replenishment.tokens.js';

/**
 * Where routing gets its store-order work (the interface the routing module consumes).
 *
 * An approved store order becomes one protocol `DeliveryJob`: `kind: 'store-order'`, `site`,
 * `order` (the order id), `location` (the site's `replenishment.delivery.sites` point), `demand`
 * `[units]` (one capacity dimension: the order's total units), `timeWindows` `[{start: approval,
 * end: needBy}]` when the order has a `needBy` still ahead, else `[]` (any time in a shift),
 * `serviceMs` (`replenishment.delivery.serviceMs`). The job is `pending` until its order is
 * dispatched, then `dispatched`, `delivered`, or `cancelled` with the order.
 */
export interface DeliveryJobSource {
  /** Pending jobs whose time window overlaps [fromMs, toMs), and those without a window; oldest first. */
  pendingJobs(fromMs: number, toMs: number): Promise<DeliveryJob[]>;
  /**
   * Calls `listener` with every job created from now on by this hub process (after its commit),
   * until the returned function is called. Another replica's jobs are not seen here: a planner
   * that must not miss any re-reads `pendingJobs` when it plans.
   */
  onJobCreated(listener: (job: DeliveryJob) => void): () => void;
}

@Injectable()
export class DeliveryJobs implements DeliveryJobSource {
  readonly #listeners = new Set<(job: DeliveryJob) => void>();

  constructor(
    @Inject(REPLENISHMENT_REPOSITORY) private readonly repository: ReplenishmentRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  pendingJobs(fromMs: number, toMs: number): Promise<DeliveryJob[]> {
    return this.repository.pendingJobs(fromMs, toMs);
  }

  onJobCreated(listener: (job: DeliveryJob) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tells the listeners of a job just stored; one that throws does not stop the others. */
  announce(job: DeliveryJob): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(job);
      } catch (error) {
        this.logger.error({ err: error, job: job.id }, 'a delivery-job listener failed');
      }
    }
  }
}
