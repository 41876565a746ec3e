import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import { ScrollRegion } from '../../ui/scroll-region.js';
import { Empty, Load, type Loadable } from '../../ui/status.js';
import { type GatewayView, isUp } from './fleet-state.js';

/** `GET /api/rollouts` as far as this panel reads it (hub/src/models/rollout.service.ts `view`). */
interface Rollout {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly task: string;
  readonly status: string;
  readonly stage: number;
  readonly stages: readonly {
    readonly stage: number;
    readonly status: string;
    readonly gateways: readonly { gateway: string; status: string }[];
  }[];
  readonly failure?: { reason: string; gateway?: string; detail?: string };
  readonly createdAt: number;
}

/** Rollouts shown, newest first. */
const SHOWN_ROLLOUTS = 5;

/**
 * Which model versions each gateway runs (from its retained state, so it moves with the
 * `gateways` deltas) and the newest staged rollouts with their stage and per-gateway status. The
 * rollouts are fetched again whenever a gateway reports different models: that is when a
 * rollout moves, so the panel follows it without polling.
 */
export function ModelsPanel({ gateways }: { gateways: readonly GatewayView[] }) {
  const running = gateways.flatMap((g) =>
    (g.last?.models ?? []).map((m) => ({ gateway: g.gateway, up: isUp(g.status), ...m })),
  );
  const versions = running.map((m) => `${m.gateway}:${m.task}:${m.sha256}`).join(',');
  const [rollouts, setRollouts] = useState<Loadable<Rollout[]>>({ state: 'loading' });
  useEffect(() => {
    const controller = new AbortController();
    api.get<Rollout[]>('/api/rollouts', controller.signal).then(
      (value) => setRollouts({ state: 'ready', value }),
      (error: unknown) => !controller.signal.aborted && setRollouts({ state: 'error', error }),
    );
    return () => controller.abort();
  }, [versions]);

  return (
    <>
      <h3>Running</h3>
      {running.length === 0 ? (
        <Empty>No gateway reports a model: they forecast with the seasonal-naive baseline.</Empty>
      ) : (
        <ScrollRegion class="table-scroll" label="Model versions table, scrollable">
          <table class="fleet-table models">
            <caption class="visually-hidden">Model versions per gateway</caption>
            <thead>
              <tr>
                <th scope="col">Gateway</th>
                <th scope="col">Task</th>
                <th scope="col">Model</th>
                <th scope="col">Weights</th>
              </tr>
            </thead>
            <tbody>
              {running.map((m) => (
                <tr key={`${m.gateway} ${m.task}`} class={m.up ? '' : 'down'} data-model-gateway={m.gateway}>
                  <th scope="row">{m.gateway}</th>
                  <td>{m.task}</td>
                  <td>
                    {m.name} <strong>{m.version}</strong>
                    <span class="sub" title={m.sha256}>
                      {m.sha256.slice(0, 12)}
                    </span>
                  </td>
                  <td>{m.quant}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
      <h3>Rollouts</h3>
      <Load
        value={rollouts}
        what="rollouts"
        ready={(all) =>
          all.length === 0 ? (
            <Empty>No rollout yet.</Empty>
          ) : (
            <ul class="rollouts">
              {[...all]
                .sort((a, b) => b.createdAt - a.createdAt)
                .slice(0, SHOWN_ROLLOUTS)
                .map((r) => (
                  <RolloutItem key={r.id} rollout={r} />
                ))}
            </ul>
          )
        }
      />
    </>
  );
}

function RolloutItem({ rollout: r }: { rollout: Rollout }) {
  const targets = r.stages.flatMap((s) => s.gateways);
  const adopted = targets.filter((g) => g.status === 'adopted' || g.status === 'passed').length;
  return (
    <li data-rollout={r.id} data-status={r.status}>
      <span class={`status-pill ${r.status}`}>{r.status}</span>{' '}
      <strong>
        {r.name} {r.version}
      </strong>{' '}
      ({r.task}) · stage {r.stage} of {r.stages.length} · {adopted} of {targets.length} gateways adopted
      {r.failure === undefined ? null : (
        <span class="sub warn">
          {r.failure.reason}
          {r.failure.gateway === undefined ? '' : ` at ${r.failure.gateway}`}
          {r.failure.detail === undefined ? '' : `: ${r.failure.detail}`}
        </span>
      )}
    </li>
  );
}
