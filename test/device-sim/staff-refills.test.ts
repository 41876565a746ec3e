import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHubArgs } from '../../device-sim/src/run-command.js';
import { parseScenario } from '../../device-sim/src/scenario.js';
import { parseTask, StaffRefills } from '../../device-sim/src/staff/staff-refills.js';
import { MemoryTruth } from '../../device-sim/src/world/truth.js';
import { World } from '../../device-sim/src/world/world.js';
import { smallScenario } from './scenarios.js';

/**
 * The simulated staff's side of the hub's refill tasks: what a task the hub sends means for the
 * shelf (parsing), the bounds (never past a lane's capacity, other stores' and unknown lanes
 * ignored with a reason), and idempotence by task id. The hub end is in hub-refill-tasks.test.ts.
 */

const HOUR = 3_600_000;
const SINCE = Date.UTC(2026, 11, 1);

/** A world after 3 busy hours under `tasks` (nothing restocks by itself), and its lanes below capacity. */
function drainedWorld(overrides: Record<string, unknown> = {}) {
  const truth = new MemoryTruth();
  const scenario = parseScenario({
    ...smallScenario(),
    restock: { belowShare: 0.25, policy: 'tasks' },
    ...overrides,
  });
  const world = new World(scenario, { truth });
  world.run(world.startMs + 3 * HOUR, () => undefined);
  const layout = world.layout('store-a');
  if (layout === undefined) throw new Error('no store-a');
  const units = world.units('store-a');
  const short = layout.lanes.filter((l) => (units[l.index] as number) <= l.capacity - 2);
  const sku = (index: number) => world.catalog.skus[index]?.sku ?? '';
  return { world, truth, layout, short, sku };
}

function doneTask(fields: Record<string, unknown>) {
  return {
    id: 'task-1',
    site: 'store-a',
    kind: 'refill',
    state: 'done',
    units: 5,
    priority: 500,
    createdAt: SINCE,
    updatedAt: SINCE + 60_000,
    closedAt: SINCE + 60_000,
    closedBy: 'ann',
    unitsMoved: 1,
    explanation: { rule: 'manual', text: 'x', values: {} },
    ...fields,
  };
}

describe('parseTask', () => {
  it('reads a done refill task and says why anything else moves no stock', () => {
    expect(parseTask(doneTask({ sku: 'SKU-1', lane: 'a01-s0-p00', unitsMoved: 4 }))).toEqual({
      kind: 'refill',
      task: {
        id: 'task-1',
        site: 'store-a',
        sku: 'SKU-1',
        lane: 'a01-s0-p00',
        unitsMoved: 4,
        closedAt: SINCE + 60_000,
      },
    });
    for (const state of ['open', 'claimed', 'skipped'])
      expect(parseTask(doneTask({ sku: 'SKU-1', lane: 'l', state })).kind).toBe('pending');
    const reason = (value: unknown) => {
      const parsed = parseTask(value);
      return parsed.kind === 'ignored' ? parsed.reason : parsed.kind;
    };
    expect(reason(doneTask({ sku: 'SKU-1', kind: 'recount', lane: 'l' }))).toBe('not-refill');
    expect(reason(doneTask({ sku: 'SKU-1' }))).toBe('no-lane');
    expect(reason(doneTask({ sku: 'SKU-1', lane: 'l', unitsMoved: 0 }))).toBe('no-units');
    expect(reason(doneTask({ sku: 'SKU-1', lane: 'l', unitsMoved: undefined }))).toBe('malformed');
    expect(reason(doneTask({ sku: 'SKU-1', lane: 'l', unitsMoved: -3 }))).toBe('malformed');
    expect(reason(doneTask({ sku: 'SKU-1', lane: 'l', unitsMoved: 2.5 }))).toBe('malformed');
    expect(reason(doneTask({ lane: 'l' }))).toBe('malformed');
    expect(reason('a string')).toBe('malformed');
    expect(reason(null)).toBe('malformed');
    const noSku = parseTask(doneTask({ lane: 'l' }));
    expect(noSku).toMatchObject({
      kind: 'ignored',
      id: 'task-1',
      reason: 'malformed',
      detail: expect.stringMatching(/sku/),
    });
  });
});

describe('StaffRefills', () => {
  it('puts a done task’s units on its lane, once, never past the lane’s capacity', () => {
    const { world, truth, short, sku } = drainedWorld();
    const [a, b] = short;
    if (a === undefined || b === undefined) throw new Error('no lanes below capacity after 3 h');
    const refills = new StaffRefills(world, SINCE);
    const before = world.units('store-a')[a.index] as number;
    const first = doneTask({ id: 'task-a', lane: a.lane, sku: sku(a.sku), unitsMoved: 1 });
    expect(refills.handle(first)).toMatchObject({ kind: 'applied', units: 1, capped: 0 });
    expect(world.units('store-a')[a.index]).toBe(before + 1);
    expect(truth.of('restock')).toEqual([
      { t: world.now, kind: 'restock', site: 'store-a', lane: a.lane, units: 1, reason: 'task:task-a' },
    ]);
    // The same task again (a delta after the catch-up listing, a reconnect): nothing moves.
    expect(refills.handle(first)).toEqual({ kind: 'redelivered', id: 'task-a' });
    expect(refills.handle({ ...first, updatedAt: first.updatedAt + 1 })).toEqual({ kind: 'redelivered', id: 'task-a' });
    expect(world.units('store-a')[a.index]).toBe(before + 1);

    // More units than fit: the lane is full, the rest counted as capped.
    const room = b.capacity - (world.units('store-a')[b.index] as number);
    expect(
      refills.handle(doneTask({ id: 'task-b', lane: b.lane, sku: sku(b.sku), unitsMoved: room + 50 })),
    ).toMatchObject({ kind: 'applied', units: room, capped: 50 });
    expect(world.units('store-a')[b.index]).toBe(b.capacity);
    expect(refills.stats()).toMatchObject({ applied: 2, units: 1 + room, cappedUnits: 50, redelivered: 2 });
  });

  it('counts and ignores tasks of other stores, unknown lanes, other SKUs, earlier worlds and held lanes', () => {
    const { world, layout, short, sku } = drainedWorld();
    const lane = short[0];
    if (lane === undefined) throw new Error('no lane below capacity');
    const refills = new StaffRefills(world, SINCE);
    const units = [...world.units('store-a')];
    const outcome = (id: string, fields: Record<string, unknown>) => {
      const o = refills.handle(doneTask({ id, lane: lane.lane, sku: sku(lane.sku), unitsMoved: 2, ...fields }));
      return o.kind === 'ignored' ? o.reason : o.kind;
    };
    expect(outcome('t1', { site: 'store-z' })).toBe('other-site');
    expect(outcome('t2', { lane: 'a99-s9-p99' })).toBe('unknown-lane');
    const other = layout.lanes.find((l) => l.sku !== lane.sku);
    expect(outcome('t3', { sku: sku(other?.sku ?? 0) })).toBe('sku-mismatch');
    expect(outcome('t4', { closedAt: SINCE - 1 })).toBe('closed-before-start');
    expect(outcome('t5', { kind: 'phantom-check' })).toBe('not-refill');
    expect(outcome('t6', { unitsMoved: 0 })).toBe('no-units');
    // An ignored task is decided too: sent again, it is a redelivery, not a second count.
    expect(outcome('t1', { site: 'store-z' })).toBe('redelivered');
    expect(world.units('store-a')).toEqual(units);
    expect(refills.stats()).toMatchObject({
      applied: 0,
      units: 0,
      redelivered: 1,
      ignored: {
        'other-site': 1,
        'unknown-lane': 1,
        'sku-mismatch': 1,
        'closed-before-start': 1,
        'not-refill': 1,
        'no-units': 1,
        'lane-held-empty': 0,
        malformed: 0,
      },
    });
  });

  it('moves nothing onto a lane held empty by faults.emptyLane', () => {
    const base = smallScenario();
    const { world, layout, sku } = drainedWorld({
      faults: { ...base.faults, emptyLane: [{ site: 'store-a', lane: 'a01-s0-p00', afterMinutes: 10 }] },
    });
    const held = layout.lanes.find((l) => l.lane === 'a01-s0-p00');
    if (held === undefined) throw new Error('no lane a01-s0-p00');
    expect(world.units('store-a')[held.index]).toBe(0);
    const refills = new StaffRefills(world, SINCE);
    expect(refills.handle(doneTask({ lane: held.lane, sku: sku(held.sku), unitsMoved: 3 }))).toMatchObject({
      kind: 'ignored',
      reason: 'lane-held-empty',
    });
    expect(world.units('store-a')[held.index]).toBe(0);
  });
});

describe('parseHubArgs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-sim-hub-args-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the URL and user from the options and the password from a file or the environment, never argv', () => {
    const file = join(dir, 'password');
    writeFileSync(file, 's3cret\n');
    const bad: string[] = [];
    expect(
      parseHubArgs({ hub: 'http://127.0.0.1:8080/', 'hub-user': 'sim', 'hub-password-file': file }, 'env', bad),
    ).toEqual({ url: 'http://127.0.0.1:8080', username: 'sim', password: 's3cret' });
    expect(parseHubArgs({ hub: 'http://hub:1', 'hub-user': 'sim' }, 'from-env', bad)?.password).toBe('from-env');
    expect(bad).toEqual([]);
    expect(parseHubArgs({}, 'env', bad)).toBeUndefined();
    expect(bad).toEqual([]);
  });

  it('lists every problem', () => {
    const problems = (values: Parameters<typeof parseHubArgs>[0], env?: string) => {
      const bad: string[] = [];
      parseHubArgs(values, env, bad);
      return bad;
    };
    expect(problems({ 'hub-user': 'sim' })).toEqual(['--hub-user and --hub-password-file need --hub URL']);
    expect(problems({ hub: 'mqtt://x:1', 'hub-user': 'sim' }, 'p')).toEqual([
      'hub=mqtt://x:1 (URL is http://host:port)',
    ]);
    expect(problems({ hub: 'http://x:1' }, 'p')).toEqual(['--hub needs --hub-user USER']);
    expect(problems({ hub: 'http://x:1', 'hub-user': 'sim' })).toEqual([
      '--hub needs a password: --hub-password-file FILE or AISLE_SIM_HUB_PASSWORD',
    ]);
    expect(problems({ hub: 'http://x:1', 'hub-user': 'sim', 'hub-password-file': join(dir, 'nope') })).toEqual([
      `hub-password-file=${join(dir, 'nope')} (ENOENT)`,
      '--hub needs a password: --hub-password-file FILE or AISLE_SIM_HUB_PASSWORD',
    ]);
  });
});
