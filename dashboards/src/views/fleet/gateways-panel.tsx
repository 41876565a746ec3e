import { ScrollRegion } from '../../ui/scroll-region.js';
import { Empty } from '../../ui/status.js';
import { age, bytes, type GatewayView, isUp } from './fleet-state.js';

const STATUS_TEXT: Record<GatewayView['status'], string> = {
  online: 'Online',
  degraded: 'Degraded',
  offline: 'Offline (stopped)',
  lost: 'Offline (lost)',
};

/**
 * One row per gateway: up or not, its outbox (depth, bytes, age of the oldest row still waiting
 * for the hub's ack) and what it dropped, its uplink and devices. A gateway that went away shows
 * the outbox it last reported, greyed, with when that was.
 */
export function GatewaysTable({ gateways, now }: { gateways: readonly GatewayView[]; now: number }) {
  if (gateways.length === 0)
    return <Empty>No gateway has reported yet. A gateway appears here when it first connects to the hub.</Empty>;
  return (
    <ScrollRegion class="table-scroll" label="Gateways table, scrollable">
      <table class="fleet-table gateways">
        <caption class="visually-hidden">Gateways with their status, outbox and uplink</caption>
        <thead>
          <tr>
            <th scope="col">Gateway</th>
            <th scope="col">Site</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">
              Outbox
            </th>
            <th scope="col" class="num">
              Oldest
            </th>
            <th scope="col" class="num">
              Dropped
            </th>
            <th scope="col">Uplink</th>
            <th scope="col" class="num">
              Devices
            </th>
            <th scope="col">Reported</th>
          </tr>
        </thead>
        <tbody>
          {gateways.map((g) => (
            <GatewayRowView key={g.gateway} g={g} now={now} />
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

function GatewayRowView({ g, now }: { g: GatewayView; now: number }) {
  const up = isUp(g.status);
  const last = g.last;
  const outbox = last?.outbox;
  return (
    <tr data-gateway={g.gateway} data-status={g.status} class={up ? '' : 'down'}>
      <th scope="row">
        {g.gateway}
        {last === undefined ? null : <span class="sub">{last.software}</span>}
      </th>
      <td>{g.site}</td>
      <td>
        <span class={`status-pill ${g.status}`}>{STATUS_TEXT[g.status]}</span>
        {g.status === 'degraded' && last?.degraded !== undefined ? (
          <span class="sub">{last.degraded.join('; ')}</span>
        ) : null}
      </td>
      <td class="num" data-outbox-depth={outbox?.depth}>
        {outbox === undefined ? '—' : outbox.depth.toLocaleString('en')}
        {outbox === undefined ? null : <span class="sub">{bytes(outbox.bytes)}</span>}
      </td>
      <td class="num">{outbox === undefined || outbox.depth === 0 ? '—' : age(outbox.oldestAgeMs)}</td>
      <td class={`num ${outbox !== undefined && outbox.dropped > 0 ? 'warn' : ''}`}>
        {outbox === undefined ? '—' : outbox.dropped.toLocaleString('en')}
      </td>
      <td>
        {last === undefined || !up
          ? '—'
          : last.uplink.connected
            ? `connected${last.uplink.lagMs === undefined ? '' : `, lag ${age(last.uplink.lagMs)}`}`
            : 'reconnecting'}
      </td>
      <td class="num">
        {last?.devices === undefined || !up ? (
          '—'
        ) : (
          <>
            {last.devices.online}
            {last.devices.lost > 0 ? <span class="sub warn">{last.devices.lost} lost</span> : null}
          </>
        )}
      </td>
      <td>
        <time dateTime={new Date(g.updatedAt).toISOString()} title={new Date(g.updatedAt).toLocaleString()}>
          {age(now - g.updatedAt)} ago
        </time>
      </td>
    </tr>
  );
}
