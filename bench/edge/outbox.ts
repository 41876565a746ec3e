import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// Deep import: @aisle/edge has no `exports` map yet (an `./outbox` entry would replace this path).
import { Outbox } from '@aisle/edge/outbox';
import type BetterSqlite3 from 'better-sqlite3';
import { report, time } from '../harness.js';

// The anchor uses the better-sqlite3 the edge itself depends on (same build, same SQLite).
const Database = createRequire(import.meta.resolve('@aisle/edge/package.json'))(
  'better-sqlite3',
) as typeof BetterSqlite3;

/**
 * Append throughput of the durable outbox against raw better-sqlite3 inserts of the same rows.
 *
 * Both sides write batches of 500 shelf readings (~240 B of JSON each) in one transaction per batch,
 * to a file in WAL mode with `synchronous=NORMAL` and exclusive locking, into a table of the same
 * shape with the same two indexes. What the ratio prices is the outbox's own work: item checks,
 * UTF-8 byte counting, the max-age probe, the bound check, the drop bookkeeping and the oseq
 * reservation.
 *
 * 1. Steady state under the bound: append a batch, then ack it (the uplink keeps up).
 *    Anchor: insert the batch, then delete it.
 * 2. At the byte bound with drop-oldest: every new row evicts the oldest one of its stream.
 *    Anchor: insert the batch and delete as many of the oldest rows.
 * 3. As 1 with `synchronous=full` (one fsync per commit), against 1 with `normal` as the anchor:
 *    the price of surviving power loss without a rolled-back tail (see options.ts).
 *
 * Target: figures 1 and 2 ≥ 0.5 of the anchor.
 */

const BATCH = 500;
const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);

const batch = Array.from({ length: BATCH }, (_, i) => {
  const ts = T0 + i * 250;
  const payload = JSON.stringify({
    id: `01936b2e-${String(i).padStart(4, '0')}-7abc-8def-0123456789ab`,
    type: 'shelf.weight',
    src: { site: 'store-042', device: `scale-${String(i % 40).padStart(3, '0')}`, gateway: 'gw-store-042' },
    boot: 3,
    seq: 100_000 + i,
    ts,
    tq: 'ntp',
    data: { lane: `a${i % 12}-s${i % 5}-l${i % 8}`, grams: 4123.5 - (i % 17) * 412.3, stable: true },
  });
  return { stream: 'shelf-weight', ts, payload };
});

const dir = mkdtempSync(join(tmpdir(), 'aisle-bench-outbox-'));

function rawDatabase(name: string, synchronous: 'NORMAL' | 'FULL') {
  const db = new Database(join(dir, name));
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec(`
    CREATE TABLE outbox (oseq INTEGER PRIMARY KEY, stream TEXT NOT NULL, ts INTEGER NOT NULL,
      created_at INTEGER NOT NULL, bytes INTEGER NOT NULL, payload TEXT NOT NULL) STRICT;
    CREATE INDEX outbox_by_stream ON outbox (stream, oseq);
    CREATE INDEX outbox_by_created_at ON outbox (created_at);
  `);
  let next = 1;
  const insert = db.prepare<[number, string, number, number, number, string]>(
    'INSERT INTO outbox VALUES (?, ?, ?, ?, ?, ?)',
  );
  const insertBatch = db.transaction(() => {
    const now = Date.now();
    for (const row of batch) insert.run(next++, row.stream, row.ts, now, row.payload.length, row.payload);
  });
  return { db, insertBatch, last: () => next - 1 };
}

const rowsPerSecond = (ns: number) => Math.round((BATCH * 1e9) / ns);

// 1. Under the bound: append + ack.
{
  const outbox = Outbox.open(join(dir, 'steady.db'));
  const figure = time(() => {
    const { accepted } = outbox.append(batch);
    outbox.ack(accepted[accepted.length - 1] ?? 0);
  });
  const raw = rawDatabase('steady-raw.db', 'NORMAL');
  const remove = raw.db.prepare<[number]>('DELETE FROM outbox WHERE oseq <= ?');
  const anchor = time(() => {
    raw.insertBatch();
    raw.db.transaction(() => remove.run(raw.last()))();
  });
  outbox.close();
  raw.db.close();
  const value = rowsPerSecond(figure.medianNs);
  const anchorValue = rowsPerSecond(anchor.medianNs);
  report({
    bench: 'edge/outbox',
    figure: `append ${BATCH}-row batches + ack, under the bound (WAL, synchronous=normal)`,
    value,
    unit: 'rows/s',
    anchor: { name: 'raw better-sqlite3: insert batch + delete it', value: anchorValue, unit: 'rows/s' },
    ratio: value / anchorValue,
    target: '≥ 0.5',
  });
}

// 2. At the byte bound: every row evicts the oldest (drop-oldest).
{
  const maxBytes = 8 * 1024 * 1024;
  const outbox = Outbox.open(join(dir, 'full.db'), { maxBytes });
  while (outbox.stats().droppedTotal === 0) outbox.append(batch);
  const figure = time(() => outbox.append(batch));
  const dropped = outbox.stats().droppedTotal;
  const raw = rawDatabase('full-raw.db', 'NORMAL');
  const held = outbox.stats().depth;
  while (raw.last() < held) raw.insertBatch();
  const evict = raw.db.prepare<[string, number]>(
    'DELETE FROM outbox WHERE oseq IN (SELECT oseq FROM outbox WHERE stream = ? ORDER BY oseq LIMIT ?)',
  );
  const anchor = time(() => {
    raw.db.transaction(() => evict.run('shelf-weight', BATCH))();
    raw.insertBatch();
  });
  outbox.close();
  raw.db.close();
  const value = rowsPerSecond(figure.medianNs);
  const anchorValue = rowsPerSecond(anchor.medianNs);
  report({
    bench: 'edge/outbox',
    figure: `append ${BATCH}-row batches at maxBytes=8 MiB, drop-oldest evicting one row per row`,
    value,
    unit: 'rows/s',
    anchor: { name: 'raw better-sqlite3: delete 500 oldest + insert batch', value: anchorValue, unit: 'rows/s' },
    ratio: value / anchorValue,
    target: '≥ 0.5',
    rowsHeld: held,
    droppedDuringRun: dropped,
  });
}

// 3. synchronous=full against normal.
{
  const measure = (synchronous: 'normal' | 'full') => {
    const outbox = Outbox.open(join(dir, `sync-${synchronous}.db`), { synchronous });
    const timing = time(
      () => {
        const { accepted } = outbox.append(batch);
        outbox.ack(accepted[accepted.length - 1] ?? 0);
      },
      { rounds: 9 },
    );
    outbox.close();
    return rowsPerSecond(timing.medianNs);
  };
  const value = measure('full');
  const anchorValue = measure('normal');
  report({
    bench: 'edge/outbox',
    figure: `append ${BATCH}-row batches + ack with synchronous=full (fsync per commit)`,
    value,
    unit: 'rows/s',
    anchor: { name: 'the same with synchronous=normal', value: anchorValue, unit: 'rows/s' },
    ratio: value / anchorValue,
  });
}

rmSync(dir, { recursive: true, force: true });
