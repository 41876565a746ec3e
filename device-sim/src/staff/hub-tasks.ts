import { io, type Socket } from 'socket.io-client';
import type { Outcome, StaffRefills } from './staff-refills.js';

/**
 * The simulated stores' staff, following the hub's staff tasks (`aisle-sim run --hub URL`): they
 * sign in like any store employee, watch their stores' `tasks` channel on socket.io, and when a
 * refill task becomes `done` they have moved its units to the shelf (`StaffRefills`).
 *
 * Why over the hub's own API, and not as a command through the gateway (the way a van's route
 * goes: hub → gateway → `cmd/{van}/gps/route` → simulator): a refill is done by people, not by a
 * device. No shelf scale takes a "refill" command; an employee reads the task on the store's
 * tablet (the dashboards, a client of the hub's REST and socket.io) and puts units on the lane,
 * and the scale sees the weight change. The hub is the system of record for tasks, the simulator
 * plays the people and the shelves; a `cmd/.../refill` would invent a device and make the gateway
 * carry task state. So this is one more client of the hub, with a staff login for its stores.
 *
 * Nothing is lost to a dropped connection: on every (re)connect it subscribes, then lists each
 * store's done tasks over REST (`GET /api/sites/:site/tasks?state=done`), so a task completed
 * while it was away is applied then; deltas and listings overlap, and `StaffRefills` decides each
 * task once by id. A failed sign-in, subscription or listing closes the socket and starts over
 * after a back-off (doubling from `retryMinMs` up to `retryMaxMs`). The listing returns at most
 * the hub's `replenishment.maxListed` (1,000) done tasks per store, most urgent first: more tasks
 * completed during one disconnection than that are counted (`truncatedListings`) and may be missed.
 */

export interface HubFollowerOptions {
  /** The hub's HTTP URL (REST and socket.io). */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** The stores this world simulates: the sites whose tasks the staff follow. */
  readonly sites: readonly string[];
  readonly refills: StaffRefills;
  /** One line per notable event (connected, lost, an ignored task). */
  readonly log?: (line: string) => void;
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
}

export interface FollowerStats {
  readonly connects: number;
  readonly disconnects: number;
  readonly failures: number;
  /** Done tasks read by the catch-up listings (applied or not). */
  readonly listed: number;
  /** Listings that came back full (`replenishment.maxListed`): older done tasks may be missing. */
  readonly truncatedListings: number;
  /** Stores whose tasks the user may not read: not followed. */
  readonly forbiddenSites: readonly string[];
  readonly lastError?: string;
}

/** What one store's done-task listing may return at most (the hub's `replenishment.maxListed` default). */
const MAX_LISTED = 1000;

export class HubTaskFollower {
  readonly #options: HubFollowerOptions;
  readonly #retryMinMs: number;
  readonly #retryMaxMs: number;
  #socket: Socket | undefined;
  #token: string | undefined;
  #retryMs: number;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Bumped on every reopen: work of an older connection stops when it sees a newer one. */
  #generation = 0;
  #stats: {
    connects: number;
    disconnects: number;
    failures: number;
    listed: number;
    truncatedListings: number;
    lastError?: string;
  } = {
    connects: 0,
    disconnects: 0,
    failures: 0,
    listed: 0,
    truncatedListings: 0,
  };
  readonly #idle = new Set<() => void>();
  /** Stores whose tasks the user may not read (FORBIDDEN_SITE). */
  readonly #forbidden = new Set<string>();
  #busy = 0;

  constructor(options: HubFollowerOptions) {
    this.#options = options;
    this.#retryMinMs = options.retryMinMs ?? 500;
    this.#retryMaxMs = options.retryMaxMs ?? 10_000;
    this.#retryMs = this.#retryMinMs;
  }

  stats(): FollowerStats {
    return { ...this.#stats, forbiddenSites: [...this.#forbidden] };
  }

  /** Starts following; returns at once (sign-in and connection happen in the background, with retries). */
  start(): void {
    void this.#open();
  }

  /** Stops following, after the task handling in progress. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#socket?.close();
    this.#socket = undefined;
    if (this.#busy > 0) await new Promise<void>((resolve) => this.#idle.add(resolve));
  }

  async #open(): Promise<void> {
    if (this.#closed) return;
    const generation = ++this.#generation;
    this.#socket?.close();
    this.#socket = undefined;
    try {
      this.#token = await this.#login();
    } catch (error) {
      return this.#failed(generation, `sign-in: ${(error as Error).message}`);
    }
    if (this.#closed || generation !== this.#generation) return;
    const socket = io(this.#options.url, {
      transports: ['websocket'],
      auth: (cb) => cb({ token: this.#token }),
      reconnectionDelay: this.#retryMinMs,
      reconnectionDelayMax: this.#retryMaxMs,
    });
    this.#socket = socket;
    socket.on('connect', () => void this.#track(this.#connected(generation, socket)));
    socket.on('delta', (delta: { site?: unknown; changes?: unknown }) => {
      if (!Array.isArray(delta?.changes)) return;
      for (const change of delta.changes as Array<{ channel?: unknown; value?: unknown }>)
        if (change?.channel === 'tasks') this.#handle(change.value);
    });
    socket.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') return; // closed here
      this.#stats.disconnects++;
      this.#options.log?.(`staff: hub connection lost (${reason}), reconnecting`);
      // The server closed it (e.g. shutting down): socket.io does not reconnect by itself then.
      if (reason === 'io server disconnect') this.#failed(generation, `disconnected by the hub`);
    });
    socket.on('connect_error', (error) => {
      // Refused by the hub (e.g. an expired token): sign in again. A network error: socket.io retries.
      if (!socket.active) this.#failed(generation, `refused: ${error.message}`);
      else this.#options.log?.(`staff: cannot reach the hub (${error.message}), retrying`);
    });
  }

  async #connected(generation: number, socket: Socket): Promise<void> {
    try {
      const followed: string[] = [];
      for (const site of this.#options.sites) {
        const answer = (await socket.timeout(10_000).emitWithAck('subscribe', { site, channels: ['tasks'] })) as {
          ok?: boolean;
          code?: string;
        };
        if (answer?.ok === true) followed.push(site);
        // The user may not read this store (staff of another): the others are still followed.
        else if (answer?.code === 'FORBIDDEN_SITE') this.#forbidden.add(site);
        else throw new Error(`subscribe to ${site}'s tasks refused (${answer?.code ?? 'no answer'})`);
      }
      if (this.#forbidden.size > 0)
        this.#options.log?.(
          `staff: ${this.#options.username} may not read the tasks of ${[...this.#forbidden].join(', ')}`,
        );
      // Subscribed first, listed second: a task completed in between comes both ways, and counts once.
      for (const site of followed) {
        const done = await this.#get(`/api/sites/${encodeURIComponent(site)}/tasks?state=done`);
        if (!Array.isArray(done)) throw new Error(`tasks of ${site}: not a list`);
        if (generation !== this.#generation) return;
        this.#stats.listed += done.length;
        if (done.length >= MAX_LISTED) this.#stats.truncatedListings++;
        for (const task of done) this.#handle(task);
      }
      this.#stats.connects++;
      this.#retryMs = this.#retryMinMs;
      this.#options.log?.(`staff: following the tasks of ${followed.join(', ') || 'no store'} at ${this.#options.url}`);
    } catch (error) {
      this.#failed(generation, (error as Error).message);
    }
  }

  #handle(value: unknown): void {
    const outcome: Outcome = this.#options.refills.handle(value);
    if (outcome.kind === 'applied') {
      const { id, site, lane, unitsMoved } = outcome.task;
      const capped = outcome.capped > 0 ? ` (${outcome.capped} of ${unitsMoved} did not fit)` : '';
      this.#options.log?.(`staff: task ${id} put ${outcome.units} units on ${site}/${lane}${capped}`);
    } else if (outcome.kind === 'ignored')
      this.#options.log?.(`staff: task ${outcome.id ?? '?'} ignored: ${outcome.reason} (${outcome.detail})`);
  }

  /** Gives up on this connection; a new one (a fresh sign-in) after the back-off. */
  #failed(generation: number, message: string): void {
    if (this.#closed || generation !== this.#generation) return;
    this.#stats.failures++;
    this.#stats.lastError = message;
    this.#options.log?.(`staff: ${message}; retrying in ${this.#retryMs} ms`);
    this.#socket?.close();
    this.#socket = undefined;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#open(), this.#retryMs);
    this.#retryMs = Math.min(this.#retryMaxMs, this.#retryMs * 2);
  }

  async #login(): Promise<string> {
    const response = await fetch(new URL('/api/auth/login', this.#options.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: this.#options.username, password: this.#options.password }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`${response.status} ${(await response.text()).slice(0, 200)}`);
    const { token } = (await response.json()) as { token?: unknown };
    if (typeof token !== 'string') throw new Error('no token in the answer');
    return token;
  }

  async #get(path: string): Promise<unknown> {
    const response = await fetch(new URL(path, this.#options.url), {
      headers: { authorization: `Bearer ${this.#token}` },
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${(await response.text()).slice(0, 200)}`);
    return response.json();
  }

  async #track(work: Promise<void>): Promise<void> {
    this.#busy++;
    try {
      await work;
    } finally {
      this.#busy--;
      if (this.#busy === 0) {
        for (const resolve of this.#idle) resolve();
        this.#idle.clear();
      }
    }
  }
}
