import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import type { LiveFeed } from '../../api/live.js';
import type { Alert, AlertAck } from '../../api/types.js';
import type { StoreState } from './store-state.js';

/**
 * Who acknowledged which of the store's alerts, kept by the hub (hub/src/alerts/): loaded from
 * `GET /api/sites/:site/alerts/acks`, then moved by the site's `alert-acks` channel, so an
 * acknowledgement made on a colleague's tablet shows here without a reload. An acknowledgement
 * covers one raising (the alert's `since`): when the rule fires again, the alert shows as new.
 * Merging keeps, per alert key, the acknowledgement of the newest raising (the first one of that
 * raising), so REST answers and deltas may arrive in any order; a reconnect loads again.
 */
export type AckMap = ReadonlyMap<string, AlertAck>;

/** An alert as the Store view holds it (with its `latest` key and row ts). */
export type ShownAlert = StoreState['alerts'] extends ReadonlyMap<string, infer A> ? A : never;

/** `acks` with `incoming` merged (the same map when nothing changed). */
export function mergeAcks(acks: AckMap, incoming: readonly AlertAck[]): AckMap {
  let next: Map<string, AlertAck> | undefined;
  for (const ack of incoming) {
    const held = (next ?? acks).get(ack.key);
    if (held !== undefined && (held.raisedAt > ack.raisedAt || (held.raisedAt === ack.raisedAt && held.at <= ack.at)))
      continue;
    next ??= new Map(acks);
    next.set(ack.key, ack);
  }
  return next ?? acks;
}

/** The acknowledgement of the raising shown, if any (one of an earlier raising does not count). */
export function ackOf(acks: AckMap, alert: Pick<Alert, 'since'> & { readonly key: string }): AlertAck | undefined {
  const ack = acks.get(alert.key);
  return ack !== undefined && ack.raisedAt === alert.since ? ack : undefined;
}

const SEVERITY = { critical: 0, warning: 1, info: 2 } as const;

/** Unacknowledged first; then the most severe, the newest raising first. */
export function sortAlerts(alerts: Iterable<ShownAlert>, acks: AckMap): ShownAlert[] {
  const acked = (a: ShownAlert) => (ackOf(acks, a) === undefined ? 0 : 1);
  return [...alerts].sort(
    (a, b) => acked(a) - acked(b) || SEVERITY[a.severity] - SEVERITY[b.severity] || b.since - a.since,
  );
}

export interface AlertAcks {
  readonly acks: AckMap;
  /** Posts the acknowledgement; rejects with the hub's `ApiError` (e.g. `ALERT_RAISED_AGAIN`). */
  acknowledge(alert: Pick<Alert, 'since'> & { readonly key: string }): Promise<void>;
}

export function useAlertAcks(site: string, live: LiveFeed): AlertAcks {
  const [acks, setAcks] = useState<AckMap>(() => new Map());
  const [generation, setGeneration] = useState(0);
  useEffect(() => live.onStatus((s) => s === 'online' && setGeneration((g) => g + 1)), [live]);
  useEffect(() => {
    const controller = new AbortController();
    const unsubscribe = live.subscribe(site, ['alert-acks'], (changes) =>
      setAcks((held) =>
        mergeAcks(
          held,
          changes.map((c) => c.value as AlertAck),
        ),
      ),
    );
    api.get<AlertAck[]>(`/api/sites/${site}/alerts/acks`, controller.signal).then(
      (listed) => setAcks((held) => mergeAcks(held, listed)),
      (error: unknown) => {
        // The alerts still show, unacknowledged; the next reconnect tries again.
        if (!controller.signal.aborted) console.warn(`acknowledgements of ${site}: ${String(error)}`);
      },
    );
    return () => {
      controller.abort();
      unsubscribe();
    };
  }, [site, live, generation]);
  const acknowledge = useCallback(
    async (alert: Pick<Alert, 'since'> & { readonly key: string }) => {
      const ack = await api.post<AlertAck>(`/api/sites/${site}/alerts/ack`, { key: alert.key, raisedAt: alert.since });
      setAcks((held) => mergeAcks(held, [ack]));
    },
    [site],
  );
  return { acks, acknowledge };
}
