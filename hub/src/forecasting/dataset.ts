import { CSV_REJECT_REASONS, forEachCsvRow, parseOffsetDateTime, RowRejects } from '@aisle/protocols/csv';
import { type Granularity, type Observation, regularize, type Series } from './engine/series.js';

/**
 * Forecasting datasets from CSV files: one row per observation, `series,timestamp,value` by
 * default (column names configurable, e.g. the Melbourne counts' `Sensor,Date_Time,Count`).
 * Timestamps are ISO 8601 with an offset (`2015-01-01T00:00:00+1100`, `…Z`), whose offset sets
 * the local clock the series' steps follow, or integer ms since the epoch (UTC). Bad rows are
 * counted by reason and left out; nothing else is lost.
 */

export const DATASET_REJECT_REASONS = {
  ...CSV_REJECT_REASONS,
  SERIES_EMPTY: 'The series field is empty.',
  TIMESTAMP_INVALID: 'The timestamp is neither ISO 8601 with an offset nor integer epoch milliseconds.',
  VALUE_INVALID: 'The value is not a finite number (e.g. empty or NA).',
} as const;
export type DatasetRejectReason = keyof typeof DATASET_REJECT_REASONS;

export interface DatasetColumns {
  readonly series: string;
  readonly timestamp: string;
  readonly value: string;
}

export const DEFAULT_COLUMNS: DatasetColumns = { series: 'series', timestamp: 'timestamp', value: 'value' };

export interface Dataset {
  /** One regular series per name, in order of first appearance. */
  readonly series: readonly Series[];
  readonly rows: number;
  readonly rejects: Partial<Record<DatasetRejectReason, number>>;
}

const EPOCH_MS = /^-?\d{1,16}$/;
const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export async function loadCsvDataset(
  path: string,
  granularity: Granularity,
  columns: DatasetColumns = DEFAULT_COLUMNS,
): Promise<Dataset> {
  const rejects = new RowRejects<DatasetRejectReason>();
  const bySeries = new Map<string, Observation[]>();
  let rows = 0;
  await forEachCsvRow(path, [columns.series, columns.timestamp, columns.value], (row) => {
    rows++;
    if (!row.ok) {
      rejects.add(row.reason);
      return;
    }
    const name = (row.value[columns.series] ?? '').trim();
    const stamp = (row.value[columns.timestamp] ?? '').trim();
    const text = (row.value[columns.value] ?? '').trim();
    if (name === '') return rejects.add('SERIES_EMPTY');
    let ts: number;
    let offsetMinutes = 0;
    if (EPOCH_MS.test(stamp)) ts = Number(stamp);
    else {
      const parsed = parseOffsetDateTime(stamp);
      if (parsed === undefined) return rejects.add('TIMESTAMP_INVALID');
      ts = parsed.utcMs;
      offsetMinutes = parsed.offsetMinutes;
    }
    if (!NUMBER.test(text)) return rejects.add('VALUE_INVALID');
    const value = Number(text);
    if (!Number.isFinite(value)) return rejects.add('VALUE_INVALID');
    let list = bySeries.get(name);
    if (list === undefined) {
      list = [];
      bySeries.set(name, list);
    }
    list.push({ ts, offsetMinutes, value });
  });
  return {
    series: [...bySeries].map(([name, observations]) => regularize(name, observations, granularity)),
    rows,
    rejects: rejects.snapshot(),
  };
}
