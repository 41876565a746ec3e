import { newId, type OUTBOX_DROP_REASONS, type OVERFLOW_POLICIES } from '@aisle/protocols';

/**
 * The outbox's vocabulary: its bounds and hooks (validated once at open, every bad `field=value`
 * listed), the shapes it takes and returns, and the error codes it throws.
 */

export type OverflowPolicy = (typeof OVERFLOW_POLICIES)[number];
export type OutboxDropReason = (typeof OUTBOX_DROP_REASONS)[number];

export interface OutboxItem {
  /** Overflow policies and drop counts are per stream; `[a-z0-9-]{1,64}`, as `BatchDrop.stream`. */
  readonly stream: string;
  /** Capture time (ms since the epoch, the source's clock); reported in drops. */
  readonly ts: number;
  /** The item as it will travel, usually its JSON text. */
  readonly payload: string;
}

export interface OutboxRow extends OutboxItem {
  readonly oseq: number;
  /** When the row entered the outbox (the outbox's clock); the uplink derives its lane from it. */
  readonly createdAt: number;
}

export interface AppendResult {
  /** The oseq of every row that entered, in input order. */
  readonly accepted: readonly number[];
  readonly refused: number;
  /** Per input item: its oseq, or null when it was refused. */
  readonly perItem: readonly (number | null)[];
}

export interface PeekLimits {
  readonly maxItems: number;
  /** Payload bytes; the first row is returned even when it alone is larger, so nothing wedges. */
  readonly maxBytes: number;
}

export interface OutboxStats {
  readonly epoch: string;
  readonly depth: number;
  readonly bytes: number;
  /** `createdAt` of the oldest row held, absent when empty. */
  readonly oldestCreatedAt?: number;
  /** now - oldestCreatedAt, 0 when empty. */
  readonly oldestAgeMs: number;
  readonly nextSeq: number;
  readonly ackedSeq: number;
  /** Since the database was created, by stream and reason. */
  readonly dropped: Readonly<Record<string, Readonly<Partial<Record<OutboxDropReason, number>>>>>;
  readonly droppedTotal: number;
}

/**
 * How hard a commit is pushed to the disk (SQLite `PRAGMA synchronous` in WAL mode).
 *
 * - `normal`: a commit is appended to the WAL without an fsync; the WAL is synced at checkpoints.
 *   Every committed transaction survives a crash of the process (`kill -9`, OOM kill), because the
 *   OS already holds the bytes. A power loss or kernel panic can roll back the transactions
 *   committed since the last checkpoint, but never corrupts the file. The cost is one fsync per
 *   checkpoint (~1,000 pages), not per commit; on the SD cards and eMMC of gateways one fsync
 *   takes milliseconds to tens of milliseconds.
 * - `full`: the WAL is fsynced at every commit, so committed rows also survive power loss, at the
 *   price of one fsync per append transaction.
 *
 * Either way an `oseq` is never reused: numbers are handed out from a block whose upper bound is
 * committed with an fsync before any number in it is used (see `Outbox`), so rows lost to a power
 * cut leave a gap rather than letting a new row take a number the hub may already hold.
 */
export type OutboxSynchronous = 'normal' | 'full';

export interface OutboxOptions {
  /** Bound on the sum of payload bytes (UTF-8) held; default 1 GiB, as the gateway config. */
  readonly maxBytes?: number;
  /** Rows that entered the outbox longer ago than this are dropped (`max-age`); default 7 days. */
  readonly maxAgeMs?: number;
  /** What a full outbox does to a stream without an entry in `policies`; default `drop-oldest`. */
  readonly defaultPolicy?: OverflowPolicy;
  /** Overflow policy per stream, e.g. `{ alert: 'reject-new' }`. */
  readonly policies?: Readonly<Record<string, OverflowPolicy>>;
  /** Default `normal`: see {@link OutboxSynchronous}. */
  readonly synchronous?: OutboxSynchronous;
  /** How many `oseq` values one fsynced reservation covers; default 100,000 (the most a crash skips). */
  readonly seqBlock?: number;
  /** How long open waits for another process to release the database; default 1,000 ms. */
  readonly lockTimeoutMs?: number;
  /** The clock (ms since the epoch) for `createdAt` and ages; default `Date.now`. */
  readonly now?: () => number;
  /** Makes the epoch of a new database; default a UUIDv7 at `now()`. */
  readonly newEpoch?: () => string;
}

export interface ResolvedOutboxOptions {
  readonly maxBytes: number;
  readonly maxAgeMs: number;
  readonly defaultPolicy: OverflowPolicy;
  readonly policies: Readonly<Record<string, OverflowPolicy>>;
  readonly synchronous: OutboxSynchronous;
  readonly seqBlock: number;
  readonly lockTimeoutMs: number;
  readonly now: () => number;
  readonly newEpoch: () => string;
}

/**
 * Error codes (`OutboxError.code`):
 *
 * | code                      | meaning                                                                  |
 * | ------------------------- | ------------------------------------------------------------------------ |
 * | `OUTBOX_INVALID_OPTIONS`  | an option is out of range; the message lists every bad `field=value`     |
 * | `OUTBOX_OPEN_FAILED`      | the file cannot be opened or is not a SQLite database (or is corrupt)    |
 * | `OUTBOX_LOCKED`           | another connection or process has the outbox open                        |
 * | `OUTBOX_FOREIGN_DATABASE` | a SQLite database that is not an aisle outbox; left untouched            |
 * | `OUTBOX_SCHEMA_TOO_NEW`   | written by a newer aisle (schema version above this code's); untouched   |
 * | `OUTBOX_INVALID_ITEM`     | an item's stream is not a topic level, its `ts` is bad, or no payload    |
 * | `OUTBOX_ACK_OUT_OF_RANGE` | an ack cursor outside [0, nextSeq - 1] or not an integer                 |
 * | `OUTBOX_ACK_WRONG_EPOCH`  | an ack cursor for another outbox database                                |
 * | `OUTBOX_IO_FAILED`        | SQLite failed while reading or writing (disk full, I/O error)            |
 * | `OUTBOX_CLOSED`           | the outbox was used after `close()`                                      |
 */
export type OutboxErrorCode =
  | 'OUTBOX_INVALID_OPTIONS'
  | 'OUTBOX_OPEN_FAILED'
  | 'OUTBOX_LOCKED'
  | 'OUTBOX_FOREIGN_DATABASE'
  | 'OUTBOX_SCHEMA_TOO_NEW'
  | 'OUTBOX_INVALID_ITEM'
  | 'OUTBOX_ACK_OUT_OF_RANGE'
  | 'OUTBOX_ACK_WRONG_EPOCH'
  | 'OUTBOX_IO_FAILED'
  | 'OUTBOX_CLOSED';

export class OutboxError extends Error {
  readonly code: OutboxErrorCode;

  constructor(code: OutboxErrorCode, message: string, options?: { cause: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'OutboxError';
    this.code = code;
  }
}

/**
 * A stream name travels as `BatchDrop.stream`, a topic level. A name the hub's batch schema would
 * reject (an item type such as `shelf.weight`) is refused at the outbox, where the caller can map
 * it, rather than making every later batch that reports its drops undeliverable.
 */
export const STREAM_NAME = /^[a-z0-9-]{1,64}$/;

const POLICIES: readonly string[] = ['drop-oldest', 'reject-new'] satisfies OverflowPolicy[];

function isPositiveInt(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

/** Fills in defaults; throws `OUTBOX_INVALID_OPTIONS` naming every bad field. */
export function resolveOutboxOptions(options: OutboxOptions): ResolvedOutboxOptions {
  const problems: string[] = [];
  const positive = (field: string, value: number | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    if (!isPositiveInt(value)) problems.push(`${field}=${String(value)}: must be a positive integer`);
    return value;
  };
  const maxBytes = positive('maxBytes', options.maxBytes, 1024 ** 3);
  const maxAgeMs = positive('maxAgeMs', options.maxAgeMs, 7 * 86_400_000);
  const seqBlock = positive('seqBlock', options.seqBlock, 100_000);
  const lockTimeoutMs = options.lockTimeoutMs ?? 1000;
  if (!Number.isSafeInteger(lockTimeoutMs) || lockTimeoutMs < 0) {
    problems.push(`lockTimeoutMs=${String(lockTimeoutMs)}: must be an integer ≥ 0`);
  }
  const defaultPolicy = options.defaultPolicy ?? 'drop-oldest';
  if (!POLICIES.includes(defaultPolicy)) problems.push(`defaultPolicy=${String(defaultPolicy)}: not a policy`);
  const policies = options.policies ?? {};
  for (const [stream, policy] of Object.entries(policies)) {
    if (!POLICIES.includes(policy)) problems.push(`policies.${stream}=${String(policy)}: not a policy`);
    if (!STREAM_NAME.test(stream)) problems.push(`policies.${stream}: stream names match ${STREAM_NAME.source}`);
  }
  const synchronous = options.synchronous ?? 'normal';
  if (synchronous !== 'normal' && synchronous !== 'full') {
    problems.push(`synchronous=${String(synchronous)}: must be normal or full`);
  }
  if (problems.length > 0) {
    throw new OutboxError('OUTBOX_INVALID_OPTIONS', `invalid outbox options: ${problems.join('; ')}`);
  }
  const now = options.now ?? Date.now;
  return {
    maxBytes,
    maxAgeMs,
    defaultPolicy,
    policies,
    synchronous,
    seqBlock,
    lockTimeoutMs,
    now,
    newEpoch: options.newEpoch ?? (() => newId(now())),
  };
}
