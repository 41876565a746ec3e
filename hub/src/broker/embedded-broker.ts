import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { verifyPassword } from '@aisle/edge/credentials';
import { parseTopic } from '@aisle/protocols';
import { Aedes, type AuthenticateError, type Client, type PublishPacket, type Subscription } from 'aedes';
import { Counter, type Registry } from 'prom-client';
import type { RegistryRepository } from '../registry/registry.repository.js';
import type { BusHandler, HubBus } from './hub-bus.js';

/**
 * The embedded broker gateways connect to (aedes over TCP). A gateway logs in with client id =
 * username = its gateway id and the password issued at provisioning (scrypt hash in the registry;
 * a revoked gateway is refused); it may publish only `up/{its site}/{itself}/…` and subscribe only
 * to `down/{its site}/{itself}/…`. Every refusal is counted by reason. The hub's own services
 * subscribe in-process (no client).
 */
export interface EmbeddedBrokerOptions {
  readonly host: string;
  readonly port: number;
  readonly maxPayloadBytes: number;
  readonly registry: RegistryRepository;
  readonly metrics: Registry;
}

type Refusal = 'bad-credentials' | 'revoked' | 'client-id' | 'topic' | 'subscription' | 'payload-too-large';

/** What aedes keeps about a logged-in gateway. */
interface GatewayClient extends Client {
  aisle?: { gateway: string; site: string };
}

export class EmbeddedBroker implements HubBus {
  readonly url: string;
  readonly #aedes: Aedes;
  readonly #server: Server;
  readonly #sockets: Set<Socket>;

  private constructor(aedes: Aedes, server: Server, sockets: Set<Socket>, url: string) {
    this.#aedes = aedes;
    this.#server = server;
    this.#sockets = sockets;
    this.url = url;
  }

  static async start(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
    const refusals = new Counter({
      name: 'aisle_hub_broker_refusals_total',
      help: 'Connections, publishes and subscriptions the hub broker refused, by reason',
      labelNames: ['reason'],
      registers: [options.metrics],
    });
    const refuse = (reason: Refusal) => refusals.inc({ reason });
    const aedes = await Aedes.createBroker({
      // Batches are large; the default of 100 in-flight deliveries is plenty for a few gateways.
      concurrency: 1000,
      authenticate: (client: GatewayClient, username, password, done) => {
        const fail = (reason: Refusal, code: 4 | 5 | 2) => {
          refuse(reason);
          const error = new Error(reason) as AuthenticateError;
          error.returnCode = code;
          done(error, false);
        };
        if (username === undefined || password === undefined) return fail('bad-credentials', 4);
        if (client.id !== username) return fail('client-id', 2);
        options.registry.gateway(username).then(
          async (record) => {
            if (record === undefined || !(await verifyPassword(password, record.passwordHash)))
              return fail('bad-credentials', 4);
            if (record.revokedAt !== null) return fail('revoked', 5);
            client.aisle = { gateway: record.gateway, site: record.site };
            done(null, true);
          },
          () => fail('bad-credentials', 4),
        );
      },
      authorizePublish: (client: GatewayClient | null, packet: PublishPacket, done) => {
        if (client === null) return done(null); // the hub itself
        const who = client.aisle;
        const topic = parseTopic(packet.topic);
        if (
          who === undefined ||
          !topic.ok ||
          topic.value.kind !== 'up' ||
          topic.value.site !== who.site ||
          topic.value.gateway !== who.gateway
        ) {
          refuse('topic');
          return done(new Error('topic not allowed'));
        }
        if (packet.payload.length > options.maxPayloadBytes) {
          refuse('payload-too-large');
          return done(new Error('payload too large'));
        }
        done(null);
      },
      authorizeSubscribe: (client: GatewayClient | null, subscription: Subscription, done) => {
        const who = client?.aisle;
        const prefix = who === undefined ? undefined : `down/${who.site}/${who.gateway}/`;
        if (
          prefix === undefined ||
          !subscription.topic.startsWith(prefix) ||
          subscription.topic.includes('#', prefix.length - 1)
        ) {
          refuse('subscription');
          return done(null, null);
        }
        done(null, subscription);
      },
    });
    const server = createServer(aedes.handle);
    const sockets = new Set<Socket>();
    server.on('connection', (socket) => {
      // Acks and pushes are small and latency-bound: no Nagle.
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    server.listen(options.port, options.host);
    try {
      await once(server, 'listening');
    } catch (error) {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      throw error;
    }
    const { port } = server.address() as { port: number };
    return new EmbeddedBroker(aedes, server, sockets, `mqtt://${options.host}:${port}`);
  }

  async subscribe(filter: string, handler: BusHandler): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#aedes.subscribe(
        filter,
        (packet, done) => {
          Promise.resolve()
            .then(() =>
              handler(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload)),
            )
            .then(
              () => done(),
              () => done(),
            );
        },
        resolve,
      );
    });
  }

  publish(topic: string, payload: string | Buffer, options: { qos: 0 | 1; retain?: boolean }): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#aedes.publish(
        {
          cmd: 'publish',
          topic,
          payload: Buffer.from(payload),
          qos: options.qos,
          retain: options.retain ?? false,
          dup: false,
        },
        (error) => (error ? reject(error) : resolve()),
      );
    });
  }

  disconnect(clientId: string): boolean {
    // aedes keeps its connected clients by id; its typings do not declare the map.
    const clients = (this.#aedes as unknown as { clients: Record<string, Client | undefined> }).clients;
    const client = clients[clientId];
    if (client === undefined) return false;
    client.close();
    return true;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await new Promise<void>((resolve) => this.#aedes.close(() => resolve()));
  }
}
