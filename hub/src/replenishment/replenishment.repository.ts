import type { DeliveryJob, Explanation } from '@aisle/protocols';
import type { HubDatabase } from '../storage/database.js';
import type { Database } from '../storage/schema.js';
import type {
  DeliveryJobRecord,
  JobStatus,
  OrderLine,
  OrderReviewReason,
  OrderState,
  Revised,
  StaffTask,
  StoreOrder,
  TaskState,
} from './replenishment.types.js';

/** What an order update does besides storing the order, in the same transaction. */
export interface OrderEffects {
  /** A delivery job created for the order (its approval). */
  readonly createJob?: DeliveryJob;
  /** Every job of the order moves to this status (dispatch, delivery, cancellation). */
  readonly jobStatus?: JobStatus;
}

/**
 * Staff tasks, store orders and their delivery jobs in the relational store. Updates are
 * conditional on the revision a value was read at, so two replicas (or two clicks) never both
 * move one task or order: the loser gets false and re-reads.
 */
export interface ReplenishmentRepository {
  /** Stores a new task; false when it is a refill for a lane that already has one open or claimed. */
  createTask(task: StaffTask): Promise<boolean>;
  task(id: string): Promise<Revised<StaffTask> | undefined>;
  /** The lane's open or claimed refill task. */
  activeRefill(site: string, lane: string): Promise<Revised<StaffTask> | undefined>;
  /** The site's tasks in these states (default all), most urgent first, then oldest. */
  tasks(site: string, filter: { states?: readonly TaskState[]; limit: number }): Promise<StaffTask[]>;
  updateTask(task: StaffTask, revision: number): Promise<boolean>;
  /** Stores a new order with its lines (and, approved at once, its delivery job). */
  createOrder(order: StoreOrder, effects?: OrderEffects): Promise<void>;
  order(id: string): Promise<Revised<StoreOrder> | undefined>;
  /** The site's orders in these states (default all), newest first. */
  orders(site: string, filter: { states?: readonly OrderState[]; limit: number }): Promise<StoreOrder[]>;
  /** Stores the order if it is still at `revision`, with its effects; a delivered order's lines become history. */
  updateOrder(order: StoreOrder, revision: number, effects?: OrderEffects): Promise<boolean>;
  /** Per SKU, the quantities of its latest `count` delivered lines at the site, newest first. */
  recentDelivered(site: string, skus: readonly string[], count: number): Promise<Map<string, number[]>>;
  /** Units of the SKU in the site's orders not yet delivered nor closed (proposed, approved, dispatched). */
  onOrder(site: string, sku: string): Promise<number>;
  /**
   * Per SKU of the site: backroom units by the ledger — delivered order lines less the units moved to
   * the shelf by done refill tasks, floored at 0 — and units on open (proposed, approved,
   * dispatched) orders.
   */
  stockLedger(site: string): Promise<Map<string, { readonly backroom: number; readonly onOrder: number }>>;
  jobs(orderId: string): Promise<DeliveryJobRecord[]>;
  /** Pending jobs with a time window overlapping [from, to), or with none; oldest first. */
  pendingJobs(from: number, to: number): Promise<DeliveryJob[]>;
}

const OPEN_ORDER_STATES: readonly OrderState[] = ['proposed', 'approved', 'dispatched'];

export class KyselyReplenishmentRepository implements ReplenishmentRepository {
  readonly #db: HubDatabase;

  constructor(db: HubDatabase) {
    this.#db = db;
  }

  async createTask(task: StaffTask): Promise<boolean> {
    const result = await this.#db
      .insertInto('replenishment_tasks')
      .values({ ...taskRow(task), revision: 0 })
      .onConflict((c) => c.column('active_lane').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async task(id: string): Promise<Revised<StaffTask> | undefined> {
    const row = await this.#db.selectFrom('replenishment_tasks').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : { value: toTask(row), revision: Number(row.revision) };
  }

  async activeRefill(site: string, lane: string): Promise<Revised<StaffTask> | undefined> {
    const row = await this.#db
      .selectFrom('replenishment_tasks')
      .selectAll()
      .where('active_lane', '=', activeLane(site, lane))
      .executeTakeFirst();
    return row === undefined ? undefined : { value: toTask(row), revision: Number(row.revision) };
  }

  async tasks(site: string, filter: { states?: readonly TaskState[]; limit: number }): Promise<StaffTask[]> {
    let query = this.#db.selectFrom('replenishment_tasks').selectAll().where('site', '=', site);
    if (filter.states !== undefined && filter.states.length > 0) query = query.where('state', 'in', [...filter.states]);
    const rows = await query
      .orderBy('priority', 'desc')
      .orderBy('created_at')
      .orderBy('id')
      .limit(filter.limit)
      .execute();
    return rows.map(toTask);
  }

  async updateTask(task: StaffTask, revision: number): Promise<boolean> {
    const { id: _, ...values } = taskRow(task);
    const result = await this.#db
      .updateTable('replenishment_tasks')
      .set({ ...values, revision: revision + 1 })
      .where('id', '=', task.id)
      .where('revision', '=', revision)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async createOrder(order: StoreOrder, effects: OrderEffects = {}): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await tx
        .insertInto('store_orders')
        .values({ ...orderRow(order), revision: 0 })
        .execute();
      if (order.lines.length > 0)
        await tx
          .insertInto('store_order_lines')
          .values(
            order.lines.map((line, position) => ({
              order_id: order.id,
              position,
              site: order.site,
              sku: line.sku,
              quantity: line.quantity,
              explanation: JSON.stringify(line.explanation),
              delivered_at: null,
            })),
          )
          .execute();
      await applyEffects(tx, order, effects);
    });
  }

  async order(id: string): Promise<Revised<StoreOrder> | undefined> {
    const row = await this.#db.selectFrom('store_orders').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) return undefined;
    const lines = await this.#lines([id]);
    return { value: toOrder(row, lines.get(id) ?? []), revision: Number(row.revision) };
  }

  async orders(site: string, filter: { states?: readonly OrderState[]; limit: number }): Promise<StoreOrder[]> {
    let query = this.#db.selectFrom('store_orders').selectAll().where('site', '=', site);
    if (filter.states !== undefined && filter.states.length > 0) query = query.where('state', 'in', [...filter.states]);
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
    const lines = await this.#lines(rows.map((r) => r.id));
    return rows.map((row) => toOrder(row, lines.get(row.id) ?? []));
  }

  async updateOrder(order: StoreOrder, revision: number, effects: OrderEffects = {}): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      const { id: _, ...values } = orderRow(order);
      const result = await tx
        .updateTable('store_orders')
        .set({ ...values, revision: revision + 1 })
        .where('id', '=', order.id)
        .where('revision', '=', revision)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      if (order.state === 'delivered')
        await tx
          .updateTable('store_order_lines')
          .set({ delivered_at: order.deliveredAt ?? order.updatedAt })
          .where('order_id', '=', order.id)
          .execute();
      await applyEffects(tx, order, effects);
      return true;
    });
  }

  async recentDelivered(site: string, skus: readonly string[], count: number): Promise<Map<string, number[]>> {
    const recent = new Map<string, number[]>();
    for (const sku of new Set(skus)) {
      const rows = await this.#db
        .selectFrom('store_order_lines')
        .select('quantity')
        .where('site', '=', site)
        .where('sku', '=', sku)
        .where('delivered_at', 'is not', null)
        .orderBy('delivered_at', 'desc')
        .orderBy('order_id', 'desc')
        .limit(count)
        .execute();
      recent.set(
        sku,
        rows.map((r) => Number(r.quantity)),
      );
    }
    return recent;
  }

  async onOrder(site: string, sku: string): Promise<number> {
    const row = await this.#db
      .selectFrom('store_order_lines')
      .innerJoin('store_orders', 'store_orders.id', 'store_order_lines.order_id')
      .select((eb) => eb.fn.sum<number | string | null>('store_order_lines.quantity').as('units'))
      .where('store_order_lines.site', '=', site)
      .where('store_order_lines.sku', '=', sku)
      .where('store_orders.state', 'in', [...OPEN_ORDER_STATES])
      .executeTakeFirst();
    return Number(row?.units ?? 0);
  }

  async stockLedger(site: string): Promise<Map<string, { readonly backroom: number; readonly onOrder: number }>> {
    const delivered = await this.#db
      .selectFrom('store_order_lines')
      .select(['sku', (eb) => eb.fn.sum<number | string | null>('quantity').as('units')])
      .where('site', '=', site)
      .where('delivered_at', 'is not', null)
      .groupBy('sku')
      .execute();
    const moved = await this.#db
      .selectFrom('replenishment_tasks')
      .select(['sku', (eb) => eb.fn.sum<number | string | null>('units_moved').as('units')])
      .where('site', '=', site)
      .where('kind', '=', 'refill')
      .where('state', '=', 'done')
      .groupBy('sku')
      .execute();
    const open = await this.#db
      .selectFrom('store_order_lines')
      .innerJoin('store_orders', 'store_orders.id', 'store_order_lines.order_id')
      .select([
        'store_order_lines.sku as sku',
        (eb) => eb.fn.sum<number | string | null>('store_order_lines.quantity').as('units'),
      ])
      .where('store_order_lines.site', '=', site)
      .where('store_orders.state', 'in', [...OPEN_ORDER_STATES])
      .groupBy('store_order_lines.sku')
      .execute();
    const ledger = new Map<string, { backroom: number; onOrder: number }>();
    const entry = (sku: string) => {
      let e = ledger.get(sku);
      if (e === undefined) {
        e = { backroom: 0, onOrder: 0 };
        ledger.set(sku, e);
      }
      return e;
    };
    for (const r of delivered) entry(r.sku).backroom += Number(r.units ?? 0);
    for (const r of moved) entry(r.sku).backroom -= Number(r.units ?? 0);
    for (const r of open) entry(r.sku).onOrder += Number(r.units ?? 0);
    for (const e of ledger.values()) e.backroom = Math.max(0, e.backroom);
    return ledger;
  }

  async jobs(orderId: string): Promise<DeliveryJobRecord[]> {
    const rows = await this.#db
      .selectFrom('delivery_jobs')
      .select(['job', 'status'])
      .where('order_id', '=', orderId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ job: JSON.parse(r.job) as DeliveryJob, status: r.status as JobStatus }));
  }

  async pendingJobs(from: number, to: number): Promise<DeliveryJob[]> {
    const rows = await this.#db
      .selectFrom('delivery_jobs')
      .select('job')
      .where('status', '=', 'pending')
      .where((eb) =>
        eb.or([eb('window_start', 'is', null), eb.and([eb('window_start', '<', to), eb('window_end', '>', from)])]),
      )
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => JSON.parse(r.job) as DeliveryJob);
  }

  async #lines(orderIds: readonly string[]): Promise<Map<string, OrderLine[]>> {
    const byOrder = new Map<string, OrderLine[]>();
    if (orderIds.length === 0) return byOrder;
    const rows = await this.#db
      .selectFrom('store_order_lines')
      .select(['order_id', 'sku', 'quantity', 'explanation'])
      .where('order_id', 'in', [...orderIds])
      .orderBy('order_id')
      .orderBy('position')
      .execute();
    for (const row of rows) {
      const lines = byOrder.get(row.order_id) ?? [];
      lines.push({
        sku: row.sku,
        quantity: Number(row.quantity),
        explanation: JSON.parse(row.explanation) as Explanation,
      });
      byOrder.set(row.order_id, lines);
    }
    return byOrder;
  }
}

async function applyEffects(tx: HubDatabase, order: StoreOrder, effects: OrderEffects): Promise<void> {
  const job = effects.createJob;
  if (job !== undefined) {
    const starts = job.timeWindows.map((w) => w.start);
    const ends = job.timeWindows.map((w) => w.end);
    await tx
      .insertInto('delivery_jobs')
      .values({
        id: job.id,
        order_id: order.id,
        site: order.site,
        status: 'pending',
        window_start: starts.length === 0 ? null : Math.min(...starts),
        window_end: ends.length === 0 ? null : Math.max(...ends),
        job: JSON.stringify(job),
        created_at: job.createdAt,
      })
      .execute();
  }
  if (effects.jobStatus !== undefined)
    await tx.updateTable('delivery_jobs').set({ status: effects.jobStatus }).where('order_id', '=', order.id).execute();
}

function activeLane(site: string, lane: string): string {
  return `${site}/${lane}`;
}

function taskRow(task: StaffTask): Omit<Database['replenishment_tasks'], 'revision'> {
  const active =
    task.kind === 'refill' && task.lane !== undefined && (task.state === 'open' || task.state === 'claimed');
  return {
    id: task.id,
    site: task.site,
    kind: task.kind,
    state: task.state,
    sku: task.sku,
    lane: task.lane ?? null,
    zone: task.zone ?? null,
    units: task.units,
    priority: task.priority,
    due_by: task.dueBy ?? null,
    created_at: task.createdAt,
    updated_at: task.updatedAt,
    claimed_by: task.claimedBy ?? null,
    claimed_at: task.claimedAt ?? null,
    closed_by: task.closedBy ?? null,
    closed_at: task.closedAt ?? null,
    units_moved: task.unitsMoved ?? null,
    skip_reason: task.skipReason ?? null,
    explanation: JSON.stringify(task.explanation),
    active_lane: active && task.lane !== undefined ? activeLane(task.site, task.lane) : null,
  };
}

function toTask(row: Database['replenishment_tasks']): StaffTask {
  return {
    id: row.id,
    site: row.site,
    kind: row.kind as StaffTask['kind'],
    state: row.state as TaskState,
    sku: row.sku,
    ...(row.lane === null ? {} : { lane: row.lane }),
    units: Number(row.units),
    ...(row.zone === null ? {} : { zone: row.zone }),
    priority: Number(row.priority),
    ...(row.due_by === null ? {} : { dueBy: Number(row.due_by) }),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    ...(row.claimed_by === null ? {} : { claimedBy: row.claimed_by }),
    ...(row.claimed_at === null ? {} : { claimedAt: Number(row.claimed_at) }),
    ...(row.closed_by === null ? {} : { closedBy: row.closed_by }),
    ...(row.closed_at === null ? {} : { closedAt: Number(row.closed_at) }),
    ...(row.units_moved === null ? {} : { unitsMoved: Number(row.units_moved) }),
    ...(row.skip_reason === null ? {} : { skipReason: row.skip_reason }),
    explanation: JSON.parse(row.explanation) as Explanation,
  };
}

function orderRow(order: StoreOrder): Omit<Database['store_orders'], 'revision'> {
  return {
    id: order.id,
    site: order.site,
    state: order.state,
    total_units: order.totalUnits,
    review: JSON.stringify(order.review),
    need_by: order.needBy ?? null,
    created_at: order.createdAt,
    updated_at: order.updatedAt,
    approval: order.approval ?? null,
    decided_by: order.decidedBy ?? null,
    decided_at: order.decidedAt ?? null,
    dispatched_at: order.dispatchedAt ?? null,
    delivered_at: order.deliveredAt ?? null,
    closed_reason: order.closedReason ?? null,
  };
}

function toOrder(row: Database['store_orders'], lines: readonly OrderLine[]): StoreOrder {
  return {
    id: row.id,
    site: row.site,
    state: row.state as OrderState,
    lines,
    totalUnits: Number(row.total_units),
    review: JSON.parse(row.review) as OrderReviewReason[],
    ...(row.need_by === null ? {} : { needBy: Number(row.need_by) }),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    ...(row.approval === null ? {} : { approval: row.approval as 'auto' | 'manual' }),
    ...(row.decided_by === null ? {} : { decidedBy: row.decided_by }),
    ...(row.decided_at === null ? {} : { decidedAt: Number(row.decided_at) }),
    ...(row.dispatched_at === null ? {} : { dispatchedAt: Number(row.dispatched_at) }),
    ...(row.delivered_at === null ? {} : { deliveredAt: Number(row.delivered_at) }),
    ...(row.closed_reason === null ? {} : { closedReason: row.closed_reason }),
  };
}
