import { type DeliveryJob, Explanation, newId, Sku, schemaProblems } from '@aisle/protocols';
import { Inject, Injectable } from '@nestjs/common';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Counter, type Registry } from 'prom-client';
import type { AuditRepository } from '../audit/audit.repository.js';
import { apiError } from '../auth/api-error.js';
import type { HubConfig } from '../config.js';
import { RealtimeService } from '../realtime/realtime.service.js';
import { AUDIT_REPOSITORY, HUB_CONFIG, METRICS } from '../tokens.js';
import { DeliveryJobs } from './delivery-jobs.service.js';
import { applyOrderAction, isRefused, type OrderAction } from './lifecycle.js';
import { reviewOrder } from './order-review.js';
import type { OrderEffects, ReplenishmentRepository } from './replenishment.repository.js';
import { REPLENISHMENT_REPOSITORY } from './replenishment.tokens.js';
import type { JobStatus, OrderState, OrderSuggestion, StoreOrder } from './replenishment.types.js';
import { changedConcurrently, deliverySiteUnknown, refusedTransition } from './replenishment-errors.js';

const checkLines = TypeCompiler.Compile(
  Type.Array(
    Type.Object({ sku: Sku, quantity: Type.Integer({ minimum: 1, maximum: 10_000_000 }), explanation: Explanation }),
    { minItems: 1, maxItems: 10_000 },
  ),
);

const ATTEMPTS = 5;

/** Where the order's delivery jobs go with each transition. */
const JOB_STATUS: Partial<Record<OrderAction['kind'], JobStatus>> = {
  cancel: 'cancelled',
  dispatch: 'dispatched',
  deliver: 'delivered',
};

/**
 * Store orders (issue #7): proposed from the engine's suggestions, approved at once when every
 * line is within `replenishment.autoApprove` (`order-review.ts`), else left proposed with the
 * reasons a human (admin or planner) sees before approving or rejecting. Approval creates the
 * delivery job routing picks up (`DeliveryJobs`), in the same transaction; dispatch and delivery
 * move it along, and a delivered order's lines become the SKU's typical-quantity history.
 * Every change is audited and pushed to the site's `orders` channel.
 */
@Injectable()
export class OrdersService {
  readonly #orders: Counter<'approval'>;
  readonly #changes: Counter<'action'>;
  readonly #refusals: Counter<'code'>;
  readonly #truncated: Counter;

  constructor(
    @Inject(REPLENISHMENT_REPOSITORY) private readonly repository: ReplenishmentRepository,
    @Inject(DeliveryJobs) private readonly jobs: DeliveryJobs,
    @Inject(AUDIT_REPOSITORY) private readonly audit: AuditRepository,
    @Inject(RealtimeService) private readonly realtime: RealtimeService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(METRICS) metrics: Registry,
  ) {
    const registers = [metrics];
    this.#orders = new Counter({
      name: 'aisle_hub_store_orders_proposed_total',
      help: 'Store orders proposed, by how they were approved (auto, or review: waiting for a human)',
      labelNames: ['approval'],
      registers,
    });
    this.#changes = new Counter({
      name: 'aisle_hub_store_order_changes_total',
      help: 'Store order transitions, by action',
      labelNames: ['action'],
      registers,
    });
    this.#refusals = new Counter({
      name: 'aisle_hub_store_order_refusals_total',
      help: 'Store order transitions refused, by reason code',
      labelNames: ['code'],
      registers,
    });
    this.#truncated = new Counter({
      name: 'aisle_hub_store_order_lists_truncated_total',
      help: 'Order lists that reached replenishment.maxListed (more may exist)',
      registers,
    });
  }

  /** Stores a proposed order, approved at once (with its delivery job) when within bounds. */
  async propose(suggestion: OrderSuggestion, now = Date.now()): Promise<StoreOrder> {
    const problems = schemaProblems(checkLines, suggestion.lines);
    const skus = suggestion.lines.map((l) => l.sku);
    if (new Set(skus).size !== skus.length) problems.push('/lines: a SKU appears twice');
    if (problems.length > 0)
      throw apiError(400, 'VALIDATION_FAILED', `order for ${suggestion.site}: ${problems.join('; ')}`);
    if (this.config.replenishment.delivery.sites[suggestion.site] === undefined)
      throw deliverySiteUnknown(suggestion.site);
    const bounds = this.config.replenishment.autoApprove;
    const recent = await this.repository.recentDelivered(suggestion.site, skus, bounds.history);
    const review = reviewOrder(suggestion.lines, recent, bounds);
    const proposed: StoreOrder = {
      id: newId(now),
      site: suggestion.site,
      state: 'proposed',
      lines: suggestion.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, explanation: l.explanation })),
      totalUnits: suggestion.lines.reduce((sum, l) => sum + l.quantity, 0),
      review,
      createdAt: now,
      updatedAt: now,
      ...(suggestion.needBy === undefined ? {} : { needBy: suggestion.needBy }),
    };
    this.#orders.inc({ approval: review.length === 0 ? 'auto' : 'review' });
    if (review.length > 0) {
      await this.repository.createOrder(proposed);
      await this.#changed('hub', 'propose', proposed, { review });
      return proposed;
    }
    const approved = applyOrderAction(proposed, { kind: 'approve', auto: true }, 'hub', now) as StoreOrder;
    const job = this.#job(approved, now);
    await this.repository.createOrder(approved, { createJob: job });
    await this.#changed('hub', 'propose', proposed, { review });
    await this.#changed('hub', 'approve', approved, { auto: true, job: job.id });
    this.jobs.announce(job);
    return approved;
  }

  /** At most `replenishment.maxListed` (a list that reaches it is counted). */
  async list(site: string, states: readonly OrderState[] | undefined): Promise<StoreOrder[]> {
    const limit = this.config.replenishment.maxListed;
    const listed = await this.repository.orders(site, { limit, ...(states === undefined ? {} : { states }) });
    if (listed.length === limit) this.#truncated.inc();
    return listed;
  }

  /** The order of `site` with its delivery jobs; 404 for an order of another site. */
  async get(site: string, id: string) {
    const held = await this.repository.order(id);
    if (held === undefined || held.value.site !== site)
      throw apiError(404, 'NOT_FOUND', `no order ${id} in site ${site}`);
    return { ...held.value, jobs: await this.repository.jobs(id) };
  }

  /** Units of the SKU ordered for the site and not yet delivered (proposed, approved or dispatched): the engine's on-order. */
  onOrder(site: string, sku: string): Promise<number> {
    return this.repository.onOrder(site, sku);
  }

  async act(actor: string, site: string, id: string, action: OrderAction): Promise<StoreOrder> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const held = await this.repository.order(id);
      if (held === undefined || held.value.site !== site)
        throw apiError(404, 'NOT_FOUND', `no order ${id} in site ${site}`);
      const now = Date.now();
      const next = applyOrderAction(held.value, action, actor, now);
      if (isRefused(next)) {
        this.#refusals.inc({ code: next.refused });
        throw refusedTransition(next);
      }
      const job = action.kind === 'approve' ? this.#job(next, now) : undefined;
      const jobStatus = JOB_STATUS[action.kind];
      const effects: OrderEffects = {
        ...(job === undefined ? {} : { createJob: job }),
        ...(jobStatus === undefined ? {} : { jobStatus }),
      };
      if (!(await this.repository.updateOrder(next, held.revision, effects))) continue;
      const detail =
        action.kind === 'reject' || action.kind === 'cancel'
          ? { reason: action.reason }
          : action.kind === 'approve'
            ? { auto: false, review: held.value.review, ...(job === undefined ? {} : { job: job.id }) }
            : {};
      await this.#changed(actor, action.kind, next, detail);
      if (job !== undefined) this.jobs.announce(job);
      return next;
    }
    throw changedConcurrently(`order ${id}`);
  }

  #job(order: StoreOrder, now: number): DeliveryJob {
    const location = this.config.replenishment.delivery.sites[order.site];
    if (location === undefined) throw deliverySiteUnknown(order.site);
    return {
      id: newId(now),
      kind: 'store-order',
      site: order.site,
      order: order.id,
      location: { lat: location.lat, lon: location.lon },
      demand: [order.totalUnits],
      timeWindows: order.needBy !== undefined && order.needBy > now ? [{ start: now, end: order.needBy }] : [],
      serviceMs: this.config.replenishment.delivery.serviceMs,
      createdAt: now,
    };
  }

  async #changed(actor: string, action: string, order: StoreOrder, detail: Record<string, unknown>): Promise<void> {
    this.#changes.inc({ action });
    await this.audit.append({
      at: order.updatedAt,
      actor,
      action: `order.${action}`,
      target: order.id,
      detail: { site: order.site, state: order.state, totalUnits: order.totalUnits, ...detail },
    });
    this.realtime.publish(order.site, [{ channel: 'orders', key: order.id, value: order }]);
  }
}
