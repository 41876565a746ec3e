import { useState } from 'preact/hooks';
import { ApiError } from '../../api/client.js';
import { Empty } from '../../ui/status.js';
import { type AckMap, ackOf, type ShownAlert } from './alert-acks.js';

export { sortAlerts } from './alert-acks.js';

/**
 * The gateway's alerts that still hold (low stock, empty soon, sensor faults, …): the ones nobody
 * acknowledged first, most severe first; acknowledged ones below, saying who and when. An
 * acknowledgement is the hub's (see alert-acks.ts), so every screen of the store shows it, and it
 * covers one raising: when the rule fires again the alert is back on top. Planners see the list
 * but do not acknowledge (`canAcknowledge`: the hub refuses them).
 */
export function AlertList(props: {
  alerts: readonly ShownAlert[];
  acks: AckMap;
  canAcknowledge: boolean;
  onAcknowledge: (alert: ShownAlert) => Promise<void>;
}) {
  if (props.alerts.length === 0) return <Empty>No alerts hold right now.</Empty>;
  return (
    <ul class="alerts">
      {props.alerts.map((a) => (
        <AlertRow
          key={a.key}
          alert={a}
          acks={props.acks}
          canAcknowledge={props.canAcknowledge}
          onAcknowledge={props.onAcknowledge}
        />
      ))}
    </ul>
  );
}

function AlertRow(props: {
  alert: ShownAlert;
  acks: AckMap;
  canAcknowledge: boolean;
  onAcknowledge: (alert: ShownAlert) => Promise<void>;
}) {
  const { alert: a } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const ack = ackOf(props.acks, a);
  const acknowledge = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await props.onAcknowledge(a);
    } catch (e) {
      setError(e instanceof ApiError ? `${e.message} (${e.code})` : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li
      class={`alert ${a.severity}${ack === undefined ? '' : ' acknowledged'}`}
      data-alert={a.rule}
      data-key={a.key}
      data-acked-by={ack?.by}
    >
      <span class="severity">{a.severity}</span>
      <span class="message">{a.message}</span>
      <time dateTime={new Date(a.since).toISOString()}>{clock(a.since)}</time>
      {ack !== undefined ? (
        <span class="state">
          acknowledged by {ack.by} at {clock(ack.at)}
        </span>
      ) : props.canAcknowledge ? (
        <button
          type="button"
          class="quiet"
          disabled={busy}
          onClick={acknowledge}
          aria-label={`Acknowledge for everyone in the store: ${a.message}`}
        >
          Acknowledge
        </button>
      ) : (
        <span class="state">not acknowledged</span>
      )}
      {error === undefined ? null : (
        <p class="note error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

export const clock = (ts: number): string =>
  new Date(ts).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
