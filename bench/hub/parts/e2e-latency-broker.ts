import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { Aedes } from 'aedes';

/**
 * The anchor's broker child of `hub/e2e-latency` (bench/hub/e2e-latency.ts): aedes with its
 * defaults and no hooks on a free loopback port, alone in its process.
 */
export async function serveBroker(): Promise<void> {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  server.listen({ port: 0, host: '127.0.0.1', backlog: 1024 });
  await once(server, 'listening');
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  process.send?.({ port: (server.address() as AddressInfo).port });
}
