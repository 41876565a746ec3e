import { useEffect, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { api } from '../../api/client.js';
import type { FootfallHistory } from '../../api/types.js';
import { Empty } from '../../ui/status.js';
import { TimeChart } from '../../ui/time-chart.js';
import type { StoreState } from './store-state.js';
import { newestCounts, type TrafficHistory, type TrafficSeries, trafficSeries } from './traffic-series.js';

/**
 * How often the hub's hourly history is read again: it also brings what the live feed missed while
 * offline and counts that reached the hub late, so the hours drawn converge on the hub's.
 */
const HISTORY_EVERY_MS = 5 * 60_000;
/** How far back the chart starts. */
const HISTORY_MS = 48 * 3_600_000;

/**
 * Foot traffic: entries per hour of the site's doors, the last two days from the hub
 * (`GET /api/sites/:site/footfall`) with the counts that arrive live added into the current hour,
 * against the doors' forecast and its interval.
 */
export function FootTraffic({ site, state }: { site: string; state: StoreState }) {
  const [history, setHistory] = useState<TrafficHistory | undefined>();
  // The state at the time of a read (the interval's callback would see the first render's).
  const current = useRef(state);
  current.current = state;
  // Read again when the first count arrives: the range follows the doors' clock, unknown before.
  const counting = state.doors.size > 0;
  useEffect(() => {
    const controller = new AbortController();
    const read = () => {
      const counted = newestCounts(current.current);
      // The last two days up to the doors' newest count: their clock, not the browser's (the
      // demo's gateways run a simulated one).
      const newest = Math.max(...counted.values());
      const range = Number.isFinite(newest) ? `?from=${newest - HISTORY_MS}&to=${newest + 1}` : '';
      return api
        .get<FootfallHistory>(`/api/sites/${site}/footfall${range}`, controller.signal)
        .then((answer) => setHistory({ hours: answer.hours, counted }))
        .catch(() => undefined); // the live counts still draw; the next read tries again
    };
    void read();
    const timer = setInterval(read, HISTORY_EVERY_MS);
    return () => {
      clearInterval(timer);
      controller.abort();
    };
  }, [site, counting]);
  const series = trafficSeries(state, history);
  const hasData = series.at.length > 0;
  const label = `Entries per hour, actual against forecast${
    series.level === undefined ? '' : ` with its ${Math.round(series.level * 100)}% interval`
  }`;
  return (
    <figure class="traffic" data-hours={series.at.length} data-history-hours={series.fromHistory}>
      {hasData ? <Chart series={series} label={label} /> : <Empty>No door counts yet.</Empty>}
      <figcaption>
        {label}. {state.doorForecasts.size === 0 ? 'No door forecast yet: actual counts only.' : null}
      </figcaption>
    </figure>
  );
}

function Chart({ series, label }: { series: TrafficSeries; label: string }) {
  // One hour counted so far: an empty next hour beside it, as uPlot spans a single time value
  // over years.
  const pad = series.at.length === 1 ? [null] : [];
  const data: uPlot.AlignedData = [
    [...series.at, ...(pad.length === 0 ? [] : [(series.at[0] as number) + series.bucketMs])].map((t) => t / 1000),
    [...series.actual, ...pad],
    [...series.mean, ...pad],
    [...series.lower, ...pad],
    [...series.upper, ...pad],
  ];
  return <TimeChart options={TRAFFIC_CHART} data={data} height={220} label={label} />;
}

const TRAFFIC_CHART: Omit<uPlot.Options, 'width' | 'height'> = {
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
};
