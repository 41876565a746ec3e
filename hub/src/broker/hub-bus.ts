/**
 * How the hub meets its gateways: the embedded aedes broker by default, an external broker
 * (Mosquitto, EMQX…) with a shared subscription in production. Services see only this.
 */
export type BusHandler = (topic: string, payload: Buffer) => Promise<void> | void;

export interface HubBus {
  /** Handles messages on `filter` (MQTT wildcards). The handler's promise is awaited, in order per topic. */
  subscribe(filter: string, handler: BusHandler): Promise<void>;
  publish(topic: string, payload: string | Buffer, options: { qos: 0 | 1; retain?: boolean }): Promise<void>;
  /** Ends the connection of a client (a revoked or rotated gateway); false when it is not connected. */
  disconnect(clientId: string): boolean;
  /** The URL gateways connect to. */
  readonly url: string;
  close(): Promise<void>;
}
