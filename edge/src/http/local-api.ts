import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/**
 * The gateway's local HTTP: `/metrics` (Prometheus text), `/health` (200 when every check passes,
 * 503 with the failing ones otherwise), `/state` (lanes, doors, vans and open alerts as JSON, so a
 * store tablet still works when the WAN is down). Read-only; anything else is 404.
 */
export interface LocalApiOptions {
  readonly host: string;
  readonly port: number;
  readonly metrics: Registry;
  /** Named checks; a check returns undefined when healthy, else why not. */
  readonly health: () => Record<string, string | undefined>;
  readonly state: () => unknown;
}

export class LocalApi {
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(options: LocalApiOptions): Promise<LocalApi> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const send = (status: number, type: string, body: string) => {
        res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
        res.end(body);
      };
      if (req.method !== 'GET') return send(405, 'text/plain', 'method not allowed\n');
      if (path === '/metrics') {
        options.metrics.metrics().then(
          (text) => send(200, options.metrics.contentType, text),
          (error: unknown) => send(500, 'text/plain', `metrics failed: ${String(error)}\n`),
        );
        return;
      }
      if (path === '/health') {
        const checks = options.health();
        const failing = Object.entries(checks).filter(([, why]) => why !== undefined);
        return send(
          failing.length === 0 ? 200 : 503,
          'application/json',
          `${JSON.stringify({ ok: failing.length === 0, checks })}\n`,
        );
      }
      if (path === '/state') return send(200, 'application/json', `${JSON.stringify(options.state())}\n`);
      return send(404, 'text/plain', 'not found\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => resolve());
    });
    return new LocalApi(server);
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.closeAllConnections();
      this.#server.close(() => resolve());
    });
  }
}
