import type { Alert } from '@aisle/protocols';
import type { RouteEta } from './eta.js';

/**
 * The `late-risk` alert of one van's route, as the protocol's alert lifecycle (raised once,
 * updated while it holds, cleared when it stops holding): it holds while some stop ahead is
 * projected later than its window's close by more than `lateRiskMs`. It names the *first* such
 * stop — the one to act on (call the customer, re-plan); the stops after it are late mostly
 * because of it — and says how many more there are and the worst. An update goes out only when
 * that stop, its whole minutes late or the count change, so a van creeping along does not send
 * one per fix. Pure: the id comes from `newId`, `now` (when it was raised) from the readings.
 */

export interface LateRiskHeld {
  readonly alert: string;
  readonly since: number;
  readonly job: string;
  readonly minutes: number;
  readonly stops: number;
}

export interface LateRiskOptions {
  readonly lateRiskMs: number;
}

const MINUTE_MS = 60_000;

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** The alert to send (if any) and what is held afterwards. */
export function lateRiskStep(
  vehicle: string,
  held: LateRiskHeld | undefined,
  eta: Pick<RouteEta, 'atRisk' | 'worst'>,
  now: number,
  options: LateRiskOptions,
  newId: () => string,
): { held: LateRiskHeld | undefined; alert: Alert | undefined } {
  const subject = { kind: 'route' as const, id: vehicle };
  const threshold = options.lateRiskMs / MINUTE_MS;
  const first = eta.atRisk[0];
  if (first === undefined) {
    if (held === undefined) return { held: undefined, alert: undefined };
    return {
      held: undefined,
      alert: {
        alert: held.alert,
        rule: 'late-risk',
        state: 'cleared',
        severity: 'info',
        subject,
        message: `${vehicle}: no stop ahead projected more than ${round1(threshold)} min late`,
        value: 0,
        threshold,
        since: held.since,
      },
    };
  }
  const minutes = Math.floor(first.latenessMs / MINUTE_MS);
  const stops = eta.atRisk.length;
  if (held?.job === first.job && held.minutes === minutes && held.stops === stops) return { held, alert: undefined };
  const next: LateRiskHeld = {
    alert: held?.alert ?? newId(),
    since: held?.since ?? Math.round(now),
    job: first.job,
    minutes,
    stops,
  };
  const closes =
    first.closesAt === undefined
      ? ''
      : ` (${first.windowFrom === 'job' ? 'its window closes' : 'planned arrival + tolerance'} ${clock(first.closesAt)} UTC)`;
  const worst = eta.worst;
  const more =
    stops > 1 && worst !== undefined
      ? `; ${stops} stops at risk, the worst ${worst.job} ${Math.floor(worst.latenessMs / MINUTE_MS)} min late`
      : '';
  return {
    held: next,
    alert: {
      alert: next.alert,
      rule: 'late-risk',
      state: held === undefined ? 'raised' : 'updated',
      // Four times the threshold late (20 min at the default): someone should call the customer.
      severity: (worst ?? first).latenessMs > 4 * options.lateRiskMs ? 'critical' : 'warning',
      subject,
      message: `${vehicle}: stop ${first.job} projected ${minutes} min late${closes}${more}`,
      value: round1(first.latenessMs / MINUTE_MS),
      threshold,
      since: next.since,
    },
  };
}
