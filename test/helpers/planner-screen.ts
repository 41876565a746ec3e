import { io, type Socket } from 'socket.io-client';

/** One realtime change as the hub pushes it (`RealtimeService`'s `Delta`). */
export interface ScreenChange<V = unknown> {
  readonly channel: string;
  readonly key: string;
  readonly value: V;
}

export interface PlannerScreen<V = unknown> {
  readonly socket: Socket;
  /** Every change received so far, in order. */
  readonly changes: readonly ScreenChange<V>[];
  /**
   * The first change (already received or still to come) that matches; rejects after `timeoutMs`
   * naming `what`, with `detail()` appended (e.g. the output of the processes under test).
   */
  next(
    match: (change: ScreenChange<V>) => boolean,
    options?: { timeoutMs?: number; what?: string; detail?: () => string },
  ): Promise<ScreenChange<V>>;
}

/**
 * A planner's screen on the hub's socket.io: connects with the JWT, subscribes to `channels` of
 * `site` (routing's vans and alerts are on `logistics`), and keeps every pushed change. `V` is
 * what the caller knows the changes' values to be (the hub's socket carries no types).
 */
export async function openScreen<V = unknown>(
  url: string,
  token: string,
  subscription: { site: string; channels: readonly string[] },
): Promise<PlannerScreen<V>> {
  const socket: Socket = io(url, { transports: ['websocket'], reconnection: false, auth: { token } });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const answer = await socket.emitWithAck('subscribe', { site: subscription.site, channels: subscription.channels });
  if (answer?.ok !== true)
    throw new Error(`subscribe ${subscription.site}/${subscription.channels.join(',')}: ${JSON.stringify(answer)}`);
  const changes: ScreenChange<V>[] = [];
  const waiters = new Set<() => void>();
  socket.on('delta', (delta: { changes: ScreenChange<V>[] }) => {
    changes.push(...delta.changes);
    for (const w of [...waiters]) w();
  });
  return {
    socket,
    changes,
    next(match, options = {}) {
      const { timeoutMs = 10_000, what = 'change', detail } = options;
      return waitForMatch(changes, waiters, match, timeoutMs, () => {
        const more = detail === undefined ? '' : `\n${detail()}`;
        return `no matching ${what} in ${timeoutMs} ms (${changes.length} changes seen)${more}`;
      });
    },
  };
}

/**
 * The first item of `seen` (already there or pushed later) that `match` accepts. Whoever pushes to
 * `seen` calls every function in `waiters`; after `timeoutMs` it rejects with `failure()`.
 */
export function waitForMatch<T>(
  seen: readonly T[],
  waiters: Set<() => void>,
  match: (item: T) => boolean,
  timeoutMs: number,
  failure: () => string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const found = seen.find(match);
      if (found === undefined) return;
      clearTimeout(timer);
      waiters.delete(check);
      resolve(found);
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(failure()));
    }, timeoutMs);
    waiters.add(check);
    check();
  });
}
