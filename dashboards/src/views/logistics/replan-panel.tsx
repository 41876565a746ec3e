import { useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import { ErrorNote } from '../../ui/status.js';
import { type Kpis, km, minutes, type PlanSummary, type PlanView } from './logistics-state.js';

interface Comparison {
  readonly before: Kpis & { readonly version: number };
  readonly after: Kpis & { readonly version: number };
  readonly changed: readonly string[];
}

/**
 * Re-plan now (`POST /api/routing/replan`): the hub solves again from where each van is, makes
 * the result the active plan and sends only the changed routes; the panel then compares the KPIs
 * of the plan that was active with the new one's (distance, vans used, lateness, jobs left out).
 * With no active plan, it plans every waiting job and activates the result.
 */
export function ReplanPanel(props: { summary: PlanSummary | undefined; onPlan: (view: PlanView) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [comparison, setComparison] = useState<Comparison | undefined>();
  const active = props.summary;

  const replan = async () => {
    if (active === undefined) return;
    setBusy(true);
    setError(undefined);
    const before = { ...active.kpis, version: active.version };
    try {
      const outcome = await api.post<PlanView>('/api/routing/replan', { reason: 'planner (dashboard)' });
      setComparison({
        before,
        after: { ...outcome.plan.kpis, version: outcome.plan.version },
        changed: outcome.changed ?? [],
      });
      props.onPlan(outcome);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const planAndActivate = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const proposed = await api.post<PlanView>('/api/routing/plans');
      props.onPlan(await api.post<PlanView>(`/api/routing/plans/${proposed.plan.id}/activate`));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="replan">
      {active === undefined ? (
        <>
          <p class="note">No plan is active. Plan every waiting job and send the routes to the vans:</p>
          <button type="button" onClick={planAndActivate} disabled={busy} aria-busy={busy}>
            {busy ? 'Planning…' : 'Plan and activate'}
          </button>
        </>
      ) : (
        <>
          <p class="summary" data-plan-version={active.version}>
            Active plan v{active.version}: {km(active.kpis.distanceM)}, {active.kpis.vehicles}{' '}
            {active.kpis.vehicles === 1 ? 'van' : 'vans'}, {minutes(active.kpis.latenessMs)} late in total
            {active.kpis.unassigned > 0 ? `, ${active.kpis.unassigned} jobs left out` : ''}.
          </p>
          <button type="button" onClick={replan} disabled={busy} aria-busy={busy}>
            {busy ? 'Re-planning…' : 'Re-plan now'}
          </button>
        </>
      )}
      {error === undefined ? null : <ErrorNote error={error} what="a new plan" />}
      {comparison === undefined ? null : <KpiComparison comparison={comparison} />}
    </div>
  );
}

function KpiComparison({ comparison }: { comparison: Comparison }) {
  const { before, after } = comparison;
  const rows: Array<{ name: string; id: string; before: number; after: number; show: (x: number) => string }> = [
    { name: 'Distance', id: 'distance', before: before.distanceM, after: after.distanceM, show: km },
    { name: 'Vans used', id: 'vans', before: before.vehicles, after: after.vehicles, show: String },
    { name: 'Lateness', id: 'lateness', before: before.latenessMs, after: after.latenessMs, show: minutes },
    { name: 'Jobs left out', id: 'unassigned', before: before.unassigned, after: after.unassigned, show: String },
  ];
  return (
    <table class="kpi-compare" data-kpi-compare={`${before.version}-${after.version}`}>
      <caption>
        Re-plan: v{before.version} → v{after.version}
        {comparison.changed.length === 0
          ? ', no route changed'
          : `, ${comparison.changed.length} route${comparison.changed.length === 1 ? '' : 's'} changed (${comparison.changed.join(', ')})`}
      </caption>
      <thead>
        <tr>
          <th scope="col">KPI</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
          <th scope="col">Change</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const delta = r.after - r.before;
          const sign = delta > 0 ? '+' : delta < 0 ? '−' : '±';
          return (
            <tr key={r.id} data-kpi={r.id}>
              <th scope="row">{r.name}</th>
              <td>{r.show(r.before)}</td>
              <td>{r.show(r.after)}</td>
              <td class={delta > 0 ? 'worse' : delta < 0 ? 'better' : undefined}>
                {sign}
                {r.show(Math.abs(delta))}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
