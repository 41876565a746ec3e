import { newId, ReplenishmentTask, schemaProblems } from '@aisle/protocols';
import { Inject, Injectable } from '@nestjs/common';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Counter, type Registry } from 'prom-client';
import type { AuditRepository } from '../audit/audit.repository.js';
import { apiError } from '../auth/api-error.js';
import type { Principal } from '../auth/roles.js';
import type { HubConfig } from '../config.js';
import { RealtimeService } from '../realtime/realtime.service.js';
import { AUDIT_REPOSITORY, HUB_CONFIG, METRICS } from '../tokens.js';
import { applyTaskAction, isRefused, type TaskAction } from './lifecycle.js';
import type { ReplenishmentRepository } from './replenishment.repository.js';
import { REPLENISHMENT_REPOSITORY } from './replenishment.tokens.js';
import type { RefillSuggestion, StaffTask, TaskState } from './replenishment.types.js';
import { changedConcurrently, refusedTransition } from './replenishment-errors.js';

const checkTask = TypeCompiler.Compile(ReplenishmentTask);

/** How often a transition re-reads a task another writer changed meanwhile before giving up. */
const ATTEMPTS = 5;

/** What became of each suggestion. */
export interface SuggestOutcome {
  readonly created: StaffTask[];
  /** Open refill tasks of the same lane, refreshed with the new units, priority and explanation. */
  readonly refreshed: StaffTask[];
  /** Lanes whose refill task is already claimed: left to the person doing it. */
  readonly kept: StaffTask[];
}

/**
 * Staff tasks (issue #7): created from the engine's suggestions (one open or claimed refill task
 * per lane: a newer suggestion refreshes an open one), then moved by staff through `lifecycle.ts`.
 * Every change is stored (revision-checked), written to the audit log and pushed to the site's
 * socket.io subscribers on the `tasks` channel (key: the task id, value: the task).
 */
@Injectable()
export class TasksService {
  readonly #transitions: Counter<'action'>;
  readonly #refusals: Counter<'code'>;
  readonly #truncated: Counter;

  constructor(
    @Inject(REPLENISHMENT_REPOSITORY) private readonly repository: ReplenishmentRepository,
    @Inject(AUDIT_REPOSITORY) private readonly audit: AuditRepository,
    @Inject(RealtimeService) private readonly realtime: RealtimeService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(METRICS) metrics: Registry,
  ) {
    this.#transitions = new Counter({
      name: 'aisle_hub_replenishment_task_changes_total',
      help: 'Staff task changes, by action (create, refresh, claim, release, complete, skip)',
      labelNames: ['action'],
      registers: [metrics],
    });
    this.#refusals = new Counter({
      name: 'aisle_hub_replenishment_refusals_total',
      help: 'Staff task transitions refused, by reason code (order refusals: aisle_hub_store_order_refusals_total)',
      labelNames: ['code'],
      registers: [metrics],
    });
    this.#truncated = new Counter({
      name: 'aisle_hub_replenishment_task_lists_truncated_total',
      help: 'Task lists that reached replenishment.maxListed (more may exist)',
      registers: [metrics],
    });
  }

  /** Turns suggestions into tasks; throws (nothing stored) when one is not a valid task. */
  async suggest(suggestions: readonly RefillSuggestion[], now = Date.now()): Promise<SuggestOutcome> {
    const tasks = suggestions.map((s) => toTask(s, now));
    const outcome: SuggestOutcome = { created: [], refreshed: [], kept: [] };
    for (const task of tasks) {
      for (let attempt = 0; ; attempt++) {
        const held =
          task.kind === 'refill' && task.lane !== undefined
            ? await this.repository.activeRefill(task.site, task.lane)
            : undefined;
        if (held === undefined) {
          if (await this.repository.createTask(task)) {
            outcome.created.push(task);
            await this.#changed('hub', 'create', task, {
              units: task.units,
              priority: task.priority,
              rule: task.explanation.rule,
            });
            break;
          }
        } else if (held.value.state === 'claimed') {
          outcome.kept.push(held.value);
          break;
        } else {
          const refreshed: StaffTask = {
            ...held.value,
            units: task.units,
            priority: task.priority,
            explanation: task.explanation,
            updatedAt: now,
            ...(task.dueBy === undefined ? {} : { dueBy: task.dueBy }),
            ...(task.zone === undefined ? {} : { zone: task.zone }),
          };
          if (await this.repository.updateTask(refreshed, held.revision)) {
            outcome.refreshed.push(refreshed);
            await this.#changed('hub', 'refresh', refreshed, {
              units: task.units,
              priority: task.priority,
              rule: task.explanation.rule,
            });
            break;
          }
        }
        if (attempt + 1 >= ATTEMPTS) throw changedConcurrently(`the refill task of lane ${task.site}/${task.lane}`);
      }
    }
    return outcome;
  }

  /** At most `replenishment.maxListed` (a list that reaches it is counted). */
  async list(site: string, states: readonly TaskState[] | undefined): Promise<StaffTask[]> {
    const limit = this.config.replenishment.maxListed;
    const listed = await this.repository.tasks(site, { limit, ...(states === undefined ? {} : { states }) });
    if (listed.length === limit) this.#truncated.inc();
    return listed;
  }

  /** Claims, releases, completes or skips a task of `site`; 404 for a task of another site. */
  async act(principal: Principal, site: string, id: string, action: TaskAction): Promise<StaffTask> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const held = await this.repository.task(id);
      if (held === undefined || held.value.site !== site)
        throw apiError(404, 'NOT_FOUND', `no task ${id} in site ${site}`);
      const next = applyTaskAction(held.value, action, principal, Date.now());
      if (isRefused(next)) {
        this.#refusals.inc({ code: next.refused });
        throw refusedTransition(next);
      }
      if (!(await this.repository.updateTask(next, held.revision))) continue;
      const detail =
        action.kind === 'complete'
          ? { unitsMoved: action.unitsMoved, units: next.units }
          : action.kind === 'skip'
            ? { reason: action.reason }
            : action.kind === 'release'
              ? { claimedBy: held.value.claimedBy }
              : {};
      await this.#changed(principal.username, action.kind, next, detail);
      return next;
    }
    throw changedConcurrently(`task ${id}`);
  }

  async #changed(actor: string, action: string, task: StaffTask, detail: Record<string, unknown>): Promise<void> {
    this.#transitions.inc({ action });
    await this.audit.append({
      at: task.updatedAt,
      actor,
      action: `task.${action}`,
      target: task.id,
      detail: {
        site: task.site,
        kind: task.kind,
        sku: task.sku,
        ...(task.lane === undefined ? {} : { lane: task.lane }),
        state: task.state,
        ...detail,
      },
    });
    this.realtime.publish(task.site, [{ channel: 'tasks', key: task.id, value: task }]);
  }
}

function toTask(suggestion: RefillSuggestion, now: number): StaffTask {
  const task: StaffTask = {
    id: newId(now),
    site: suggestion.site,
    kind: suggestion.kind ?? 'refill',
    state: 'open',
    sku: suggestion.sku,
    units: suggestion.units,
    priority: suggestion.priority,
    createdAt: now,
    updatedAt: now,
    explanation: suggestion.explanation,
    ...(suggestion.lane === undefined ? {} : { lane: suggestion.lane }),
    ...(suggestion.zone === undefined ? {} : { zone: suggestion.zone }),
    ...(suggestion.dueBy === undefined ? {} : { dueBy: suggestion.dueBy }),
  };
  const problems = schemaProblems(checkTask, task);
  if (task.kind === 'refill' && task.lane === undefined) problems.push('/lane: a refill names its lane');
  if (problems.length > 0)
    throw apiError(
      400,
      'VALIDATION_FAILED',
      `task suggestion for ${suggestion.site}/${suggestion.sku}: ${problems.join('; ')}`,
    );
  return task;
}
