import { CSV_REJECT_REASONS, civilToUtcMs, forEachCsvRow, RowRejects } from '@aisle/protocols/csv';
import { buildInteractions, type Interactions, type RawInteraction } from './interactions.js';

/**
 * The one place the recommendation engine touches files: an interactions CSV, one event per line,
 * `user,item,ts` by default or any three header names (`--format household_id,product_id,
 * transaction_timestamp`); other columns are ignored. A bad line is refused with its line number
 * and a reason code, counted, and never stops the read.
 *
 * `ts` may be epoch milliseconds, epoch seconds or ISO 8601. A plain number of at least 10^11 is
 * read as milliseconds (10^11 s is the year 5138; 10^11 ms is March 1973), anything smaller as
 * seconds. ISO 8601: `YYYY-MM-DD`, or with `Thh:mm[:ss[.fff]]` and an optional `Z`, `±hh:mm` or
 * `±hhmm` offset; no offset is read as UTC.
 */

export const INTERACTIONS_CSV_REJECT_REASONS = {
  ...CSV_REJECT_REASONS,
  INTERACTION_USER_EMPTY: 'The user field is empty.',
  INTERACTION_ITEM_EMPTY: 'The item field is empty.',
  INTERACTION_TS_INVALID: 'The timestamp is neither an epoch number (s or ms) nor a real ISO 8601 date/time.',
} as const;
export type InteractionsRejectReason = keyof typeof INTERACTIONS_CSV_REJECT_REASONS;

export interface InteractionsColumns {
  readonly user: string;
  readonly item: string;
  readonly ts: string;
}

export const DEFAULT_COLUMNS: InteractionsColumns = { user: 'user', item: 'item', ts: 'ts' };

/** How many refused lines are kept with their number (all are counted). */
const MAX_REFUSED_LINES = 20;

export interface RefusedLine {
  readonly line: number;
  readonly reason: InteractionsRejectReason;
}

export interface InteractionsFile {
  readonly interactions: Interactions;
  readonly accepted: number;
  readonly rejects: Partial<Record<InteractionsRejectReason, number>>;
  /** The first refused lines, in file order. */
  readonly refused: readonly RefusedLine[];
}

const EPOCH = /^\d+(\.\d+)?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const MS_THRESHOLD = 1e11;

/** Epoch ms of a timestamp field, or `undefined` when it is none of the accepted shapes. */
export function parseTimestampMs(text: string): number | undefined {
  const t = text.trim();
  if (EPOCH.test(t)) {
    const n = Number(t);
    return n >= MS_THRESHOLD ? n : n * 1000;
  }
  const m = ISO.exec(t);
  if (m === null) return undefined;
  const local = civilToUtcMs(
    Number(m[1]),
    Number(m[2]),
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
  );
  if (local === undefined) return undefined;
  const fraction = m[7] === undefined ? 0 : Number(m[7]) * 1000;
  const zone = m[8];
  let offsetMin = 0;
  if (zone !== undefined && zone !== 'Z') {
    const hh = Number(zone.slice(1, 3));
    const mm = Number(zone.slice(-2));
    if (hh > 14 || mm > 59) return undefined;
    offsetMin = (zone[0] === '-' ? -1 : 1) * (hh * 60 + mm);
  }
  return local + fraction - offsetMin * 60_000;
}

export async function readInteractionsCsv(
  path: string,
  columns: InteractionsColumns = DEFAULT_COLUMNS,
): Promise<InteractionsFile> {
  const rejects = new RowRejects<InteractionsRejectReason>();
  const refused: RefusedLine[] = [];
  const events: RawInteraction[] = [];
  const refuse = (line: number, reason: InteractionsRejectReason) => {
    rejects.add(reason);
    if (refused.length < MAX_REFUSED_LINES) refused.push({ line, reason });
  };
  await forEachCsvRow(path, [columns.user, columns.item, columns.ts], (row) => {
    if (!row.ok) return refuse(row.line, row.reason);
    const user = (row.value[columns.user] as string).trim();
    const item = (row.value[columns.item] as string).trim();
    if (user === '') return refuse(row.line, 'INTERACTION_USER_EMPTY');
    if (item === '') return refuse(row.line, 'INTERACTION_ITEM_EMPTY');
    const tsMs = parseTimestampMs(row.value[columns.ts] as string);
    if (tsMs === undefined) return refuse(row.line, 'INTERACTION_TS_INVALID');
    events.push({ user, item, tsMs });
  });
  return { interactions: buildInteractions(events), accepted: events.length, rejects: rejects.snapshot(), refused };
}

/**
 * Product attributes for the content model: one product per line, its id column and the
 * attribute columns to read (`--item-id product_id --item-attributes department,product_category,brand`).
 * Each non-empty value becomes a token `column=value` (the value trimmed); an empty value is no
 * token (a product without a category is still read). A line with an empty id or an id already
 * read is refused with its line number and reason, counted, and never stops the read.
 */
export const ITEM_ATTRIBUTES_CSV_REJECT_REASONS = {
  ...CSV_REJECT_REASONS,
  ITEM_ID_EMPTY: 'The item id field is empty.',
  ITEM_ID_DUPLICATE: 'The item id was already read on an earlier line; the first line is kept.',
} as const;
export type ItemAttributesRejectReason = keyof typeof ITEM_ATTRIBUTES_CSV_REJECT_REASONS;

export interface ItemAttributesColumns {
  readonly id: string;
  readonly attributes: readonly string[];
}

export interface ItemAttributesFile {
  /** Item id → its tokens `column=value`, in the order of `attributes`. */
  readonly attributes: Map<string, string[]>;
  readonly accepted: number;
  readonly rejects: Partial<Record<ItemAttributesRejectReason, number>>;
  readonly refused: readonly { readonly line: number; readonly reason: ItemAttributesRejectReason }[];
}

export async function readItemAttributesCsv(path: string, columns: ItemAttributesColumns): Promise<ItemAttributesFile> {
  const rejects = new RowRejects<ItemAttributesRejectReason>();
  const refused: { line: number; reason: ItemAttributesRejectReason }[] = [];
  const attributes = new Map<string, string[]>();
  const refuse = (line: number, reason: ItemAttributesRejectReason) => {
    rejects.add(reason);
    if (refused.length < MAX_REFUSED_LINES) refused.push({ line, reason });
  };
  await forEachCsvRow(path, [columns.id, ...columns.attributes], (row) => {
    if (!row.ok) return refuse(row.line, row.reason);
    const id = (row.value[columns.id] as string).trim();
    if (id === '') return refuse(row.line, 'ITEM_ID_EMPTY');
    if (attributes.has(id)) return refuse(row.line, 'ITEM_ID_DUPLICATE');
    const tokens: string[] = [];
    for (const column of columns.attributes) {
      const value = (row.value[column] as string).trim();
      if (value !== '') tokens.push(`${column}=${value}`);
    }
    attributes.set(id, tokens);
  });
  return { attributes, accepted: attributes.size, rejects: rejects.snapshot(), refused };
}

/** The tokens of each dense item (`items[i]`), an empty list for an item the attributes file lacks. */
export function itemTokensOf(
  items: readonly string[],
  attributes: ReadonlyMap<string, readonly string[]>,
): readonly (readonly string[])[] {
  return items.map((id) => attributes.get(id) ?? []);
}
