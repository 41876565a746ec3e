/**
 * The replenishment engine on a real hub's live data (`ReplenishmentPlanner`): a store's planogram,
 * 28 days of lane sales as ingest stores them, the latest shelf levels and a lane forecast. The
 * review orders what the order-up-to asks for and refuses a SKU the catalogue does not know; once
 * that order is delivered, the refill run sends its units to the lane forecast to run empty first.
 * The nightly phantom check finds the SKU whose shelf lost more than the tills sold.
 */
import type { Item, PlanogramLane } from '@aisle/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestRepository } from '../../hub/src/ingest/ingest.repository.js';
import { type SeriesRepository, toSeriesItem } from '../../hub/src/ingest/series.repository.js';
import type { PosRepository } from '../../hub/src/pos/pos.repository.js';
import type { RegistryRepository } from '../../hub/src/registry/registry.repository.js';
import { OrdersService } from '../../hub/src/replenishment/orders.service.js';
import { ReplenishmentPlanner } from '../../hub/src/replenishment/planner.service.js';
import { TasksService } from '../../hub/src/replenishment/tasks.service.js';
import { INGEST_REPOSITORY, POS_REPOSITORY, REGISTRY_REPOSITORY, SERIES_REPOSITORY } from '../../hub/src/tokens.js';
import { type ReplenishmentHub, startReplenishmentHub } from './replenishment-harness.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// 22:00 UTC on a Wednesday: after the review hour (21) of a UTC store.
const NOW = Date.parse('2026-03-04T22:00:00Z');
const TODAY = NOW - 22 * HOUR;

const lane = (id: string, sku: string, capacity: number, facings: number, position: number): PlanogramLane => ({
  lane: id,
  device: 'scale-1',
  sku,
  unitGrams: 100,
  capacity,
  facings,
  aisle: 'a01',
  shelf: 1,
  position,
  zone: 'z1',
});

let seq = 0;
function item(ts: number, type: string, data: unknown): Item {
  seq++;
  return {
    id: `0190a000-0000-7000-8000-${String(seq).padStart(12, '0')}`,
    src: { site: 'store-a', device: 'gw-1' },
    boot: 1,
    seq,
    ts,
    tq: 'ntp',
    type,
    data,
  } as Item;
}

describe('replenishment planner on live data', () => {
  let running: ReplenishmentHub;
  let planner: ReplenishmentPlanner;
  let orders: OrdersService;
  let tasks: TasksService;

  beforeAll(async () => {
    running = await startReplenishmentHub(
      {},
      { sites: { 'store-a': { timeZone: 'UTC' } }, review: { historyDays: 28 } },
    );
    const app = running.hub.app;
    planner = app.get(ReplenishmentPlanner);
    orders = app.get(OrdersService);
    tasks = app.get(TasksService);
    const registry = app.get<RegistryRepository>(REGISTRY_REPOSITORY);
    const ingest = app.get<IngestRepository>(INGEST_REPOSITORY);
    const series = app.get<SeriesRepository>(SERIES_REPOSITORY);
    await registry.putSkus([
      { sku: 'sku-1', name: 'Oat milk', casePack: 6 },
      { sku: 'sku-2', name: 'Rye bread', casePack: 4 },
    ]);
    await registry.putPlanogram(
      'store-a',
      [lane('a01-p01', 'sku-1', 20, 2, 1), lane('a01-p02', 'sku-2', 10, 1, 2), lane('a01-p03', 'sku-ghost', 8, 1, 3)],
      NOW - 30 * DAY,
    );
    // 28 whole days: the gateway up every hour; sku-1 sells 5 at 10:00 and 5 at 15:00, sku-2 2 at 12:00.
    const history: Item[] = [];
    for (let d = 28; d >= 1; d--) {
      const day = TODAY - d * DAY;
      for (let h = 0; h < 24; h++)
        history.push(item(day + h * HOUR + 60_000, 'shelf.weight', { lane: 'a01-p01', grams: 900, stable: true }));
      for (const [h, laneId, sku, units] of [
        [10, 'a01-p01', 'sku-1', 5],
        [12, 'a01-p02', 'sku-2', 2],
        [15, 'a01-p01', 'sku-1', 5],
      ] as const)
        history.push(
          item(day + h * HOUR + 600_000, 'shelf.event', {
            lane: laneId,
            sku,
            event: 'pick',
            units,
            grams: units * 100,
          }),
        );
    }
    // Tonight the gateway is up too (the phantom check reads the last 24 h).
    for (let h = 0; h < 6; h++)
      history.push(item(TODAY + h * HOUR + 60_000, 'shelf.weight', { lane: 'a01-p01', grams: 900, stable: true }));
    await series.write(history.map((i) => toSeriesItem(i, 'gw-1', 'live')));
    // Yesterday the tills sold 6 of sku-1 (its shelf lost 10) and the 2 of sku-2 its shelf lost.
    const yesterday = TODAY - DAY;
    await app.get<PosRepository>(POS_REPOSITORY).store([
      {
        basket: 'b-1',
        register: 'pos-1',
        lines: [{ sku: 'sku-1', qty: 4 }],
        site: 'store-a',
        ts: yesterday + 10.5 * HOUR,
        source: 'rest',
      },
      {
        basket: 'b-2',
        register: 'pos-1',
        lines: [{ sku: 'sku-2', qty: 2 }],
        site: 'store-a',
        ts: yesterday + 12.5 * HOUR,
        source: 'rest',
      },
      {
        basket: 'b-3',
        register: 'pos-2',
        lines: [{ sku: 'sku-1', qty: 2 }],
        site: 'store-a',
        ts: yesterday + 15.5 * HOUR,
        source: 'rest',
      },
    ]);
    const latest = (ts: number, type: string, key: string, data: unknown) => ({
      site: 'store-a',
      device: 'gw-1',
      key,
      type,
      ts,
      item: JSON.stringify(item(ts, type, data)),
    });
    await ingest.upsertLatest([
      latest(NOW - 60_000, 'shelf.level', 'shelf.level:a01-p01', {
        lane: 'a01-p01',
        sku: 'sku-1',
        units: 3,
        grams: 300,
        capacity: 20,
      }),
      latest(NOW - 60_000, 'shelf.level', 'shelf.level:a01-p02', {
        lane: 'a01-p02',
        sku: 'sku-2',
        units: 9,
        grams: 900,
        capacity: 10,
      }),
      // The ghost lane's scale went silent an hour ago.
      latest(NOW - HOUR, 'shelf.level', 'shelf.level:a01-p03', {
        lane: 'a01-p03',
        sku: 'sku-ghost',
        units: 5,
        grams: 500,
        capacity: 8,
      }),
      latest(NOW - 60_000, 'forecast', 'forecast:lanes:lane:a01-p01', {
        task: 'lanes',
        target: { kind: 'lane', id: 'a01-p01' },
        start: NOW,
        stepMs: HOUR,
        mean: [0.5],
        lower: [0.2],
        upper: [4],
        level: 0.8,
        emptyAt: { expected: NOW + 6 * HOUR, earliest: NOW + 45 * 60_000, latest: null },
      }),
    ]);
  });
  afterAll(() => running?.close());

  it('orders up to tomorrow’s forecast in whole packs, explained, and refuses the unknown SKU', async () => {
    const review = await planner.review('store-a', NOW);
    // sku-1: 10 a day without error → S = 10; 3 on the shelf, nothing in the backroom or on order →
    // 7, rounded up to packs of 6 = 12. sku-2: S = 2 (above its 1-unit presentation), 9 on hand → none.
    expect(review.order?.lines.map((l) => [l.sku, l.quantity])).toEqual([['sku-1', 12]]);
    expect(review.order?.lines[0]?.explanation).toMatchObject({
      rule: 'order-up-to',
      values: { onHand: 3, onOrder: 0, casePack: 6, units: 12 },
    });
    expect(review.order?.lines[0]?.explanation.values.forecast).toBeCloseTo(10, 6);
    expect(review.rejected.map((r) => [r.sku, r.reason])).toEqual([['sku-ghost', 'UNKNOWN_SKU']]);
    // No delivered history for the SKU yet: a human approves.
    expect(review.order).toMatchObject({ state: 'proposed', review: [{ code: 'NO_HISTORY', sku: 'sku-1' }] });
    // The daily tick sees today's order and does not order again.
    await planner.tick(NOW + HOUR);
    expect(await orders.list('store-a', undefined)).toHaveLength(1);
  });

  it('once the order is delivered, sends its units to the lane that may run empty first', async () => {
    const [order] = await orders.list('store-a', undefined);
    for (const action of [{ kind: 'approve', auto: false }, { kind: 'dispatch' }, { kind: 'deliver' }] as const)
      await orders.act('planner-1', 'store-a', order?.id ?? '', action);
    const run = await planner.refill('store-a', NOW);
    // The ghost lane's level is an hour old: not planned.
    expect(run).toMatchObject({ created: 1, stale: ['a01-p03'], rejected: [] });
    const [task] = await tasks.list('store-a', ['open']);
    // 17 would fill the lane; the backroom holds the 12 delivered. Earliest empty in 45 min: due
    // within the 2 h horizon, not yet urgent (30 min).
    expect(task).toMatchObject({ kind: 'refill', lane: 'a01-p01', sku: 'sku-1', units: 12, dueBy: NOW + 45 * 60_000 });
    expect(task?.explanation.rule).toBe('refill-due');
    // Run again: the open task is refreshed, not doubled.
    expect(await planner.refill('store-a', NOW + 60_000)).toMatchObject({ created: 0, refreshed: 1 });
  });

  it('flags the SKU whose shelf lost more than the tills sold, once, as a phantom-check task', async () => {
    // At 04:00 (closed) over the last 24 h: sku-1 lost 10 by weight and sold 6 (4 > 1 + 2 %);
    // sku-2 lost and sold 2. The ghost lane had no sales either way.
    const check = await planner.phantomCheck('store-a', TODAY + 4 * HOUR);
    expect(check).toMatchObject({ flagged: ['sku-1'], tasks: 1, truncated: false });
    const flagged = (await tasks.list('store-a', ['open'])).filter((t) => t.kind === 'phantom-check');
    expect(flagged).toHaveLength(1);
    expect(flagged[0]).toMatchObject({ sku: 'sku-1', units: 4 });
    expect(flagged[0]?.explanation).toMatchObject({
      rule: 'pos-weight-mismatch',
      values: { posUnits: 6, weightDepletionUnits: 10, discrepancy: 4 },
    });
    // Checked again while the task is open: no second task.
    expect(await planner.phantomCheck('store-a', TODAY + 4 * HOUR)).toMatchObject({ flagged: ['sku-1'], tasks: 0 });
  });
});
