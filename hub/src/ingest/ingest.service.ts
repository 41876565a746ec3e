import {
  type AckCursor,
  type Batch,
  batchCodec,
  gatewayStateCodec,
  type Item,
  type PosBasket,
  type ReasonCode,
  topics,
} from '@aisle/protocols';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { HubBus } from '../broker/hub-bus.js';
import type { HubConfig } from '../config.js';
import type { PosRepository } from '../pos/pos.repository.js';
import { RealtimeService } from '../realtime/realtime.service.js';
import type { HubDatabase } from '../storage/database.js';
import {
  HUB_BUS,
  HUB_CONFIG,
  INGEST_REPOSITORY,
  LOGGER,
  METRICS,
  POS_REPOSITORY,
  SERIES_REPOSITORY,
} from '../tokens.js';
import type { CursorRange, IngestRepository, LatestRow } from './ingest.repository.js';
import { type SeriesItem, type SeriesRepository, type SeriesWrite, toSeriesItem } from './series.repository.js';

/** The key of an item's latest value: by type, and by the lane, door or alert it is about. */
function latestKey(item: Item): string {
  const data = item.data as {
    lane?: unknown;
    door?: unknown;
    rule?: unknown;
    subject?: { kind: string; id: string };
    task?: unknown;
    target?: { kind: string; id: string };
  };
  if (item.type === 'forecast' && data.target !== undefined)
    return `forecast:${String(data.task)}:${data.target.kind}:${data.target.id}`;
  if (item.type === 'alert' && data.subject !== undefined)
    return `alert:${String(data.rule)}:${data.subject.kind}:${data.subject.id}`;
  if (typeof data.lane === 'string') return `${item.type}:${data.lane}`;
  if (typeof data.door === 'string') return `${item.type}:${data.door}`;
  return item.type;
}

/** Latest rows sorted by key: concurrent replicas lock them in one order (no deadlock on PostgreSQL). */
function sortedRows(newest: ReadonlyMap<string, LatestRow>): LatestRow[] {
  return [...newest.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}

/**
 * Told of each live batch once it is stored (its site and items as stored: a timestamp too far in
 * the future clamped and flagged), after its ack; a batch a gateway resends is told again. For consumers that follow live state in memory
 * (route tracking). A listener that throws or rejects is logged and does not affect ingest.
 */
export type StoredListener = (site: string, items: readonly Item[]) => void | Promise<void>;

export interface BatchOutcome {
  /** The gateway's ack cursor after this batch (published to it). */
  readonly cursor: number;
}

/** A group after stage one (see `IngestService.#stage`). */
interface Staged {
  readonly lanes: { live: number; hist: number };
  readonly objects: Map<LatestRow, unknown>;
  /** Latest rows for the commit (none when stage one upserted them already). */
  readonly latest: readonly LatestRow[];
  readonly write: (tx?: HubDatabase) => Promise<Record<'live' | 'hist', SeriesWrite>>;
  /** The series write, when it was done in stage one. */
  readonly early: Record<'live' | 'hist', SeriesWrite> | undefined;
}

/** A batch's items as the stores take them, made once at receipt. */
interface Prepared {
  readonly rows: SeriesItem[];
  /** The newest latest-value row per key (live batches only). */
  readonly newest: Map<string, LatestRow>;
  /** The items behind those rows, for realtime (rather than parsing back what was just stringified). */
  readonly objects: Map<LatestRow, unknown>;
  readonly baskets: Array<PosBasket & { site: string; ts: number; source: 'mqtt' }>;
  /** The items as stored (impossible timestamps clamped and flagged), for stored-batch listeners. */
  readonly items: readonly Item[];
}

/** A decoded batch waiting for its group's commit. */
interface Queued {
  readonly batch: Batch;
  readonly lane: 'live' | 'hist';
  readonly receivedAt: number;
  readonly prepared: Prepared;
  /** Its latest values upserted by the latest lane (series outside the relational database). */
  readonly latest: Promise<void> | undefined;
  readonly done: (outcome: BatchOutcome | undefined) => void;
}

/**
 * Ingest (ARCHITECTURE §4): gateway batches → time series (idempotent on the item's origin, boot
 * and seq) → latest values (only live data, only forward in `ts`) → the gateway's ack cursor over
 * the batch's range, persisted → the ack published. The ack goes out only after all three writes
 * returned: a crash before it makes the gateway resend, and the idempotent writes absorb that.
 *
 * Group commit: one group is stored at a time; batches that arrive meanwhile wait in a queue and
 * are stored together as the next group (up to `ingest.groupMaxItems` items), so the cost of a
 * commit (an fsync, a round trip) is paid per group, not per batch, and groups grow with the load.
 * The queue is FIFO, so each gateway's batches are stored in arrival order. The broker hands the
 * next message over only once the queue has room (`ingest.maxQueuedItems`): past it, gateways wait
 * for their PUBACKs instead of the hub's heap growing.
 */
@Injectable()
export class IngestService {
  readonly #queue: Queued[] = [];
  #queuedItems = 0;
  #draining = false;
  #latestWaiting = new Map<string, LatestRow>();
  #latestObjects = new Map<LatestRow, unknown>();
  #latestWaiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  #latestFlushing = false;
  #waitingForRoom: Array<() => void> = [];
  readonly #storedListeners = new Set<StoredListener>();
  readonly #metrics: {
    batches: Counter<'lane'>;
    items: Counter<'lane'>;
    duplicates: Counter;
    clamped: Counter;
    expired: Counter;
    rejected: Counter<'reason'>;
    failed: Counter;
    seconds: Histogram;
    groupItems: Histogram;
    queued: Gauge;
  };

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(SERIES_REPOSITORY) private readonly series: SeriesRepository,
    @Inject(INGEST_REPOSITORY) private readonly ingest: IngestRepository,
    @Inject(HUB_BUS) private readonly bus: HubBus,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(RealtimeService) private readonly realtime: RealtimeService,
    @Inject(POS_REPOSITORY) private readonly pos: PosRepository,
    @Inject(METRICS) metrics: Registry,
  ) {
    const registers = [metrics];
    this.#metrics = {
      batches: new Counter({
        name: 'aisle_hub_batches_total',
        help: 'Batches stored, by lane',
        labelNames: ['lane'],
        registers,
      }),
      items: new Counter({
        name: 'aisle_hub_items_total',
        help: 'Items stored for the first time, by lane',
        labelNames: ['lane'],
        registers,
      }),
      duplicates: new Counter({
        name: 'aisle_hub_duplicates_total',
        help: 'Items received again and stored once',
        registers,
      }),
      expired: new Counter({
        name: 'aisle_hub_items_expired_total',
        help: 'Items older than the time series retention, not stored',
        registers,
      }),
      clamped: new Counter({
        name: 'aisle_hub_ts_clamped_total',
        help: 'Items whose impossible ts was clamped',
        registers,
      }),
      rejected: new Counter({
        name: 'aisle_hub_rejected_total',
        help: 'Uplink messages refused, by reason code',
        labelNames: ['reason'],
        registers,
      }),
      failed: new Counter({
        name: 'aisle_hub_batches_failed_total',
        help: 'Batches not stored (storage error or cursor bound); their gateways resend them',
        registers,
      }),
      seconds: new Histogram({
        name: 'aisle_hub_batch_seconds',
        help: 'Receipt to ack of one batch',
        buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        registers,
      }),
      groupItems: new Histogram({
        name: 'aisle_hub_ingest_group_items',
        help: 'Items per group commit',
        buckets: [10, 100, 500, 1000, 2500, 5000, 10_000, 20_000, 50_000],
        registers,
      }),
      queued: new Gauge({
        name: 'aisle_hub_ingest_queued_items',
        help: 'Items received and waiting to be stored',
        registers,
      }),
    };
    new Gauge({
      name: 'aisle_hub_ingest_max_queued_items',
      help: 'Bound of the ingest queue (ingest.maxQueuedItems)',
      registers,
    }).set(config.ingest.maxQueuedItems);
  }

  /**
   * A message on `up/{site}/{gateway}/batch|hist`, queued for the next group commit; the promise
   * settles once it is stored and acked (undefined when it was refused or not stored). Never
   * throws: bad input is counted and logged.
   */
  onBatch(topic: string, payload: Buffer, receivedAt = Date.now()): Promise<BatchOutcome | undefined> {
    const [, site, gateway, stream] = topic.split('/');
    const lane = stream === 'hist' ? 'hist' : 'live';
    const decoded = batchCodec.decode(payload, { maxBytes: Number.MAX_SAFE_INTEGER });
    if (!decoded.ok) return Promise.resolve(this.#reject(decoded.error.code, topic, decoded.error.message));
    const batch = decoded.value;
    if (batch.site !== site || batch.gateway !== gateway)
      return Promise.resolve(
        this.#reject('TOPIC_PAYLOAD_MISMATCH', topic, 'batch header names another site or gateway'),
      );
    const prepared = this.#prepare(batch, lane, receivedAt);
    let latest: Promise<void> | undefined;
    if (!this.#together && prepared.newest.size > 0) {
      latest = this.#submitLatest(prepared);
      latest.catch(() => undefined); // awaited by the group's stage, which reports the failure
    }
    return new Promise((done) => {
      this.#queue.push({ batch, lane, receivedAt, prepared, latest, done });
      this.#queuedItems += batch.items.length;
      this.#metrics.queued.set(this.#queuedItems);
      void this.#drain();
    });
  }

  /** Calls `listener` after each live batch is stored (see {@link StoredListener}); returns the unsubscribe. */
  onStored(listener: StoredListener): () => void {
    this.#storedListeners.add(listener);
    return () => this.#storedListeners.delete(listener);
  }

  /** Settles when the queue holds fewer than `ingest.maxQueuedItems` items: the bus waits on it. */
  room(): Promise<void> {
    if (this.#queuedItems < this.config.ingest.maxQueuedItems) return Promise.resolve();
    return new Promise((resolve) => this.#waitingForRoom.push(resolve));
  }

  /** A retained gateway state on `up/{site}/{gateway}/state`. */
  async onState(topic: string, payload: Buffer, receivedAt = Date.now()): Promise<void> {
    const [, site, gateway] = topic.split('/');
    const decoded = gatewayStateCodec.decode(payload);
    if (!decoded.ok) {
      this.#reject(decoded.error.code, topic, decoded.error.message);
      return;
    }
    const state = decoded.value;
    if (
      site === undefined ||
      gateway === undefined ||
      (state.site ?? site) !== site ||
      (state.gateway ?? gateway) !== gateway
    ) {
      this.#reject('TOPIC_PAYLOAD_MISMATCH', topic, 'state names another site or gateway');
      return;
    }
    // A last will may name nobody: the topic says whose it is.
    await this.ingest.saveGatewayState({
      gateway,
      site,
      status: state.status,
      boot: state.boot ?? 0,
      state: payload.toString('utf8'),
      updatedAt: receivedAt,
    });
    this.realtime.publish(site, [
      { channel: 'gateways', key: gateway, value: { gateway, ...state, updatedAt: receivedAt } },
    ]);
  }

  /**
   * Takes groups off the queue until it is empty. Up to `ingest.groupsInFlight` groups are in hand
   * at once: while one writes its time series (InfluxDB) or commits, the next is already built and
   * written, so the hub's CPU work overlaps the stores' I/O; commits stay in queue order. With the
   * series in the relational database a group is one transaction, and groups follow one another
   * (the next one grows meanwhile).
   */
  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    let committing: Promise<void> = Promise.resolve();
    const inHand = new Set<Promise<void>>();
    try {
      for (;;) {
        if (this.#queue.length === 0) {
          await committing;
          if (this.#queue.length === 0) break;
          continue;
        }
        if (this.#together) await committing;
        while (inHand.size >= this.config.ingest.groupsInFlight) await Promise.race(inHand);
        const group = this.#take();
        const staged = this.#stage(group);
        const settled = staged.then(
          () => undefined,
          () => undefined,
        );
        committing = Promise.all([committing, settled]).then(() =>
          staged.then(
            (ready) =>
              this.#commit(group, ready).then(
                (outcomes) => this.#settle(group, outcomes),
                (error: unknown) => this.#settle(group, undefined, error),
              ),
            (error: unknown) => this.#settle(group, undefined, error),
          ),
        );
        const done = committing;
        inHand.add(done);
        void done.then(() => inHand.delete(done));
      }
    } finally {
      this.#draining = false;
    }
  }

  /** Whether the time series lives in the relational database (a group is then one transaction). */
  get #together(): boolean {
    return this.series.writeWithin !== undefined && this.series.database === this.ingest.database;
  }

  /** The next group: queued batches in order, up to `ingest.groupMaxItems` items (at least one batch). */
  #take(): Queued[] {
    let items = 0;
    let n = 0;
    for (const queued of this.#queue) {
      if (n > 0 && items + queued.batch.items.length > this.config.ingest.groupMaxItems) break;
      items += queued.batch.items.length;
      n++;
    }
    const group = this.#queue.splice(0, n);
    this.#queuedItems -= items;
    this.#metrics.queued.set(this.#queuedItems);
    while (this.#queuedItems < this.config.ingest.maxQueuedItems && this.#waitingForRoom.length > 0)
      this.#waitingForRoom.shift()?.();
    this.#metrics.groupItems.observe(items);
    return group;
  }

  #settle(
    group: readonly Queued[],
    outcomes: ReadonlyArray<BatchOutcome | undefined> | undefined,
    error?: unknown,
  ): void {
    if (outcomes === undefined)
      this.logger.error(
        { err: error, batches: group.length, items: group.reduce((n, q) => n + q.batch.items.length, 0) },
        'group of batches not stored; their gateways will resend',
      );
    group.forEach((queued, i) => {
      const outcome = outcomes?.[i];
      if (outcome === undefined) this.#metrics.failed.inc();
      queued.done(outcome);
    });
  }

  #write(rows: readonly SeriesItem[], tx?: HubDatabase): Promise<SeriesWrite> {
    if (rows.length === 0) return Promise.resolve({ inserted: 0, duplicates: 0, expired: 0 });
    if (tx !== undefined && this.series.writeWithin !== undefined) return this.series.writeWithin(tx, rows);
    return this.series.write(rows);
  }

  /**
   * Stage one of a group: its rows, newest latest values and baskets; the baskets stored, and the
   * time series written unless it lives in the relational database (then the commit writes it).
   */
  async #stage(group: readonly Queued[]): Promise<Staged> {
    const rows: Record<'live' | 'hist', SeriesItem[]> = { live: [], hist: [] };
    const lanes = { live: 0, hist: 0 };
    for (const { lane, prepared } of group) {
      lanes[lane]++;
      for (const row of prepared.rows) rows[lane].push(row);
      if (prepared.baskets.length > 0) await this.pos.store(prepared.baskets);
    }
    // One write per lane present (both only while a backlog drains), so items count by lane.
    const write = async (tx?: HubDatabase) => ({
      live: await this.#write(rows.live, tx),
      hist: await this.#write(rows.hist, tx),
    });
    if (this.#together) {
      // Within a group, only the newest value per key can move "latest".
      const newest = new Map<string, LatestRow>();
      const objects = new Map<LatestRow, unknown>();
      for (const { prepared } of group)
        for (const [id, row] of prepared.newest) {
          const held = newest.get(id);
          if (held !== undefined && held.ts >= row.ts) continue;
          newest.set(id, row);
          objects.set(row, prepared.objects.get(row));
        }
      return { lanes, objects, latest: sortedRows(newest), write, early: undefined };
    }
    // The series in another store (InfluxDB): the latest lane upserts the batches' latest values
    // beside it, so screens do not wait for the series; the group commits only once both are in.
    const [early] = await Promise.all([write(), ...group.map((q) => q.latest)]);
    return { lanes, objects: new Map(), latest: [], write, early };
  }

  /** Stage two: latest values (when together) and cursors committed, acks, realtime. */
  async #commit(group: readonly Queued[], staged: Staged): Promise<Array<BatchOutcome | undefined>> {
    const { lanes, objects, latest, write, early } = staged;
    const ranges: CursorRange[] = group.map(({ batch }) => batch);
    // With the series in the relational database, the group is one transaction: its items, latest
    // values and cursor ranges commit together (one fsync on SQLite, one commit on PostgreSQL);
    // otherwise the series was written in stage one, and only the cursors commit here, after it.
    const committed = await this.ingest.storeGroup(
      { latest, ranges, maxPending: this.config.ingest.maxPendingRanges, at: Date.now() },
      (tx) => (early === undefined ? write(tx) : Promise.resolve(early)),
    );
    const { moved, cursors } = committed;
    const written = committed.alongside;
    // One ack per gateway and epoch, with its cursor after the group (acks are cumulative).
    const acks = new Map<string, { site: string; ack: AckCursor }>();
    const outcomes = group.map(({ batch }, i): BatchOutcome | undefined => {
      const cursor = cursors[i];
      if (typeof cursor !== 'number') {
        this.logger.error(
          { err: cursor, gateway: batch.gateway, firstSeq: batch.firstSeq, lastSeq: batch.lastSeq },
          'batch stored but its range was refused by the cursor; the gateway will resend',
        );
        return undefined;
      }
      acks.set(`${batch.gateway}/${batch.epoch}`, {
        site: batch.site,
        ack: { v: 1, gateway: batch.gateway, epoch: batch.epoch, seq: cursor, at: Date.now() },
      });
      return { cursor };
    });
    await Promise.all(
      [...acks.values()].map(({ site, ack }) =>
        this.bus.publish(topics.down(site, ack.gateway, 'ack'), JSON.stringify(ack), { qos: 1 }),
      ),
    );
    this.#publishLatest(moved, objects);
    this.#tellStored(group, outcomes);
    if (lanes.live > 0) this.#metrics.batches.inc({ lane: 'live' }, lanes.live);
    if (lanes.hist > 0) this.#metrics.batches.inc({ lane: 'hist' }, lanes.hist);
    for (const lane of ['live', 'hist'] as const) {
      const { inserted, duplicates, expired } = written[lane];
      if (inserted > 0) this.#metrics.items.inc({ lane }, inserted);
      // InfluxDB cannot tell a redelivery from a first write: count duplicates only where known.
      if (this.series.countsDuplicates && duplicates > 0) this.#metrics.duplicates.inc(duplicates);
      if (expired > 0) this.#metrics.expired.inc(expired);
    }
    const now = Date.now();
    for (const { receivedAt } of group) this.#metrics.seconds.observe((now - receivedAt) / 1000);
    return outcomes;
  }

  /** A batch's series rows, latest rows and baskets; impossible timestamps clamped and flagged. */
  #prepare(batch: Batch, lane: 'live' | 'hist', receivedAt: number): Prepared {
    const rows: SeriesItem[] = [];
    const baskets: Prepared['baskets'] = [];
    const newest = new Map<string, LatestRow>();
    const objects = new Map<LatestRow, unknown>();
    const winners = new Map<string, { key: string; ts: number; source: Item; stored: unknown }>();
    const maxTs = receivedAt + this.config.ingest.maxFutureSkewMs;
    const items: Item[] = [];
    for (const item of batch.items) {
      let ts = item.ts;
      let flags = item.flags;
      if (ts > maxTs) {
        // The gateway clamps too; a gateway with a wrong clock is caught here.
        ts = Math.min(item.rx ?? receivedAt, receivedAt);
        flags = [...(flags ?? []), 'ts-clamped'];
        this.#metrics.clamped.inc();
      }
      items.push(ts === item.ts ? item : ({ ...item, ts, flags } as Item));
      rows.push(toSeriesItem(item, batch.gateway, lane, ts, flags));
      if (item.type === 'pos.basket')
        baskets.push({ ...(item.data as PosBasket), site: item.src.site, ts: item.ts, source: 'mqtt' });
      // History never moves "latest": a backlog arriving late must not hide newer live values.
      if (lane !== 'live') continue;
      const key = latestKey(item);
      const id = `${item.src.site} ${item.src.device} ${key}`;
      const held = winners.get(id);
      if (held !== undefined && held.ts >= ts) continue;
      winners.set(id, { key, ts, source: item, stored: ts === item.ts ? item : { ...item, ts, flags } });
    }
    // Only each key's newest item becomes a row: serialized once, not once per reading of its lane.
    for (const [id, { key, ts, source, stored }] of winners) {
      const { site, device } = source.src;
      const row = { site, device, key, type: source.type, ts, item: JSON.stringify(stored) };
      newest.set(id, row);
      objects.set(row, stored);
    }
    return { rows, newest, objects, baskets, items };
  }

  /**
   * The latest lane (series outside the relational database): latest values are upserted as
   * batches arrive, newest per key merged over whatever waits, one upsert at a time, and the moved
   * ones pushed to screens at once, independent of the time series' writes. "Latest" may thus lead
   * the series by a write that could still fail; that batch is not acked, the gateway resends it,
   * and latest, moving only forward, is unchanged by that.
   */
  #submitLatest(prepared: Prepared): Promise<void> {
    for (const [id, row] of prepared.newest) {
      const held = this.#latestWaiting.get(id);
      if (held !== undefined && held.ts >= row.ts) continue;
      this.#latestWaiting.set(id, row);
      this.#latestObjects.set(row, prepared.objects.get(row));
    }
    return new Promise((resolve, reject) => {
      this.#latestWaiters.push({ resolve, reject });
      void this.#flushLatest();
    });
  }

  async #flushLatest(): Promise<void> {
    if (this.#latestFlushing) return;
    this.#latestFlushing = true;
    try {
      while (this.#latestWaiters.length > 0) {
        const waiting = this.#latestWaiting;
        const objects = this.#latestObjects;
        const waiters = this.#latestWaiters;
        this.#latestWaiting = new Map();
        this.#latestObjects = new Map();
        this.#latestWaiters = [];
        try {
          const moved = await this.ingest.upsertLatest(sortedRows(waiting));
          this.#publishLatest(moved, objects);
          for (const waiter of waiters) waiter.resolve();
        } catch (error) {
          for (const waiter of waiters) waiter.reject(error);
        }
      }
    } finally {
      this.#latestFlushing = false;
    }
  }

  #publishLatest(moved: readonly LatestRow[], objects: ReadonlyMap<LatestRow, unknown>): void {
    for (const site of new Set(moved.map((m) => m.site))) {
      this.realtime.publish(
        site,
        moved
          .filter((m) => m.site === site)
          .map((m) => {
            const item = (objects.get(m) ?? JSON.parse(m.item)) as { data?: { lane?: unknown } };
            const lane = m.type.startsWith('shelf.') ? item.data?.lane : undefined;
            return {
              channel: 'latest' as const,
              key: `${m.device} ${m.key}`,
              value: { device: m.device, key: m.key, type: m.type, ts: m.ts, item },
              ...(typeof lane === 'string' ? { lane } : {}),
            };
          }),
      );
    }
  }

  #tellStored(group: readonly Queued[], outcomes: ReadonlyArray<BatchOutcome | undefined>): void {
    if (this.#storedListeners.size === 0) return;
    const failed = (err: unknown) => this.logger.error({ err }, 'a stored-batch listener failed; ingest goes on');
    group.forEach(({ batch, lane, prepared }, i) => {
      if (lane !== 'live' || outcomes[i] === undefined) return;
      for (const listener of this.#storedListeners) {
        try {
          void Promise.resolve(listener(batch.site, prepared.items)).catch(failed);
        } catch (error) {
          failed(error);
        }
      }
    });
  }

  #reject(code: ReasonCode, topic: string, message: string): undefined {
    this.#metrics.rejected.inc({ reason: code });
    this.logger.warn({ topic, reason: code }, message);
    return undefined;
  }
}
