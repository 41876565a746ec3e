import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/**
 * A uPlot time-series chart (x in seconds), as wide as its box and `height` tall. The chart is
 * built once; new `data` goes into it (`setData`, no rebuild), so a view can hand it each delta.
 * It is an image to assistive technology, named by `label`; the views state its figures in text
 * beside it.
 */
export function TimeChart(props: {
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  height: number;
  label: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const { height } = props;
  // Built from the first render's options: a chart's series and axes do not change.
  const first = useRef(props);
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const width = () => Math.max(280, el.clientWidth);
    const chart = new uPlot({ ...first.current.options, width: width(), height }, first.current.data, el);
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: width(), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = undefined;
    };
  }, [height]);
  useEffect(() => plot.current?.setData(props.data));
  return <div ref={box} class="chart" role="img" aria-label={props.label} />;
}
