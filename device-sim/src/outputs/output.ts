import type { DeviceKind } from '@aisle/protocols';

/** A simulated device's identity: what it uses to connect, like a real one. */
export interface DeviceIdentity {
  readonly site: string;
  readonly device: string;
  readonly kind: DeviceKind;
  /** MQTT username (the device id) and password (deterministic per seed). */
  readonly username: string;
  readonly password: string;
}

/** One thing a simulated device emits, in simulated-time order. */
export type DeviceOutput =
  | {
      readonly kind: 'mqtt';
      /** `site/device`: device ids are unique within a site only. */
      readonly device: string;
      readonly topic: string;
      readonly payload: string;
      readonly qos: 0 | 1;
      readonly retain: boolean;
      /** Simulated time of emission, ms UTC. */
      readonly at: number;
    }
  | {
      readonly kind: 'serial';
      /** `site/line`: the scale or GPS module on the line. */
      readonly line: string;
      readonly data: string;
      readonly at: number;
    }
  | {
      /** The disconnect-storm fault: these devices (`site/device`) drop off abruptly for a while. */
      readonly kind: 'disconnect';
      readonly devices: readonly string[];
      readonly durationMs: number;
      readonly at: number;
    };

/** Where outputs go: a broker, pty pairs, a file. Never throws on transport trouble: counts it. */
export interface OutputSink {
  write(output: DeviceOutput): void;
  close(): Promise<void>;
}
