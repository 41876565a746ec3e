import { Empty } from '../../ui/status.js';
import type { StoreState } from './store-state.js';

type ShownAlert = StoreState['alerts'] extends ReadonlyMap<string, infer A> ? A : never;

/**
 * The gateway's alerts that still hold (low stock, empty soon, sensor faults, …), most severe
 * first. The hub has no acknowledgement record yet, so "Seen" hides an alert on this screen
 * until it is raised again or updated (kept in this browser): it does not tell colleagues.
 */
export function AlertList(props: { alerts: readonly ShownAlert[]; onAcknowledge: (alert: ShownAlert) => void }) {
  if (props.alerts.length === 0) return <Empty>No alerts hold right now.</Empty>;
  return (
    <ul class="alerts">
      {props.alerts.map((a) => (
        <li key={a.key} class={`alert ${a.severity}`} data-alert={a.rule}>
          <span class="severity">{a.severity}</span>
          <span class="message">{a.message}</span>
          <time dateTime={new Date(a.since).toISOString()}>{clock(a.since)}</time>
          <button
            type="button"
            class="quiet"
            onClick={() => props.onAcknowledge(a)}
            aria-label={`Seen, hide on this screen: ${a.message}`}
          >
            Seen
          </button>
        </li>
      ))}
    </ul>
  );
}

const SEVERITY = { critical: 0, warning: 1, info: 2 } as const;

export function sortAlerts(alerts: Iterable<ShownAlert>, acknowledged: ReadonlySet<string>): ShownAlert[] {
  return [...alerts]
    .filter((a) => !acknowledged.has(ackKey(a)))
    .sort((a, b) => SEVERITY[a.severity] - SEVERITY[b.severity] || b.since - a.since);
}

/** An acknowledgement covers one version of an alert: a later update shows it again. */
export const ackKey = (a: ShownAlert): string => `${a.alert}@${a.ts}`;

export const clock = (ts: number): string =>
  new Date(ts).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
