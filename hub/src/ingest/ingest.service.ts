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
import { Counter, Histogram, type Registry } from 'prom-client';
import type { HubBus } from '../broker/hub-bus.js';
import type { HubConfig } from '../config.js';
import type { PosRepository } from '../pos/pos.repository.js';
import { RealtimeService } from '../realtime/realtime.service.js';
import {
  HUB_BUS,
  HUB_CONFIG,
  INGEST_REPOSITORY,
  LOGGER,
  METRICS,
  POS_REPOSITORY,
  SERIES_REPOSITORY,
} from '../tokens.js';
import type { IngestRepository, LatestRow } from './ingest.repository.js';
import { type SeriesItem, type SeriesRepository, toSeriesItem } from './series.repository.js';

/** The key of an item's latest value: by type, and by the lane, door or alert it is about. */
function latestKey(item: Item): string {
  const data = item.data as { lane?: unknown; door?: unknown; rule?: unknown; subject?: { kind: string; id: string } };
  if (item.type === 'alert' && data.subject !== undefined)
    return `alert:${String(data.rule)}:${data.subject.kind}:${data.subject.id}`;
  if (typeof data.lane === 'string') return `${item.type}:${data.lane}`;
  if (typeof data.door === 'string') return `${item.type}:${data.door}`;
  return item.type;
}

export interface BatchOutcome {
  readonly inserted: number;
  readonly duplicates: number;
  readonly cursor: number;
}

/**
 * Ingest (ARCHITECTURE §4): gateway batches → time series (idempotent on the item's origin, boot
 * and seq) → latest values (only live data, only forward in `ts`) → the gateway's ack cursor over
 * the batch's range, persisted → the ack published. The ack goes out only after both writes
 * returned: a crash before it makes the gateway resend, and the idempotent writes absorb that.
 * Batches of one gateway are handled one at a time, in arrival order.
 */
@Injectable()
export class IngestService {
  readonly #chains = new Map<string, Promise<unknown>>();
  readonly #metrics: {
    batches: Counter<'lane'>;
    items: Counter<'lane'>;
    duplicates: Counter;
    clamped: Counter;
    expired: Counter;
    rejected: Counter<'reason'>;
    seconds: Histogram;
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
      seconds: new Histogram({
        name: 'aisle_hub_batch_seconds',
        help: 'Receipt to ack of one batch',
        buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        registers,
      }),
    };
  }

  /** A message on `up/{site}/{gateway}/batch|hist`. Never throws: bad input is counted and logged. */
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
    const key = `${batch.gateway}/${batch.epoch}`;
    const previous = this.#chains.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => this.#store(batch, lane, receivedAt))
      .catch((error: unknown) => {
        this.logger.error(
          { err: error, gateway: batch.gateway, firstSeq: batch.firstSeq },
          'batch not stored; the gateway will resend',
        );
        return undefined;
      });
    this.#chains.set(key, next);
    void next.finally(() => {
      if (this.#chains.get(key) === next) this.#chains.delete(key);
    });
    return next;
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

  async #store(batch: Batch, lane: 'live' | 'hist', receivedAt: number): Promise<BatchOutcome> {
    const maxTs = receivedAt + this.config.ingest.maxFutureSkewMs;
    const rows: SeriesItem[] = [];
    const latest: LatestRow[] = [];
    for (const item of batch.items) {
      let ts = item.ts;
      let flags = item.flags;
      if (ts > maxTs) {
        // The gateway clamps too; a gateway with a wrong clock is caught here.
        ts = Math.min(item.rx ?? receivedAt, receivedAt);
        flags = [...(flags ?? []), 'ts-clamped'];
        this.#metrics.clamped.inc();
      }
      rows.push(toSeriesItem(item, batch.gateway, lane, ts, flags));
      // History never moves "latest": a backlog arriving late must not hide newer live values.
      if (lane === 'live') {
        const stored = ts === item.ts ? item : { ...item, ts, flags };
        latest.push({
          site: item.src.site,
          device: item.src.device,
          key: latestKey(item),
          type: item.type,
          ts,
          item: JSON.stringify(stored),
        });
      }
    }
    const written = await this.series.write(rows);
    const baskets = batch.items.flatMap((item) =>
      item.type === 'pos.basket'
        ? [{ ...(item.data as PosBasket), site: item.src.site, ts: item.ts, source: 'mqtt' as const }]
        : [],
    );
    if (baskets.length > 0) await this.pos.store(baskets);
    // Within a batch, only the newest value per key can move "latest".
    const newest = new Map<string, LatestRow>();
    for (const row of latest) {
      const id = `${row.site} ${row.device} ${row.key}`;
      const held = newest.get(id);
      if (held === undefined || row.ts > held.ts) newest.set(id, row);
    }
    const moved = newest.size === 0 ? [] : await this.ingest.upsertLatest([...newest.values()]);
    const cursor = await this.ingest.advanceCursor(
      batch.gateway,
      batch.epoch,
      batch.firstSeq,
      batch.lastSeq,
      this.config.ingest.maxPendingRanges,
      receivedAt,
    );
    const ack: AckCursor = { v: 1, gateway: batch.gateway, epoch: batch.epoch, seq: cursor, at: Date.now() };
    await this.bus.publish(topics.down(batch.site, batch.gateway, 'ack'), JSON.stringify(ack), { qos: 1 });
    for (const site of new Set(moved.map((m) => m.site))) {
      this.realtime.publish(
        site,
        moved
          .filter((m) => m.site === site)
          .map((m) => ({
            channel: 'latest' as const,
            key: `${m.device} ${m.key}`,
            value: { device: m.device, key: m.key, type: m.type, ts: m.ts, item: JSON.parse(m.item) as unknown },
          })),
      );
    }
    this.#metrics.batches.inc({ lane });
    this.#metrics.items.inc({ lane }, written.inserted);
    // InfluxDB cannot tell a redelivery from a first write: count duplicates only where known.
    if (this.series.countsDuplicates) this.#metrics.duplicates.inc(written.duplicates);
    if (written.expired > 0) this.#metrics.expired.inc(written.expired);
    this.#metrics.seconds.observe((Date.now() - receivedAt) / 1000);
    return { inserted: written.inserted, duplicates: written.duplicates, cursor };
  }

  #reject(code: ReasonCode, topic: string, message: string): undefined {
    this.#metrics.rejected.inc({ reason: code });
    this.logger.warn({ topic, reason: code }, message);
    return undefined;
  }
}
