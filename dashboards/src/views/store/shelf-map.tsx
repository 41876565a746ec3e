import { memo } from 'preact/compat';
import type { LaneView } from './store-state.js';
import { bandOf, fillOf } from './store-state.js';

/**
 * The store's shelves: one block per aisle, its shelves as rows (top shelf first, as staff face
 * it), each lane a cell coloured by fill (empty, below a quarter, below half, fine) with its fill
 * as a bar, so the colour is not the only cue. A lane is a button: keyboard and touch reach it, its
 * label reads the SKU and units, and choosing it shows the lane's details. Lane cells are memoized
 * on their row: a delta for one lane re-renders that cell alone.
 */
export function ShelfMap(props: {
  lanes: ReadonlyMap<string, LaneView>;
  selected: string | undefined;
  onSelect: (lane: string) => void;
}) {
  const aisles = new Map<string, Map<number, LaneView[]>>();
  for (const lane of props.lanes.values()) {
    const shelves = aisles.get(lane.aisle) ?? new Map<number, LaneView[]>();
    const row = shelves.get(lane.shelf) ?? [];
    row.push(lane);
    shelves.set(lane.shelf, row);
    aisles.set(lane.aisle, shelves);
  }
  const sortedAisles = [...aisles.entries()].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
  return (
    <div class="shelf-map">
      <Legend />
      {sortedAisles.map(([aisle, shelves]) => (
        <section class="aisle" key={aisle} aria-label={`Aisle ${aisle}`}>
          <h3>Aisle {aisle}</h3>
          {[...shelves.entries()]
            .sort(([a], [b]) => b - a)
            .map(([shelf, lanes]) => (
              <div class="shelf" key={shelf}>
                <span class="shelf-label" aria-hidden="true">
                  s{shelf}
                </span>
                <ul aria-label={`Aisle ${aisle}, shelf ${shelf}`}>
                  {lanes
                    .sort((a, b) => a.position - b.position)
                    .map((lane) => (
                      <li key={lane.lane}>
                        <LaneCell lane={lane} selected={props.selected === lane.lane} onSelect={props.onSelect} />
                      </li>
                    ))}
                </ul>
              </div>
            ))}
        </section>
      ))}
    </div>
  );
}

const LaneCell = memo(function LaneCell(props: {
  lane: LaneView;
  selected: boolean;
  onSelect: (lane: string) => void;
}) {
  const { lane } = props;
  const percent = Math.round(fillOf(lane) * 100);
  const band = bandOf(lane);
  return (
    <button
      type="button"
      class={`lane ${band}`}
      data-lane={lane.lane}
      data-units={lane.reported ? lane.units : undefined}
      data-band={band}
      aria-pressed={props.selected}
      aria-label={
        lane.reported
          ? `Lane ${lane.lane}, ${lane.sku}: ${lane.units} of ${lane.capacity} units (${percent}%)`
          : `Lane ${lane.lane}, ${lane.sku}: no level reported yet`
      }
      title={`${lane.lane} · ${lane.sku} · ${lane.reported ? `${lane.units}/${lane.capacity}` : 'no report'}`}
      onClick={() => props.onSelect(lane.lane)}
    >
      <span class="fill" style={{ height: `${percent}%` }} />
    </button>
  );
});

function Legend() {
  return (
    <p class="legend">
      <span class="swatch ok" /> half full or more <span class="swatch half" /> below half <span class="swatch low" />{' '}
      below a quarter <span class="swatch empty" /> empty <span class="swatch unknown" /> not reported
    </p>
  );
}
