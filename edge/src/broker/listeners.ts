import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { createWebSocketStream, WebSocketServer } from 'ws';

/**
 * The broker's network listeners: plain TCP, optionally WebSocket (`ws` + `createWebSocketStream`,
 * the way aedes 1.x wants it) and TLS. Each accepted connection is handed over as a Duplex. Every
 * raw socket is tracked so `close()` can end connections that never completed CONNECT (aedes only
 * closes the clients it registered).
 */

export interface TcpListenerOptions {
  readonly host: string;
  /** 0 lets the OS pick a free port; `addresses.tcp.port` reports it. */
  readonly port: number;
}

export interface WebSocketListenerOptions {
  /** Defaults to the TCP listener's host. */
  readonly host?: string;
  readonly port: number;
}

export interface TlsListenerOptions {
  /** Defaults to the TCP listener's host. */
  readonly host?: string;
  readonly port: number;
  /** PEM files, read once at start. */
  readonly certFile: string;
  readonly keyFile: string;
}

export type Transport = 'tcp' | 'websocket' | 'tls';

export interface BoundAddress {
  readonly host: string;
  readonly port: number;
}

export interface ListenerAddresses {
  readonly tcp: BoundAddress;
  readonly websocket?: BoundAddress;
  readonly tls?: BoundAddress;
}

interface ListenerOptions {
  readonly tcp: TcpListenerOptions;
  readonly websocket?: WebSocketListenerOptions | undefined;
  readonly tls?: TlsListenerOptions | undefined;
  /** The `ws` message bound, so the WebSocket layer does not buffer what the MQTT layer would refuse. */
  readonly maxMessageBytes: number;
}

export type AcceptConnection = (conn: Duplex, transport: Transport, remoteAddress: string | undefined) => void;
export type ListenerErrorHandler = (transport: Transport, error: Error) => void;

export interface Listeners {
  readonly addresses: ListenerAddresses;
  close(): Promise<void>;
}

interface Closable {
  close(callback: () => void): void;
}

function listen(server: Server, port: number, host: string): Promise<BoundAddress> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      resolve({ host: address.address, port: address.port });
    });
  });
}

export async function openListeners(
  options: ListenerOptions,
  accept: AcceptConnection,
  onError: ListenerErrorHandler,
): Promise<Listeners> {
  const sockets = new Set<Socket>();
  const closables: Closable[] = [];
  const track = (server: Server, transport: Transport): void => {
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    server.on('error', (error: Error) => onError(transport, error));
    closables.push(server);
  };
  const close = async (): Promise<void> => {
    const closed = closables.splice(0).map((c) => new Promise<void>((resolve) => c.close(() => resolve())));
    for (const socket of sockets) socket.destroy();
    await Promise.all(closed);
  };

  try {
    const tcpServer = createTcpServer({ noDelay: true }, (socket) => accept(socket, 'tcp', socket.remoteAddress));
    track(tcpServer, 'tcp');
    const tcp = await listen(tcpServer, options.tcp.port, options.tcp.host);
    let addresses: ListenerAddresses = { tcp };

    if (options.websocket !== undefined) {
      const httpServer = createHttpServer();
      const wss = new WebSocketServer({ server: httpServer, maxPayload: options.maxMessageBytes });
      wss.on('connection', (ws, request) =>
        accept(createWebSocketStream(ws), 'websocket', request.socket.remoteAddress),
      );
      wss.on('error', (error) => onError('websocket', error));
      // Closed before the HTTP server: `wss.close()` does not close a server it was given.
      closables.push(wss);
      track(httpServer, 'websocket');
      const host = options.websocket.host ?? options.tcp.host;
      addresses = { ...addresses, websocket: await listen(httpServer, options.websocket.port, host) };
    }

    if (options.tls !== undefined) {
      const [cert, key] = await Promise.all([readFile(options.tls.certFile), readFile(options.tls.keyFile)]);
      const tlsServer = createTlsServer({ cert, key }, (socket) => accept(socket, 'tls', socket.remoteAddress));
      track(tlsServer, 'tls');
      tlsServer.on('tlsClientError', (error) => onError('tls', error));
      const host = options.tls.host ?? options.tcp.host;
      addresses = { ...addresses, tls: await listen(tlsServer, options.tls.port, host) };
    }
    return { addresses, close };
  } catch (error) {
    await close();
    throw error;
  }
}
