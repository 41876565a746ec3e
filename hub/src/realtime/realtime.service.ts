import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { createClient } from 'redis';
import { Server, type Socket } from 'socket.io';
import { AuthService } from '../auth/auth.service.js';
import { canAccessSite, type Principal } from '../auth/roles.js';
import type { HubConfig } from '../config.js';
import { HUB_CONFIG, LOGGER, METRICS } from '../tokens.js';

/** One change a client may show: a latest value that moved, a gateway's state, a staff task, a store order, a route. */
export interface Delta {
  readonly channel: Channel;
  /** Unique within the channel and site: a later delta with the same key replaces an earlier one. */
  readonly key: string;
  readonly value: unknown;
  /**
   * The lane the change is about (a shelf reading), for subscriptions scoped to the lanes on a
   * screen; a change without one reaches every subscriber of its channel.
   */
  readonly lane?: string;
}

/**
 * `routes` (routing): key = a van's vehicle id, value = its route in the newest plan, on the van's
 * site and on `logistics`, where planners also get key `plan` (the plan's summary); `route-alerts`
 * (routing's tracking): late-risk alerts; `alert-acks`: who acknowledged which alert (key: the
 * alert's latest key).
 */
const CHANNELS = ['latest', 'gateways', 'tasks', 'orders', 'routes', 'route-alerts', 'alert-acks'] as const;
type Channel = (typeof CHANNELS)[number];

interface ClientState {
  readonly principal: Principal;
  /** site → channels the client shows, and the lanes on its screen (absent: all of them). */
  readonly subscriptions: Map<string, { readonly channels: Set<Channel>; readonly lanes?: Set<string> }>;
  /** `site channel key` → the newest change not yet sent. */
  readonly pending: Map<string, { site: string; delta: Delta }>;
}

/**
 * Realtime (ARCHITECTURE §4): socket.io on the hub's HTTP server. The handshake carries the JWT
 * (`auth: { token }`); a client then subscribes to the sites and channels it shows (`subscribe`,
 * answered with `{ ok }` or `{ ok: false, code }`), optionally scoped to the lanes on its screen
 * (`lanes`: a shelf reading of another lane is not sent; a store map with thousands of lanes gets
 * the changes of the aisles in view, and subscribes again as the user scrolls; changes that are
 * not about a lane, such as alerts and forecasts, are not scoped), and receives `delta` events: changes since the
 * last one, never snapshots (the initial state comes from REST). Deltas are sent per client every
 * `flushMs`, merged by key in between; a client whose socket has more than `maxBufferedPackets`
 * waiting is slow and keeps accumulating merged changes (counted as coalesced) until it drains.
 * With several replicas, changes ingested on one are relayed to the others through the socket.io
 * adapter (Redis), and each replica serves its own clients.
 */
@Injectable()
export class RealtimeService implements OnApplicationBootstrap, OnApplicationShutdown {
  #io: Server | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Several replicas share an adapter: changes ingested here are relayed to the others. */
  #clustered = false;
  #redis: Array<ReturnType<typeof createClient>> = [];
  readonly #clients = new Map<Socket, ClientState>();
  readonly #metrics: {
    sent: Counter;
    coalesced: Counter;
    dropped: Counter;
    refused: Counter<'reason'>;
    outOfScope: Counter;
    clients: Gauge;
  };

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(HttpAdapterHost) private readonly http: HttpAdapterHost,
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) metrics: Registry,
  ) {
    const registers = [metrics];
    this.#metrics = {
      sent: new Counter({ name: 'aisle_hub_realtime_deltas_sent_total', help: 'Changes sent to sockets', registers }),
      coalesced: new Counter({
        name: 'aisle_hub_realtime_coalesced_total',
        help: 'Changes merged into a newer one before a (slow) socket got them',
        registers,
      }),
      dropped: new Counter({
        name: 'aisle_hub_realtime_dropped_total',
        help: 'Pending changes dropped at maxPendingPerClient',
        registers,
      }),
      refused: new Counter({
        name: 'aisle_hub_realtime_refusals_total',
        help: 'Handshakes and subscriptions refused, by reason',
        labelNames: ['reason'],
        registers,
      }),
      outOfScope: new Counter({
        name: 'aisle_hub_realtime_out_of_scope_total',
        help: "Lane changes not sent to a socket because the lane is not on its screen (the subscription's lanes)",
        registers,
      }),
      clients: new Gauge({ name: 'aisle_hub_realtime_clients', help: 'Connected sockets', registers }),
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    const io = new Server(this.http.httpAdapter.getHttpServer(), { serveClient: false, cors: { origin: true } });
    this.#io = io;
    const redisUrl = this.config.realtime.redisUrl;
    if (redisUrl !== undefined) {
      const publisher = createClient({ url: redisUrl });
      const subscriber = publisher.duplicate();
      await Promise.all([publisher.connect(), subscriber.connect()]);
      io.adapter(createAdapter(publisher, subscriber));
      this.#redis = [publisher, subscriber];
      this.#clustered = true;
      this.logger.info(
        { redis: redisUrl.replace(/\/\/[^@]*@/, '//') },
        'realtime: changes relayed between replicas through Redis',
      );
    }
    io.use((socket, next) => {
      const token = (socket.handshake.auth as { token?: unknown }).token;
      if (typeof token !== 'string') {
        this.#metrics.refused.inc({ reason: 'no-token' });
        return next(Object.assign(new Error('AUTH_REQUIRED'), { data: { code: 'AUTH_REQUIRED' } }));
      }
      this.auth.verify(token).then(
        (principal) => {
          socket.data.principal = principal;
          next();
        },
        () => {
          this.#metrics.refused.inc({ reason: 'token-invalid' });
          next(Object.assign(new Error('AUTH_INVALID'), { data: { code: 'AUTH_INVALID' } }));
        },
      );
    });
    io.on('connection', (socket) => this.#connected(socket));
    io.on('deltas', (site: string, deltas: Delta[]) => this.#enqueue(site, deltas));
    this.#timer = setInterval(() => this.#flush(), this.config.realtime.flushMs);
    this.#timer.unref();
  }

  get server(): Server | undefined {
    return this.#io;
  }

  /** Changes of `site` ingested here: to this replica's clients, and relayed to the other replicas. */
  publish(site: string, deltas: readonly Delta[]): void {
    if (deltas.length === 0) return;
    this.#enqueue(site, deltas);
    if (this.#clustered) this.#io?.serverSideEmit('deltas', site, deltas);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.#timer);
    await new Promise<void>((resolve) => (this.#io === undefined ? resolve() : this.#io.close(() => resolve())));
    await Promise.all(this.#redis.map((client) => client.quit().catch(() => undefined)));
  }

  #connected(socket: Socket): void {
    const state: ClientState = {
      principal: socket.data.principal as Principal,
      subscriptions: new Map(),
      pending: new Map(),
    };
    this.#clients.set(socket, state);
    this.#metrics.clients.set(this.#clients.size);
    socket.on('subscribe', (request: unknown, reply?: (answer: unknown) => void) => {
      const { site, channels, lanes } = (request ?? {}) as { site?: unknown; channels?: unknown; lanes?: unknown };
      const wanted = Array.isArray(channels) ? channels : CHANNELS;
      if (typeof site !== 'string' || !wanted.every((c): c is Channel => CHANNELS.includes(c as Channel))) {
        this.#metrics.refused.inc({ reason: 'bad-request' });
        return reply?.({ ok: false, code: 'VALIDATION_FAILED' });
      }
      if (lanes !== undefined && !(Array.isArray(lanes) && lanes.every((l) => typeof l === 'string'))) {
        this.#metrics.refused.inc({ reason: 'bad-request' });
        return reply?.({ ok: false, code: 'VALIDATION_FAILED', message: 'lanes must be an array of lane ids' });
      }
      if (lanes !== undefined && lanes.length > this.config.realtime.maxScopedLanes) {
        this.#metrics.refused.inc({ reason: 'too-many-lanes' });
        return reply?.({
          ok: false,
          code: 'VALIDATION_FAILED',
          message: `at most ${this.config.realtime.maxScopedLanes} lanes in one subscription (realtime.maxScopedLanes)`,
        });
      }
      if (!canAccessSite(state.principal, site)) {
        this.#metrics.refused.inc({ reason: 'site' });
        return reply?.({ ok: false, code: 'FORBIDDEN_SITE' });
      }
      state.subscriptions.set(site, {
        channels: new Set(wanted),
        ...(lanes === undefined ? {} : { lanes: new Set(lanes as string[]) }),
      });
      reply?.({ ok: true, site, channels: wanted, ...(lanes === undefined ? {} : { lanes: lanes.length }) });
    });
    socket.on('unsubscribe', (request: unknown, reply?: (answer: unknown) => void) => {
      const { site } = (request ?? {}) as { site?: unknown };
      if (typeof site === 'string') state.subscriptions.delete(site);
      reply?.({ ok: true });
    });
    socket.on('disconnect', () => {
      this.#clients.delete(socket);
      this.#metrics.clients.set(this.#clients.size);
    });
  }

  #enqueue(site: string, deltas: readonly Delta[]): void {
    for (const state of this.#clients.values()) {
      const subscription = state.subscriptions.get(site);
      if (subscription === undefined) continue;
      const { channels, lanes } = subscription;
      for (const delta of deltas) {
        if (!channels.has(delta.channel)) continue;
        if (lanes !== undefined && delta.lane !== undefined && !lanes.has(delta.lane)) {
          this.#metrics.outOfScope.inc();
          continue;
        }
        const key = `${site} ${delta.channel} ${delta.key}`;
        if (state.pending.delete(key)) this.#metrics.coalesced.inc();
        state.pending.set(key, { site, delta });
        if (state.pending.size > this.config.realtime.maxPendingPerClient) {
          const oldest = state.pending.keys().next().value;
          if (oldest !== undefined) state.pending.delete(oldest);
          this.#metrics.dropped.inc();
        }
      }
    }
  }

  #flush(): void {
    for (const [socket, state] of this.#clients) {
      if (state.pending.size === 0) continue;
      // A slow client: what it has not taken yet stays in its write buffer; keep merging instead.
      // (engine.io keeps it in `writeBuffer`, which its typings mark private.)
      const waiting = (socket.conn as unknown as { writeBuffer: unknown[] }).writeBuffer.length;
      if (waiting > this.config.realtime.maxBufferedPackets) continue;
      const bySite = new Map<string, Delta[]>();
      for (const { site, delta } of state.pending.values()) {
        const list = bySite.get(site) ?? [];
        list.push({ channel: delta.channel, key: delta.key, value: delta.value });
        bySite.set(site, list);
      }
      for (const [site, changes] of bySite) socket.emit('delta', { site, changes });
      this.#metrics.sent.inc(state.pending.size);
      state.pending.clear();
    }
  }
}
