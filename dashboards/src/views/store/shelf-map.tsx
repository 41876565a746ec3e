import { memo } from 'preact/compat';
import { useEffect, useRef } from 'preact/hooks';
import type { AisleCounts, ShelfLayout } from './shelf-layout.js';
import type { LaneView } from './store-state.js';
import { bandOf, fillOf } from './store-state.js';

/** How far outside the viewport an aisle counts as in view: it is followed before it scrolls in. */
const VIEW_MARGIN = '300px 0px';
/** Scrolling settles for this long before the aisles in view are reported (one re-subscription per scroll). */
const VIEW_SETTLE_MS = 150;

/**
 * The store's shelves: one block per aisle, its shelves as rows (top shelf first, as staff face
 * it), each lane a cell coloured by fill (empty, below a quarter, below half, fine) with its fill
 * as a bar (the cell's background, sized to the level), so the colour is not the only cue. A lane is a button: keyboard and touch reach it, its
 * label reads the SKU and units, and choosing it shows the lane's details.
 *
 * Fast with thousands of lanes: the layout (aisles, shelves, lane order) is built once per
 * planogram (shelf-layout.ts); an aisle re-renders only when one of its lanes changed, a lane cell
 * only when its own level did; aisles out of view are neither laid out nor painted
 * (`content-visibility: auto`), and `onInView` reports the aisles near the viewport so the view
 * follows only their lanes live. Each aisle's heading carries its counts (empty, below a quarter).
 */
export function ShelfMap(props: {
  layout: ShelfLayout;
  lanes: ReadonlyMap<string, LaneView>;
  counts: ReadonlyMap<string, AisleCounts>;
  selected: string | undefined;
  onSelect: (lane: string) => void;
  onInView: (aisles: readonly string[]) => void;
}) {
  const sections = useInView(props.onInView);
  return (
    <div class="shelf-map">
      <Legend />
      {props.layout.aisles.map((aisle) => (
        <Aisle
          key={aisle.aisle}
          aisle={aisle.aisle}
          shelves={aisle.shelves}
          lanes={aisle.lanes.map((lane) => props.lanes.get(lane))}
          counts={props.counts.get(aisle.aisle)}
          selected={props.selected !== undefined && aisle.lanes.includes(props.selected) ? props.selected : undefined}
          onSelect={props.onSelect}
          observe={sections}
        />
      ))}
    </div>
  );
}

/** A ref callback that observes aisle sections, reporting the ones near the viewport once scrolling settles. */
function useInView(onInView: (aisles: readonly string[]) => void): (element: HTMLElement | null) => void {
  const report = useRef(onInView);
  report.current = onInView;
  const state = useRef<
    | { observer: IntersectionObserver; inView: Set<string>; observe: (e: HTMLElement | null) => void; timer?: number }
    | undefined
  >(undefined);
  if (state.current === undefined && typeof IntersectionObserver !== 'undefined') {
    const inView = new Set<string>();
    const observer = new IntersectionObserver(
      (entries) => {
        for (const e of entries) {
          const aisle = (e.target as HTMLElement).dataset.aisle as string;
          if (e.isIntersecting) inView.add(aisle);
          else inView.delete(aisle);
        }
        const held = state.current;
        if (held === undefined) return;
        clearTimeout(held.timer);
        held.timer = window.setTimeout(() => report.current([...inView]), VIEW_SETTLE_MS);
      },
      { rootMargin: VIEW_MARGIN },
    );
    const observe = (element: HTMLElement | null) => {
      if (element !== null) observer.observe(element);
    };
    state.current = { observer, inView, observe };
  }
  useEffect(
    () => () => {
      clearTimeout(state.current?.timer);
      state.current?.observer.disconnect();
    },
    [],
  );
  return state.current?.observe ?? noObserver;
}

const noObserver = (): void => undefined;

const Aisle = memo(
  function Aisle(props: {
    aisle: string;
    shelves: ShelfLayout['aisles'][number]['shelves'];
    lanes: ReadonlyArray<LaneView | undefined>;
    counts: AisleCounts | undefined;
    selected: string | undefined;
    onSelect: (lane: string) => void;
    observe: (element: HTMLElement | null) => void;
  }) {
    const byId = new Map<string, LaneView>();
    for (const lane of props.lanes) if (lane !== undefined) byId.set(lane.lane, lane);
    const counts = props.counts;
    return (
      <section class="aisle" aria-label={`Aisle ${props.aisle}`} data-aisle={props.aisle} ref={props.observe}>
        <h3>
          Aisle {props.aisle}
          {counts === undefined || (counts.empty === 0 && counts.belowQuarter === 0) ? null : (
            <span class="aisle-counts">
              {counts.empty > 0 ? ` · ${counts.empty} empty` : ''}
              {counts.belowQuarter > 0 ? ` · ${counts.belowQuarter} below a quarter` : ''}
            </span>
          )}
        </h3>
        {props.shelves.map(({ shelf, lanes }) => (
          <div class="shelf" key={shelf}>
            <span class="shelf-label" aria-hidden="true">
              s{shelf}
            </span>
            <ul aria-label={`Aisle ${props.aisle}, shelf ${shelf}`}>
              {lanes.map((id) => {
                const lane = byId.get(id);
                return lane === undefined ? null : (
                  <li key={id}>
                    <LaneCell lane={lane} selected={props.selected === id} onSelect={props.onSelect} />
                  </li>
                );
              })}
            </ul>
          </div>
        ))}
      </section>
    );
  },
  (before, after) =>
    before.shelves === after.shelves &&
    before.selected === after.selected &&
    before.onSelect === after.onSelect &&
    sameCounts(before.counts, after.counts) &&
    before.lanes.length === after.lanes.length &&
    before.lanes.every((lane, i) => lane === after.lanes[i]),
);

function sameCounts(a: AisleCounts | undefined, b: AisleCounts | undefined): boolean {
  return a === b || (a?.empty === b?.empty && a?.belowQuarter === b?.belowQuarter);
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
      style={lane.reported ? { backgroundSize: `100% ${percent}%` } : undefined}
    />
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
