import {
  CHANNEL_TYPES,
  type DeviceEvent,
  type DeviceKind,
  type DeviceState,
  IdGenerator,
  type ItemType,
  type TimeQuality,
  topics,
} from '@aisle/protocols';
import type { DeviceIdentity, DeviceOutput } from '../outputs/output.js';
import { type Rng, rngFor } from '../rng.js';
import type { Scenario } from '../scenario.js';
import type { TruthRecorder } from './truth.js';

/**
 * Turns what simulated devices sense into what real devices would send: the protocol envelope
 * (per-device boot, sequence, clock with its quality), over MQTT or a serial line, with the
 * scenario's transport faults applied. Each fault draws from its own random stream, so turning
 * one on changes nothing else in the run.
 */

const CHANNEL_OF = Object.fromEntries(
  Object.entries(CHANNEL_TYPES).map(([channel, type]) => [type, channel]),
) as Record<string, string>;

/** A never-set RTC starts here at power-on (a common firmware default). */
const UNSET_CLOCK_EPOCH = Date.UTC(2000, 0, 1);

interface DeviceRuntime {
  readonly identity: DeviceIdentity;
  seq: number;
  readonly boot: number;
  readonly bootAt: number;
  readonly skewMs: number;
  readonly unsynced: boolean;
}

type Faults = Scenario['faults'];

export class DeviceEmitter {
  readonly #devices = new Map<string, DeviceRuntime>();
  readonly #ids: IdGenerator;
  readonly #faults: Faults;
  readonly #emit: (output: DeviceOutput) => void;
  readonly #defer: (at: number, output: DeviceOutput) => void;
  readonly #truth: TruthRecorder;
  readonly #rng: { clock: Rng; password: Rng; dropout: Rng; duplicate: Rng; reorder: Rng; garbage: Rng };

  constructor(options: {
    seed: number;
    faults: Faults;
    emit: (output: DeviceOutput) => void;
    /** Hands an output back to the simulation to emit later (reordering). */
    defer: (at: number, output: DeviceOutput) => void;
    truth: TruthRecorder;
  }) {
    const idRng = rngFor(options.seed, 'ids');
    this.#ids = new IdGenerator(() => idRng.bytes16());
    this.#faults = options.faults;
    this.#emit = options.emit;
    this.#defer = options.defer;
    this.#truth = options.truth;
    this.#rng = {
      clock: rngFor(options.seed, 'fault:clock'),
      password: rngFor(options.seed, 'passwords'),
      dropout: rngFor(options.seed, 'fault:dropout'),
      duplicate: rngFor(options.seed, 'fault:duplicate'),
      reorder: rngFor(options.seed, 'fault:reorder'),
      garbage: rngFor(options.seed, 'fault:garbage'),
    };
  }

  get devices(): DeviceIdentity[] {
    return [...this.#devices.values()].map((d) => d.identity);
  }

  register(site: string, device: string, kind: DeviceKind, at: number): DeviceIdentity {
    const key = `${site}/${device}`;
    const existing = this.#devices.get(key);
    if (existing !== undefined) return existing.identity;
    const password = Array.from({ length: 4 }, () =>
      this.#rng.password.int(0, 0xffff).toString(16).padStart(4, '0'),
    ).join('');
    // Each device draws its clock fate in registration order from the clock stream.
    const skewed = this.#rng.clock.chance(this.#faults.clockSkew.share);
    const skewMs = skewed ? Math.round((this.#rng.clock.next() * 2 - 1) * this.#faults.clockSkew.maxSkewS * 1000) : 0;
    const unsynced = this.#rng.clock.chance(this.#faults.unsyncedClock.share);
    const identity: DeviceIdentity = { site, device, kind, username: `${site}.${device}`, password };
    this.#devices.set(key, { identity, seq: 0, boot: 1, bootAt: at, skewMs, unsynced });
    if (skewMs !== 0 || unsynced) this.#truth.record({ t: at, kind: 'clock', site, device, skewMs, unsynced });
    return identity;
  }

  /** The device's own clock reading at simulated time `at`, and how good it is. */
  clock(site: string, device: string, at: number): { ts: number; tq: TimeQuality } {
    const d = this.#runtime(site, device);
    if (d.unsynced) return { ts: UNSET_CLOCK_EPOCH + (at - d.bootAt), tq: 'unsynced' };
    return { ts: at + d.skewMs, tq: d.skewMs === 0 ? 'ntp' : 'rtc' };
  }

  /** A telemetry item on `dt/{site}/{device}/{channel}`. */
  telemetry(at: number, site: string, device: string, type: ItemType, data: unknown, qos: 0 | 1 = 0): void {
    const channel = CHANNEL_OF[type];
    if (channel === undefined) throw new Error(`no telemetry channel carries ${type}`);
    this.#item(at, site, device, type, data, topics.dt(site, device, channel), qos);
  }

  /** A device event on `evt/{site}/{device}/{event}`. */
  event(at: number, site: string, device: string, data: DeviceEvent): void {
    this.#item(at, site, device, 'device.event', data, topics.evt(site, device, data.event), 1);
  }

  /** Retained device state (no envelope: the LWT must be the bare `{"status":"lost"}`). */
  state(at: number, site: string, device: string, state: DeviceState): void {
    this.#send({
      kind: 'mqtt',
      device: `${site}/${device}`,
      topic: topics.state(site, device),
      payload: JSON.stringify(state),
      qos: 1,
      retain: true,
      at,
    });
  }

  /** A serial frame (already encoded) on a line, with the garbage fault applied. */
  serial(at: number, site: string, line: string, frame: string): void {
    let data = frame;
    if (this.#rng.garbage.chance(this.#faults.serialGarbage.rate)) {
      const n = this.#rng.garbage.int(1, 16);
      let noise = '';
      // Printable and control bytes, never `$` (which would open a frame).
      for (let i = 0; i < n; i++)
        noise += String.fromCharCode(this.#rng.garbage.pick([0x00, 0x07, 0x0a, 0x21, 0x3f, 0x5a, 0x7f, 0xff]));
      data = noise + frame;
      this.#truth.record({ t: at, kind: 'fault', fault: 'serial-garbage', site, device: line, bytes: n });
    }
    this.#send({ kind: 'serial', line: `${site}/${line}`, data, at });
  }

  /** The next per-device sequence number for a device that frames its own messages (serial). */
  nextSeq(site: string, device: string): number {
    const d = this.#runtime(site, device);
    d.seq += 1;
    return d.seq;
  }

  #item(at: number, site: string, device: string, type: ItemType, data: unknown, topic: string, qos: 0 | 1): void {
    const d = this.#runtime(site, device);
    d.seq += 1;
    const { ts, tq } = this.clock(site, device, at);
    const envelope = { id: this.#ids.next(ts), type, src: { site, device }, boot: d.boot, seq: d.seq, ts, tq, data };
    this.#send({
      kind: 'mqtt',
      device: `${site}/${device}`,
      topic,
      payload: JSON.stringify(envelope),
      qos,
      retain: false,
      at,
    });
  }

  /** Transport faults: lost, doubled, or late (overtaken by later messages). */
  #send(output: Extract<DeviceOutput, { kind: 'mqtt' | 'serial' }>): void {
    const f = this.#faults;
    const retained = output.kind === 'mqtt' && output.retain;
    const who = output.kind === 'mqtt' ? output.device : output.line;
    if (!retained && this.#rng.dropout.chance(f.dropout.rate)) {
      this.#truth.record({ t: output.at, kind: 'fault', fault: 'dropout', device: who });
      return;
    }
    const duplicate = !retained && this.#rng.duplicate.chance(f.duplicate.rate);
    if (output.kind === 'mqtt' && !retained && this.#rng.reorder.chance(f.reorder.rate)) {
      const delayMs = Math.round(this.#rng.reorder.next() * f.reorder.maxDelayS * 1000);
      this.#truth.record({ t: output.at, kind: 'fault', fault: 'reorder', device: who, delayMs });
      this.#defer(output.at + delayMs, { ...output, at: output.at + delayMs });
    } else {
      this.#emit(output);
    }
    if (duplicate) {
      this.#truth.record({ t: output.at, kind: 'fault', fault: 'duplicate', device: who });
      this.#emit(output);
    }
  }

  #runtime(site: string, device: string): DeviceRuntime {
    const d = this.#devices.get(`${site}/${device}`);
    if (d === undefined) throw new Error(`device ${site}/${device} is not registered`);
    return d;
  }
}
