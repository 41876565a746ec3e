/**
 * The store trace (`aisle-sim trace` → `aisle-hub replenish simulate`): what the writer formats the
 * reader gives back, and a bad file is refused with its line number and the reason.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatStoreTraceEvent,
  formatStoreTraceHeader,
  parseStoreTrace,
  StoreTraceError,
  type StoreTraceEvent,
  type StoreTraceHeader,
  StoreTraceReader,
  TRACE_SHRINK,
  TRACE_WANT,
} from '../../protocols/src/index.js';

const START = Date.UTC(2026, 0, 4, 20);
const H = 3_600_000;

const lane = (id: string, sku: string, walk: number) => ({
  lane: id,
  sku,
  capacity: 24,
  facings: 2,
  zone: 'z1',
  walk,
  unitGrams: 450,
});

const HEADER: StoreTraceHeader = {
  v: 1,
  kind: 'aisle-store-trace',
  scenario: 'tiny',
  seed: 7,
  startMs: START,
  endMs: START + 48 * H,
  utcOffsetHours: 11,
  sites: [
    { id: 'store-a', lanes: [lane('a01-s0-p00', 'SKU-1', 100_000), lane('a01-s1-p00', 'SKU-2', 100_001)] },
    { id: 'store-b', lanes: [lane('a01-s0-p00', 'SKU-2', 100_000)] },
  ],
  skus: [
    { sku: 'SKU-1', casePack: 12, priceCents: 350 },
    { sku: 'SKU-2', casePack: 6, priceCents: 1299 },
  ],
  shrinkLanes: [{ site: 'store-a', lane: 'a01-s1-p00', onsetMs: START + 2 * H }],
};

const EVENTS: StoreTraceEvent[] = [
  { kind: TRACE_WANT, t: START + 60_000, site: 0, sku: 0, units: 2, posAt: START + 18 * 60_000 },
  { kind: TRACE_WANT, t: START + 60_000, site: 1, sku: 1, units: 1, posAt: START + 60_000 },
  { kind: TRACE_SHRINK, t: START + 2 * H, site: 0, lane: 1 },
  { kind: TRACE_WANT, t: START + 48 * H, site: 0, sku: 1, units: 3, posAt: START + 48 * H + 5000 },
];

function traceText(header: StoreTraceHeader, events: readonly StoreTraceEvent[]): string {
  return [formatStoreTraceHeader(header), ...events.map((e) => formatStoreTraceEvent(header.startMs, e)), ''].join(
    '\n',
  );
}

/** The error a trace of `header` followed by `lines` is refused with. */
function refusal(lines: readonly string[], header = formatStoreTraceHeader(HEADER)): StoreTraceError {
  try {
    parseStoreTrace([header, ...lines].join('\n'));
  } catch (error) {
    if (error instanceof StoreTraceError) return error;
    throw error;
  }
  throw new Error('the trace was accepted');
}

describe('store trace', () => {
  it('reads back what was written: the header, and every event in columns with absolute times', () => {
    const text = traceText(HEADER, EVENTS);
    expect(text.split('\n').slice(1, 3)).toEqual(['w,60000,0,0,2,1020000', 'w,60000,1,1,1,0']);
    expect(text.split('\n')[3]).toBe(`s,${2 * H},0,1`);
    const trace = parseStoreTrace(text);
    expect(trace.header).toEqual(HEADER);
    expect(trace.length).toBe(4);
    expect([...trace.t]).toEqual(EVENTS.map((e) => e.t));
    expect([...trace.kind]).toEqual([TRACE_WANT, TRACE_WANT, TRACE_SHRINK, TRACE_WANT]);
    expect([...trace.site]).toEqual([0, 1, 0, 0]);
    expect([...trace.target]).toEqual([0, 1, 1, 1]);
    expect([...trace.units]).toEqual([2, 1, 1, 3]);
    expect([...trace.posAt]).toEqual([START + 18 * 60_000, START + 60_000, START + 2 * H, START + 48 * H + 5000]);
  });

  it('grows past its first allocation and keeps every event (a long trace, line by line)', () => {
    const reader = new StoreTraceReader();
    reader.header(formatStoreTraceHeader(HEADER));
    const n = 5000;
    for (let i = 0; i < n; i++) reader.line(`w,${i * 1000},0,${i % 2},${1 + (i % 3)},60000`, i + 2);
    const trace = reader.finish();
    expect(trace.length).toBe(n);
    expect(trace.t[n - 1]).toBe(START + (n - 1) * 1000);
    expect(trace.units.reduce((a, b) => a + b, 0)).toBe(
      Array.from({ length: n }, (_, i) => 1 + (i % 3)).reduce((a, b) => a + b),
    );
  });

  it('round-trips any time-ordered events within the header', () => {
    const event = fc.oneof(
      fc.record({
        kind: fc.constant(TRACE_WANT),
        dt: fc.integer({ min: 0, max: 48 * H }),
        site: fc.constant(0),
        sku: fc.integer({ min: 0, max: 1 }),
        units: fc.integer({ min: 1, max: 65_535 }),
        pay: fc.integer({ min: 0, max: 4 * H }),
      }),
      fc.record({
        kind: fc.constant(TRACE_SHRINK),
        dt: fc.integer({ min: 0, max: 48 * H }),
        site: fc.integer({ min: 0, max: 1 }),
        lane: fc.constant(0),
        pay: fc.constant(0),
      }),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 50 }), (drawn) => {
        const events = drawn
          .sort((a, b) => a.dt - b.dt)
          .map((e): StoreTraceEvent => {
            const t = START + e.dt;
            return e.kind === TRACE_WANT
              ? { kind: TRACE_WANT, t, site: e.site, sku: e.sku, units: e.units, posAt: t + e.pay }
              : { kind: TRACE_SHRINK, t, site: e.site, lane: e.lane };
          });
        const trace = parseStoreTrace(traceText(HEADER, events));
        expect(trace.length).toBe(events.length);
        events.forEach((e, i) => {
          expect(trace.t[i]).toBe(e.t);
          expect(trace.kind[i]).toBe(e.kind);
          expect(trace.site[i]).toBe(e.site);
          expect(trace.target[i]).toBe(e.kind === TRACE_WANT ? e.sku : e.lane);
          expect(trace.units[i]).toBe(e.kind === TRACE_WANT ? e.units : 1);
          expect(trace.posAt[i]).toBe(e.kind === TRACE_WANT ? e.posAt : e.t);
        });
      }),
    );
  });

  it('refuses garbage lines with a StoreTraceError naming the line, never anything else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (garbage) => {
        const reader = new StoreTraceReader();
        reader.header(formatStoreTraceHeader(HEADER));
        try {
          reader.line(garbage, 9);
        } catch (error) {
          expect(error).toBeInstanceOf(StoreTraceError);
          expect((error as StoreTraceError).line).toBe(9);
          expect((error as Error).message).toMatch(/^store trace line 9: /);
        }
      }),
    );
  });

  it.each([
    ['an unknown event kind', ['x,0,0,0'], 2, 'unknown event kind "x" (expected w or s)'],
    ['a want with too few fields', ['w,0,0,0,1'], 2, 'a want has 6 fields, got 5'],
    ['a shrink attempt with too many fields', ['s,0,0,0,1'], 2, 'a shrink attempt has 4 fields, got 5'],
    ['a negative time', ['w,-5,0,0,1,0'], 2, 't must be a non-negative integer, got "-5"'],
    ['a fractional number', ['w,0,0,0,1.5,0'], 2, 'units must be a non-negative integer, got "1.5"'],
    ['an empty field', ['w,0,,0,1,0'], 2, 'site must be a non-negative integer, got ""'],
    ['zero units', ['w,0,0,0,0,0'], 2, 'units must be 1–65535, got 0'],
    ['a site out of range', ['w,0,2,0,1,0'], 2, 'site index 2 out of range (2 sites)'],
    ['a SKU out of range', ['w,0,0,2,1,0'], 2, 'SKU index 2 out of range (2 SKUs)'],
    ['a SKU the site has no lane for', ['w,0,1,0,1,0'], 2, 'site store-b has no lane holding SKU-1 (index 0)'],
    ['a lane out of range', ['s,0,1,1'], 2, 'lane index 1 out of range (site store-b has 1 lanes)'],
    ['time going backwards', ['w,5000,0,0,1,0', '', 's,4999,0,0'], 4, 'time goes backwards (4999 after 5000)'],
    ['an event after the end', [`s,${48 * H + 1},0,0`], 2, `t ${48 * H + 1} is after the header's endMs`],
  ])('refuses %s with its line number', (_, lines, line, reason) => {
    const error = refusal(lines);
    expect(error.line).toBe(line);
    expect(error.message).toBe(`store trace line ${line}: ${reason}`);
  });

  it('refuses a header that is not JSON, does not match the schema, or contradicts itself, as line 1', () => {
    expect(refusal([], '{"v":1,').message).toMatch(/^store trace line 1: the header is not JSON \(/);
    const wrongKind = refusal([], JSON.stringify({ ...HEADER, kind: 'csv', seed: -1 }));
    expect(wrongKind.line).toBe(1);
    expect(wrongKind.message).toMatch(/^store trace line 1: invalid header: /);
    expect(wrongKind.message).toContain('/kind: ');
    expect(wrongKind.message).toContain('/seed: ');
    const contradictions = refusal(
      [],
      JSON.stringify({
        ...HEADER,
        endMs: START - 1,
        sites: [{ id: 'store-a', lanes: [lane('l1', 'SKU-9', 1), lane('l1', 'SKU-1', 2)] }],
        shrinkLanes: [{ site: 'store-b', lane: 'l1', onsetMs: START }],
      }),
    );
    expect(contradictions.message).toBe(
      'store trace line 1: invalid header: /endMs: before startMs (got ' +
        `${START - 1} < ${START}); /sites/0/lanes/0/sku: "SKU-9" is not in /skus; /sites/0/lanes/1/lane: "l1" is listed twice; ` +
        '/shrinkLanes/0: no lane "l1" at site "store-b"',
    );
  });

  it('refuses events before the header and a trace without one', () => {
    const reader = new StoreTraceReader();
    expect(() => reader.line('w,0,0,0,1,0', 1)).toThrow('store trace line 1: an event before the header');
    expect(() => reader.finish()).toThrow('store trace line 1: missing header (the trace is empty)');
    expect(() => parseStoreTrace('')).toThrow('store trace line 1: missing header (the trace is empty)');
  });
});
