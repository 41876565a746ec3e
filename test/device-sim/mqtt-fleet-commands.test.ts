import { createServer } from 'node:net';
import { type Command, newId, topics } from '@aisle/protocols';
import { Aedes } from 'aedes';
import { connectAsync } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { MqttFleet } from '../../device-sim/src/outputs/mqtt-fleet.js';
import type { DeviceIdentity } from '../../device-sim/src/outputs/output.js';

/** Simulated devices hear their own commands, decoded with the contract, and nobody else's. */
describe('commands to fleet devices', () => {
  it('delivers a tare to the device it names, refuses malformed ones, and other devices hear nothing', async () => {
    const broker = await Aedes.createBroker();
    const server = createServer(broker.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const devices: DeviceIdentity[] = ['scale-1', 'scale-2'].map((device) => ({
      site: 'store-a',
      device,
      kind: 'shelf-scale',
      username: `store-a.${device}`,
      password: 'pw',
    }));
    const heard: Array<{ device: string; command: Command }> = [];
    let resolveHeard: () => void = () => {};
    const first = new Promise<void>((resolve) => {
      resolveHeard = resolve;
    });
    const fleet = new MqttFleet({
      brokerUrl: `mqtt://127.0.0.1:${port}`,
      devices,
      onCommand: (_site, device, command) => {
        heard.push({ device, command });
        resolveHeard();
      },
    });
    const gateway = await connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'gateway' });
    try {
      await fleet.start();
      // start() resolves after each device's SUBACK: the commands below cannot be missed.
      const tare: Command = { id: newId(), ts: Date.now(), command: 'tare', lane: 'a01-s0-p00' };
      await gateway.publishAsync(topics.cmd('store-a', 'scale-1', 'calibrate'), 'not json', { qos: 1 });
      await gateway.publishAsync(topics.cmd('store-a', 'scale-1', 'tare'), JSON.stringify(tare), { qos: 1 });
      await Promise.race([
        first,
        new Promise((_, reject) => setTimeout(() => reject(new Error('no command heard')), 5000)),
      ]);
      expect(heard).toEqual([{ device: 'scale-1', command: tare }]);
      expect(fleet.stats().commands).toEqual({ received: 1, refused: 1 });
    } finally {
      await gateway.endAsync();
      await fleet.close();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
