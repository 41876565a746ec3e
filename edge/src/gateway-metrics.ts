import { Counter, Gauge, type Registry } from 'prom-client';
import type { OutboxStats } from './outbox/options.js';
import type { UplinkStats } from './uplink/uplink.js';

/**
 * The outbox's and the uplink's figures in `/metrics`, read from their stats at scrape time (one
 * source of truth, nothing to keep in step). Each bound is exported beside the figure it bounds.
 */
export function registerGatewayMetrics(
  registry: Registry,
  sources: {
    readonly outbox: () => OutboxStats;
    readonly uplink: () => UplinkStats | undefined;
    readonly bounds: { readonly maxBytes: number; readonly maxAgeMs: number };
  },
): void {
  const registers = [registry];
  let snapshot: { outbox: OutboxStats; uplink: UplinkStats | undefined; at: number } | undefined;
  /** One stats read per scrape, shared by every metric below. */
  const read = () => {
    const now = Date.now();
    if (snapshot === undefined || now - snapshot.at > 100)
      snapshot = { outbox: sources.outbox(), uplink: sources.uplink(), at: now };
    return snapshot;
  };
  const gauge = (name: string, help: string, value: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(value());
      },
    });
  gauge('aisle_edge_outbox_rows', 'Rows waiting in the outbox for the hub’s ack', () => read().outbox.depth);
  gauge('aisle_edge_outbox_bytes', 'Payload bytes waiting in the outbox', () => read().outbox.bytes);
  gauge('aisle_edge_outbox_max_bytes', 'Configured bound outbox.maxBytes', () => sources.bounds.maxBytes);
  gauge(
    'aisle_edge_outbox_oldest_age_seconds',
    'Age of the oldest waiting row',
    () => read().outbox.oldestAgeMs / 1000,
  );
  gauge('aisle_edge_outbox_max_age_seconds', 'Configured bound outbox.maxAgeMs', () => sources.bounds.maxAgeMs / 1000);
  gauge('aisle_edge_outbox_last_seq', 'Highest oseq handed out', () => read().outbox.nextSeq - 1);
  gauge('aisle_edge_uplink_acked_seq', 'The hub’s ack cursor', () => read().outbox.ackedSeq);
  new Counter({
    name: 'aisle_edge_outbox_dropped_total',
    help: 'Rows dropped or refused by the outbox bounds, by stream and reason, since the outbox was created',
    labelNames: ['stream', 'reason'],
    registers,
    collect() {
      this.reset();
      for (const [stream, reasons] of Object.entries(read().outbox.dropped))
        for (const [reason, n] of Object.entries(reasons)) this.inc({ stream, reason }, n ?? 0);
    },
  });
  const uplink = () => read().uplink;
  gauge('aisle_edge_uplink_connected', '1 when connected to the hub’s broker', () => (uplink()?.connected ? 1 : 0));
  const counter = (name: string, help: string, values: () => Array<[Record<string, string>, number]>) =>
    new Counter({
      name,
      help,
      labelNames: name.includes('_items_') || name.includes('_batches_') ? ['lane'] : [],
      registers,
      collect() {
        this.reset();
        for (const [labels, n] of values()) this.inc(labels, n);
      },
    });
  const lanes =
    (pick: (s: UplinkStats) => { live: number; hist: number }) => (): Array<[Record<string, string>, number]> => {
      const s = uplink();
      return s === undefined
        ? []
        : [
            [{ lane: 'live' }, pick(s).live],
            [{ lane: 'hist' }, pick(s).hist],
          ];
    };
  const single = (pick: (s: UplinkStats) => number) => (): Array<[Record<string, string>, number]> => {
    const s = uplink();
    return s === undefined ? [] : [[{}, pick(s)]];
  };
  counter(
    'aisle_edge_uplink_batches_total',
    'Batches sent to the hub, by lane',
    lanes((s) => s.batches),
  );
  counter(
    'aisle_edge_uplink_items_total',
    'Items sent to the hub (resends included), by lane',
    lanes((s) => s.items),
  );
  counter(
    'aisle_edge_uplink_resends_total',
    'Go-back-N resends from the hub’s cursor',
    single((s) => s.resends),
  );
  counter(
    'aisle_edge_uplink_connects_total',
    'Connections to the hub’s broker established',
    single((s) => s.connects),
  );
  counter(
    'aisle_edge_uplink_stalls_total',
    'Connections dropped by the watchdog',
    single((s) => s.stalls),
  );
}
