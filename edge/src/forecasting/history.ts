import { localClockMs } from '@aisle/protocols';
import Database from 'better-sqlite3';

/**
 * The gateway's own history of what it forecasts: units sold per lane and entries per door, per
 * local hour, kept in `dataDir/forecast-history.db` (SQLite, WAL) so that a restart, or a week
 * without the hub, still has the window the model reads.
 *
 * A step the gateway was not running in is unknown (`NaN`), not zero: the gateway marks each hour
 * it is alive in, and a series' value in a live hour without events is 0. A lane's hour in which it
 * stood empty is censored (`NaN`): nothing could be sold, so it says nothing about demand.
 */

const HOUR_MS = 3_600_000;

export interface HistoryOptions {
  /** IANA zone of the site: steps are local hours. */
  readonly timeZone: string;
  /** Hours kept; older ones are pruned. */
  readonly keepHours: number;
}

export class SeriesHistory {
  readonly #db: Database.Database;
  readonly #options: HistoryOptions;
  readonly #add: Database.Statement<[string, number, number]>;
  readonly #censor: Database.Statement<[string, number]>;
  readonly #alive: Database.Statement<[number]>;
  readonly #aliveIn: Database.Statement<[number, number]>;
  readonly #seriesIn: Database.Statement<[string, number, number]>;
  readonly #prune: Database.Statement<[number]>;
  readonly #pruneAlive: Database.Statement<[number]>;
  #lastAlive = Number.NaN;

  private constructor(db: Database.Database, options: HistoryOptions) {
    this.#db = db;
    this.#options = options;
    this.#add = db.prepare(
      'INSERT INTO steps (series, slot, value) VALUES (?, ?, ?) ON CONFLICT (series, slot) DO UPDATE SET value = value + excluded.value',
    );
    this.#censor = db.prepare(
      'INSERT INTO steps (series, slot, value, censored) VALUES (?, ?, 0, 1) ON CONFLICT (series, slot) DO UPDATE SET censored = 1',
    );
    this.#alive = db.prepare('INSERT OR IGNORE INTO alive (slot) VALUES (?)');
    this.#aliveIn = db.prepare('SELECT slot FROM alive WHERE slot >= ? AND slot < ?');
    // One index seek per series on the (series, slot) key; rows as arrays.
    this.#seriesIn = db.prepare('SELECT slot, value, censored FROM steps WHERE series = ? AND slot >= ? AND slot < ?');
    this.#seriesIn.raw(true);
    this.#prune = db.prepare('DELETE FROM steps WHERE slot < ?');
    this.#pruneAlive = db.prepare('DELETE FROM alive WHERE slot < ?');
  }

  static open(path: string, options: HistoryOptions): SeriesHistory {
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS steps (
        series TEXT NOT NULL,
        slot INTEGER NOT NULL,
        value REAL NOT NULL DEFAULT 0,
        censored INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (series, slot)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS alive (slot INTEGER PRIMARY KEY);
    `);
    return new SeriesHistory(db, options);
  }

  /** The local hour (slot number) holding the instant `ts`. */
  slotOf(ts: number): number {
    return Math.floor(localClockMs(ts, this.#options.timeZone) / HOUR_MS);
  }

  /** The gateway is running at `ts`: its hour is observed for every series. */
  alive(ts: number): void {
    const slot = this.slotOf(ts);
    if (slot === this.#lastAlive) return;
    this.#lastAlive = slot;
    this.#alive.run(slot);
    this.#prune.run(slot - this.#options.keepHours);
    this.#pruneAlive.run(slot - this.#options.keepHours);
  }

  /** `value` more in the hour of `ts` (units sold, people in). */
  add(series: string, ts: number, value: number): void {
    this.alive(ts);
    this.#add.run(series, this.slotOf(ts), value);
  }

  /** The series could not be observed in the hour of `ts` (an empty lane sells nothing). */
  censor(series: string, ts: number): void {
    this.alive(ts);
    this.#censor.run(series, this.slotOf(ts));
  }

  /** Every hour from `fromTs` to `toTs` (both included) is censored for the series. */
  censorRange(series: string, fromTs: number, toTs: number): void {
    const first = this.slotOf(fromTs);
    const last = this.slotOf(toTs);
    for (let slot = Math.max(first, last - this.#options.keepHours); slot <= last; slot++)
      this.#censor.run(series, slot);
  }

  /**
   * Hourly values of each series for the `hours` local hours before `endSlot` (oldest first):
   * the sum of what was added, 0 in a live hour without any, `NaN` where the gateway was not
   * running or the series was censored.
   */
  windows(series: readonly string[], endSlot: number, hours: number): Map<string, Float64Array> {
    const out = new Map<string, Float64Array>();
    if (series.length === 0) return out;
    const from = endSlot - hours;
    const alive = new Float64Array(hours).fill(Number.NaN);
    for (const row of this.#aliveIn.iterate(from, endSlot) as Iterable<{ slot: number }>) alive[row.slot - from] = 0;
    for (const name of series) {
      const values = alive.slice();
      for (const [slot, value, censored] of this.#seriesIn.iterate(name, from, endSlot) as Iterable<
        [number, number, number]
      >)
        values[slot - from] = censored === 1 ? Number.NaN : Math.max(0, value);
      out.set(name, values);
    }
    return out;
  }

  /** Every series of a kind with history (`door` → the doors seen before this start too). */
  seriesOf(kind: string): string[] {
    return (
      this.#db
        .prepare('SELECT DISTINCT series FROM steps WHERE series >= ? AND series < ?')
        .all(`${kind}:`, `${kind};`) as Array<{ series: string }>
    ).map((r) => r.series.slice(kind.length + 1));
  }

  close(): void {
    this.#db.close();
  }
}

/** Hourly values summed into local days (`24·days` hours in, `days` out; a day with a gap is `NaN`). */
export function dailyOf(hourly: Float64Array): Float64Array {
  const days = Math.floor(hourly.length / 24);
  const out = new Float64Array(days);
  for (let d = 0; d < days; d++) {
    let sum = 0;
    for (let h = 0; h < 24; h++) sum += hourly[d * 24 + h] as number;
    out[d] = sum;
  }
  return out;
}
