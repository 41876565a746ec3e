import {
  type ForecastTask,
  gatewayStateCodec,
  type ModelOffer,
  modelOfferCodec,
  newId,
  type OfferedModel,
  topics,
} from '@aisle/protocols';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { AuditRepository } from '../audit/audit.repository.js';
import { apiError } from '../auth/api-error.js';
import { canAccessSite, type Principal } from '../auth/roles.js';
import type { HubBus } from '../broker/hub-bus.js';
import type { HubConfig } from '../config.js';
import type { IngestRepository } from '../ingest/ingest.repository.js';
import type { GatewayRecord, RegistryRepository } from '../registry/registry.repository.js';
import {
  AUDIT_REPOSITORY,
  HUB_BUS,
  HUB_CONFIG,
  INGEST_REPOSITORY,
  LOGGER,
  METRICS,
  REGISTRY_REPOSITORY,
} from '../tokens.js';
import {
  type AssignedModel,
  advanceRollout,
  type GatewayReport,
  planStages,
  type Rollout,
  type RolloutEvent,
  type RolloutFailureReason,
  type RolloutGateway,
} from './engine/rollout.js';
import type { Assignment, ModelsRepository } from './models.repository.js';
import { MODELS_REPOSITORY } from './models.tokens.js';

/**
 * Model assignments and staged rollouts (ARCHITECTURE §4). Each gateway has a desired set of
 * models, one per task, published as a whole with a growing `seq`, retained QoS 1 on
 * `down/{site}/{gateway}/model`. A rollout assigns one model in stages (canary, the rest of its
 * site, everyone else), watching what the gateways report in their retained state; on failure it
 * sends every gateway it touched its previous assignment in a newer offer.
 *
 * Rollouts are stored and moved on from stored gateway states and the clock, on every state
 * message and every `models.rollout.checkIntervalMs`: a restarted hub picks up where it was, and
 * an update that lost a race with another replica (revision changed) is dropped and re-read.
 */
@Injectable()
export class RolloutService implements OnApplicationBootstrap, OnApplicationShutdown {
  #timer: NodeJS.Timeout | undefined;
  /** Rollout changes run one at a time in this process. */
  #queue: Promise<unknown> = Promise.resolve();
  readonly #outcomes: Counter<'outcome'>;
  readonly #offers: Counter;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(MODELS_REPOSITORY) private readonly models: ModelsRepository,
    @Inject(REGISTRY_REPOSITORY) private readonly registry: RegistryRepository,
    @Inject(INGEST_REPOSITORY) private readonly ingest: IngestRepository,
    @Inject(AUDIT_REPOSITORY) private readonly audit: AuditRepository,
    @Inject(HUB_BUS) private readonly bus: HubBus,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(HttpAdapterHost) private readonly http: HttpAdapterHost,
    @Inject(METRICS) metrics: Registry,
  ) {
    this.#outcomes = new Counter({
      name: 'aisle_hub_rollouts_total',
      help: 'Model rollouts finished, by outcome (succeeded, failed, aborted)',
      labelNames: ['outcome'],
      registers: [metrics],
    });
    this.#offers = new Counter({
      name: 'aisle_hub_model_offers_total',
      help: 'Model offers published to gateways (rollouts and rollbacks)',
      registers: [metrics],
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.subscribe('up/+/+/state', (topic, payload) => {
      const gateway = topic.split('/')[2];
      const decoded = gatewayStateCodec.decode(payload);
      if (gateway === undefined || !decoded.ok) return; // ingest counts bad states
      const fresh = 'forecasting' in decoded.value ? decoded.value.forecasting : undefined;
      return this.#serial(() => this.#check(new Map([[gateway, fresh === undefined ? {} : { forecasting: fresh }]])));
    });
    this.#timer = setInterval(() => {
      void this.#serial(() => this.#check(new Map()));
    }, this.config.models.rollout.checkIntervalMs);
    this.#timer.unref();
    await this.#serial(async () => {
      // An embedded broker keeps retained messages in memory only: every gateway's current offer
      // is published again (same seq: a gateway that applied it ignores it).
      for (const assignment of await this.models.assignments()) await this.#publish(assignment);
      await this.#check(new Map());
    });
  }

  onApplicationShutdown(): void {
    clearInterval(this.#timer);
  }

  /** Starts a rollout of a registered model and offers it to its first stage. */
  start(actor: string, input: { name: string; version: string; gateways?: string[]; site?: string }) {
    return this.#serial(async () => {
      const model = await this.models.model(input.name, input.version);
      if (model === undefined)
        throw apiError(404, 'NOT_FOUND', `model ${input.name}@${input.version} is not registered`);
      const targets = await this.#targets(input);
      if (targets.length === 0) throw apiError(400, 'VALIDATION_FAILED', 'no active gateway to roll out to');
      const busy = (await this.models.rollouts({ status: 'running' })).find(
        (r) =>
          r.task === model.task &&
          r.stages.some((s) => s.gateways.some((g) => targets.some((t) => t.gateway === g.gateway))),
      );
      if (busy !== undefined)
        throw apiError(
          409,
          'CONFLICT',
          `rollout ${busy.id} of ${busy.name}@${busy.version} is running on these gateways`,
        );
      const now = Date.now();
      const site = new Map(targets.map((t) => [t.gateway, t.site]));
      const rollout: Rollout = {
        id: newId(now),
        name: model.name,
        version: model.version,
        task: model.task,
        bundleId: model.bundleId,
        status: 'running',
        stage: 0,
        stages: planStages(targets).map((gateways, i) => ({
          startedAt: i === 0 ? now : null,
          passedAt: null,
          gateways: gateways.map((gateway) => ({ gateway, site: site.get(gateway) ?? '', status: 'pending' as const })),
        })),
        createdAt: now,
        createdBy: actor,
        updatedAt: now,
        revision: 0,
      };
      await this.models.createRollout(rollout);
      await this.#audit(actor, 'rollout.start', rollout, {
        stages: rollout.stages.map((s) => s.gateways.map((g) => g.gateway)),
      });
      await this.#offerPending(rollout);
      return view(rollout);
    });
  }

  async list() {
    return (await this.models.rollouts()).map(view);
  }

  async get(id: string) {
    return view(await this.#rollout(id));
  }

  /** Stops a running rollout and sends every gateway it touched its previous assignment. */
  abort(actor: string, id: string) {
    return this.#serial(async () => {
      const rollout = await this.#rollout(id);
      if (rollout.status !== 'running')
        throw apiError(409, 'CONFLICT', `rollout ${id} is ${rollout.status}, not running`);
      const now = Date.now();
      rollout.status = 'aborted';
      rollout.failure = { reason: 'ABORTED' satisfies RolloutFailureReason, detail: `by ${actor}`, at: now };
      rollout.finishedAt = now;
      rollout.updatedAt = now;
      if (!(await this.models.updateRollout(rollout)))
        throw apiError(409, 'CONFLICT', `rollout ${id} changed meanwhile; try again`);
      this.#outcomes.inc({ outcome: 'aborted' });
      await this.#audit(actor, 'rollout.abort', rollout, {});
      await this.#rollBack(rollout, actor);
      return view(rollout);
    });
  }

  /** Which models the gateway should run (desired) and what it reports running. */
  async gatewayModels(principal: Principal, gateway: string) {
    const record = await this.registry.gateway(gateway);
    if (record === undefined || !canAccessSite(principal, record.site))
      throw apiError(404, 'NOT_FOUND', `gateway ${gateway} is not registered`);
    const assignment = await this.models.assignment(gateway);
    const row = (await this.ingest.gatewayStates()).find((s) => s.gateway === gateway);
    const decoded = row === undefined ? undefined : gatewayStateCodec.decode(Buffer.from(row.state));
    const state = decoded?.ok ? decoded.value : undefined;
    const forecasting = state !== undefined && 'forecasting' in state ? state.forecasting : undefined;
    const tasks = new Set<ForecastTask>([
      ...(assignment?.models ?? []).map((m) => m.task),
      ...(forecasting?.tasks ?? []).map((t) => t.task),
    ]);
    return {
      gateway,
      site: record.site,
      seq: assignment?.seq ?? null,
      status: row?.status ?? null,
      reportedAt: row?.updatedAt ?? null,
      lastOffer: forecasting?.lastOffer ?? null,
      tasks: [...tasks].sort().map((task) => {
        const desired = assignment?.models.find((m) => m.task === task) ?? null;
        const reported = forecasting?.tasks.find((t) => t.task === task) ?? null;
        return {
          task,
          desired,
          reported,
          inSync: (desired?.bundleId ?? null) === (reported?.model?.sha256 ?? null),
        };
      }),
    };
  }

  /** Runs `work` after every change queued before it (one rollout change at a time). */
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Moves every running rollout on; `fresh` holds states just received (newer than the stored ones). */
  async #check(fresh: ReadonlyMap<string, GatewayReport>): Promise<void> {
    try {
      let running = await this.models.rollouts({ status: 'running' });
      // A state message concerns only the rollouts its gateway is in (the periodic check sees all).
      if (fresh.size > 0)
        running = running.filter((r) => r.stages.some((s) => s.gateways.some((g) => fresh.has(g.gateway))));
      if (running.length === 0) return;
      const reports = await this.#reports(fresh);
      for (const rollout of running) await this.#advance(rollout, reports);
    } catch (error) {
      this.logger.error({ err: error }, 'rollout check failed; retried at the next check');
    }
  }

  async #advance(rollout: Rollout, reports: ReadonlyMap<string, GatewayReport>): Promise<void> {
    if (rollout.stages[rollout.stage]?.gateways.some((g) => g.status === 'pending')) {
      // A start or a stage change whose offers did not all go out (the hub stopped in between).
      if (!(await this.#offerPending(rollout))) return;
    }
    const events = advanceRollout(rollout, reports, Date.now(), this.config.models.rollout);
    if (events.length === 0) return;
    if (!(await this.models.updateRollout(rollout))) return; // another replica moved it; re-read next time
    for (const event of events) await this.#apply(rollout, event);
  }

  async #apply(rollout: Rollout, event: RolloutEvent): Promise<void> {
    switch (event.kind) {
      case 'adopted':
        this.logger.info({ rollout: rollout.id, gateway: event.gateway }, 'gateway adopted the model');
        return;
      case 'stage-passed':
        await this.#audit('hub', 'rollout.stage-passed', rollout, { stage: event.stage + 1 });
        return;
      case 'stage-started':
        await this.#offerPending(rollout);
        return;
      case 'succeeded':
        this.#outcomes.inc({ outcome: 'succeeded' });
        await this.#audit('hub', 'rollout.succeeded', rollout, {});
        return;
      case 'failed':
        this.#outcomes.inc({ outcome: 'failed' });
        await this.#audit('hub', 'rollout.failed', rollout, { ...event.failure });
        await this.#rollBack(rollout, 'hub');
        return;
    }
  }

  /**
   * Offers the bundle to the current stage's pending gateways: their previous assignment for the
   * task is recorded first (stored before any offer, so a restart in between never mistakes the
   * new model for the previous one), then each gets its new assignment. False when the rollout
   * changed meanwhile (another replica).
   */
  async #offerPending(rollout: Rollout): Promise<boolean> {
    const pending = rollout.stages[rollout.stage]?.gateways.filter((g) => g.status === 'pending') ?? [];
    if (pending.length === 0) return true;
    for (const entry of pending) {
      if (entry.previous !== undefined) continue;
      const held = (await this.models.assignment(entry.gateway))?.models.find((m) => m.task === rollout.task);
      entry.previous = held?.rollout === rollout.id ? null : (held ?? null);
    }
    if (!(await this.models.updateRollout(rollout))) return false;
    const model: AssignedModel = {
      task: rollout.task,
      name: rollout.name,
      version: rollout.version,
      bundleId: rollout.bundleId,
      rollout: rollout.id,
    };
    for (const entry of pending) {
      await this.#assign(entry, rollout.task, model);
      entry.status = 'offered';
      entry.offeredAt = Date.now();
    }
    rollout.updatedAt = Date.now();
    return this.models.updateRollout(rollout);
  }

  /** Sends every gateway the rollout offered the bundle to its previous assignment for the task. */
  async #rollBack(rollout: Rollout, actor: string): Promise<void> {
    const touched = rollout.stages.flatMap((s) => s.gateways).filter((g) => g.previous !== undefined);
    const restored: string[] = [];
    for (const entry of touched) {
      const held = (await this.models.assignment(entry.gateway))?.models.find((m) => m.task === rollout.task);
      // Only where this rollout's model is still the assignment (nothing newer replaced it).
      if (held?.rollout !== rollout.id) continue;
      await this.#assign(entry, rollout.task, entry.previous ?? null);
      entry.rolledBackAt = Date.now();
      restored.push(entry.gateway);
    }
    rollout.updatedAt = Date.now();
    if (!(await this.models.updateRollout(rollout)))
      this.logger.warn({ rollout: rollout.id }, 'rollback stored by another writer meanwhile');
    await this.#audit(actor, 'rollout.rolled-back', rollout, { gateways: restored });
  }

  /** Sets the gateway's model for `task` (null: none, the baseline) and publishes its offer with the next seq. */
  async #assign(entry: RolloutGateway, task: ForecastTask, model: AssignedModel | null): Promise<void> {
    const held = await this.models.assignment(entry.gateway);
    const now = Date.now();
    const assignment: Assignment = {
      gateway: entry.gateway,
      site: entry.site,
      // Time-based and still monotonic: a hub whose database was restored from a backup does not
      // offer seqs its gateways have already applied (and would ignore).
      seq: Math.max((held?.seq ?? 0) + 1, now),
      models: [...(held?.models ?? []).filter((m) => m.task !== task), ...(model === null ? [] : [model])],
      updatedAt: now,
    };
    await this.models.putAssignment(assignment);
    await this.#publish(assignment);
  }

  async #publish(assignment: Assignment): Promise<void> {
    const baseUrl = this.#baseUrl();
    const models: OfferedModel[] = [];
    for (const m of assignment.models) {
      const record = await this.models.model(m.name, m.version);
      if (record === undefined) continue; // registered models are never deleted
      models.push({ manifest: record.manifest, baseUrl, ...(m.rollout === undefined ? {} : { rollout: m.rollout }) });
    }
    const offer: ModelOffer = { v: 1, seq: assignment.seq, models };
    await this.bus.publish(topics.down(assignment.site, assignment.gateway, 'model'), modelOfferCodec.encode(offer), {
      qos: 1,
      retain: true,
    });
    this.#offers.inc();
  }

  /** `{models.publicBaseUrl or the HTTP listening address}/api/model-files/`. */
  #baseUrl(): string {
    const configured = this.config.models.publicBaseUrl;
    if (configured !== undefined) return `${configured.replace(/\/+$/, '')}/api/model-files/`;
    const address = this.http.httpAdapter?.getHttpServer()?.address() as { port: number } | null | undefined;
    const host = this.config.http.host.includes(':') ? `[${this.config.http.host}]` : this.config.http.host;
    return `http://${host}:${address?.port ?? this.config.http.port}/api/model-files/`;
  }

  async #reports(fresh: ReadonlyMap<string, GatewayReport>): Promise<Map<string, GatewayReport>> {
    const reports = new Map<string, GatewayReport>();
    for (const row of await this.ingest.gatewayStates()) {
      const decoded = gatewayStateCodec.decode(Buffer.from(row.state));
      if (decoded.ok && 'forecasting' in decoded.value && decoded.value.forecasting !== undefined)
        reports.set(row.gateway, { forecasting: decoded.value.forecasting });
    }
    for (const [gateway, report] of fresh) reports.set(gateway, report);
    return reports;
  }

  async #targets(input: { gateways?: string[]; site?: string }): Promise<GatewayRecord[]> {
    const all = (await this.registry.gateways()).filter((g) => g.revokedAt === null);
    if (input.gateways === undefined) return all.filter((g) => input.site === undefined || g.site === input.site);
    return [...new Set(input.gateways)].map((id) => {
      const record = all.find((g) => g.gateway === id);
      if (record === undefined) throw apiError(404, 'NOT_FOUND', `gateway ${id} is not registered or is revoked`);
      if (input.site !== undefined && record.site !== input.site)
        throw apiError(400, 'VALIDATION_FAILED', `gateway ${id} is not in site ${input.site}`);
      return record;
    });
  }

  async #rollout(id: string): Promise<Rollout> {
    const rollout = await this.models.rollout(id);
    if (rollout === undefined) throw apiError(404, 'NOT_FOUND', `no rollout ${id}`);
    return rollout;
  }

  #audit(actor: string, action: string, rollout: Rollout, detail: Record<string, unknown>) {
    return this.audit.append({
      at: Date.now(),
      actor,
      action,
      target: rollout.id,
      detail: { model: `${rollout.name}@${rollout.version}`, task: rollout.task, ...detail },
    });
  }
}

/** A rollout as the API shows it: stages numbered from 1, each with its status. */
function view(rollout: Rollout) {
  const { revision: _, stages, stage, ...rest } = rollout;
  return {
    ...rest,
    stage: stage + 1,
    stages: stages.map((s, i) => ({
      stage: i + 1,
      status:
        s.passedAt !== null
          ? 'passed'
          : s.gateways.some((g) => g.status === 'failed')
            ? 'failed'
            : i === stage && rollout.status === 'running'
              ? 'running'
              : s.startedAt === null
                ? 'not-started'
                : 'stopped',
      startedAt: s.startedAt,
      passedAt: s.passedAt,
      gateways: s.gateways,
    })),
  };
}
