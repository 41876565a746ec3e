import { Empty } from '../../ui/status.js';
import { type StoreState, unitsNow } from './store-state.js';

interface Soon {
  readonly lane: string;
  readonly sku: string;
  readonly units: number | undefined;
  /** From the forecast's own time, so a gateway's clock and this screen's need not agree. */
  readonly inMs: number;
  readonly earliestMs: number | undefined;
  readonly latestMs: number | undefined;
}

/**
 * Lanes the gateway's depletion forecasts expect to run empty (edge `forecast` items with
 * `emptyAt`), soonest first, with the forecast's interval: the list staff work down before the
 * shelves show it. Lanes empty already lead the list.
 */
export function EmptySoon(props: { state: StoreState; limit?: number; onSelect: (lane: string) => void }) {
  const soon: Soon[] = [];
  for (const [lane, f] of props.state.laneForecasts) {
    const at = f.emptyAt;
    if (at?.expected === null || at?.expected === undefined) continue;
    const level = props.state.lanes.get(lane);
    soon.push({
      lane,
      sku: level?.sku ?? '',
      units: unitsNow(level, f),
      inMs: Math.max(0, at.expected - f.ts),
      earliestMs: at.earliest === null ? undefined : Math.max(0, at.earliest - f.ts),
      latestMs: at.latest === null ? undefined : Math.max(0, at.latest - f.ts),
    });
  }
  const empty = [...props.state.lanes.values()].filter((l) => l.units <= 0 && !props.state.laneForecasts.has(l.lane));
  soon.sort((a, b) => a.inMs - b.inMs);
  const shown = soon.slice(0, props.limit ?? 15);
  if (shown.length === 0 && empty.length === 0)
    return <Empty>No lane is forecast to run empty (the gateway sends lane forecasts when it has a model).</Empty>;
  return (
    <ol class="empty-soon">
      {empty.map((l) => (
        <li key={l.lane} data-lane={l.lane}>
          <button type="button" class="link" onClick={() => props.onSelect(l.lane)}>
            {l.lane}
          </button>{' '}
          {l.sku} <strong class="now">empty now</strong>
        </li>
      ))}
      {shown.map((s) => (
        <li key={s.lane} data-lane={s.lane}>
          <button type="button" class="link" onClick={() => props.onSelect(s.lane)}>
            {s.lane}
          </button>{' '}
          {s.sku} {s.units === undefined ? '' : `(${Math.round(s.units)} left)`} empty in{' '}
          <strong>{duration(s.inMs)}</strong>
          {s.earliestMs === undefined || s.latestMs === undefined
            ? null
            : ` (${duration(s.earliestMs)}–${duration(s.latestMs)})`}
        </li>
      ))}
    </ol>
  );
}

export function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${String(minutes % 60).padStart(2, '0')}`;
}
