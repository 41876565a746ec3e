import { createPublicKey, type KeyObject } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Command,
  commandCodec,
  type GatewayState,
  IdGenerator,
  type Item,
  type Planogram,
  type RouteCommand,
  topics,
} from '@aisle/protocols';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { DeviceBus } from './broker/device-bus.js';
import { DeviceRegistry } from './broker/device-registry.js';
import { EdgeBroker } from './broker/edge-broker.js';
import { ExternalBrokerSource } from './broker/external-source.js';
import type { EdgeConfig } from './config.js';
import { trackedStops } from './domain/van-route.js';
import { VanTracker } from './domain/van-tracker.js';
import { ForecastRuntime } from './forecasting/runtime.js';
import { registerGatewayMetrics } from './gateway-metrics.js';
import { LocalApi } from './http/local-api.js';
import { AppendBuffer } from './outbox/append-buffer.js';
import { Outbox } from './outbox/outbox.js';
import { Pipeline } from './pipeline/pipeline.js';
import { Provisioning } from './provisioning.js';
import { SerialInput } from './serial/serial-input.js';
import { Uplink } from './uplink/uplink.js';

/**
 * One site's gateway: devices (embedded broker or an external one, and serial lines) → pipeline →
 * durable outbox → uplink to the hub, with the local HTTP API beside it.
 */

const SOFTWARE = 'aisle-edge 0.1.0';

/** A pushed planogram's lanes as the pipeline takes them. */
function lanesOf(planogram: Planogram): EdgeConfig['lanes'] {
  return planogram.lanes.map((l) => ({
    lane: l.lane,
    device: l.device,
    sku: l.sku,
    unitGrams: l.unitGrams,
    capacity: l.capacity,
  }));
}

/** The hub keys a model manifest may be signed with, by key id (PEM text or file). */
function trustedKeys(config: EdgeConfig['forecasting']): Map<string, KeyObject> {
  return new Map(
    config.trustedKeys.map((k) => {
      const pem = k.publicKeyPem ?? (k.publicKeyFile === undefined ? undefined : readFileSync(k.publicKeyFile, 'utf8'));
      if (pem === undefined) throw new Error(`trusted key ${k.keyId}: give publicKeyPem or publicKeyFile`);
      return [k.keyId, createPublicKey(pem)];
    }),
  );
}

/** Outbox streams are topic-level ids: `shelf.weight` → `shelf-weight`. */
export function streamOf(type: Item['type']): string {
  return type.replace('.', '-');
}

/** The restart counter, persisted next to the outbox (written to a temp file, then renamed). */
function nextBoot(dataDir: string): number {
  const path = join(dataDir, 'boot');
  let boot = 0;
  try {
    boot = Number.parseInt(readFileSync(path, 'utf8'), 10) || 0;
  } catch {
    // First start.
  }
  boot += 1;
  writeFileSync(`${path}.tmp`, String(boot));
  renameSync(`${path}.tmp`, path);
  return boot;
}

/** What the forecasting history learns from the pipeline's items: sales, empty lanes, entries. */
function observe(forecasting: ForecastRuntime, item: Item): void {
  const history = forecasting.history;
  if (item.type === 'shelf.event' && item.data.event === 'pick')
    history.add(`lane:${item.data.lane}`, item.ts, item.data.units);
  else if (item.type === 'shelf.level') forecasting.observeLevel(item.data.lane, item.data.units, item.ts);
  else if (item.type === 'footfall.interval') history.add(`door:${item.data.door}`, item.ts, item.data.in);
}

export class Gateway {
  readonly config: EdgeConfig;
  readonly boot: number;
  readonly metrics: Registry;
  readonly outbox: Outbox;
  readonly pipeline: Pipeline;
  readonly bus: DeviceBus;
  readonly api: LocalApi;
  readonly uplink: Uplink | undefined;
  readonly forecasting: ForecastRuntime | undefined;
  readonly #buffer: AppendBuffer;
  readonly #serial: SerialInput[];
  readonly #startedAt: number;
  /** `ack` (seq) whenever the hub's cursor moves. */
  readonly #events: EventEmitter;
  readonly #pruner: NodeJS.Timeout;

  private constructor(parts: {
    config: EdgeConfig;
    boot: number;
    metrics: Registry;
    outbox: Outbox;
    buffer: AppendBuffer;
    pipeline: Pipeline;
    bus: DeviceBus;
    serial: SerialInput[];
    api: LocalApi;
    uplink: Uplink | undefined;
    forecasting: ForecastRuntime | undefined;
    startedAt: number;
    events: EventEmitter;
    pruner: NodeJS.Timeout;
  }) {
    this.config = parts.config;
    this.boot = parts.boot;
    this.metrics = parts.metrics;
    this.outbox = parts.outbox;
    this.#buffer = parts.buffer;
    this.pipeline = parts.pipeline;
    this.bus = parts.bus;
    this.#serial = parts.serial;
    this.api = parts.api;
    this.uplink = parts.uplink;
    this.forecasting = parts.forecasting;
    this.#startedAt = parts.startedAt;
    this.#events = parts.events;
    this.#pruner = parts.pruner;
  }

  static async start(config: EdgeConfig, logger: Logger, now: () => number = Date.now): Promise<Gateway> {
    mkdirSync(config.dataDir, { recursive: true });
    const boot = nextBoot(config.dataDir);
    const metrics = new Registry();
    collectDefaultMetrics({ register: metrics, prefix: 'aisle_edge_' });
    const policies = Object.fromEntries(
      Object.entries(config.outbox.policies).map(([type, policy]) => [streamOf(type as Item['type']), policy]),
    );
    const outbox = Outbox.open(join(config.dataDir, 'outbox.db'), {
      maxBytes: config.outbox.maxBytes,
      maxAgeMs: config.outbox.maxAgeMs,
      defaultPolicy: config.outbox.defaultPolicy,
      policies,
      now,
    });
    const buffer = new AppendBuffer(outbox, { maxItems: 500, maxDelayMs: 20 });
    // What the hub pushed before (devices, planogram, route) wins over the local config: it is newer.
    let pipelineRef: Pipeline | undefined;
    let registryRef: DeviceRegistry | undefined;
    let busRef: DeviceBus | undefined;
    // A van's gateway tracks its van (the site) from its GPS unit's fixes.
    const van =
      config.van === undefined
        ? undefined
        : new VanTracker(config.site, [], {
            arriveRadiusM: config.van.arriveRadiusM,
            leaveRadiusM: config.van.leaveRadiusM,
            stoppedBelowMps: config.van.stoppedBelowMps,
            stoppedAfterMs: config.van.stoppedAfterMs,
          });
    const driveRoute = (command: RouteCommand): void => {
      if (van === undefined || config.van === undefined) return;
      van.setStops(trackedStops(command));
      // Retained, so the driver terminal gets the current route whenever it (re)connects.
      busRef
        ?.publish(topics.cmd(config.site, config.van.gpsDevice, 'route'), commandCodec.encode(command), {
          qos: 1,
          retain: true,
        })
        .catch((error: unknown) => logger.error({ err: error, plan: command.plan }, 'route not forwarded to the van'));
    };
    const provisioning = new Provisioning({
      dataDir: config.dataDir,
      site: config.site,
      gateway: config.gateway,
      logger,
      metrics,
      now,
      apply: {
        credentials: (message) => {
          if (registryRef === undefined) throw new Error('devices are managed by the external broker');
          registryRef.setDevices(message.devices);
        },
        planogram: (message) => pipelineRef?.setLanes(lanesOf(message)),
        ...(van === undefined ? {} : { route: driveRoute }),
      },
    });
    const saved = provisioning.saved;
    const lanes = saved.planogram === undefined ? config.lanes : lanesOf(saved.planogram);
    const devices = saved.credentials?.devices ?? config.devices;
    let uplink: Uplink | undefined;
    /** The commit of the last item the pipeline emitted (commits happen in order). */
    let lastCommit: Promise<unknown> | undefined;
    const events = new EventEmitter();
    let forecasting: ForecastRuntime | undefined;
    const pipeline = new Pipeline({
      config: { ...config, lanes },
      ids: new IdGenerator(),
      boot,
      metrics,
      ...(van === undefined ? {} : { vans: [van] }),
      emit: (item) => {
        if (forecasting !== undefined) observe(forecasting, item);
        lastCommit = buffer.add([{ stream: streamOf(item.type), ts: item.ts, payload: JSON.stringify(item) }]);
        lastCommit.then(
          () => uplink?.flush(),
          (error: unknown) => logger.error({ err: error }, 'outbox append failed'),
        );
      },
    });
    pipelineRef = pipeline;
    if (config.forecasting.enabled)
      forecasting = await ForecastRuntime.start({
        config: config.forecasting,
        emptySoonMs: config.rules.emptySoonMs,
        dataDir: config.dataDir,
        trusted: trustedKeys(config.forecasting),
        ...(config.uplink.username === undefined || config.uplink.password === undefined
          ? {}
          : {
              authorization: `Basic ${Buffer.from(`${config.uplink.username}:${config.uplink.password}`).toString('base64')}`,
            }),
        lanes: () => [...pipeline.context.lanes.values()].map((l) => ({ lane: l.config.lane, units: l.units })),
        doors: () => [
          ...new Set([...pipeline.context.footfall.totals().keys(), ...(forecasting?.history.seriesOf('door') ?? [])]),
        ],
        emit: (forecast, model, ts) => pipeline.emitOwn('forecast', forecast, ts, model),
        emptySoon: (lane, at, ts) => pipeline.emptySoon(lane, at, ts),
        logger,
        metrics,
        now,
      });
    if (config.broker.external === undefined) registryRef = new DeviceRegistry(config.site, devices);
    const bus: DeviceBus =
      registryRef !== undefined
        ? await EdgeBroker.start({
            devices: registryRef,
            tcp: { host: config.broker.host, port: config.broker.port },
            ...(config.broker.wsPort === undefined
              ? {}
              : { websocket: { host: config.broker.host, port: config.broker.wsPort } }),
            ...(config.broker.tls === undefined ? {} : { tls: { host: config.broker.host, ...config.broker.tls } }),
            maxPayloadBytes: config.broker.maxPayloadBytes,
            publishesPerSecond: config.broker.publishesPerSecond,
            burst: config.broker.publishBurst,
            registry: metrics,
            logger,
            clock: now,
          })
        : await ExternalBrokerSource.start({
            url: config.broker.external?.url ?? '',
            site: config.site,
            clientId: `aisle-edge-${config.site}-${config.gateway}`,
            ...(config.broker.external?.username === undefined ? {} : { username: config.broker.external.username }),
            ...(config.broker.external?.password === undefined ? {} : { password: config.broker.external.password }),
            maxPayloadBytes: config.broker.maxPayloadBytes,
            registry: metrics,
            logger,
            clock: now,
          });
    busRef = bus;
    // The route held before this start goes to the van again: the embedded broker's retained
    // messages do not outlive the process.
    if (saved.route !== undefined) driveRoute(saved.route);
    // The promise returned here holds a QoS 1 PUBACK until the reading is in the outbox.
    bus.onPublish((topic, payload) => {
      lastCommit = undefined;
      pipeline.ingest(topic, payload, now());
      return lastCommit;
    });
    const serial = config.serial.map(
      (line) =>
        new SerialInput(line, {
          onSentence: (sentence, l, rx) => pipeline.ingestSentence(sentence, l, rx),
          onReject: (code) => pipeline.countSerialReject(code),
          onStatus: (l, status, detail) => logger.info({ port: l.path, status, detail }, 'serial line'),
          now,
        }),
    );
    for (const input of serial) input.start();
    const startedAt = now();
    const gatewayState = (): GatewayState => {
      const stats = outbox.stats();
      return {
        status: 'online',
        site: config.site,
        gateway: config.gateway,
        boot,
        software: SOFTWARE,
        startedAt,
        ts: now(),
        outbox: {
          depth: stats.depth,
          bytes: stats.bytes,
          oldestAgeMs: Math.min(stats.oldestAgeMs, 31_622_400_000),
          dropped: stats.droppedTotal,
        },
        uplink: { connected: uplink?.stats.connected ?? false, ackedSeq: stats.ackedSeq },
        models: forecasting?.models() ?? [],
        ...(forecasting === undefined ? {} : { forecasting: forecasting.state() }),
      };
    };
    if (config.uplink.url !== undefined) {
      uplink = new Uplink({
        url: config.uplink.url,
        ...(config.uplink.username === undefined ? {} : { username: config.uplink.username }),
        ...(config.uplink.password === undefined ? {} : { password: config.uplink.password }),
        site: config.site,
        gateway: config.gateway,
        boot,
        outbox,
        batchMaxItems: config.uplink.batchMaxItems,
        batchMaxBytes: config.uplink.batchMaxBytes,
        flushIntervalMs: config.uplink.flushIntervalMs,
        histItemsPerSecond: config.uplink.histItemsPerSecond,
        histWindowBatches: config.uplink.histWindowBatches,
        ackTimeoutMs: config.uplink.ackTimeoutMs,
        stallTimeoutMs: config.uplink.stallTimeoutMs,
        goodbyeTimeoutMs: config.uplink.goodbyeTimeoutMs,
        keepaliveSec: config.uplink.keepaliveSec,
        connectTimeoutMs: config.uplink.connectTimeoutMs,
        reconnectMs: config.uplink.reconnectMs,
        state: gatewayState,
        now,
        onConnection: (connected) => logger.info({ connected }, 'uplink'),
        onAck: (seq) => events.emit('ack', seq),
        onDownlink: (name, payload) => {
          if (name === 'model' && forecasting !== undefined)
            void forecasting.offer(payload).then(() => uplink?.publishState());
          else provisioning.receive(name, payload);
        },
      });
      uplink.start();
    }
    registerGatewayMetrics(metrics, {
      outbox: () => outbox.stats(),
      uplink: () => uplink?.stats,
      bounds: { maxBytes: config.outbox.maxBytes, maxAgeMs: config.outbox.maxAgeMs },
    });
    // Appends drop expired rows too; this covers a quiet site.
    const pruner = setInterval(() => outbox.prune(), config.outbox.pruneEveryMs);
    pruner.unref();
    const context = pipeline.context;
    const api = await LocalApi.start({
      host: config.http.host,
      port: config.http.port,
      metrics,
      health: () => ({
        uplink: uplink === undefined || uplink.stats.connected ? undefined : 'not connected to the hub',
        serial: serial.every((s) => s.isOpen)
          ? undefined
          : `closed: ${serial
              .filter((s) => !s.isOpen)
              .map((s) => s.config.path)
              .join(', ')}`,
      }),
      state: () => ({
        gateway: gatewayState(),
        lanes: [...context.lanes.values()].map((l) => ({
          lane: l.config.lane,
          sku: l.config.sku,
          units: l.units ?? null,
          capacity: l.config.capacity,
        })),
        occupancy: context.footfall.occupancy,
        ...(van === undefined
          ? {}
          : {
              van: {
                van: van.van,
                stopped: van.stopped,
                atStop: van.atStop ?? null,
                route:
                  provisioning.saved.route === undefined
                    ? null
                    : {
                        plan: provisioning.saved.route.plan,
                        version: provisioning.saved.route.version,
                        stops: van.stops.map((s) => ({ stop: s.id, job: s.job ?? null })),
                      },
              },
            }),
        alerts: context.alerts.list(),
        forecasts: forecasting?.summaries() ?? [],
      }),
    });
    logger.info({ site: config.site, gateway: config.gateway, boot, http: api.port }, 'gateway started');
    return new Gateway({
      config,
      boot,
      metrics,
      outbox,
      buffer,
      pipeline,
      bus,
      serial,
      api,
      uplink,
      forecasting,
      startedAt,
      events,
      pruner,
    });
  }

  get startedAt(): number {
    return this.#startedAt;
  }

  /** Sends a command to one of the site's devices; its answer is applied when it comes back. */
  async command(device: string, command: Command): Promise<void> {
    this.pipeline.commandSent(device, command);
    await this.bus.publish(topics.cmd(this.config.site, device, command.command), commandCodec.encode(command), {
      qos: 1,
    });
  }

  /** Resolves once the outbox is empty (everything acked by the hub); rejects after `timeoutMs`. */
  async drained(timeoutMs: number): Promise<void> {
    const signal = AbortSignal.timeout(timeoutMs);
    while (this.outbox.stats().depth > 0) await once(this.#events, 'ack', { signal });
  }

  /** Stops taking input, lets the outbox take what is buffered, says goodbye to the hub. */
  async close(): Promise<void> {
    await Promise.all(this.#serial.map((s) => s.close()));
    await this.bus.close();
    await this.#buffer.close();
    clearInterval(this.#pruner);
    await this.forecasting?.close();
    await this.uplink?.close();
    await this.api.close();
    this.outbox.close();
  }
}
