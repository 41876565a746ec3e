import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP relay that can cut the network between a client and its server and restore it,
 * the way a dead WAN link behaves: while cut, bytes stop flowing in both directions (reading is
 * paused, so TCP's own buffers fill and writers see backpressure) and new connections hang without
 * reaching the server; nothing is reset, so each side finds out only by its own timeouts. On
 * restore, held connections carry on where they stopped and new ones are put through.
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #target: { host: string; port: number };
  readonly #pairs = new Set<{ client: Socket; upstream: Socket | undefined }>();
  #cut = false;
  /** Connections accepted (put through or held). */
  accepted = 0;

  private constructor(server: Server, target: { host: string; port: number }) {
    this.#server = server;
    this.#target = target;
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server, target);
    server.on('connection', (client) => proxy.#accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  get isCut(): boolean {
    return this.#cut;
  }

  cut(): void {
    this.#cut = true;
    for (const pair of this.#pairs) {
      pair.client.pause();
      pair.upstream?.pause();
    }
  }

  restore(): void {
    this.#cut = false;
    for (const pair of this.#pairs) {
      if (pair.upstream === undefined) this.#connect(pair);
      else {
        pair.client.resume();
        pair.upstream.resume();
      }
    }
  }

  async close(): Promise<void> {
    for (const pair of this.#pairs) {
      pair.client.destroy();
      pair.upstream?.destroy();
    }
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    this.accepted++;
    const pair: { client: Socket; upstream: Socket | undefined } = { client, upstream: undefined };
    this.#pairs.add(pair);
    client.on('error', () => undefined);
    client.on('close', () => {
      pair.upstream?.destroy();
      this.#pairs.delete(pair);
    });
    client.pause();
    if (!this.#cut) this.#connect(pair);
  }

  #connect(pair: { client: Socket; upstream: Socket | undefined }): void {
    const upstream = createConnection(this.#target);
    pair.upstream = upstream;
    upstream.on('error', () => undefined);
    upstream.on('close', () => pair.client.destroy());
    pair.client.on('close', () => upstream.destroy());
    this.#forward(pair.client, upstream);
    this.#forward(upstream, pair.client);
    pair.client.resume();
  }

  /** Like `pipe`, but a drain never resumes a side while the link is cut. */
  #forward(from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (to.write(chunk)) return;
      from.pause();
      to.once('drain', () => {
        if (!this.#cut) from.resume();
      });
    });
  }
}
