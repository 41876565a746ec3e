import { useEffect, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { api } from '../../api/client.js';
import { Empty, ErrorNote, Loading } from '../../ui/status.js';
import { TimeChart } from '../../ui/time-chart.js';

/** `GET /api/fleet/ingest-rate` (hub/src/fleet/): items stored per interval, aggregated by the hub. */
interface IngestRate {
  readonly intervalMs: number;
  readonly buckets: number;
  readonly points: readonly { at: number; live: number; hist: number }[];
}

/**
 * The hub's ingest rate over the last hour (or what `fleet.ingestRate` keeps): items stored per
 * second, live lane and backlog (hist) lane. The hub aggregates (a few hundred numbers, not raw
 * data); this panel asks once for all of it, then every interval only for the intervals after the
 * newest it has (`?since=`) and appends them to the same chart. A failed poll keeps the chart and
 * says so; the next poll catches up.
 */
export function IngestRatePanel() {
  const [rate, setRate] = useState<IngestRate | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let held: IngestRate | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const poll = async () => {
      const since = held?.points.at(-1)?.at;
      try {
        const next = await api.get<IngestRate>(`/api/fleet/ingest-rate${since === undefined ? '' : `?since=${since}`}`);
        held = held === undefined ? next : { ...next, points: [...held.points, ...next.points].slice(-next.buckets) };
        if (!stopped) {
          setRate(held);
          setError(undefined);
        }
      } catch (e) {
        if (!stopped) setError(e);
      }
      if (!stopped) timer = setTimeout(poll, Math.max(1000, held?.intervalMs ?? 10_000));
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);

  if (rate === undefined)
    return error === undefined ? (
      <Loading what="the ingest rate" />
    ) : (
      <ErrorNote error={error} what="the ingest rate" />
    );
  const seconds = rate.intervalMs / 1000;
  const newest = rate.points.at(-1);
  const label = `Items stored per second at the hub, averaged over ${seconds} s, live and backlog`;
  return (
    <figure class="ingest-rate">
      {rate.points.length < 2 ? (
        <Empty>Measuring: the first intervals come in {seconds} s.</Empty>
      ) : (
        <RateChart rate={rate} label={label} />
      )}
      <figcaption>
        {label}.{' '}
        {newest === undefined ? null : (
          <span data-testid="ingest-now">Now: {((newest.live + newest.hist) / seconds).toFixed(1)} items/s.</span>
        )}
        {error === undefined ? null : <ErrorNote error={error} what="the newest ingest rate" />}
      </figcaption>
    </figure>
  );
}

function RateChart({ rate, label }: { rate: IngestRate; label: string }) {
  const seconds = rate.intervalMs / 1000;
  const data: uPlot.AlignedData = [
    rate.points.map((p) => p.at / 1000),
    rate.points.map((p) => p.live / seconds),
    rate.points.map((p) => p.hist / seconds),
  ];
  return <TimeChart options={RATE_CHART} data={data} height={200} label={label} />;
}

const RATE_CHART: Omit<uPlot.Options, 'width' | 'height'> = {
  series: [
    {},
    { label: 'live', stroke: '#0b5cad', width: 2, fill: 'rgba(11,92,173,0.08)' },
    { label: 'backlog', stroke: '#e16f24', width: 2 },
  ],
  axes: [{}, { label: 'items/s' }],
  scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
  legend: { live: false },
};
