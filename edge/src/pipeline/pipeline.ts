import {
  type Alert,
  type Command,
  decodeMessage,
  type GgaSentence,
  type IdGenerator,
  type Item,
  type ItemData,
  type ItemType,
  type ModelRef,
  RejectCounter,
  type Sentence,
  SequenceTracker,
} from '@aisle/protocols';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { EdgeConfig } from '../config.js';
import { SiteFootfall } from '../domain/footfall.js';
import { ShelfLaneState } from '../domain/shelf-lane.js';
import type { VanTracker } from '../domain/van-tracker.js';
import type { Handler, PipelineContext } from './context.js';
import { HANDLERS } from './handlers/index.js';
import { normalizeInPlace, type TimestampPolicy } from './normalize.js';
import { AlertBook } from './rules.js';

/**
 * decode/validate (protocols) → normalize (timestamps, gateway stamp, duplicates) → domain state
 * (lanes, doors, vans, devices) → rules (alerts) → `emit` (the outbox). Bad input is counted by
 * reason code and dropped alone: nothing else is lost, nothing throws.
 */

export interface PipelineOptions {
  readonly config: EdgeConfig;
  /** Every item that leaves the pipeline, raw and derived, in order. */
  readonly emit: (item: Item) => void;
  readonly ids: IdGenerator;
  /** The gateway's restart counter (stamped on derived items). */
  readonly boot: number;
  readonly vans?: readonly VanTracker[];
  readonly metrics?: Registry;
}

export class Pipeline {
  readonly rejects = new RejectCounter();
  readonly #options: PipelineOptions;
  readonly #context: PipelineContext;
  readonly #decodeOptions: { readonly maxBytes: number };
  readonly #timestamps: TimestampPolicy;
  /** The open-alerts gauge's value, so it is set only when it changes. */
  #openAlertsShown = 0;
  readonly #sequences = new SequenceTracker();
  readonly #lastGga = new Map<string, GgaSentence>();
  #derivedSeq = 0;
  #duplicates = 0;
  readonly #metrics: { ingested: Counter; rejected: Counter; duplicates: Counter; openAlerts: Gauge } | undefined;

  constructor(options: PipelineOptions) {
    this.#options = options;
    const { config } = options;
    const lanes = new Map(config.lanes.map((l) => [l.lane, new ShelfLaneState(l)]));
    const emit = options.emit;
    this.#decodeOptions = { maxBytes: config.broker.maxPayloadBytes };
    this.#timestamps = { maxFutureSkewMs: config.rules.maxFutureSkewMs };
    this.#context = {
      site: config.site,
      gateway: config.gateway,
      rules: config.rules,
      lanes,
      footfall: new SiteFootfall(),
      vans: new Map((options.vans ?? []).map((v) => [v.van, v])),
      devices: new Map(),
      coldSince: new Map(),
      pendingCommands: new Map(),
      alerts: new AlertBook((ts) => options.ids.next(ts)),
      derive: <K extends ItemType>(from: Item, type: K, data: ItemData<K>) => emit(this.#derived(from, type, data)),
      alert: (from, alert) => {
        if (alert !== undefined) emit(this.#derived(from, 'alert', alert));
      },
    };
    const registers = options.metrics === undefined ? [] : [options.metrics];
    this.#metrics =
      options.metrics === undefined
        ? undefined
        : {
            ingested: new Counter({
              name: 'aisle_edge_ingested_total',
              help: 'Items accepted, by type',
              labelNames: ['type'],
              registers,
            }),
            rejected: new Counter({
              name: 'aisle_edge_rejected_total',
              help: 'Input refused, by reason code',
              labelNames: ['reason'],
              registers,
            }),
            duplicates: new Counter({
              name: 'aisle_edge_duplicates_total',
              help: 'Items already seen (same source, boot and seq)',
              registers,
            }),
            openAlerts: new Gauge({ name: 'aisle_edge_alerts_open', help: 'Alerts raised and not cleared', registers }),
          };
  }

  get context(): PipelineContext {
    return this.#context;
  }

  get duplicates(): number {
    return this.#duplicates;
  }

  /** An MQTT publish from a device on the site broker. */
  ingest(topic: string, payload: Uint8Array | string, rxMs: number): void {
    const decoded = decodeMessage(topic, payload, this.#decodeOptions);
    if (!decoded.ok) {
      this.#reject(decoded.error.code);
      return;
    }
    const message = decoded.value;
    if ('state' in message) {
      const { site, device } = message.topic;
      if (site !== this.#context.site) {
        this.#reject('TOPIC_PAYLOAD_MISMATCH');
        return;
      }
      this.#deviceState(device, message.state.status, rxMs);
      return;
    }
    if (!('item' in message)) {
      this.#reject('TYPE_UNKNOWN');
      return;
    }
    if (message.item.src.site !== this.#context.site) {
      this.#reject('TOPIC_PAYLOAD_MISMATCH');
      return;
    }
    this.#accept(message.item, rxMs);
  }

  /** A sentence from a serial line (already framed and checksummed). */
  ingestSentence(sentence: Sentence, line: EdgeConfig['serial'][number], rxMs: number): void {
    const site = this.#context.site;
    const base = { boot: 0, tq: 'ntp' as const, src: { site, device: line.device } };
    if (sentence.kind === 'shelf-weight') {
      const item = {
        ...base,
        id: this.#options.ids.next(rxMs),
        type: 'shelf.weight' as const,
        seq: sentence.seq,
        ts: rxMs,
        data: sentence.data,
      };
      this.#accept(item, rxMs);
      return;
    }
    if (sentence.kind === 'gga') {
      this.#lastGga.set(line.device, sentence);
      return;
    }
    // RMC carries date and speed; GGA of the same second adds quality, satellites, HDOP, altitude.
    const gga = this.#lastGga.get(line.device);
    const sameSecond =
      gga !== undefined && Math.floor(gga.timeOfDayMs / 1000) === Math.floor((sentence.ts % 86_400_000) / 1000);
    const fix = sameSecond ? { ...gga.fix, ...sentence.fix } : sentence.fix;
    // A GPS module has no sequence of its own: the gateway numbers its fixes, under the gateway's
    // boot, so (device, boot, seq) stays unique across gateway restarts (the hub stores on it).
    const seq = this.#nextSeq();
    this.#accept(
      {
        ...base,
        boot: this.#options.boot,
        id: this.#options.ids.next(sentence.ts),
        type: 'gps.fix',
        seq,
        ts: sentence.ts,
        data: fix,
      },
      rxMs,
    );
  }

  /**
   * A command is on its way to a device: remember what it concerns, so the device's answer
   * (`tare-done`, …) can be applied to the right lanes at the level they had when it was sent.
   */
  commandSent(device: string, command: Command): void {
    const lanes = [...this.#context.lanes.values()]
      .filter(
        (l) =>
          l.config.device === device &&
          (command.command !== 'tare' || command.lane === undefined || command.lane === l.config.lane),
      )
      .map((l) => ({ lane: l.config.lane, units: l.units ?? 0 }));
    this.#context.pendingCommands.set(command.id, { device, lanes });
  }

  /** Decode rejects from a serial line's frame decoder, counted with the others. */
  countSerialReject(code: Parameters<RejectCounter['add']>[0]): void {
    this.#reject(code);
  }

  #accept(raw: Item, rxMs: number): void {
    const verdict = this.#sequences.observe(`${raw.src.site}/${raw.src.device}/${raw.type}`, raw.boot, raw.seq);
    if (verdict.kind === 'duplicate') {
      this.#duplicates++;
      this.#metrics?.duplicates.inc();
      return;
    }
    // `raw` is this pipeline's own: decoded from a payload, or built from a serial sentence.
    const item = normalizeInPlace(raw, this.#context.gateway, rxMs, this.#timestamps);
    if (verdict.kind === 'late') item.flags = [...new Set([...(item.flags ?? []), 'out-of-order' as const])];
    this.#metrics?.ingested.inc({ type: item.type });
    this.#deviceSeen(item.src.device, item.ts);
    this.#options.emit(item);
    const handler = HANDLERS[item.type] as Handler | undefined;
    handler?.(this.#context, item);
    this.#showOpenAlerts();
  }

  /**
   * An item the gateway makes itself (a forecast, an alert from a forecast), from the gateway as
   * its source device, stamped with the model that made it.
   */
  emitOwn<K extends ItemType>(type: K, data: ItemData<K>, ts: number, model?: ModelRef): void {
    const item = {
      id: this.#options.ids.next(ts),
      type,
      src: { site: this.#context.site, device: this.#context.gateway, gateway: this.#context.gateway },
      boot: this.#options.boot,
      seq: this.#nextSeq(),
      ts,
      rx: ts,
      tq: 'ntp',
      ...(model === undefined ? {} : { model }),
      data,
    } as Item;
    this.#options.emit(item);
  }

  /** A lane's forecast empties it at `at` (within the alert window), or no longer does (`at` undefined). */
  emptySoon(lane: string, at: number | undefined, ts: number): void {
    const subject = { kind: 'lane' as const, id: lane };
    const alert =
      at === undefined
        ? this.#context.alerts.release('empty-soon', subject, `${lane} is no longer expected to run empty soon`)
        : this.#context.alerts.hold(ts, {
            rule: 'empty-soon',
            subject,
            severity: 'warning',
            message: `${lane} is expected to run empty at ${new Date(at).toISOString()}`,
            value: Math.round((at - ts) / 60_000),
            threshold: Math.round(this.#context.rules.emptySoonMs / 60_000),
          });
    if (alert !== undefined) this.emitOwn('alert', alert, ts);
    this.#showOpenAlerts();
  }

  #showOpenAlerts(): void {
    const open = this.#context.alerts.open;
    if (open === this.#openAlertsShown) return;
    this.#openAlertsShown = open;
    this.#metrics?.openAlerts.set(open);
  }

  #nextSeq(): number {
    this.#derivedSeq += 1;
    return this.#derivedSeq;
  }

  #deviceSeen(device: string, ts: number): void {
    const known = this.#context.devices.get(device);
    if (known === undefined || known.state !== 'online')
      this.#context.devices.set(device, { state: 'online', lastSeen: ts });
    else known.lastSeen = ts;
  }

  /** Retained state and LWT: `lost` raises device-lost, `online` clears it. */
  #deviceState(device: string, status: 'online' | 'offline' | 'lost', rxMs: number): void {
    this.#context.devices.set(device, { state: status, lastSeen: rxMs });
    const from = this.#stateItem(device, status, rxMs);
    this.#options.emit(from);
    const subject = { kind: 'device' as const, id: device };
    const alert: Alert | undefined =
      status === 'lost'
        ? this.#context.alerts.hold(rxMs, {
            rule: 'device-lost',
            subject,
            severity: 'warning',
            message: `${device} disappeared without saying goodbye (last will)`,
          })
        : this.#context.alerts.release('device-lost', subject, `${device} is ${status}`);
    this.#context.alert(from, alert);
  }

  #stateItem(device: string, status: 'online' | 'offline' | 'lost', rxMs: number): Item {
    return {
      id: this.#options.ids.next(rxMs),
      type: 'device.state',
      src: { site: this.#context.site, device, gateway: this.#context.gateway },
      boot: this.#options.boot,
      seq: this.#nextSeq(),
      ts: rxMs,
      rx: rxMs,
      tq: 'ntp',
      data: { status },
    };
  }

  #derived<K extends ItemType>(from: Item, type: K, data: ItemData<K>): Item {
    return {
      id: this.#options.ids.next(from.ts),
      type,
      src: { site: this.#context.site, device: from.src.device, gateway: this.#context.gateway },
      boot: this.#options.boot,
      seq: this.#nextSeq(),
      ts: from.ts,
      rx: from.rx ?? from.ts,
      tq: from.tq,
      data,
    } as Item;
  }

  #reject(code: Parameters<RejectCounter['add']>[0]): void {
    this.rejects.add(code);
    this.#metrics?.rejected.inc({ reason: code });
  }

  /**
   * Replaces the planogram (the hub pushed a new version): lanes whose scale, SKU, unit weight and
   * capacity are unchanged keep their state; changed and new lanes start afresh; removed ones go.
   */
  setLanes(lanes: EdgeConfig['lanes']): void {
    const map = this.#context.lanes as Map<string, ShelfLaneState>;
    const wanted = new Set(lanes.map((l) => l.lane));
    for (const id of [...map.keys()]) if (!wanted.has(id)) map.delete(id);
    for (const lane of lanes) {
      const held = map.get(lane.lane)?.config;
      const same =
        held !== undefined &&
        held.device === lane.device &&
        held.sku === lane.sku &&
        held.unitGrams === lane.unitGrams &&
        held.capacity === lane.capacity;
      if (!same) map.set(lane.lane, new ShelfLaneState(lane));
    }
  }
}
