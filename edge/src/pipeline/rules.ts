import type { Alert } from '@aisle/protocols';

/**
 * Alert rules with a lifecycle: an alert is raised once when its condition starts to hold, updated
 * when its value changes while it holds, and cleared when it stops holding. One `AlertBook` keeps
 * the open alerts by key, so a condition that holds for hours is one alert, not thousands.
 */

type Rule = Alert['rule'];
type Subject = Alert['subject'];

interface OpenAlert {
  readonly alert: string;
  readonly since: number;
  value: number | undefined;
}

export interface AlertInput {
  readonly rule: Rule;
  readonly subject: Subject;
  readonly severity: Alert['severity'];
  readonly message: string;
  readonly value?: number;
  readonly threshold?: number;
}

export class AlertBook {
  readonly #open = new Map<string, OpenAlert>();
  readonly #newId: (ts: number) => string;

  constructor(newId: (ts: number) => string) {
    this.#newId = newId;
  }

  get open(): number {
    return this.#open.size;
  }

  /** The open alerts, for the gateway's local `/state`. */
  list(): Array<{ key: string; alert: string; since: number; value: number | undefined }> {
    return [...this.#open].map(([key, a]) => ({ key, ...a }));
  }

  /** The condition holds at `ts`: raise the alert, or update it when its value moved. */
  hold(ts: number, input: AlertInput): Alert | undefined {
    const key = `${input.rule}:${input.subject.kind}:${input.subject.id}`;
    const existing = this.#open.get(key);
    if (existing === undefined) {
      const alert = this.#newId(ts);
      this.#open.set(key, { alert, since: ts, value: input.value });
      return this.#alert(alert, 'raised', ts, input);
    }
    if (input.value === undefined || input.value === existing.value) return undefined;
    existing.value = input.value;
    return this.#alert(existing.alert, 'updated', existing.since, input);
  }

  /** The condition no longer holds: clear the alert if it was open. */
  release(rule: Rule, subject: Subject, message: string): Alert | undefined {
    const key = `${rule}:${subject.kind}:${subject.id}`;
    const existing = this.#open.get(key);
    if (existing === undefined) return undefined;
    this.#open.delete(key);
    return {
      alert: existing.alert,
      rule,
      state: 'cleared',
      severity: 'info',
      subject,
      message,
      since: existing.since,
      ...(existing.value === undefined ? {} : { value: existing.value }),
    };
  }

  #alert(alert: string, state: 'raised' | 'updated', since: number, input: AlertInput): Alert {
    return {
      alert,
      rule: input.rule,
      state,
      severity: input.severity,
      subject: input.subject,
      message: input.message,
      since,
      ...(input.value === undefined ? {} : { value: input.value }),
      ...(input.threshold === undefined ? {} : { threshold: input.threshold }),
    };
  }
}
