import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { World } from '../world/world.js';

/**
 * What the simulated store staff do with the hub's completed refill tasks: a task that became
 * `done` says an employee moved `unitsMoved` units of its SKU onto its lane, so those units go on
 * that lane of the simulated shelf (`World.refill`) at the current simulated time, once per task.
 *
 * Everything else is counted with a reason and ignored: a task that is not a refill (a recount or a
 * phantom check moves no stock), of a site this world does not simulate, on a lane it does not have
 * or holding another SKU there, with no units moved, closed before this simulator started (those
 * belong to an earlier world), on a lane held empty by `faults.emptyLane`, or not a task at all.
 * A lane never goes above its capacity: units that do not fit are counted as capped (the employee
 * took them back to the backroom). Decisions are kept by task id, so a task the hub delivers again
 * (socket.io after a catch-up listing, or a reconnect) is counted as redelivered and moves nothing.
 */

export const IGNORE_REASONS = [
  'malformed',
  'not-refill',
  'other-site',
  'no-lane',
  'unknown-lane',
  'sku-mismatch',
  'no-units',
  'closed-before-start',
  'lane-held-empty',
] as const;
export type IgnoreReason = (typeof IGNORE_REASONS)[number];

/** The fields of a hub task this reads (the hub's `StaffTask`; anything else in it is left alone). */
const TaskFields = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128 }),
  site: Type.String({ minLength: 1, maxLength: 64 }),
  kind: Type.String({ maxLength: 64 }),
  state: Type.String({ maxLength: 64 }),
  sku: Type.String({ minLength: 1, maxLength: 64 }),
  lane: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  unitsMoved: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  closedAt: Type.Optional(Type.Number({ minimum: 0 })),
});
const checkTask = TypeCompiler.Compile(TaskFields);

/** A done refill task, as far as the shelf is concerned. */
export interface DoneRefill {
  readonly id: string;
  readonly site: string;
  readonly sku: string;
  readonly lane: string;
  readonly unitsMoved: number;
  readonly closedAt: number;
}

export type Parsed =
  | { readonly kind: 'refill'; readonly task: DoneRefill }
  /** Not done yet (open, claimed) or skipped: nothing to do, nothing to count. */
  | { readonly kind: 'pending'; readonly id: string }
  | { readonly kind: 'ignored'; readonly id?: string; readonly reason: IgnoreReason; readonly detail: string };

/** Reads one task the hub sent (a `tasks` delta's value or a row of `GET …/tasks?state=done`). */
export function parseTask(value: unknown): Parsed {
  if (!checkTask.Check(value)) {
    const first = [...checkTask.Errors(value)][0];
    const id = typeof (value as { id?: unknown })?.id === 'string' ? (value as { id: string }).id : undefined;
    return {
      kind: 'ignored',
      ...(id === undefined ? {} : { id }),
      reason: 'malformed',
      detail: first === undefined ? 'not a task' : `${first.path || '/'}: ${first.message}`,
    };
  }
  const { id, site, kind, state, sku, lane, unitsMoved, closedAt } = value;
  if (state !== 'done') return { kind: 'pending', id };
  if (kind !== 'refill') return { kind: 'ignored', id, reason: 'not-refill', detail: `a ${kind} task moves no stock` };
  if (lane === undefined) return { kind: 'ignored', id, reason: 'no-lane', detail: 'a refill with no lane' };
  if (unitsMoved === undefined || closedAt === undefined)
    return { kind: 'ignored', id, reason: 'malformed', detail: 'a done task without unitsMoved and closedAt' };
  if (unitsMoved === 0) return { kind: 'ignored', id, reason: 'no-units', detail: 'no units moved' };
  return { kind: 'refill', task: { id, site, sku, lane, unitsMoved, closedAt } };
}

export interface StaffStats {
  /** Refill tasks whose units went on a lane. */
  applied: number;
  /** Units put on lanes. */
  units: number;
  /** Units of applied tasks that did not fit under the lane's capacity. */
  cappedUnits: number;
  /** Tasks seen again after they were decided (applied or ignored). */
  redelivered: number;
  ignored: Record<IgnoreReason, number>;
}

export type Outcome =
  | { readonly kind: 'applied'; readonly task: DoneRefill; readonly units: number; readonly capped: number }
  | { readonly kind: 'pending' | 'redelivered'; readonly id: string }
  | { readonly kind: 'ignored'; readonly id?: string; readonly reason: IgnoreReason; readonly detail: string };

/** The world's side: which lanes exist and hold what, and the refill itself. */
export type RefillWorld = Pick<World, 'layout' | 'units' | 'refill' | 'catalog'>;

export class StaffRefills {
  readonly #world: RefillWorld;
  readonly #since: number;
  /** Task ids already decided (applied or ignored): a done task is final, so it is decided once. */
  readonly #decided = new Set<string>();
  readonly #stats: StaffStats = {
    applied: 0,
    units: 0,
    cappedUnits: 0,
    redelivered: 0,
    ignored: Object.fromEntries(IGNORE_REASONS.map((r) => [r, 0])) as Record<IgnoreReason, number>,
  };

  /** `since`: tasks closed before then (epoch ms, the hub's clock) belong to an earlier world. */
  constructor(world: RefillWorld, since: number) {
    this.#world = world;
    this.#since = since;
  }

  stats(): StaffStats {
    return { ...this.#stats, ignored: { ...this.#stats.ignored } };
  }

  /** Handles one task the hub sent; safe to call again with the same task. */
  handle(value: unknown): Outcome {
    const parsed = parseTask(value);
    if (parsed.kind === 'pending') return parsed;
    const id = parsed.kind === 'refill' ? parsed.task.id : parsed.id;
    if (id !== undefined && this.#decided.has(id)) {
      this.#stats.redelivered++;
      return { kind: 'redelivered', id };
    }
    const outcome = parsed.kind === 'ignored' ? parsed : this.#apply(parsed.task);
    if (id !== undefined) this.#decided.add(id);
    if (outcome.kind === 'ignored') this.#stats.ignored[outcome.reason]++;
    return outcome;
  }

  #apply(task: DoneRefill): Outcome {
    const ignored = (reason: IgnoreReason, detail: string): Outcome => ({
      kind: 'ignored',
      id: task.id,
      reason,
      detail,
    });
    if (task.closedAt < this.#since)
      return ignored('closed-before-start', `closed at ${new Date(task.closedAt).toISOString()}`);
    const layout = this.#world.layout(task.site);
    if (layout === undefined) return ignored('other-site', `${task.site} is not simulated here`);
    const lane = layout.lanes.find((l) => l.lane === task.lane);
    if (lane === undefined) return ignored('unknown-lane', `${task.site} has no lane ${task.lane}`);
    const sku = this.#world.catalog.skus[lane.sku]?.sku;
    if (sku !== task.sku) return ignored('sku-mismatch', `lane ${task.lane} holds ${sku}, the task names ${task.sku}`);
    const before = this.#world.units(task.site)[lane.index] ?? 0;
    if (!this.#world.refill(task.site, task.lane, task.unitsMoved, `task:${task.id}`))
      return ignored('lane-held-empty', `lane ${task.lane} is held empty (faults.emptyLane)`);
    const units = (this.#world.units(task.site)[lane.index] ?? 0) - before;
    const capped = task.unitsMoved - units;
    this.#stats.applied++;
    this.#stats.units += units;
    this.#stats.cappedUnits += capped;
    return { kind: 'applied', task, units, capped };
  }
}
