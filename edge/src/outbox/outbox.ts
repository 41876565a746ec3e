import type { BatchDrop } from '@aisle/protocols';
import type Database from 'better-sqlite3';
import {
  type AppendResult,
  type OutboxDropReason,
  OutboxError,
  type OutboxItem,
  type OutboxOptions,
  type OutboxRow,
  type OutboxStats,
  type OverflowPolicy,
  type PeekLimits,
  type ResolvedOutboxOptions,
  resolveOutboxOptions,
  STREAM_NAME,
} from './options.js';
import {
  type OutboxStatements,
  openOutboxDatabase,
  prepareOutboxStatements,
  toOpenError,
  type Victim,
} from './schema.js';

/**
 * The gateway's durable outbox (ARCHITECTURE §3, docs/architecture.md "Uplink delivery"): rows wait
 * here, numbered by `oseq`, until the hub's ack cursor passes them.
 *
 * Numbering. `oseq` starts at 1, strictly increases and is never reused for the life of the file
 * (`epoch`). The in-memory counter hands numbers out of a reserved block whose upper bound
 * (`meta.seq_reserved`) was committed with an fsync first. `close()` records the exact next number;
 * after a crash the next open resumes at the reserved bound instead, skipping at most `seqBlock`
 * numbers, because under `synchronous=normal` a power cut can roll back rows (and their numbers)
 * that were already sent to the hub.
 *
 * Bounds. `maxAgeMs` counts from `createdAt` (the gateway's clock when the row entered), not from
 * `ts` (the source's clock, which may never have been set). When a row would take the payload
 * total over `maxBytes`, its stream's policy decides:
 * - `drop-oldest`: delete that stream's oldest rows until it fits; when the stream has no rows
 *   left, delete the oldest rows (lowest oseq first) of the other `drop-oldest` streams. Rows of
 *   `reject-new` streams are never deleted to make room for another stream: such a stream asked to
 *   keep what it holds. If even that cannot make room, the new row is refused.
 * - `reject-new`: refuse the new row.
 * A refused row gets no oseq and is counted as `reject-new`; deleted rows as `max-bytes` or
 * `max-age`. Counts are per stream and reason, persisted with the rows they describe.
 */

interface Tally {
  stream: string;
  reason: OutboxDropReason;
  count: number;
  oldestTs: number;
  newestTs: number;
}

/** Drops of one transaction, merged into the `drops` table when it commits. */
class DropTally {
  readonly entries = new Map<string, Tally>();

  add(stream: string, reason: OutboxDropReason, count: number, oldestTs: number, newestTs: number): void {
    const key = `${stream}\u0000${reason}`;
    const tally = this.entries.get(key);
    if (tally === undefined) {
      this.entries.set(key, { stream, reason, count, oldestTs, newestTs });
    } else {
      tally.count += count;
      tally.oldestTs = Math.min(tally.oldestTs, oldestTs);
      tally.newestTs = Math.max(tally.newestTs, newestTs);
    }
  }
}

export class Outbox {
  /** Identity of this database; a new file is a new sequence space for the hub. */
  readonly epoch: string;
  readonly #db: Database.Database;
  readonly #options: ResolvedOutboxOptions;
  readonly #sql: OutboxStatements;
  #nextSeq: number;
  #reserved: number;
  #ackedSeq: number;
  #depth: number;
  #bytes: number;
  #closed = false;

  /**
   * Opens or creates the outbox at `path`; throws `OutboxError` (see options.ts for the codes).
   * Counts the rows and bytes held with one pass over the table, then keeps both in memory.
   */
  static open(path: string, options: OutboxOptions = {}): Outbox {
    const resolved = resolveOutboxOptions(options);
    const db = openOutboxDatabase(path, resolved);
    try {
      return new Outbox(db, resolved);
    } catch (error) {
      db.close();
      throw toOpenError(path, error);
    }
  }

  private constructor(db: Database.Database, options: ResolvedOutboxOptions) {
    this.#db = db;
    this.#options = options;
    this.#sql = prepareOutboxStatements(db);
    const meta = this.#sql.meta.get();
    if (meta === undefined) throw new OutboxError('OUTBOX_OPEN_FAILED', 'the outbox has no meta row');
    const size = this.#sql.size.get() ?? { n: 0, bytes: 0, maxSeq: null };
    this.epoch = meta.epoch;
    this.#ackedSeq = meta.acked_seq;
    this.#depth = size.n;
    this.#bytes = size.bytes;
    // After a crash only the fsynced reservation is trustworthy (see the class comment).
    const resumeAt = meta.clean_close === 1 ? meta.next_seq : meta.seq_reserved;
    this.#nextSeq = Math.max(resumeAt, (size.maxSeq ?? 0) + 1, meta.acked_seq + 1);
    // Nothing is reserved for this session yet: the first reservation also clears `clean_close`.
    this.#reserved = 0;
    this.#reserve(this.#nextSeq);
  }

  /**
   * Appends `items` in one transaction: prunes expired rows, then numbers and stores each item
   * or refuses it under its stream's policy.
   */
  append(items: readonly OutboxItem[]): AppendResult {
    this.#assertOpen();
    for (const item of items) checkItem(item);
    if (items.length === 0) return { accepted: [], refused: 0, perItem: [] };
    return this.#io('append', () => {
      this.#reserve(this.#nextSeq + items.length);
      const now = this.#options.now();
      // The transaction works on copies so that a rollback leaves the in-memory state as it was.
      const state = { nextSeq: this.#nextSeq, depth: this.#depth, bytes: this.#bytes };
      const perItem = this.#db.transaction(() => {
        const drops = new DropTally();
        this.#pruneExpired(now, state, drops);
        const out: (number | null)[] = [];
        for (const item of items) {
          const bytes = Buffer.byteLength(item.payload, 'utf8');
          const excess = state.bytes + bytes - this.#options.maxBytes;
          if (excess > 0 && !this.#makeRoom(item.stream, bytes, excess, state, drops)) {
            drops.add(item.stream, 'reject-new', 1, item.ts, item.ts);
            out.push(null);
            continue;
          }
          const oseq = state.nextSeq++;
          this.#sql.insert.run(oseq, item.stream, item.ts, now, bytes, item.payload);
          state.depth++;
          state.bytes += bytes;
          out.push(oseq);
        }
        this.#saveDrops(drops);
        return out;
      })();
      this.#nextSeq = state.nextSeq;
      this.#depth = state.depth;
      this.#bytes = state.bytes;
      const accepted = perItem.filter((oseq): oseq is number => oseq !== null);
      return { accepted, refused: perItem.length - accepted.length, perItem };
    });
  }

  /** Drops rows older than `maxAgeMs` now (append also does this); returns how many. */
  prune(): number {
    this.#assertOpen();
    return this.#io('prune', () => {
      const state = { nextSeq: this.#nextSeq, depth: this.#depth, bytes: this.#bytes };
      this.#db.transaction(() => {
        const drops = new DropTally();
        this.#pruneExpired(this.#options.now(), state, drops);
        this.#saveDrops(drops);
      })();
      const pruned = this.#depth - state.depth;
      this.#depth = state.depth;
      this.#bytes = state.bytes;
      return pruned;
    });
  }

  /** Rows with oseq > `afterSeq` (the ack cursor, or the last row sent), in oseq order, within `limits`. */
  peek(afterSeq: number, limits: PeekLimits): OutboxRow[] {
    this.#assertOpen();
    return this.#io('peek', () => {
      const rows: OutboxRow[] = [];
      let bytes = 0;
      for (const row of this.#sql.peek.iterate(afterSeq, Math.max(0, Math.floor(limits.maxItems)))) {
        const size = Buffer.byteLength(row.payload, 'utf8');
        if (rows.length > 0 && bytes + size > limits.maxBytes) break;
        rows.push(row);
        bytes += size;
      }
      return rows;
    });
  }

  /**
   * The hub durably stored every oseq ≤ `seq`: delete those rows and persist the cursor. A cursor
   * at or below the current one changes nothing (acks arrive again after reconnects); `epoch`,
   * when given, must be this database's. Returns how many rows left.
   */
  ack(seq: number, epoch?: string): number {
    this.#assertOpen();
    if (epoch !== undefined && epoch !== this.epoch) {
      throw new OutboxError('OUTBOX_ACK_WRONG_EPOCH', `ack for epoch ${epoch}; this outbox is ${this.epoch}`);
    }
    if (!Number.isSafeInteger(seq) || seq < 0 || seq > this.#nextSeq - 1) {
      throw new OutboxError('OUTBOX_ACK_OUT_OF_RANGE', `ack ${seq} outside [0, ${this.#nextSeq - 1}]`);
    }
    if (seq <= this.#ackedSeq) return 0;
    return this.#io('ack', () => {
      const gone = this.#db.transaction(() => {
        const found = this.#sql.acked.get(seq) ?? { n: 0, bytes: 0 };
        this.#sql.deleteAcked.run(seq);
        this.#sql.setAcked.run(seq);
        return found;
      })();
      this.#ackedSeq = seq;
      this.#depth -= gone.n;
      this.#bytes -= gone.bytes;
      return gone.n;
    });
  }

  /**
   * Every oseq up to this one has been handed out or skipped for good (0 when none): the highest
   * cursor `ack` accepts, and the end of the backlog for the uplink.
   */
  lastSeq(): number {
    return this.#nextSeq - 1;
  }

  /** The hub's ack cursor as last persisted (0 when nothing was acked). */
  ackedSeq(): number {
    return this.#ackedSeq;
  }

  /** Drops since the last call, for the next batch's `dropped`; they are then cleared. */
  takeDrops(): BatchDrop[] {
    this.#assertOpen();
    return this.#io('takeDrops', () =>
      this.#db.transaction(() => {
        const drops = this.#sql.pendingDrops.all();
        this.#sql.clearPending.run();
        return drops;
      })(),
    );
  }

  stats(): OutboxStats {
    this.#assertOpen();
    return this.#io('stats', () => {
      const dropped: Record<string, Partial<Record<OutboxDropReason, number>>> = {};
      let droppedTotal = 0;
      for (const { stream, reason, total } of this.#sql.totals.all()) {
        dropped[stream] = { ...dropped[stream], [reason]: total };
        droppedTotal += total;
      }
      const oldest = this.#sql.oldestCreatedAt.get()?.at ?? null;
      const base = {
        epoch: this.epoch,
        depth: this.#depth,
        bytes: this.#bytes,
        oldestAgeMs: oldest === null ? 0 : Math.max(0, this.#options.now() - oldest),
        nextSeq: this.#nextSeq,
        ackedSeq: this.#ackedSeq,
        dropped,
        droppedTotal,
      };
      return oldest === null ? base : { ...base, oldestCreatedAt: oldest };
    });
  }

  /** Records the exact next oseq (so a clean restart leaves no gap) and closes the file. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#synced(() => this.#sql.closeClean.run(this.#nextSeq));
    } finally {
      this.#db.close();
    }
  }

  /** Makes sure every oseq below `upTo` is covered by a reservation committed with an fsync. */
  #reserve(upTo: number): void {
    if (upTo <= this.#reserved) return;
    const reserved = upTo + this.#options.seqBlock;
    this.#synced(() => this.#sql.reserve.run(this.#nextSeq, reserved));
    this.#reserved = reserved;
  }

  /** Runs one write with `synchronous=FULL`: its commit fsyncs the WAL, and with it every earlier commit. */
  #synced(write: () => void): void {
    if (this.#options.synchronous === 'full') {
      write();
      return;
    }
    this.#db.pragma('synchronous = FULL');
    try {
      write();
    } finally {
      this.#db.pragma('synchronous = NORMAL');
    }
  }

  #pruneExpired(now: number, state: { depth: number; bytes: number }, drops: DropTally): void {
    const cutoff = now - this.#options.maxAgeMs;
    const expired = this.#sql.expired.all(cutoff);
    if (expired.length === 0) return;
    this.#sql.deleteExpired.run(cutoff);
    for (const group of expired) {
      drops.add(group.stream, 'max-age', group.n, group.oldestTs, group.newestTs);
      state.depth -= group.n;
      state.bytes -= group.bytes;
    }
  }

  /** Deletes rows under the drop-oldest rule (class comment) to free `excess` bytes; false if it cannot. */
  #makeRoom(
    stream: string,
    bytes: number,
    excess: number,
    state: { depth: number; bytes: number },
    drops: DropTally,
  ): boolean {
    if (bytes > this.#options.maxBytes || this.#policy(stream) === 'reject-new') return false;
    const victims: Victim[] = [];
    let freed = 0;
    // Collect first, delete after: better-sqlite3 runs nothing else while a statement iterates.
    for (const row of this.#sql.oldestOfStream.iterate(stream)) {
      victims.push(row);
      freed += row.bytes;
      if (freed >= excess) break;
    }
    if (freed < excess) {
      for (const row of this.#sql.oldest.iterate()) {
        if (row.stream === stream || this.#policy(row.stream) === 'reject-new') continue;
        victims.push(row);
        freed += row.bytes;
        if (freed >= excess) break;
      }
    }
    if (freed < excess) return false;
    for (const victim of victims) {
      this.#sql.deleteOne.run(victim.oseq);
      drops.add(victim.stream, 'max-bytes', 1, victim.ts, victim.ts);
    }
    state.depth -= victims.length;
    state.bytes -= freed;
    return true;
  }

  #saveDrops(drops: DropTally): void {
    for (const tally of drops.entries.values()) this.#sql.addDrops.run(tally);
  }

  #policy(stream: string): OverflowPolicy {
    return this.#options.policies[stream] ?? this.#options.defaultPolicy;
  }

  #assertOpen(): void {
    if (this.#closed) throw new OutboxError('OUTBOX_CLOSED', 'the outbox is closed');
  }

  /** SQLite failures (disk full, I/O errors) become `OUTBOX_IO_FAILED`; our own errors pass through. */
  #io<T>(operation: string, run: () => T): T {
    try {
      return run();
    } catch (error) {
      if (error instanceof OutboxError) throw error;
      const detail = error instanceof Error ? error.message : String(error);
      throw new OutboxError('OUTBOX_IO_FAILED', `${operation} failed: ${detail}`, { cause: error });
    }
  }
}

function checkItem(item: OutboxItem): void {
  if (typeof item.stream !== 'string' || !STREAM_NAME.test(item.stream)) {
    throw new OutboxError(
      'OUTBOX_INVALID_ITEM',
      `stream ${JSON.stringify(item.stream)} must match ${STREAM_NAME.source}`,
    );
  }
  if (!Number.isSafeInteger(item.ts) || item.ts < 0) {
    throw new OutboxError('OUTBOX_INVALID_ITEM', `ts ${String(item.ts)} must be an integer ≥ 0 (ms)`);
  }
  if (typeof item.payload !== 'string') {
    throw new OutboxError('OUTBOX_INVALID_ITEM', 'payload must be a string');
  }
}
