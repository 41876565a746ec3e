import { memo } from 'preact/compat';
import { Empty } from '../../ui/status.js';
import {
  clock,
  km,
  minutes,
  nextStop,
  STOP_STATE_TEXT,
  stopState,
  type VanState,
  vanState,
  vansInOrder,
} from './logistics-state.js';

/** The table shows this many vans; the rest are counted (the map shows them all). */
const MAX_ROWS = 200;

/**
 * The ETA table: one row per van (the ones at risk first) with its next stop's ETA, stops done,
 * return time and worst projected lateness; a row's button selects the van, which lists its stops
 * with their ETAs below and brings its route into view on the map. Times are the tracking's (the
 * van's readings' clock), or the plan's until the van reports.
 */
export function EtaTable(props: {
  vans: ReadonlyMap<string, VanState>;
  selected: string | undefined;
  onSelect: (vehicle: string | undefined) => void;
}) {
  if (props.vans.size === 0) return <Empty>No van has a route in the active plan.</Empty>;
  const rows = vansInOrder(props.vans);
  const selected = props.selected === undefined ? undefined : props.vans.get(props.selected);
  return (
    <>
      <div class="table-scroll">
        <table class="eta-table">
          <caption class="sr-only">Vans of the active plan, the ones at risk first</caption>
          <thead>
            <tr>
              <th scope="col">Van</th>
              <th scope="col">Next stop</th>
              <th scope="col">ETA</th>
              <th scope="col">Stops done</th>
              <th scope="col">Back at depot</th>
              <th scope="col">Worst lateness</th>
              <th scope="col">Status</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, MAX_ROWS).map((van) => (
              <EtaRow key={van.vehicle} van={van} selected={van.vehicle === props.selected} onSelect={props.onSelect} />
            ))}
          </tbody>
        </table>
      </div>
      {rows.length > MAX_ROWS ? (
        <p class="note">
          {rows.length - MAX_ROWS} more vans on the map (the {MAX_ROWS} most at risk are listed).
        </p>
      ) : null}
      {selected === undefined ? null : <VanStops van={selected} onClose={() => props.onSelect(undefined)} />}
    </>
  );
}

/**
 * One van's row, drawn again only when its van changed (a delta for it: `applyDeltas` keeps the
 * other vans' objects) or its selection did: with 200 vans at 1 Hz a flush changes about 20 rows,
 * and rebuilding the other 180 each time kept the page from drawing (bench/dashboard/logistics.ts).
 */
const EtaRow = memo(function EtaRow(props: {
  van: VanState;
  selected: boolean;
  onSelect: (vehicle: string | undefined) => void;
}) {
  const { van, selected } = props;
  const next = nextStop(van);
  const done = van.route.stops.filter((s) => s.status === 'done' || s.status === 'skipped').length;
  const worst = Math.max(0, ...van.route.stops.map((s) => (s.status === 'done' ? 0 : (s.latenessMs ?? 0))));
  const st = vanState(van);
  return (
    <tr
      data-van={van.vehicle}
      data-next={next?.job}
      data-eta={next?.arrival}
      data-state={st}
      data-version={van.version}
      data-stops={van.route.stops.map((s) => s.job).join(' ')}
      class={selected ? 'selected' : undefined}
    >
      <th scope="row">
        <button
          type="button"
          class="link"
          aria-pressed={selected}
          onClick={() => props.onSelect(selected ? undefined : van.vehicle)}
        >
          {van.vehicle}
        </button>
      </th>
      <td>{next?.job ?? '–'}</td>
      <td class="eta">{next === undefined ? '–' : clock(next.arrival)}</td>
      <td>
        {done} / {van.route.stops.length}
      </td>
      <td>{clock(van.returnAt ?? van.route.endAt)}</td>
      <td>{worst > 0 ? minutes(worst) : '–'}</td>
      <td>
        <span class={`stop-state ${st}`}>{STOP_STATE_TEXT[st]}</span>
      </td>
      <td>{van.updatedAt === undefined ? 'not tracked yet' : clock(van.updatedAt)}</td>
    </tr>
  );
});

function VanStops({ van, onClose }: { van: VanState; onClose: () => void }) {
  return (
    <aside class="van-stops" aria-label={`Stops of ${van.vehicle}`} data-stops-of={van.vehicle}>
      <h3>
        {van.vehicle}: {van.route.stops.length} stops, {km(van.route.distanceM)}, plan v{van.version}
      </h3>
      <ol>
        {van.route.stops.map((stop) => {
          const st = stopState(stop, van);
          return (
            <li key={stop.job} data-stop={stop.job} data-state={st}>
              <span class={`stop-state ${st}`}>{STOP_STATE_TEXT[st]}</span> {stop.job}:{' '}
              {stop.status === 'arrived' || stop.status === 'done' ? 'arrived' : 'ETA'} {clock(stop.arrival)}
              {(stop.latenessMs ?? 0) > 0 ? `, ${minutes(stop.latenessMs ?? 0)} past its window` : ''}
            </li>
          );
        })}
      </ol>
      <button type="button" class="quiet" onClick={onClose}>
        Close
      </button>
    </aside>
  );
}
