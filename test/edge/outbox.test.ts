/**
 * The durable outbox: identity (epoch), numbering (oseq), ack cursor, peek for batches, typed
 * errors for files that are not outboxes, and the append buffer. Bounds and overflow policies are
 * in outbox-bounds.test.ts; kill -9 in outbox-crash.test.ts.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppendBuffer } from '../../edge/src/outbox/append-buffer.js';
import { OutboxError, type OutboxErrorCode, type OutboxItem } from '../../edge/src/outbox/options.js';
import { Outbox } from '../../edge/src/outbox/outbox.js';
import type { UplinkOutbox } from '../../edge/src/uplink/uplink.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ALL = { maxItems: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER };

let dir: string;
let open: Outbox[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aisle-outbox-'));
  open = [];
});
afterEach(() => {
  for (const outbox of open) outbox.close();
  rmSync(dir, { recursive: true, force: true });
});

function openOutbox(name = 'outbox.db', options: Parameters<typeof Outbox.open>[1] = {}): Outbox {
  const outbox = Outbox.open(join(dir, name), options);
  open.push(outbox);
  return outbox;
}

function items(count: number, stream = 'a', payload = (i: number) => `row-${i}`): OutboxItem[] {
  return Array.from({ length: count }, (_, i) => ({ stream, ts: 1_000 + i, payload: payload(i) }));
}

/** What `run` throws (undefined if nothing). */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

/**
 * Rewrites a 4-byte big-endian field of a closed database's header (sqlite.org/fileformat.html
 * §1.3: offset 60 is user_version, 68 application_id), as another program or version would.
 */
function patchHeader(path: string, offset: 60 | 68, value: number): void {
  expect(existsSync(`${path}-wal`), 'a WAL would shadow the header').toBe(false);
  const field = Buffer.alloc(4);
  field.writeUInt32BE(value);
  const fd = openSync(path, 'r+');
  writeSync(fd, field, 0, 4, offset);
  closeSync(fd);
}

/** The OutboxError code `run` throws (fails the test if it throws something else or nothing). */
function codeOf(run: () => unknown): OutboxErrorCode {
  try {
    run();
  } catch (error) {
    if (error instanceof OutboxError) return error.code;
    throw error;
  }
  throw new Error('expected an OutboxError, nothing was thrown');
}

describe('Outbox identity and numbering', () => {
  it('gives a new database a new UUIDv7 epoch and keeps it across reopen', () => {
    const first = openOutbox('a.db');
    const epoch = first.epoch;
    first.close();
    expect(epoch).toMatch(UUID_V7);
    expect(openOutbox('a.db').epoch).toBe(epoch);
    expect(openOutbox('b.db').epoch).not.toBe(epoch);
  });

  it('numbers rows from 1 in one transaction per call, and keeps them in order with their fields', () => {
    let now = 5_000;
    const outbox = openOutbox('outbox.db', { now: () => now });
    expect(outbox.append(items(3)).accepted).toEqual([1, 2, 3]);
    now = 6_000;
    expect(outbox.append([{ stream: 'b', ts: 42, payload: '{"x":1}' }]).accepted).toEqual([4]);
    expect(outbox.peek(0, ALL)).toEqual([
      { oseq: 1, stream: 'a', ts: 1_000, createdAt: 5_000, payload: 'row-0' },
      { oseq: 2, stream: 'a', ts: 1_001, createdAt: 5_000, payload: 'row-1' },
      { oseq: 3, stream: 'a', ts: 1_002, createdAt: 5_000, payload: 'row-2' },
      { oseq: 4, stream: 'b', ts: 42, createdAt: 6_000, payload: '{"x":1}' },
    ]);
    expect(outbox.stats()).toMatchObject({ depth: 4, bytes: 5 * 3 + 7, nextSeq: 5, ackedSeq: 0 });
  });

  it('never reuses an oseq after every row was acked and the outbox reopened cleanly (no gap either)', () => {
    const outbox = openOutbox();
    outbox.append(items(3));
    outbox.ack(3);
    outbox.close();
    const again = openOutbox();
    expect(again.stats()).toMatchObject({ depth: 0, nextSeq: 4, ackedSeq: 3 });
    expect(again.append(items(2)).accepted).toEqual([4, 5]);
  });

  it('refuses a whole call with an invalid item, consuming no oseq', () => {
    const outbox = openOutbox();
    const bad = [...items(2), { stream: 'a', ts: -1, payload: 'x' }];
    expect(codeOf(() => outbox.append(bad))).toBe('OUTBOX_INVALID_ITEM');
    expect(codeOf(() => outbox.append([{ stream: '', ts: 1, payload: 'x' }]))).toBe('OUTBOX_INVALID_ITEM');
    // Streams travel as BatchDrop.stream, a topic level: an item type with a dot must be mapped first.
    expect(codeOf(() => outbox.append([{ stream: 'shelf.weight', ts: 1, payload: 'x' }]))).toBe('OUTBOX_INVALID_ITEM');
    expect(outbox.stats().depth).toBe(0);
    expect(outbox.append(items(1)).accepted).toEqual([1]);
  });
});

describe('Outbox.ack', () => {
  it('deletes exactly the rows with oseq ≤ seq and persists the cursor', () => {
    const outbox = openOutbox();
    outbox.append(items(10));
    expect(outbox.ack(4)).toBe(4);
    expect(outbox.peek(0, ALL).map((r) => r.oseq)).toEqual([5, 6, 7, 8, 9, 10]);
    outbox.close();
    const again = openOutbox();
    expect(again.stats()).toMatchObject({ ackedSeq: 4, depth: 6, bytes: 6 * 5 });
    expect(again.peek(0, ALL).map((r) => r.oseq)).toEqual([5, 6, 7, 8, 9, 10]);
  });

  it('treats a cursor at or below the current one as a repeat: nothing changes', () => {
    const outbox = openOutbox();
    outbox.append(items(5));
    outbox.ack(3);
    expect(outbox.ack(3)).toBe(0);
    expect(outbox.ack(1)).toBe(0);
    expect(outbox.ack(0)).toBe(0);
    expect(outbox.stats()).toMatchObject({ ackedSeq: 3, depth: 2 });
  });

  it('refuses cursors outside [0, nextSeq - 1] and cursors of another epoch, changing nothing', () => {
    const outbox = openOutbox();
    outbox.append(items(3));
    expect(codeOf(() => outbox.ack(4))).toBe('OUTBOX_ACK_OUT_OF_RANGE');
    expect(codeOf(() => outbox.ack(-1))).toBe('OUTBOX_ACK_OUT_OF_RANGE');
    expect(codeOf(() => outbox.ack(1.5))).toBe('OUTBOX_ACK_OUT_OF_RANGE');
    expect(codeOf(() => outbox.ack(2, '01890a5d-ac96-774b-bcce-b302099a8057'))).toBe('OUTBOX_ACK_WRONG_EPOCH');
    expect(outbox.stats()).toMatchObject({ ackedSeq: 0, depth: 3 });
    expect(outbox.ack(3, outbox.epoch)).toBe(3);
  });
});

describe('Outbox as the uplink sees it', () => {
  it('implements UplinkOutbox: lastSeq is the highest number handed out, ackedSeq the persisted cursor', () => {
    const outbox = openOutbox();
    const uplinkView: UplinkOutbox = outbox;
    expect([uplinkView.lastSeq(), uplinkView.ackedSeq()]).toEqual([0, 0]);
    outbox.append(items(4));
    uplinkView.ack(2);
    expect([uplinkView.lastSeq(), uplinkView.ackedSeq()]).toEqual([4, 2]);
    expect(uplinkView.peek(uplinkView.ackedSeq(), ALL).map((r) => r.oseq)).toEqual([3, 4]);
  });
});

describe('Outbox.peek', () => {
  it('returns rows after afterSeq in oseq order, at most maxItems', () => {
    const outbox = openOutbox();
    outbox.append(items(10));
    expect(outbox.peek(0, { maxItems: 3, maxBytes: 1e6 }).map((r) => r.oseq)).toEqual([1, 2, 3]);
    expect(outbox.peek(7, { maxItems: 100, maxBytes: 1e6 }).map((r) => r.oseq)).toEqual([8, 9, 10]);
    expect(outbox.peek(10, { maxItems: 100, maxBytes: 1e6 })).toEqual([]);
  });

  it('stops before the row that would take the payload bytes (UTF-8) over maxBytes', () => {
    const outbox = openOutbox();
    // 100 bytes each; 'é' is 2 bytes in UTF-8, so the last row is 120 bytes in 60 characters.
    outbox.append([...items(4, 'a', () => 'x'.repeat(100)), { stream: 'a', ts: 1, payload: 'é'.repeat(60) }]);
    expect(outbox.peek(0, { maxItems: 100, maxBytes: 250 }).map((r) => r.oseq)).toEqual([1, 2]);
    expect(outbox.peek(0, { maxItems: 100, maxBytes: 300 }).map((r) => r.oseq)).toEqual([1, 2, 3]);
    expect(outbox.peek(3, { maxItems: 100, maxBytes: 219 }).map((r) => r.oseq)).toEqual([4]);
    expect(outbox.peek(3, { maxItems: 100, maxBytes: 220 }).map((r) => r.oseq)).toEqual([4, 5]);
  });

  it('returns a single row larger than maxBytes on its own, so one big row cannot wedge the uplink', () => {
    const outbox = openOutbox();
    outbox.append(items(2, 'a', () => 'x'.repeat(500)));
    expect(outbox.peek(0, { maxItems: 100, maxBytes: 100 }).map((r) => r.oseq)).toEqual([1]);
  });
});

describe('Outbox.open on files that are not (our) outboxes', () => {
  it('refuses a file that is not a SQLite database with OUTBOX_OPEN_FAILED and leaves it as it was', () => {
    const path = join(dir, 'garbage.db');
    const garbage = Buffer.from('this is a shelf log, not a database\n'.repeat(200));
    writeFileSync(path, garbage);
    const error = thrown(() => Outbox.open(path));
    expect(error).toBeInstanceOf(OutboxError);
    expect((error as OutboxError).code).toBe('OUTBOX_OPEN_FAILED');
    expect((error as OutboxError).message).toContain('not a SQLite database');
    expect(readFileSync(path).equals(garbage)).toBe(true);
  });

  it('refuses another program’s SQLite database with OUTBOX_FOREIGN_DATABASE and leaves it as it was', () => {
    // Tables but no application id (what most tools create), or someone else's application id.
    for (const [name, applicationId] of [
      ['plain.db', 0],
      ['other-app.db', 0x1234_5678],
    ] as const) {
      const path = join(dir, name);
      openOutbox(name).close();
      patchHeader(path, 60, 0);
      patchHeader(path, 68, applicationId);
      const before = readFileSync(path);
      expect(codeOf(() => Outbox.open(path))).toBe('OUTBOX_FOREIGN_DATABASE');
      expect(readFileSync(path).equals(before)).toBe(true);
      expect(existsSync(`${path}-wal`)).toBe(false);
    }
  });

  it('refuses an outbox written by a newer schema with OUTBOX_SCHEMA_TOO_NEW', () => {
    const path = join(dir, 'new.db');
    openOutbox('new.db').close();
    patchHeader(path, 60, 99);
    expect(codeOf(() => Outbox.open(path))).toBe('OUTBOX_SCHEMA_TOO_NEW');
  });

  it('gives OUTBOX_OPEN_FAILED for a directory or a path whose folder does not exist', () => {
    mkdirSync(join(dir, 'a-folder'));
    expect(codeOf(() => Outbox.open(join(dir, 'a-folder')))).toBe('OUTBOX_OPEN_FAILED');
    expect(codeOf(() => Outbox.open(join(dir, 'missing', 'outbox.db')))).toBe('OUTBOX_OPEN_FAILED');
  });

  it('gives OUTBOX_LOCKED while another connection has the outbox open', () => {
    openOutbox('busy.db');
    expect(codeOf(() => Outbox.open(join(dir, 'busy.db'), { lockTimeoutMs: 0 }))).toBe('OUTBOX_LOCKED');
  });

  it('lists every bad option with its value', () => {
    const error = thrown(() =>
      Outbox.open(join(dir, 'x.db'), {
        maxBytes: 0,
        maxAgeMs: 1.5,
        defaultPolicy: 'drop-newest' as never,
        policies: { 'shelf.weight': 'reject-new' },
      }),
    );
    expect((error as OutboxError).code).toBe('OUTBOX_INVALID_OPTIONS');
    expect((error as OutboxError).message).toMatch(
      /maxBytes=0.*maxAgeMs=1\.5.*defaultPolicy=drop-newest.*policies\.shelf\.weight: stream names/,
    );
  });

  it('throws OUTBOX_CLOSED when used after close', () => {
    const outbox = openOutbox();
    outbox.close();
    expect(codeOf(() => outbox.append(items(1)))).toBe('OUTBOX_CLOSED');
    expect(codeOf(() => outbox.stats())).toBe('OUTBOX_CLOSED');
  });
});

describe('AppendBuffer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function spied() {
    const outbox = openOutbox();
    const sink = { append: vi.fn((batch: readonly OutboxItem[]) => outbox.append(batch)) };
    return { outbox, sink };
  }

  it('commits appends made within maxDelayMs in one transaction, then resolves each with its oseqs', async () => {
    vi.useFakeTimers();
    const { outbox, sink } = spied();
    const buffer = new AppendBuffer(sink, { maxItems: 100, maxDelayMs: 20 });
    const first = buffer.add(items(2, 'a'));
    const second = buffer.add(items(1, 'b'));
    vi.advanceTimersByTime(19);
    expect(sink.append).not.toHaveBeenCalled();
    expect(outbox.stats().depth).toBe(0);
    vi.advanceTimersByTime(1);
    expect(sink.append).toHaveBeenCalledTimes(1);
    expect(await first).toEqual({ accepted: [1, 2], refused: 0, perItem: [1, 2] });
    expect(await second).toEqual({ accepted: [3], refused: 0, perItem: [3] });
  });

  it('commits at once when maxItems wait, without waiting for the timer', async () => {
    vi.useFakeTimers();
    const { outbox, sink } = spied();
    const buffer = new AppendBuffer(sink, { maxItems: 4, maxDelayMs: 1_000 });
    void buffer.add(items(3));
    expect(sink.append).not.toHaveBeenCalled();
    const full = buffer.add(items(1));
    expect(sink.append).toHaveBeenCalledTimes(1);
    expect(outbox.stats().depth).toBe(4);
    expect((await full).accepted).toEqual([4]);
    expect(buffer.pending).toBe(0);
  });

  it('rejects every waiting add when the commit fails, and refuses adds after close', async () => {
    const failing = new OutboxError('OUTBOX_IO_FAILED', 'disk full');
    const buffer = new AppendBuffer({
      append: () => {
        throw failing;
      },
    });
    const a = buffer.add(items(1));
    const b = buffer.add(items(1));
    buffer.flush();
    await expect(a).rejects.toBe(failing);
    await expect(b).rejects.toBe(failing);
    buffer.close();
    await expect(buffer.add(items(1))).rejects.toMatchObject({ code: 'OUTBOX_CLOSED' });
  });
});
