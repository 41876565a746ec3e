import { Type } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { schemaProblems } from '../codec.js';
import { EpochMs, Level, Sku } from '../schemas/common.js';

/**
 * A store trace (`aisle-sim trace`): the simulated stores' layout and the time-ordered stream of
 * what shoppers wanted and of shrink attempts, so a replenishment policy can run in the loop
 * against the simulator's world without importing it.
 *
 * Shoppers choose what they want on arrival, before they see the shelf, and shrink attempts come
 * on their own clock, so the stream does not depend on stock. With the floor rule it reproduces the
 * world whatever the restocking:
 * - every lane holds `capacity` units at `startMs`;
 * - a want takes from the fullest lane of its site holding the SKU (a tie goes to the lane listed
 *   first); what that lane does not have is a lost sale;
 * - a shrink attempt removes 1 unit from its lane if it has any;
 * - events at the same millisecond apply in file order.
 *
 * Text format, one record a line: line 1 the JSON header, then `w,<t − startMs>,<site>,<sku>,
 * <units>,<posAt − t>` (a want: site index, SKU index into `skus`) or `s,<t − startMs>,<site>,
 * <lane>` (a shrink attempt: lane index within the site), times in integer milliseconds, `t`
 * non-decreasing and at most `endMs`. Blank lines are ignored.
 */

const StoreTraceLaneSchema = Type.Object({
  lane: Level,
  sku: Sku,
  capacity: Type.Integer({ minimum: 0, maximum: 65_535 }),
  facings: Type.Integer({ minimum: 1 }),
  zone: Type.String(),
  walk: Type.Number(),
  unitGrams: Type.Number({ exclusiveMinimum: 0 }),
});

const StoreTraceHeaderSchema = Type.Object({
  v: Type.Literal(1),
  kind: Type.Literal('aisle-store-trace'),
  scenario: Type.String(),
  seed: Type.Integer({ minimum: 0 }),
  startMs: EpochMs,
  endMs: EpochMs,
  utcOffsetHours: Type.Number({ minimum: -12, maximum: 14 }),
  sites: Type.Array(Type.Object({ id: Level, lanes: Type.Array(StoreTraceLaneSchema) }), { maxItems: 65_536 }),
  skus: Type.Array(
    Type.Object({ sku: Sku, casePack: Type.Integer({ minimum: 1 }), priceCents: Type.Integer({ minimum: 0 }) }),
  ),
  shrinkLanes: Type.Array(Type.Object({ site: Level, lane: Level, onsetMs: EpochMs })),
});

export interface StoreTraceLane {
  readonly lane: string;
  readonly sku: string;
  readonly capacity: number;
  readonly facings: number;
  readonly zone: string;
  /** Position along the walking path: larger is further along (the simulator: aisle, position, shelf). */
  readonly walk: number;
  readonly unitGrams: number;
}

export interface StoreTraceSite {
  readonly id: string;
  readonly lanes: readonly StoreTraceLane[];
}

export interface StoreTraceSku {
  readonly sku: string;
  readonly casePack: number;
  readonly priceCents: number;
}

export interface StoreTraceHeader {
  readonly v: 1;
  readonly kind: 'aisle-store-trace';
  readonly scenario: string;
  readonly seed: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly utcOffsetHours: number;
  readonly sites: readonly StoreTraceSite[];
  readonly skus: readonly StoreTraceSku[];
  /**
   * Ground truth of the injected phantom (shrink) lanes whose first attempt falls within the trace:
   * site id, lane id, and the epoch ms of that first attempt.
   */
  readonly shrinkLanes: readonly { readonly site: string; readonly lane: string; readonly onsetMs: number }[];
}

export const TRACE_WANT = 0;
export const TRACE_SHRINK = 1;

/** A trace in columns: event i is `t[i]`, `kind[i]`, ... */
export interface StoreTrace {
  readonly header: StoreTraceHeader;
  readonly length: number;
  /** Epoch ms, non-decreasing. */
  readonly t: Float64Array;
  /** `TRACE_WANT` or `TRACE_SHRINK`. */
  readonly kind: Uint8Array;
  /** Index into `header.sites`. */
  readonly site: Uint16Array;
  /** Want: index into `header.skus`; shrink: lane index within the site. */
  readonly target: Uint32Array;
  /** Want: units wanted; shrink: 1. */
  readonly units: Uint16Array;
  /** Want: epoch ms the shopper pays at the register (what the POS reports); shrink: same as `t`. */
  readonly posAt: Float64Array;
}

/** One event as the writer hands it over (absolute epoch ms). */
export type StoreTraceEvent =
  | {
      readonly kind: typeof TRACE_WANT;
      readonly t: number;
      readonly site: number;
      readonly sku: number;
      readonly units: number;
      readonly posAt: number;
    }
  | { readonly kind: typeof TRACE_SHRINK; readonly t: number; readonly site: number; readonly lane: number };

/** A trace that cannot be read: `line` is 1-based (the header is line 1). */
export class StoreTraceError extends Error {
  readonly code = 'STORE_TRACE_INVALID';
  readonly line: number;

  constructor(line: number, reason: string) {
    super(`store trace line ${line}: ${reason}`);
    this.name = 'StoreTraceError';
    this.line = line;
  }
}

/** Line 1 of a trace file (no newline). */
export function formatStoreTraceHeader(header: StoreTraceHeader): string {
  return JSON.stringify(header);
}

/** One event line (no newline); times relative to the header's `startMs`. */
export function formatStoreTraceEvent(startMs: number, event: StoreTraceEvent): string {
  return event.kind === TRACE_WANT
    ? `w,${event.t - startMs},${event.site},${event.sku},${event.units},${event.posAt - event.t}`
    : `s,${event.t - startMs},${event.site},${event.lane}`;
}

let compiled: TypeCheck<typeof StoreTraceHeaderSchema> | undefined;

/** The header, or every problem with it as `path: problem`. */
function parseHeader(value: unknown): StoreTraceHeader | string[] {
  compiled ??= TypeCompiler.Compile(StoreTraceHeaderSchema);
  if (!compiled.Check(value)) return schemaProblems(compiled, value);
  // Typed as the interface: the schema's type must fit what the rest of the code reads.
  const header: StoreTraceHeader = value;
  const problems = headerProblems(header);
  return problems.length > 0 ? problems : header;
}

/** Cross-references JSON Schema cannot state: unique ids, lanes naming listed SKUs, shrink lanes that exist. */
function headerProblems(h: StoreTraceHeader): string[] {
  const problems: string[] = [];
  if (h.endMs < h.startMs) problems.push(`/endMs: before startMs (got ${h.endMs} < ${h.startMs})`);
  const skus = new Set<string>();
  h.skus.forEach((s, i) => {
    if (skus.has(s.sku)) problems.push(`/skus/${i}/sku: "${s.sku}" is listed twice`);
    skus.add(s.sku);
  });
  const sites = new Map<string, Set<string>>();
  h.sites.forEach((site, i) => {
    if (sites.has(site.id)) problems.push(`/sites/${i}/id: "${site.id}" is listed twice`);
    const lanes = new Set<string>();
    site.lanes.forEach((lane, j) => {
      if (lanes.has(lane.lane)) problems.push(`/sites/${i}/lanes/${j}/lane: "${lane.lane}" is listed twice`);
      if (!skus.has(lane.sku)) problems.push(`/sites/${i}/lanes/${j}/sku: "${lane.sku}" is not in /skus`);
      lanes.add(lane.lane);
    });
    sites.set(site.id, lanes);
  });
  h.shrinkLanes.forEach((s, i) => {
    if (sites.get(s.site)?.has(s.lane) !== true)
      problems.push(`/shrinkLanes/${i}: no lane "${s.lane}" at site "${s.site}"`);
  });
  return problems;
}

const INITIAL_CAPACITY = 1024;

/**
 * Reads a trace line by line into a `StoreTrace` (columns grown by doubling): `header(line 1)`,
 * then `line(text, lineNo)` for every further line, then `finish()`. Every problem throws a
 * `StoreTraceError` naming the line and the reason.
 */
export class StoreTraceReader {
  #header: StoreTraceHeader | undefined;
  /** `stocked[site * skus + sku]`: 1 when the site has a lane holding the SKU. */
  #stocked = new Uint8Array(0);
  #laneCounts: number[] = [];
  #length = 0;
  #lastT = Number.NEGATIVE_INFINITY;
  #t = new Float64Array(INITIAL_CAPACITY);
  #kind = new Uint8Array(INITIAL_CAPACITY);
  #site = new Uint16Array(INITIAL_CAPACITY);
  #target = new Uint32Array(INITIAL_CAPACITY);
  #units = new Uint16Array(INITIAL_CAPACITY);
  #posAt = new Float64Array(INITIAL_CAPACITY);

  header(line: string): void {
    if (this.#header !== undefined) throw new StoreTraceError(1, 'the header was already read');
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new StoreTraceError(1, `the header is not JSON (${(error as Error).message})`);
    }
    const header = parseHeader(value);
    if (Array.isArray(header)) throw new StoreTraceError(1, `invalid header: ${header.join('; ')}`);
    const skuIndex = new Map(header.skus.map((s, i) => [s.sku, i]));
    this.#stocked = new Uint8Array(header.sites.length * header.skus.length);
    header.sites.forEach((site, s) => {
      for (const lane of site.lanes) this.#stocked[s * header.skus.length + (skuIndex.get(lane.sku) as number)] = 1;
    });
    this.#laneCounts = header.sites.map((s) => s.lanes.length);
    this.#header = header;
  }

  line(line: string, lineNo: number): void {
    const header = this.#header;
    if (header === undefined)
      throw new StoreTraceError(lineNo, 'an event before the header (line 1 must be the JSON header)');
    if (line.length === 0) return;
    const f = line.split(',');
    const kind = f[0];
    if (kind !== 'w' && kind !== 's')
      throw new StoreTraceError(lineNo, `unknown event kind "${(kind ?? '').slice(0, 20)}" (expected w or s)`);
    const fields = kind === 'w' ? 6 : 4;
    if (f.length !== fields)
      throw new StoreTraceError(
        lineNo,
        `${kind === 'w' ? 'a want' : 'a shrink attempt'} has ${fields} fields, got ${f.length}`,
      );
    const t = header.startMs + count(f[1], 't', lineNo);
    if (t < this.#lastT)
      throw new StoreTraceError(
        lineNo,
        `time goes backwards (${t - header.startMs} after ${this.#lastT - header.startMs})`,
      );
    if (t > header.endMs) throw new StoreTraceError(lineNo, `t ${t - header.startMs} is after the header's endMs`);
    const site = count(f[2], 'site', lineNo);
    if (site >= header.sites.length)
      throw new StoreTraceError(lineNo, `site index ${site} out of range (${header.sites.length} sites)`);
    const target = count(f[3], kind === 'w' ? 'sku' : 'lane', lineNo);
    let units = 1;
    let posAt = t;
    if (kind === 'w') {
      if (target >= header.skus.length)
        throw new StoreTraceError(lineNo, `SKU index ${target} out of range (${header.skus.length} SKUs)`);
      if (this.#stocked[site * header.skus.length + target] !== 1)
        throw new StoreTraceError(
          lineNo,
          `site ${header.sites[site]?.id} has no lane holding ${header.skus[target]?.sku} (index ${target})`,
        );
      units = count(f[4], 'units', lineNo);
      if (units < 1 || units > 65_535) throw new StoreTraceError(lineNo, `units must be 1–65535, got ${units}`);
      posAt = t + count(f[5], 'posAt − t', lineNo);
    } else if (target >= (this.#laneCounts[site] as number)) {
      throw new StoreTraceError(
        lineNo,
        `lane index ${target} out of range (site ${header.sites[site]?.id} has ${this.#laneCounts[site]} lanes)`,
      );
    }
    if (this.#length === this.#t.length) this.#grow();
    const i = this.#length++;
    this.#t[i] = t;
    this.#kind[i] = kind === 'w' ? TRACE_WANT : TRACE_SHRINK;
    this.#site[i] = site;
    this.#target[i] = target;
    this.#units[i] = units;
    this.#posAt[i] = posAt;
    this.#lastT = t;
  }

  finish(): StoreTrace {
    const header = this.#header;
    if (header === undefined) throw new StoreTraceError(1, 'missing header (the trace is empty)');
    const n = this.#length;
    return {
      header,
      length: n,
      t: this.#t.slice(0, n),
      kind: this.#kind.slice(0, n),
      site: this.#site.slice(0, n),
      target: this.#target.slice(0, n),
      units: this.#units.slice(0, n),
      posAt: this.#posAt.slice(0, n),
    };
  }

  #grow(): void {
    const size = this.#t.length * 2;
    const grow = <A extends Float64Array | Uint8Array | Uint16Array | Uint32Array>(a: A, make: (n: number) => A): A => {
      const b = make(size);
      b.set(a as ArrayLike<number>);
      return b;
    };
    this.#t = grow(this.#t, (n) => new Float64Array(n));
    this.#kind = grow(this.#kind, (n) => new Uint8Array(n));
    this.#site = grow(this.#site, (n) => new Uint16Array(n));
    this.#target = grow(this.#target, (n) => new Uint32Array(n));
    this.#units = grow(this.#units, (n) => new Uint16Array(n));
    this.#posAt = grow(this.#posAt, (n) => new Float64Array(n));
  }
}

/** A non-negative integer field (`Number` alone would read an empty field as 0). */
function count(field: string | undefined, name: string, lineNo: number): number {
  const value = Number(field);
  if (field === undefined || field === '' || !Number.isSafeInteger(value) || value < 0)
    throw new StoreTraceError(lineNo, `${name} must be a non-negative integer, got "${(field ?? '').slice(0, 20)}"`);
  return value;
}

/** A whole trace held in one string (tests, small traces); large files go line by line through a reader. */
export function parseStoreTrace(text: string): StoreTrace {
  const reader = new StoreTraceReader();
  const lines = text.split('\n');
  if (lines[0] === undefined || lines[0] === '') throw new StoreTraceError(1, 'missing header (the trace is empty)');
  reader.header(lines[0]);
  for (let i = 1; i < lines.length; i++) reader.line(lines[i] as string, i + 1);
  return reader.finish();
}
