import type { Alert } from '@aisle/protocols';
import type { RouteEta } from './eta.js';

/**
 * The `late-risk` alert of one van's route, as the protocol's alert lifecycle (raised once,
 * updated while it holds, cleared when it stops holding): it holds while some remaining stop is
 * projected later than its window's close by more than `lateRiskMs`, and names the worst one.
 * An update goes out only when the worst stop or its whole minutes late change, so a van creeping
 * along does not send one per fix. Pure: the id comes from `newId`, `now` (when it was raised) from
 * the readings.
 */

export interface LateRiskHeld {
  readonly alert: string;
  readonly since: number;
  readonly job: string;
  readonly minutes: number;
  readonly closesAt: number | undefined;
}

export interface LateRiskOptions {
  readonly lateRiskMs: number;
}

const MINUTE_MS = 60_000;

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

/** The alert to send (if any) and what is held afterwards. */
export function lateRiskStep(
  vehicle: string,
  held: LateRiskHeld | undefined,
  eta: Pick<RouteEta, 'worst'>,
  now: number,
  options: LateRiskOptions,
  newId: () => string,
): { held: LateRiskHeld | undefined; alert: Alert | undefined } {
  const subject = { kind: 'route' as const, id: vehicle };
  const threshold = options.lateRiskMs / MINUTE_MS;
  const worst = eta.worst;
  if (worst === undefined) {
    if (held === undefined) return { held: undefined, alert: undefined };
    return {
      held: undefined,
      alert: {
        alert: held.alert,
        rule: 'late-risk',
        state: 'cleared',
        severity: 'info',
        subject,
        message: `${vehicle}: no stop projected more than ${round1(threshold)} min late any more`,
        value: 0,
        threshold,
        since: held.since,
      },
    };
  }
  const minutes = Math.floor(worst.latenessMs / MINUTE_MS);
  if (held !== undefined && held.job === worst.job && held.minutes === minutes) return { held, alert: undefined };
  const next: LateRiskHeld = {
    alert: held?.alert ?? newId(),
    since: held?.since ?? Math.round(now),
    job: worst.job,
    minutes,
    closesAt: worst.closesAt,
  };
  const closes =
    worst.closesAt === undefined
      ? ''
      : ` (${worst.windowFrom === 'job' ? 'window closes' : 'planned arrival + tolerance'} ${clock(worst.closesAt)} UTC)`;
  return {
    held: next,
    alert: {
      alert: next.alert,
      rule: 'late-risk',
      state: held === undefined ? 'raised' : 'updated',
      // Four times the threshold late (20 min at the default): someone should call the customer.
      severity: worst.latenessMs > 4 * options.lateRiskMs ? 'critical' : 'warning',
      subject,
      message: `${vehicle}: stop ${worst.job} projected ${minutes} min late${closes}`,
      value: round1(worst.latenessMs / MINUTE_MS),
      threshold,
      since: next.since,
    },
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
