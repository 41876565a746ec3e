import { type ItemOf, newId } from '@aisle/protocols';

/**
 * What `hub/ingest` (bench/hub/ingest.ts) sends and writes: one generator of gateway outbox rows
 * for both sides, so the hub's batches and the anchors' raw writes carry the same items.
 *
 * Each simulated gateway is one store (`store-N`, gateway `gw-store-N`) with SCALES shelf scales
 * of LANES_PER_SCALE lanes each (the demo store's 200 lanes). Readings go round robin over the
 * scales, each scale's readings round robin over its lanes, so a 1,000-item batch holds 5
 * readings of each of the 200 lanes: 200 distinct latest-value keys per batch. Every reading is a
 * `shelf.weight` envelope as the gateway's pipeline stores it (`rx` and `src.gateway` added) and
 * the uplink sends it (`oseq` first), ~300 B of JSON.
 */

export const SCALES = 25;
export const LANES_PER_SCALE = 8;
const UNIT_GRAMS = 412.5;

/** An outbox row as the uplink sends it: the stored envelope with its `oseq`. */
export type UplinkItem = ItemOf<'shelf.weight'> & { oseq: number; rx: number };

export function siteOf(g: number): string {
  return `store-${g + 1}`;
}

export function gatewayOf(g: number): string {
  return `gw-store-${g + 1}`;
}

/** The readings of one gateway: its epoch, oseqs from 1, one seq and id head per scale. */
export class GatewayReadings {
  readonly site: string;
  readonly gateway: string;
  readonly epoch = newId();
  #oseq = 0;
  #scale = 0;
  readonly #seq: number[] = Array.from({ length: SCALES }, () => 0);
  /** A UUIDv7 head per scale, the last 12 hex digits being the seq (as device-sim/fleet does). */
  readonly #idHead: string[] = Array.from({ length: SCALES }, () => newId().slice(0, 24));

  constructor(g: number) {
    this.site = siteOf(g);
    this.gateway = gatewayOf(g);
  }

  /** Highest oseq handed out. */
  get lastSeq(): number {
    return this.#oseq;
  }

  /** The next `n` rows, read at `now` (`ts`) and received 2 ms later (`rx`). */
  next(n: number, now: number): UplinkItem[] {
    const items: UplinkItem[] = [];
    for (let i = 0; i < n; i++) {
      const d = this.#scale;
      this.#scale = d + 1 === SCALES ? 0 : d + 1;
      const seq = (this.#seq[d] ?? 0) + 1;
      this.#seq[d] = seq;
      const device = `scale-${String(d + 1).padStart(3, '0')}`;
      const units = 3 + (Math.floor(seq / (LANES_PER_SCALE * 16)) % 8);
      items.push({
        oseq: ++this.#oseq,
        id: `${this.#idHead[d] ?? ''}${seq.toString(16).padStart(12, '0')}`,
        type: 'shelf.weight',
        src: { site: this.site, device, gateway: this.gateway },
        boot: 1,
        seq,
        ts: now,
        rx: now + 2,
        tq: 'ntp',
        data: {
          lane: `${device}-l${seq % LANES_PER_SCALE}`,
          grams: Math.round((units * UNIT_GRAMS + (seq % 7) - 3) * 10) / 10,
          stable: seq % 13 !== 0,
          raw: 800_000 + seq,
        },
      });
    }
    return items;
  }

  /**
   * The batch's text as the uplink assembles it (edge/src/uplink/uplink.ts `#sendBatch`): the
   * header's JSON, then the items' JSON with `oseq` first.
   */
  batchText(items: readonly UplinkItem[], sentAt: number): string {
    const first = items[0]?.oseq ?? this.#oseq + 1;
    const header = {
      v: 1,
      site: this.site,
      gateway: this.gateway,
      epoch: this.epoch,
      boot: 1,
      lane: 'live',
      firstSeq: first,
      lastSeq: items.at(-1)?.oseq ?? first - 1,
      sentAt,
    };
    return `${JSON.stringify(header).slice(0, -1)},"items":[${items.map((item) => JSON.stringify(item)).join(',')}]}`;
  }
}

/** A row of the hub's time series (`series_items`), built as IngestService `#store` builds it. */
export interface SeriesRow {
  readonly origin: string;
  readonly boot: number;
  readonly seq: number;
  readonly id: string;
  readonly type: string;
  readonly site: string;
  readonly device: string;
  readonly gateway: string;
  readonly ts: number;
  readonly rx: number | null;
  readonly lane: 'live';
  readonly flags: string | null;
  readonly data: string;
}

export function seriesRow(item: UplinkItem, gateway: string): SeriesRow {
  return {
    // A device made it: its origin is the device (ingest.service.ts, DEVICE_MADE).
    origin: `${item.src.site}/${item.src.device}`,
    boot: item.boot,
    seq: item.seq,
    id: item.id,
    type: item.type,
    site: item.src.site,
    device: item.src.device,
    gateway,
    ts: item.ts,
    rx: item.rx,
    lane: 'live',
    flags: null,
    data: JSON.stringify(item.data),
  };
}

/** The `influx` client's IPoint, as far as these points use it. */
export interface InfluxPoint {
  readonly measurement: string;
  readonly tags: Record<string, string>;
  readonly fields: Record<string, string | number | boolean>;
  readonly timestamp: string;
}

/** Tag and reserved names of hub/src/ingest/influx-series.repository.ts. */
const DATA_TAGS = new Set(['lane', 'door']);
const RESERVED = new Set([
  'time',
  'site',
  'device',
  'origin',
  'boot',
  'id',
  'seq',
  'gateway',
  'rx',
  'via',
  'flags',
  'data',
]);

/**
 * The point InfluxSeriesRepository writes for a row: a replica of its module-private `toPoint`
 * (measurement = the type, which the hub passes through `escape.measurement`: `shelf.weight` has
 * nothing to escape; tags site, device, origin, boot and the data's lane; fields id, seq, gateway,
 * via, data, rx, flags and the data's numbers and booleans; time = ts ms × 10⁶ + seq mod 10⁶ ns).
 * Keep it in step with that function (exporting it from the hub would remove this copy).
 */
export function influxPoint(row: SeriesRow): InfluxPoint {
  const data = JSON.parse(row.data) as Record<string, unknown>;
  const tags: Record<string, string> = {
    site: row.site,
    device: row.device,
    origin: row.origin,
    boot: String(row.boot),
  };
  const fields: Record<string, string | number | boolean> = {
    id: row.id,
    seq: row.seq,
    gateway: row.gateway,
    via: row.lane,
    data: row.data,
  };
  if (row.rx !== null) fields.rx = row.rx;
  if (row.flags !== null) fields.flags = row.flags;
  for (const [key, value] of Object.entries(data)) {
    if (DATA_TAGS.has(key)) {
      if (typeof value === 'string' && value !== '') tags[key] = value;
    } else if (!RESERVED.has(key) && (typeof value === 'number' || typeof value === 'boolean')) {
      fields[key] = value;
    }
  }
  const time = BigInt(row.ts) * 1_000_000n + (BigInt(row.seq) % 1_000_000n);
  return { measurement: row.type, tags, fields, timestamp: time.toString() };
}
