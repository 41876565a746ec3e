import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { Empty } from '../../ui/status.js';
import type { StoreState } from './store-state.js';

/** Entries per bucket: what the doors counted, and the doors' forecast mean with its interval. */
export interface TrafficSeries {
  readonly bucketMs: number;
  /** Bucket starts, ms. */
  readonly at: number[];
  readonly actual: (number | null)[];
  readonly mean: (number | null)[];
  readonly lower: (number | null)[];
  readonly upper: (number | null)[];
  readonly level: number | undefined;
}

/**
 * The site's doors summed: counts bucketed to the forecasts' step (or the doors' own interval
 * when no forecast came yet), the forecasts' means, lower and upper bounds summed step by step.
 * Summed bounds are wider than the site's true interval (the doors' errors are not all in the same
 * direction), so the band errs on the safe side.
 */
export function trafficSeries(state: StoreState): TrafficSeries {
  const forecasts = [...state.doorForecasts.values()];
  const bucketMs = forecasts[0]?.stepMs ?? 60_000;
  const byBucket = new Map<number, { actual?: number; mean?: number; lower?: number; upper?: number }>();
  const at = (ts: number) => {
    const b = Math.floor(ts / bucketMs) * bucketMs;
    const row = byBucket.get(b) ?? {};
    byBucket.set(b, row);
    return row;
  };
  // A count is for the interval that ends at its ts.
  for (const points of state.doors.values())
    for (const p of points) {
      const row = at(p.ts - 1);
      row.actual = (row.actual ?? 0) + p.entries;
    }
  for (const f of forecasts)
    f.mean.forEach((m, i) => {
      const row = at(f.start + i * f.stepMs);
      row.mean = (row.mean ?? 0) + m;
      row.lower = (row.lower ?? 0) + (f.lower[i] ?? m);
      row.upper = (row.upper ?? 0) + (f.upper[i] ?? m);
    });
  const keys = [...byBucket.keys()].sort((a, b) => a - b);
  const pick = (k: 'actual' | 'mean' | 'lower' | 'upper') => keys.map((b) => byBucket.get(b)?.[k] ?? null);
  return {
    bucketMs,
    at: keys,
    actual: pick('actual'),
    mean: pick('mean'),
    lower: pick('lower'),
    upper: pick('upper'),
    level: forecasts[0]?.level,
  };
}

export function FootTraffic({ state }: { state: StoreState }) {
  const series = trafficSeries(state);
  const hasData = series.at.length > 0;
  const label = `Entries per ${Math.round(series.bucketMs / 60_000)} min, actual against forecast${
    series.level === undefined ? '' : ` with its ${Math.round(series.level * 100)}% interval`
  }`;
  return (
    <figure class="traffic">
      {hasData ? <Chart series={series} label={label} /> : <Empty>No door counts yet.</Empty>}
      <figcaption>
        {label}. {state.doorForecasts.size === 0 ? 'No door forecast yet: actual counts only.' : null}
      </figcaption>
    </figure>
  );
}

function Chart({ series, label }: { series: TrafficSeries; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const data: uPlot.AlignedData = [
    series.at.map((t) => t / 1000),
    series.actual,
    series.mean,
    series.lower,
    series.upper,
  ];
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const width = () => Math.max(280, el.clientWidth);
    const chart = new uPlot(
      {
        width: width(),
        height: 220,
        series: [
          {},
          { label: 'actual', stroke: '#1f6feb', width: 2, points: { show: true, size: 4 } },
          { label: 'forecast', stroke: '#8250df', width: 2, dash: [6, 4] },
          { label: 'lower', stroke: 'rgba(130,80,223,0.3)' },
          { label: 'upper', stroke: 'rgba(130,80,223,0.3)' },
        ],
        bands: [{ series: [4, 3], fill: 'rgba(130,80,223,0.12)' }],
        axes: [{}, { label: 'entries' }],
        legend: { live: false },
      },
      data,
      el,
    );
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: width(), height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = undefined;
    };
  }, []);
  // Delta updates: new data into the same chart, no rebuild.
  useEffect(() => plot.current?.setData(data));
  return <div ref={box} class="chart" role="img" aria-label={label} />;
}
