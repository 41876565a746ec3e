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
