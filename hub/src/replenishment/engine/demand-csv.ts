import { CSV_REJECT_REASONS, civilToUtcMs, forEachCsvRow, RowRejects } from '@aisle/protocols/csv';

/**
 * Reads a daily demand file, `sku,date,units` (header required, other columns ignored, `date` as
 * `YYYY-MM-DD`), into one series per SKU over the file's whole date range: day 0 is the earliest
 * date in the file, a day without a row for a SKU is zero demand, and two rows for the same SKU and
 * date add up. Bad rows are counted by reason and skipped.
 */

export const DEMAND_CSV_REJECT_REASONS = {
  ...CSV_REJECT_REASONS,
  DEMAND_SKU_EMPTY: 'The sku field is empty.',
  DEMAND_DATE_INVALID: 'The date is not a real calendar date written YYYY-MM-DD.',
  DEMAND_UNITS_INVALID: 'The units field is not a finite number ≥ 0.',
} as const;
type DemandCsvRejectReason = keyof typeof DEMAND_CSV_REJECT_REASONS;

export interface DailyDemand {
  /** Units demanded per day, day 0 = `firstDate`; every series has `days` values. */
  readonly series: Map<string, Float64Array>;
  /** `YYYY-MM-DD`, or `undefined` for a file without a good row. */
  readonly firstDate: string | undefined;
  readonly days: number;
  readonly rejects: Partial<Record<DemandCsvRejectReason, number>>;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

export async function readDailyDemandCsv(path: string): Promise<DailyDemand> {
  const rejects = new RowRejects<DemandCsvRejectReason>();
  const rows: { sku: string; day: number; units: number }[] = [];
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  let firstDate: string | undefined;
  await forEachCsvRow(path, ['sku', 'date', 'units'], (row) => {
    if (!row.ok) return rejects.add(row.reason);
    const { sku, date, units } = row.value;
    if (sku === '') return rejects.add('DEMAND_SKU_EMPTY');
    const m = DATE.exec(date);
    const utc = m === null ? undefined : civilToUtcMs(Number(m[1]), Number(m[2]), Number(m[3]), 0, 0, 0);
    if (utc === undefined) return rejects.add('DEMAND_DATE_INVALID');
    const value = units.trim() === '' ? Number.NaN : Number(units);
    if (!(Number.isFinite(value) && value >= 0)) return rejects.add('DEMAND_UNITS_INVALID');
    const day = utc / DAY_MS;
    if (day < first) {
      first = day;
      firstDate = date;
    }
    last = Math.max(last, day);
    rows.push({ sku, day, units: value });
  });
  const days = rows.length === 0 ? 0 : last - first + 1;
  const series = new Map<string, Float64Array>();
  for (const { sku, day, units } of rows) {
    const s = series.get(sku) ?? new Float64Array(days);
    series.set(sku, s);
    s[day - first] = (s[day - first] as number) + units;
  }
  return { series, firstDate, days, rejects: rejects.snapshot() };
}
