import { createRequire } from 'node:module';
import { toPoint } from '@aisle/hub/influx-series';
import { type SeriesItem, toSeriesItem } from '@aisle/hub/series';
import type BetterSqlite3 from 'better-sqlite3';
import { GatewayReadings } from './ingest-batches.js';

/**
 * The anchor child of `hub/ingest` (bench/hub/ingest.ts): the same items the hub gets, written
 * straight into the store with the client the hub itself uses, in writes of the same batch size.
 *
 * - influx: `writers` concurrent loops (one per gateway the hub serves: the hub handles one batch
 *   per gateway at a time), each writing its gateway's points with one `writePoints` per batch,
 *   precision ns, retention policy `raw` of a database set up as the hub sets up its own (`raw`
 *   the default policy, the hub's default duration).
 * - sqlite: one writer (SQLite has one; so does the hub's connection), one better-sqlite3
 *   transaction per batch of a prepared `INSERT … ON CONFLICT (origin, boot, seq) DO NOTHING` per
 *   row, into a file with the hub's pragmas (WAL, `synchronous=FULL`) and the hub's own
 *   `series_items` DDL, read from the hub's database by the parent.
 *
 * Building a batch (generating the items, mapping them to rows and, for InfluxDB, to points) is
 * done here too, just before it is written: its time is measured and reported (`buildMs`), so the
 * anchor's rate can be read with or without it.
 */

// The clients the hub depends on (same builds, same versions), as the edge outbox bench does.
const requireFromHub = createRequire(import.meta.resolve('@aisle/hub/package.json'));

/** What this bench uses of the `influx` client (its own types are not a dependency of bench/). */
interface InfluxClient {
  createDatabase(name: string): Promise<void>;
  createRetentionPolicy(
    name: string,
    options: { database: string; duration: string; replication: number; isDefault: boolean },
  ): Promise<void>;
  writePoints(
    points: ReadonlyArray<ReturnType<typeof toPoint>>,
    options: { precision: 'n'; retentionPolicy: string },
  ): Promise<void>;
}
type InfluxConstructor = new (options: {
  host: string;
  port: number;
  protocol: 'http';
  database: string;
}) => InfluxClient;

export type AnchorCommand =
  | {
      readonly kind: 'influx';
      readonly url: string;
      readonly database: string;
      readonly retention: string;
      readonly writers: number;
      readonly batch: number;
    }
  | { readonly kind: 'sqlite'; readonly file: string; readonly ddl: readonly string[]; readonly batch: number }
  | { readonly kind: 'start' }
  | { readonly kind: 'mark' }
  | { readonly kind: 'stop' };

export interface AnchorReply {
  readonly written?: number;
  readonly at?: number;
  /** ms spent building batches (items → rows → points) since `start`, summed over writers. */
  readonly buildMs?: number;
}

const wallMs = (): number => performance.timeOrigin + performance.now();
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function serveAnchor(): void {
  let batch = 1000;
  let writers = 1;
  let write: ((g: number, readings: GatewayReadings) => Promise<void>) | undefined;
  let running = false;
  let written = 0;
  let buildMs = 0;
  let loops: Promise<void>[] = [];

  const timedBuild = <T>(build: () => T): T => {
    const t0 = performance.now();
    const value = build();
    buildMs += performance.now() - t0;
    return value;
  };

  const handle = async (command: AnchorCommand): Promise<AnchorReply> => {
    switch (command.kind) {
      case 'influx': {
        batch = command.batch;
        writers = command.writers;
        const url = new URL(command.url);
        const { InfluxDB } = requireFromHub('influx') as { InfluxDB: InfluxConstructor };
        const influx = new InfluxDB({
          host: url.hostname,
          port: Number(url.port),
          protocol: 'http',
          database: command.database,
        });
        await influx.createDatabase(command.database);
        await influx.createRetentionPolicy('raw', {
          database: command.database,
          duration: command.retention,
          replication: 1,
          isDefault: true,
        });
        write = async (_g, readings) => {
          const points = timedBuild(() =>
            readings.next(batch, Date.now()).map((item) => toPoint(toSeriesItem(item, readings.gateway, 'live'))),
          );
          await influx.writePoints(points, { precision: 'n', retentionPolicy: 'raw' });
        };
        return {};
      }
      case 'sqlite': {
        batch = command.batch;
        writers = 1;
        const Database = requireFromHub('better-sqlite3') as typeof BetterSqlite3;
        const db = new Database(command.file);
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = FULL');
        for (const statement of command.ddl) db.exec(statement);
        const insert = db.prepare<SeriesItem>(
          `INSERT INTO series_items (origin, boot, seq, id, type, site, device, gateway, ts, rx, lane, flags, data)
           VALUES (@origin, @boot, @seq, @id, @type, @site, @device, @gateway, @ts, @rx, @lane, @flags, @data)
           ON CONFLICT (origin, boot, seq) DO NOTHING`,
        );
        const insertBatch = db.transaction((rows: readonly SeriesItem[]) => {
          for (const row of rows) insert.run(row);
        });
        write = async (_g, readings) => {
          const rows = timedBuild(() =>
            readings.next(batch, Date.now()).map((item) => toSeriesItem(item, readings.gateway, 'live')),
          );
          insertBatch(rows);
          // Let IPC in between transactions (the hub's event loop turns between batches too).
          await turn();
        };
        return {};
      }
      case 'start': {
        const run = write;
        if (run === undefined) throw new Error('anchor not set up');
        written = 0;
        buildMs = 0;
        running = true;
        loops = Array.from({ length: writers }, async (_, g) => {
          // Fresh readings per phase: new ids and timestamps, so every write is a new point or row.
          const readings = new GatewayReadings(g);
          while (running) {
            await run(g, readings);
            written += batch;
          }
        });
        return {};
      }
      case 'mark':
        return { written, at: wallMs(), buildMs };
      case 'stop':
        running = false;
        await Promise.all(loops);
        return { written, buildMs };
    }
  };

  process.on('message', (command: AnchorCommand) => {
    handle(command).then(
      (answer) => process.send?.(answer),
      (error: unknown) => {
        process.stderr.write(`hub ingest bench, anchor child: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  process.send?.({});
}

/** The DDL of the hub's `series_items` table and its indexes, read from the hub's SQLite file. */
export function seriesDdl(hubDatabase: string): string[] {
  const Database = requireFromHub('better-sqlite3') as typeof BetterSqlite3;
  const db = new Database(hubDatabase, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare<[], { sql: string }>(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'series_items' AND sql IS NOT NULL ORDER BY type DESC",
      )
      .all();
    return rows.map((r) => r.sql);
  } finally {
    db.close();
  }
}
