import type { ForecastingState, ForecastTask } from '@aisle/protocols';

/**
 * A staged model rollout as data, and the one function that moves it on from what the gateways
 * report (no Nest, no storage, no clock: `now` is given). The service does the I/O around it:
 * offers, rollbacks, persistence, audit.
 */

/** One model a gateway should run for one task (what an offer lists). */
export interface AssignedModel {
  readonly task: ForecastTask;
  readonly name: string;
  readonly version: string;
  readonly bundleId: string;
  /** The rollout that assigned it. */
  readonly rollout?: string;
}

export type RolloutStatus = 'running' | 'succeeded' | 'failed' | 'aborted';

/**
 * A gateway's way through its stage: `pending` (not offered yet), `offered`, `adopted` (reports
 * the bundle as its model for the task; soaking), `passed` (its stage passed), `failed` (it made
 * the rollout fail).
 */
export type GatewayRolloutStatus = 'pending' | 'offered' | 'adopted' | 'passed' | 'failed';

export interface RolloutGateway {
  readonly gateway: string;
  readonly site: string;
  status: GatewayRolloutStatus;
  /** Its assignment for the task before the rollout (null: none, it ran the baseline); set before the offer. */
  previous?: AssignedModel | null;
  offeredAt?: number;
  adoptedAt?: number;
  /** When it was sent its previous assignment back. */
  rolledBackAt?: number;
  /** The last live error it reported for the task while running the bundle. */
  live?: { readonly n: number; readonly modelMae: number; readonly baselineMae: number };
  reason?: string;
  detail?: string;
}

export interface RolloutStage {
  startedAt: number | null;
  passedAt: number | null;
  readonly gateways: RolloutGateway[];
}

export interface RolloutFailure {
  readonly reason: string;
  readonly gateway?: string;
  readonly detail?: string;
  readonly at: number;
}

export interface Rollout {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly task: ForecastTask;
  readonly bundleId: string;
  status: RolloutStatus;
  /** Index of the stage in progress (the last one once finished). */
  stage: number;
  readonly stages: RolloutStage[];
  failure?: RolloutFailure;
  readonly createdAt: number;
  readonly createdBy: string;
  updatedAt: number;
  finishedAt?: number;
  /** Optimistic-concurrency revision of the stored record. */
  revision: number;
}

/** The bounds of `models.rollout` in the config. */
export interface RolloutPolicy {
  readonly soakMs: number;
  readonly stageTimeoutMs: number;
  readonly minLiveSteps: number;
  readonly liveTolerance: number;
}

/** Why a rollout fails besides a gateway's own rejection reason (`MODEL_OFFER_FAILURES`, bundle checks). */
const ROLLOUT_FAILURES = {
  ADOPTION_TIMEOUT: 'A gateway did not report the model within models.rollout.stageTimeoutMs of its stage start.',
  LIVE_ERROR_WORSE:
    "A gateway's live MAE of the model exceeds the baseline's by more than models.rollout.liveTolerance.",
  MODEL_DROPPED: 'A gateway that had adopted the model reports another model (or the baseline) for the task.',
  REJECTED: 'A gateway rejected the offer without a reason code.',
  ABORTED: 'An admin aborted the rollout.',
} as const;
export type RolloutFailureReason = keyof typeof ROLLOUT_FAILURES;

/** What a gateway last said, as stored from its retained state. */
export interface GatewayReport {
  readonly forecasting?: ForecastingState;
}

export type RolloutEvent =
  | { readonly kind: 'adopted'; readonly gateway: string }
  | { readonly kind: 'stage-passed'; readonly stage: number }
  | { readonly kind: 'stage-started'; readonly stage: number }
  | { readonly kind: 'failed'; readonly failure: RolloutFailure }
  | { readonly kind: 'succeeded' };

/**
 * Stages of a rollout to `targets` (in order): the first target alone (the canary), then the rest
 * of the canary's site, then every other target. Empty stages are left out.
 */
export function planStages(targets: ReadonlyArray<{ gateway: string; site: string }>): string[][] {
  const [canary, ...rest] = targets;
  if (canary === undefined) return [];
  const site = rest.filter((t) => t.site === canary.site).map((t) => t.gateway);
  const others = rest.filter((t) => t.site !== canary.site).map((t) => t.gateway);
  return [[canary.gateway], site, others].filter((stage) => stage.length > 0);
}

/**
 * Moves a running rollout on (mutating `rollout`) from the gateways' reports at `now`, and says
 * what happened. Every gateway offered so far is watched: a rejection of this rollout's offer, a
 * live error worse than the baseline's, or an adopted model dropped fails the rollout; so does a
 * gateway of the current stage that has not adopted within the stage timeout. The stage passes
 * once each of its gateways has run the bundle for `soakMs`; the next stage then starts with its
 * gateways `pending` (to be offered), or the rollout succeeds after the last.
 */
export function advanceRollout(
  rollout: Rollout,
  reports: ReadonlyMap<string, GatewayReport>,
  now: number,
  policy: RolloutPolicy,
): RolloutEvent[] {
  if (rollout.status !== 'running') return [];
  const events: RolloutEvent[] = [];
  const current = rollout.stages[rollout.stage];
  if (current === undefined) return [];
  for (const stage of rollout.stages.slice(0, rollout.stage + 1)) {
    for (const entry of stage.gateways) {
      if (entry.status === 'pending' || entry.status === 'failed') continue;
      const verdict = judgeGateway(rollout, entry, reports.get(entry.gateway)?.forecasting, now, policy);
      if (verdict === 'adopted') events.push({ kind: 'adopted', gateway: entry.gateway });
      else if (verdict !== undefined) {
        entry.status = 'failed';
        entry.reason = verdict.reason;
        if (verdict.detail !== undefined) entry.detail = verdict.detail;
        return [...events, fail(rollout, { ...verdict, gateway: entry.gateway, at: now })];
      }
    }
  }
  const startedAt = current.startedAt ?? now;
  const late = current.gateways.find((g) => g.status === 'offered' || g.status === 'pending');
  if (late !== undefined) {
    if (now - startedAt < policy.stageTimeoutMs) return events;
    late.status = 'failed';
    late.reason = 'ADOPTION_TIMEOUT' satisfies RolloutFailureReason;
    late.detail = `not running ${rollout.name}@${rollout.version} ${now - startedAt} ms after the stage began`;
    return [...events, fail(rollout, { reason: late.reason, gateway: late.gateway, detail: late.detail, at: now })];
  }
  if (current.gateways.some((g) => g.adoptedAt === undefined || now - g.adoptedAt < policy.soakMs)) return events;
  for (const g of current.gateways) g.status = 'passed';
  current.passedAt = now;
  events.push({ kind: 'stage-passed', stage: rollout.stage });
  const next = rollout.stages[rollout.stage + 1];
  if (next === undefined) {
    rollout.status = 'succeeded';
    rollout.finishedAt = now;
    events.push({ kind: 'succeeded' });
  } else {
    rollout.stage++;
    next.startedAt = now;
    events.push({ kind: 'stage-started', stage: rollout.stage });
  }
  rollout.updatedAt = now;
  return events;
}

/** A failed gateway's reason, `adopted` when it just adopted the bundle, undefined when nothing changed. */
function judgeGateway(
  rollout: Rollout,
  entry: RolloutGateway,
  forecasting: ForecastingState | undefined,
  now: number,
  policy: RolloutPolicy,
): 'adopted' | { reason: string; detail?: string } | undefined {
  if (forecasting === undefined) return undefined; // offline, or a gateway without forecasting yet
  const offer = forecasting.lastOffer;
  if (offer?.rollout === rollout.id && offer.outcome === 'rejected')
    return {
      reason: offer.reason ?? ('REJECTED' satisfies RolloutFailureReason),
      ...(offer.detail === undefined ? {} : { detail: offer.detail }),
    };
  const task = forecasting.tasks.find((t) => t.task === rollout.task);
  const running = task?.model?.sha256 === rollout.bundleId;
  if (!running) {
    if (entry.status === 'offered') return undefined;
    return {
      reason: 'MODEL_DROPPED' satisfies RolloutFailureReason,
      detail: `reports ${task?.model ? `${task.model.name}@${task.model.version}` : 'the baseline'} for ${rollout.task}`,
    };
  }
  const live = task?.live;
  if (live !== undefined) entry.live = live;
  if (
    live !== undefined &&
    live.n >= policy.minLiveSteps &&
    live.modelMae > live.baselineMae * (1 + policy.liveTolerance)
  )
    return {
      reason: 'LIVE_ERROR_WORSE' satisfies RolloutFailureReason,
      detail: `model MAE ${live.modelMae} > baseline MAE ${live.baselineMae} × ${1 + policy.liveTolerance} over ${live.n} steps`,
    };
  if (entry.status !== 'offered') return undefined;
  entry.status = 'adopted';
  entry.adoptedAt = now;
  return 'adopted';
}

function fail(rollout: Rollout, failure: RolloutFailure): RolloutEvent {
  rollout.status = 'failed';
  rollout.failure = failure;
  rollout.finishedAt = failure.at;
  rollout.updatedAt = failure.at;
  return { kind: 'failed', failure };
}
