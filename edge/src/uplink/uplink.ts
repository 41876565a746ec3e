import { ackCodec, type BatchDrop, type GatewayState, gatewayStateCodec, topics } from '@aisle/protocols';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';

/**
 * The gateway → hub uplink (ARCHITECTURE §3). Rows leave the outbox only when the hub's ack cursor
 * (`down/{site}/{gateway}/ack`) says they are durably stored: a broker PUBACK is not enough. Two
 * lanes: what arrives while connected goes `live` at once; the backlog kept during an outage goes
 * on `up/…/hist` at `histItemsPerSecond`, so live latency stays low while it drains. Unacked
 * batches are resent from the cursor (go-back-N) after `ackTimeoutMs`, and on every reconnect.
 */

/** What the uplink needs from the outbox. */
export interface UplinkOutbox {
  readonly epoch: string;
  /** Rows with oseq > afterSeq, in oseq order, within the limits. */
  peek(
    afterSeq: number,
    limits: { maxItems: number; maxBytes: number },
  ): ReadonlyArray<{ oseq: number; payload: string }>;
  /** The hub has everything ≤ seq: delete it. */
  ack(seq: number): void;
  /** Highest oseq handed out so far (0 when none). */
  lastSeq(): number;
  /** Highest oseq acked (0 when none). */
  ackedSeq(): number;
  /** Drops since the last call, for the next batch's `dropped`. */
  takeDrops(): BatchDrop[];
}

export interface UplinkOptions {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  readonly site: string;
  readonly gateway: string;
  readonly boot: number;
  readonly outbox: UplinkOutbox;
  readonly batchMaxItems: number;
  readonly batchMaxBytes: number;
  readonly flushIntervalMs: number;
  readonly histItemsPerSecond: number;
  /** Backlog batches sent and not yet acked, at most (default 4). */
  readonly histWindowBatches?: number;
  /** Resend from the cursor when nothing was acked for this long. */
  readonly ackTimeoutMs?: number;
  /**
   * Watchdog: drop the connection and reconnect (which resyncs from the cursor) when data waits
   * and nothing was acked for this long, although the connection looks up. Default 3 × ackTimeoutMs.
   */
  readonly stallTimeoutMs?: number;
  /** MQTT keepalive: a silent network is noticed after 1.5 × this. */
  readonly keepaliveSec?: number;
  readonly connectTimeoutMs?: number;
  readonly reconnectMs?: number;
  /** `close` waits this long, at most, for the hub to acknowledge the offline state (default 2 s). */
  readonly goodbyeTimeoutMs?: number;
  /** The gateway's state, published retained on connect and every `stateEveryMs`. */
  readonly state: () => GatewayState;
  readonly stateEveryMs?: number;
  readonly now?: () => number;
  /** Connection changes and accepted acks, for logs, metrics and tests. */
  readonly onConnection?: (connected: boolean) => void;
  readonly onAck?: (seq: number) => void;
  /** Other messages the hub sends on `down/{site}/{gateway}/{name}` (credentials, planogram, config). */
  readonly onDownlink?: (name: string, payload: Buffer) => void;
}

export interface UplinkStats {
  readonly connected: boolean;
  readonly batches: { readonly live: number; readonly hist: number };
  readonly items: { readonly live: number; readonly hist: number };
  readonly resends: number;
  readonly acks: number;
  /** Connections established (the first one included). */
  readonly connects: number;
  /** Connections the watchdog dropped because acks stalled. */
  readonly stalls: number;
  readonly ackedSeq: number;
}

export class Uplink {
  readonly #o: UplinkOptions;
  readonly #now: () => number;
  #client: MqttClient | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Highest oseq sent (live or hist) since the last (re)connect or resend. */
  #sentLive = 0;
  #sentHist = 0;
  /** Highest oseq covered by a batch actually published since the last (re)connect or resend. */
  #inFlightUpTo = 0;
  /** Rows ≤ this existed when the connection came up: they are the backlog (hist lane). */
  #backlogUpTo = 0;
  #histBudget = 0;
  #lastTick = 0;
  #lastResendAt = 0;
  /** The last valid ack message from the hub, whether or not it moved the cursor. */
  #lastHeardAt = 0;
  #lastState = 0;
  #connected = false;
  /** Set when `close` begins: a connection mqtt.js completes after that touches nothing (the outbox closes next). */
  #closing = false;
  #stats = { batches: { live: 0, hist: 0 }, items: { live: 0, hist: 0 }, resends: 0, acks: 0, connects: 0, stalls: 0 };
  /** When the oldest unacked data started waiting for an ack (0 when nothing waits). */
  #waitingSince = 0;

  constructor(options: UplinkOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  get stats(): UplinkStats {
    return { connected: this.#connected, ...structuredClone(this.#stats), ackedSeq: this.#o.outbox.ackedSeq() };
  }

  start(): void {
    const { site, gateway, boot } = this.#o;
    const lost = gatewayStateCodec.encode({ status: 'lost', site, gateway, boot });
    const options: IClientOptions = {
      // The hub knows a gateway by its id: client id = username = gateway id.
      clientId: gateway,
      clean: true,
      reconnectPeriod: this.#o.reconnectMs ?? 1000,
      connectTimeout: this.#o.connectTimeoutMs ?? 10_000,
      keepalive: this.#o.keepaliveSec ?? 30,
      will: { topic: topics.up(site, gateway, 'state'), payload: Buffer.from(lost), qos: 1, retain: true },
      ...(this.#o.username === undefined ? {} : { username: this.#o.username }),
      ...(this.#o.password === undefined ? {} : { password: this.#o.password }),
    };
    const client = connect(this.#o.url, options);
    this.#client = client;
    client.on('connect', () => {
      if (!this.#closing) this.#onConnect();
    });
    client.on('close', () => {
      if (this.#connected) this.#o.onConnection?.(false);
      this.#connected = false;
    });
    client.on('error', () => undefined); // mqtt.js reconnects by itself; state is in `connected`.
    client.on('message', (topic, payload) => {
      if (!this.#closing) this.#onMessage(topic, payload);
    });
    this.#timer = setInterval(() => this.#tick(), this.#o.flushIntervalMs);
  }

  /** Sends what is ready now (the pipeline calls this after appending, for low latency). */
  flush(): void {
    this.#tick();
  }

  async close(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#timer);
    const client = this.#client;
    if (client === undefined) return;
    // An orderly goodbye: offline state, then DISCONNECT (no last will).
    const { site, gateway, boot } = this.#o;
    let acked = true;
    if (this.#connected) {
      const offline = gatewayStateCodec.encode({ status: 'offline', site, gateway, boot });
      // A broker that no longer answers must not hold the shutdown: wait for its PUBACK a while,
      // then leave without it (its last will, or the hub's own timeout, says offline instead).
      let timer: NodeJS.Timeout | undefined;
      acked = await Promise.race([
        client
          .publishAsync(topics.up(site, gateway, 'state'), offline, { qos: 1, retain: true })
          .then(() => true)
          .catch(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), this.#o.goodbyeTimeoutMs ?? 2000);
        }),
      ]);
      clearTimeout(timer);
    }
    // Force: messages still in flight (unacked QoS 1) are not waited for; the outbox keeps them.
    await client.endAsync(!acked);
  }

  #onConnect(): void {
    this.#connected = true;
    // Batches are written whole; Nagle would only hold the last segment of each back.
    (this.#client?.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
    this.#stats.connects++;
    this.#waitingSince = 0;
    const { site, gateway } = this.#o;
    // Resync: whatever was sent before may be lost; start again from the hub's cursor.
    const acked = this.#o.outbox.ackedSeq();
    this.#sentHist = acked;
    this.#inFlightUpTo = acked;
    // The backlog is (acked, lastSeq]. lastSeq may include numbers skipped after a crash, which no
    // row holds: the last hist batch covers them. With no row waiting there is no backlog, and the
    // first live batch covers them instead, so the hub's cursor never waits on a hole.
    const waiting = this.#o.outbox.peek(acked, { maxItems: 1, maxBytes: Number.MAX_SAFE_INTEGER }).length > 0;
    this.#backlogUpTo = waiting ? this.#o.outbox.lastSeq() : acked;
    this.#sentLive = this.#backlogUpTo;
    this.#lastResendAt = 0;
    this.#lastHeardAt = this.#now();
    this.#lastTick = this.#now();
    this.#histBudget = 0;
    // The ack cursor, and whatever else the hub pushes (credentials, planogram, config: retained).
    const filter = this.#o.onDownlink === undefined ? topics.down(site, gateway, 'ack') : `down/${site}/${gateway}/+`;
    this.#client?.subscribe(filter, { qos: 1 }, () => this.#o.onConnection?.(true));
    this.publishState();
  }

  #onMessage(topic: string, payload: Buffer): void {
    if (topic !== topics.down(this.#o.site, this.#o.gateway, 'ack')) {
      const name = topic.slice(topic.lastIndexOf('/') + 1);
      this.#o.onDownlink?.(name, payload);
      return;
    }
    const decoded = ackCodec.decode(payload);
    if (!decoded.ok || decoded.value.gateway !== this.#o.gateway || decoded.value.epoch !== this.#o.outbox.epoch)
      return;
    const seq = Math.min(decoded.value.seq, this.#o.outbox.lastSeq());
    if (seq > this.#o.outbox.ackedSeq()) {
      this.#o.outbox.ack(seq);
      this.#stats.acks++;
      this.#o.onAck?.(seq);
      // Only an ack that moves the cursor restarts the resend timer: a hub that keeps acking the
      // same seq while batches after it arrive is missing a range, and needs it sent again.
      this.#waitingSince = 0;
    }
    this.#lastHeardAt = this.#now();
  }

  #tick(): void {
    // mqtt.js would queue publishes while offline and replay them later; the uplink resyncs from
    // the hub's cursor on reconnect instead, so it sends only on a live connection.
    if (!this.#connected || this.#client?.connected !== true) return;
    const now = this.#now();
    const acked = this.#o.outbox.ackedSeq();
    const ackTimeout = this.#o.ackTimeoutMs ?? 10_000;
    const unacked = this.#inFlightUpTo > acked;
    if (!unacked) this.#waitingSince = 0;
    else if (this.#waitingSince === 0) this.#waitingSince = now;
    const stallTimeout = this.#o.stallTimeoutMs ?? 3 * ackTimeout;
    if (unacked && now - Math.max(this.#waitingSince, this.#lastHeardAt) > stallTimeout) {
      // Resending did not help: the connection is dead in a way keepalive has not noticed yet (or
      // the hub's session is broken). Drop it; mqtt.js reconnects and #onConnect resyncs.
      this.#stats.stalls++;
      this.#waitingSince = 0;
      this.#connected = false;
      this.#o.onConnection?.(false);
      this.#client?.stream.destroy();
      return;
    }
    if (unacked && now - Math.max(this.#waitingSince, this.#lastResendAt) > ackTimeout) {
      // Go-back-N: the hub has nothing past `acked`; send it all again, backlog first.
      this.#stats.resends++;
      this.#sentHist = acked;
      this.#sentLive = Math.max(acked, this.#backlogUpTo);
      this.#inFlightUpTo = acked;
      this.#lastResendAt = now;
    }
    this.#sentHist = Math.max(this.#sentHist, acked);
    this.#sentLive = Math.max(this.#sentLive, acked);
    // Live first, everything new since the connection came up.
    for (let guard = 0; guard < 1000; guard++) {
      const sent = this.#sendBatch('live', this.#sentLive, Number.POSITIVE_INFINITY, this.#o.batchMaxItems);
      if (sent === undefined) break;
      this.#sentLive = sent;
    }
    // Then the backlog. `histItemsPerSecond` is a ceiling (a token bucket holding at most one second,
    // and at least one batch); and at most `histWindowBatches` batches may be sent and not yet acked,
    // so the backlog stays on disk rather than in the heap or the socket, live batches never queue
    // behind it, and one tick does a bounded amount of work. Batches are full unless the budget is
    // below one batch per second or the backlog's end is near.
    const batch = this.#o.batchMaxItems;
    this.#histBudget = Math.min(
      Math.max(batch, this.#o.histItemsPerSecond),
      this.#histBudget + ((now - this.#lastTick) / 1000) * this.#o.histItemsPerSecond,
    );
    this.#lastTick = now;
    const window = (this.#o.histWindowBatches ?? 4) * batch;
    while (this.#sentHist < this.#backlogUpTo && this.#sentHist - acked < window) {
      const worth = Math.min(batch, this.#o.histItemsPerSecond, this.#backlogUpTo - this.#sentHist);
      if (this.#histBudget < worth) break;
      const before = this.#sentHist;
      const sent = this.#sendBatch(
        'hist',
        this.#sentHist,
        this.#backlogUpTo,
        Math.min(batch, Math.floor(this.#histBudget)),
      );
      if (sent === undefined) break;
      this.#histBudget -= Math.max(1, sent - before);
      this.#sentHist = sent;
    }
    if (now - this.#lastState >= (this.#o.stateEveryMs ?? 10_000)) this.publishState();
  }

  /** One batch of rows in (after, upTo]; returns the new sent mark, or undefined when nothing was due. */
  #sendBatch(lane: 'live' | 'hist', after: number, upTo: number, maxItems: number): number | undefined {
    const rows = this.#o.outbox
      .peek(after, { maxItems, maxBytes: this.#o.batchMaxBytes })
      .filter((r) => r.oseq <= upTo);
    const last = rows.at(-1);
    // The batch covers (after, lastSeq]. The last batch of the backlog reaches its end, so numbers
    // skipped after a crash or dropped (held by no row) are covered too; when no row is left in
    // (after, upTo] at all, an empty batch covers the range, or the hub's cursor would wait forever.
    if (last === undefined && !(Number.isFinite(upTo) && after < upTo)) return undefined;
    let lastSeq = last?.oseq ?? upTo;
    if (Number.isFinite(upTo) && lastSeq < upTo) {
      const more = this.#o.outbox.peek(lastSeq, { maxItems: 1, maxBytes: Number.MAX_SAFE_INTEGER })[0];
      if (more === undefined || more.oseq > upTo) lastSeq = upTo;
    }
    const { site, gateway, boot } = this.#o;
    // Items are stored as JSON; the batch is assembled as text, each item gaining its `oseq`.
    const items = rows.map((r) => `{"oseq":${r.oseq},${r.payload.slice(1)}`).join(',');
    const dropped = this.#o.outbox.takeDrops();
    const header = {
      v: 1,
      site,
      gateway,
      epoch: this.#o.outbox.epoch,
      boot,
      lane,
      firstSeq: after + 1,
      lastSeq,
      sentAt: this.#now(),
      ...(dropped.length === 0 ? {} : { dropped }),
    };
    const text = `${JSON.stringify(header).slice(0, -1)},"items":[${items}]}`;
    this.#client?.publish(topics.up(site, gateway, lane === 'live' ? 'batch' : 'hist'), text, { qos: 1 });
    this.#stats.batches[lane]++;
    this.#stats.items[lane] += rows.length;
    this.#inFlightUpTo = Math.max(this.#inFlightUpTo, lastSeq);
    return lastSeq;
  }

  /** Publishes the gateway state now (retained), e.g. right after a model switched or was refused. */
  publishState(): void {
    this.#lastState = this.#now();
    const { site, gateway } = this.#o;
    this.#client?.publish(topics.up(site, gateway, 'state'), gatewayStateCodec.encode(this.#o.state()), {
      qos: 1,
      retain: true,
    });
  }
}
