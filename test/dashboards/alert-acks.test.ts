/**
 * The Store view's alert acknowledgements without a browser: REST answers and `alert-acks` deltas
 * merge in any order into one acknowledgement per alert key (the newest raising's, the first of
 * it), an acknowledgement covers only the raising it names, and the panel lists unacknowledged
 * alerts first.
 */
import { describe, expect, it } from 'vitest';
import type { AlertAck } from '../../dashboards/src/api/types.js';
import { ackOf, mergeAcks, type ShownAlert, sortAlerts } from '../../dashboards/src/views/store/alert-acks.js';

const T0 = Date.parse('2026-01-05T09:00:00Z');
const key = (lane: string) => `alert:low-stock:lane:${lane}`;
const ack = (lane: string, raisedAt: number, by: string, at: number): AlertAck => ({
  site: 'store-a',
  key: key(lane),
  raisedAt,
  at,
  by,
});
const alert = (lane: string, severity: ShownAlert['severity'], since: number): ShownAlert => ({
  alert: '0190a000-0000-7000-8000-000000000001',
  rule: 'low-stock',
  state: 'raised',
  severity,
  subject: { kind: 'lane', id: lane },
  message: `lane ${lane} low`,
  since,
  ts: since,
  key: key(lane),
});

describe('alert acknowledgements on the Store view', () => {
  it('keeps per alert the newest raising’s first acknowledgement, whatever the order they arrive in', () => {
    const first = ack('a01', T0, 'ann', T0 + 10);
    const late = ack('a01', T0, 'ben', T0 + 20);
    const reRaised = ack('a01', T0 + 600, 'ben', T0 + 700);
    const orders = [
      [first, late, reRaised],
      [reRaised, late, first],
      [late, reRaised, first],
    ];
    for (const order of orders) {
      const merged = order.reduce((m, a) => mergeAcks(m, [a]), mergeAcks(new Map(), []));
      expect(merged.get(key('a01'))).toEqual(reRaised);
    }
    expect(mergeAcks(mergeAcks(new Map(), [late]), [first]).get(key('a01'))?.by).toBe('ann');
    const held = mergeAcks(new Map(), [first]);
    expect(mergeAcks(held, [first])).toBe(held);
  });

  it('counts an acknowledgement only for the raising it names', () => {
    const acks = mergeAcks(new Map(), [ack('a01', T0, 'ann', T0 + 10)]);
    expect(ackOf(acks, alert('a01', 'warning', T0))?.by).toBe('ann');
    expect(ackOf(acks, alert('a01', 'warning', T0 + 600))).toBeUndefined();
    expect(ackOf(acks, alert('a02', 'warning', T0))).toBeUndefined();
  });

  it('lists unacknowledged alerts first, then by severity and the newest raising', () => {
    const acks = mergeAcks(new Map(), [ack('c01', T0, 'ann', T0 + 10)]);
    const shown = sortAlerts(
      [
        alert('a01', 'warning', T0),
        alert('b01', 'info', T0 + 5),
        alert('c01', 'critical', T0),
        alert('d01', 'warning', T0 + 9),
      ],
      acks,
    );
    expect(shown.map((a) => a.subject.id)).toEqual(['d01', 'a01', 'b01', 'c01']);
  });
});
