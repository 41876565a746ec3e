/**
 * The Fleet view's gateways without a browser: REST rows (state nested) and `gateways` deltas (the
 * state itself) become one picture; a last will marks a gateway offline and keeps the outbox it
 * last reported; an older state than the one shown is ignored; offline gateways sort first and
 * the summary counts them.
 */
import { describe, expect, it } from 'vitest';
import {
  age,
  applyDeltas,
  fromRows,
  type GatewayDelta,
  type OnlineState,
  sortGateways,
  summarize,
} from '../../dashboards/src/views/fleet/fleet-state.js';

const T0 = Date.parse('2026-01-05T09:00:00Z');

function online(gateway: string, site: string, depth: number, dropped = 0): OnlineState {
  return {
    status: 'online',
    site,
    gateway,
    boot: 1,
    software: 'aisle-edge 0.1.0',
    startedAt: T0 - 60_000,
    ts: T0,
    outbox: { depth, bytes: depth * 100, oldestAgeMs: 2000, dropped },
    uplink: { connected: true, ackedSeq: 10 },
    models: [],
  };
}

describe('fleet gateways from REST and deltas', () => {
  const loaded = fromRows([
    { gateway: 'gw-a', site: 'store-a', status: 'online', updatedAt: T0, state: online('gw-a', 'store-a', 40, 3) },
    { gateway: 'gw-b', site: 'store-b', status: 'online', updatedAt: T0, state: online('gw-b', 'store-b', 0) },
  ]);

  it('marks a gateway offline on its last will and keeps the outbox it last reported', () => {
    const lost: GatewayDelta = { status: 'lost', gateway: 'gw-a', updatedAt: T0 + 10_000 };
    const after = applyDeltas(loaded, 'store-a', [lost]);
    expect(after.get('gw-a')).toMatchObject({ status: 'lost', site: 'store-a', updatedAt: T0 + 10_000 });
    expect(after.get('gw-a')?.last?.outbox.depth).toBe(40);
    // The other gateway keeps its object: its row does not re-render.
    expect(after.get('gw-b')).toBe(loaded.get('gw-b'));
    expect(summarize(after.values())).toEqual({ up: 1, down: 1, degraded: 0, outboxDepth: 40, dropped: 3 });
    expect(sortGateways(after.values()).map((g) => g.gateway)).toEqual(['gw-a', 'gw-b']);

    const back = applyDeltas(after, 'store-a', [{ ...online('gw-a', 'store-a', 5), updatedAt: T0 + 20_000 }]);
    expect(back.get('gw-a')).toMatchObject({ status: 'online', last: { outbox: { depth: 5 } } });
  });

  it('keeps the last outbox of a gateway still away when REST is loaded again (after a reconnect)', () => {
    const away = applyDeltas(loaded, 'store-a', [{ status: 'lost', gateway: 'gw-a', updatedAt: T0 + 1 }]);
    const reloaded = fromRows(
      [
        { gateway: 'gw-a', site: 'store-a', status: 'lost', updatedAt: T0 + 1, state: { status: 'lost' } },
        { gateway: 'gw-b', site: 'store-b', status: 'online', updatedAt: T0 + 2, state: online('gw-b', 'store-b', 7) },
      ],
      away,
    );
    expect(reloaded.get('gw-a')?.last?.outbox.depth).toBe(40);
    expect(reloaded.get('gw-b')?.last?.outbox.depth).toBe(7);
  });

  it('ignores a state older than the one shown (a delta queued while REST loaded)', () => {
    const stale = applyDeltas(loaded, 'store-a', [{ status: 'lost', gateway: 'gw-a', updatedAt: T0 - 1 }]);
    expect(stale).toBe(loaded);
  });

  it('adds a gateway that reports for the first time', () => {
    const added = applyDeltas(loaded, 'van-1', [{ ...online('gw-van-1', 'van-1', 1), updatedAt: T0 + 1 }]);
    expect(added.get('gw-van-1')).toMatchObject({ site: 'van-1', status: 'online' });
    expect(added.size).toBe(3);
  });

  it('says ages the way the table shows them', () => {
    expect([age(45_000), age(12 * 60_000), age(3.5 * 3_600_000), age(2 * 86_400_000)]).toEqual([
      '45 s',
      '12 min',
      '3.5 h',
      '2 d',
    ]);
  });
});
