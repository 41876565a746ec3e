import { io, type Socket } from 'socket.io-client';
import type { Delta } from './types.js';

/**
 * The hub's socket.io (hub/src/realtime/realtime.service.ts): one connection per session, the JWT
 * in the handshake. A view subscribes to the site and channels it shows and gets `delta` batches
 * (changes only, merged by key; its initial state comes from REST). On reconnect every current
 * subscription is sent again, and `onStatus` listeners hear it, so a view can reload what it
 * missed while offline. A view that shows only some lanes of a site (a long store map scrolled
 * to a few aisles) scopes the site's subscription to them with `scopeLanes`: the hub then sends no
 * shelf reading of another lane.
 */
export type LiveStatus = 'connecting' | 'online' | 'offline';

type DeltaListener = (changes: readonly Delta[]) => void;
type StatusListener = (status: LiveStatus) => void;

interface Subscription {
  readonly site: string;
  readonly channels: readonly string[];
  readonly listener: DeltaListener;
}

export class LiveFeed {
  readonly #socket: Socket;
  readonly #subscriptions = new Set<Subscription>();
  readonly #statusListeners = new Set<StatusListener>();
  /** site → the lanes on screen, when a view scoped the site's subscription. */
  readonly #lanes = new Map<string, readonly string[]>();
  #status: LiveStatus = 'connecting';

  constructor(token: string) {
    this.#socket = io({ auth: { token }, transports: ['websocket'] });
    this.#socket.on('connect', () => {
      for (const site of this.#sites()) void this.#subscribe(site);
      this.#setStatus('online');
    });
    this.#socket.on('disconnect', () => this.#setStatus('offline'));
    this.#socket.on('connect_error', () => this.#setStatus('offline'));
    this.#socket.on('delta', (delta: { site: string; changes: Delta[] }) => {
      for (const s of this.#subscriptions) {
        if (s.site !== delta.site) continue;
        const mine = delta.changes.filter((c) => s.channels.includes(c.channel));
        if (mine.length > 0) s.listener(mine);
      }
    });
  }

  get status(): LiveStatus {
    return this.#status;
  }

  onStatus(listener: StatusListener): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  /** Changes of `channels` of `site` until the returned function is called. */
  subscribe(site: string, channels: readonly string[], listener: DeltaListener): () => void {
    const subscription: Subscription = { site, channels, listener };
    this.#subscriptions.add(subscription);
    if (this.#socket.connected) void this.#subscribe(site);
    return () => {
      this.#subscriptions.delete(subscription);
      const still = this.#sites().has(site);
      if (!still) this.#lanes.delete(site);
      if (!this.#socket.connected) return;
      if (still) void this.#subscribe(site);
      else this.#socket.emit('unsubscribe', { site });
    };
  }

  /**
   * Shelf readings of `site` only for `lanes` from now on (`undefined`: every lane). Resolves when
   * the hub has the new scope, so a view can then read what it missed of the lanes that came in.
   */
  async scopeLanes(site: string, lanes: readonly string[] | undefined): Promise<void> {
    if (lanes === undefined) this.#lanes.delete(site);
    else this.#lanes.set(site, lanes);
    if (this.#socket.connected && this.#sites().has(site)) await this.#subscribe(site);
  }

  close(): void {
    this.#subscriptions.clear();
    this.#statusListeners.clear();
    this.#lanes.clear();
    this.#socket.close();
  }

  #sites(): Set<string> {
    return new Set([...this.#subscriptions].map((s) => s.site));
  }

  /** The hub keeps one channel set per site: the union of what this screen's views want there. */
  async #subscribe(site: string): Promise<void> {
    const channels = new Set<string>();
    for (const s of this.#subscriptions) if (s.site === site) for (const c of s.channels) channels.add(c);
    const lanes = this.#lanes.get(site);
    const request = { site, channels: [...channels], ...(lanes === undefined ? {} : { lanes }) };
    const answer = (await this.#socket.emitWithAck('subscribe', request)) as {
      ok: boolean;
      code?: string;
    };
    if (!answer.ok) console.warn(`live updates of ${site} refused: ${answer.code ?? 'unknown'}`);
  }

  #setStatus(status: LiveStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    for (const listener of this.#statusListeners) listener(status);
  }
}
